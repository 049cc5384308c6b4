// AbortSignal on publish, subscribe, unsubscribe and connected(), at each stage: before the call,
// while the operation waits (queued offline, or for its ACK), and after it completed.
import { randomUUID } from 'node:crypto';
import diagnostics_channel from 'node:diagnostics_channel';
import { getEventListeners } from 'node:events';
import { afterAll, describe, expect, it } from 'vitest';
import { ClientSessionBehavior, CrtError, type Mqtt5Client, QoS } from '../../dist/index.js';
import { closeAll, connectedClient, newClient, once, stopAndClose, uniqueTopic } from '../helpers/client';
import { connack, PacketType, packetIdOf, puback, startScriptedServer, suback } from '../helpers/scripted_server';
import { sleep, track, waitFor } from '../helpers/wait';

afterAll(closeAll);

function expectAbortError(e: any, cause?: unknown) {
    expect(e).toBeInstanceOf(DOMException);
    expect(e.name).toBe('AbortError');
    expect(e.code).toBe(20);
    if (cause !== undefined) expect(e.cause).toBe(cause);
}

const listeners = (signal: AbortSignal) => getEventListeners(signal, 'abort').length;

/** The errors the tracing channel of `kind` publishes for `client`'s operations. */
function traceErrors(client: Mqtt5Client, kind: 'publish' | 'subscribe' | 'unsubscribe') {
    const errors: unknown[] = [];
    const channel = diagnostics_channel.tracingChannel(`mqtt5-crt:${kind}`);
    const handlers = {
        error: (message: any) => {
            if (message.client === client) errors.push(message.error);
        },
    };
    channel.subscribe(handlers as never);
    return { errors, stop: () => channel.unsubscribe(handlers as never) };
}

describe('already aborted', () => {
    it('publish, subscribe and unsubscribe reject with an AbortError and submit nothing', async () => {
        const client = await connectedClient();
        const topic = uniqueTopic('abort-pre');
        const seen: unknown[] = [];
        await client.subscribe({ subscriptions: [{ topicFilter: topic, qos: QoS.AtLeastOnce }] });
        client.on('messageReceived', (e) => seen.push(e));
        const before = client.metrics();
        const reason = new Error('no longer wanted');
        const signal = AbortSignal.abort(reason);
        expectAbortError(
            await client.publish({ topicName: topic, qos: QoS.AtLeastOnce, payload: 'x' }, { signal }).catch((e) => e),
            reason,
        );
        expectAbortError(
            await client.publish({ topicName: topic, qos: QoS.AtMostOnce, payload: 'x' }, { signal }).catch((e) => e),
            reason,
        );
        expectAbortError(
            await client.subscribe({ subscriptions: [{ topicFilter: 'x', qos: 0 }] }, { signal }).catch((e) => e),
            reason,
        );
        expectAbortError(await client.unsubscribe({ topicFilters: [topic] }, { signal }).catch((e) => e), reason);
        // The broker got none of them: a publish after them is the first message back (the
        // subscription is still there), and the broker answers one connection's packets in order.
        await client.publish({ topicName: topic, qos: QoS.AtLeastOnce, payload: 'after' });
        await waitFor(
            () => seen.length > 0,
            10_000,
            () => 'the message published after them',
        );
        expect(seen.map((e: any) => Buffer.from(e.message.payload).toString())).toEqual(['after']);
        const after = client.metrics();
        expect(after.publishes).toEqual({
            ...before.publishes,
            started: before.publishes.started + 1,
            succeeded: before.publishes.succeeded + 1,
        });
        expect(after.subscribes).toEqual(before.subscribes);
        expect(after.unsubscribes).toEqual(before.unsubscribes);
        expect(listeners(signal)).toBe(0);
    });
});

describe('while waiting', () => {
    it('a publish queued while offline is withdrawn: never sent after reconnecting, its memory freed at once', async () => {
        const subscriber = await connectedClient();
        const topic = uniqueTopic('abort-queued');
        await subscriber.subscribe({ subscriptions: [{ topicFilter: topic, qos: QoS.AtLeastOnce }] });
        const seen: string[] = [];
        subscriber.on('messageReceived', (e) => seen.push(Buffer.from(e.message.payload as ArrayBuffer).toString()));
        const client = newClient();
        const trace = traceErrors(client, 'publish');
        const controller = new AbortController();
        const kept = track(client.publish({ topicName: topic, qos: QoS.AtLeastOnce, payload: 'kept' }));
        const aborted = track(
            client.publish({ topicName: topic, qos: QoS.AtLeastOnce, payload: 'aborted' }, { signal: controller.signal }),
        );
        const big = track(
            // 64 KiB: submitted to the CRT at once rather than batched (binding/publish_batcher.h).
            client.publish(
                { topicName: topic, qos: QoS.AtLeastOnce, payload: Buffer.alloc(64 * 1024) },
                { signal: controller.signal },
            ),
        );
        await waitFor(
            () => client.metrics().operations.incompleteOperationCount === 3,
            10_000,
            () => `three publishes queued (${JSON.stringify(client.metrics().operations)})`,
        );
        const queuedSize = client.metrics().operations.incompleteOperationSize;
        controller.abort();
        await Promise.allSettled([aborted.promise, big.promise]);
        expectAbortError(aborted.reason, controller.signal.reason);
        expectAbortError(big.reason, controller.signal.reason);
        expect(listeners(controller.signal)).toBe(0);
        // Withdrawn from the CRT's queue while still offline: only the kept one is left.
        // Their failure (AWS_ERROR_IO_OPERATION_CANCELLED) reaches JS as any completion does.
        await waitFor(
            () => client.metrics().publishes.failed === 2,
            10_000,
            () => `the aborted ones withdrawn (${JSON.stringify(client.metrics())})`,
        );
        expect(client.metrics().operations.incompleteOperationCount).toBe(1);
        expect(client.metrics().operations.incompleteOperationSize).toBeLessThan(queuedSize - 64 * 1024);
        expect(client.metrics().publishes).toEqual({ started: 3, succeeded: 0, failed: 2 });
        // A caller's abort is not an error of the client.
        expect(client.metrics().lastError).toBeUndefined();
        client.start();
        await client.publish({ topicName: topic, qos: QoS.AtLeastOnce, payload: 'later' });
        expect(kept.settled).toBe(true);
        // One connection's publishes reach a subscriber in order: once 'later' is there, an
        // aborted one sent before it would be too.
        await waitFor(
            () => seen.includes('later'),
            10_000,
            () => `the publish made after reconnecting (seen ${JSON.stringify(seen)})`,
        );
        expect(seen).toEqual(['kept', 'later']);
        expect(client.metrics().publishes).toEqual({ started: 4, succeeded: 2, failed: 2 });
        expect(client.metrics().operations.incompleteOperationCount).toBe(0);
        // Tracing saw each aborted one fail once, with the AbortError.
        expect(trace.errors.map((e: any) => e.name)).toEqual(['AbortError', 'AbortError']);
        trace.stop();
        await stopAndClose(client);
        await stopAndClose(subscriber);
    });

    it("a publish aborted in the turn it was made (still in the addon's batch) is never sent", async () => {
        const subscriber = await connectedClient();
        const topic = uniqueTopic('abort-same-turn');
        await subscriber.subscribe({ subscriptions: [{ topicFilter: topic, qos: QoS.AtLeastOnce }] });
        const seen: string[] = [];
        subscriber.on('messageReceived', (e) => seen.push(Buffer.from(e.message.payload as ArrayBuffer).toString()));
        const client = await connectedClient();
        const controller = new AbortController();
        const aborted = track(
            client.publish({ topicName: topic, qos: QoS.AtMostOnce, payload: 'aborted' }, { signal: controller.signal }),
        );
        controller.abort();
        await aborted.promise.catch(() => {});
        expectAbortError(aborted.reason);
        await client.publish({ topicName: topic, qos: QoS.AtLeastOnce, payload: 'later' });
        await waitFor(
            () => seen.includes('later'),
            10_000,
            () => `the publish made after it (seen ${JSON.stringify(seen)})`,
        );
        expect(seen).toEqual(['later']);
        expect(client.metrics().publishes).toEqual({ started: 2, succeeded: 1, failed: 1 });
        await stopAndClose(client);
        await stopAndClose(subscriber);
    });

    it('a subscribe and an unsubscribe queued while offline are withdrawn: the broker never sees them', async () => {
        const publisher = await connectedClient();
        const subscribed = uniqueTopic('abort-kept-sub');
        const notSubscribed = uniqueTopic('abort-never-sub');
        // A session that outlives the stop, so the broker keeps the first subscription.
        const client = await connectedClient({
            sessionBehavior: ClientSessionBehavior.RejoinAlways,
            connectProperties: {
                clientId: `test-${randomUUID()}`,
                keepAliveIntervalSeconds: 60,
                sessionExpiryIntervalSeconds: 300,
            },
        });
        await client.subscribe({ subscriptions: [{ topicFilter: subscribed, qos: QoS.AtLeastOnce }] });
        const seen: string[] = [];
        client.on('messageReceived', (e) => seen.push(e.message.topicName));
        const stopped = once(client, 'stopped');
        client.stop();
        await stopped;
        const controller = new AbortController();
        const { signal } = controller;
        const sub = track(client.subscribe({ subscriptions: [{ topicFilter: notSubscribed, qos: 1 }] }, { signal }));
        const unsub = track(client.unsubscribe({ topicFilters: [subscribed] }, { signal }));
        await waitFor(
            () => client.metrics().operations.incompleteOperationCount === 2,
            10_000,
            () => `both queued (${JSON.stringify(client.metrics().operations)})`,
        );
        controller.abort('stop waiting');
        await Promise.allSettled([sub.promise, unsub.promise]);
        expectAbortError(sub.reason, 'stop waiting');
        expectAbortError(unsub.reason, 'stop waiting');
        expect(listeners(signal)).toBe(0);
        await waitFor(
            () => client.metrics().unsubscribes.failed + client.metrics().subscribes.failed === 2,
            10_000,
            () => `both withdrawn (${JSON.stringify(client.metrics())})`,
        );
        const m = client.metrics();
        expect(m.operations.incompleteOperationCount).toBe(0);
        expect(m.subscribes).toEqual({ started: 2, succeeded: 1, failed: 1 });
        expect(m.unsubscribes).toEqual({ started: 1, succeeded: 0, failed: 1 });
        expect(m.lastError).toBeUndefined();
        const resumed = once(client, 'connectionSuccess');
        client.start();
        expect((await resumed).connack.sessionPresent).toBe(true);
        // The withdrawn SUBSCRIBE would bring the first message; the withdrawn UNSUBSCRIBE would
        // stop the second. One connection's publishes arrive in order.
        await publisher.publish({ topicName: notSubscribed, qos: QoS.AtLeastOnce, payload: 'x' });
        await publisher.publish({ topicName: subscribed, qos: QoS.AtLeastOnce, payload: 'x' });
        await waitFor(
            () => seen.length > 0,
            10_000,
            () => 'the message on the filter still subscribed',
        );
        expect(seen).toEqual([subscribed]);
        await client.unsubscribe({ topicFilters: [subscribed] });
        await stopAndClose(client);
        await stopAndClose(publisher);
    });

    it('in flight (sent, the ACK withheld): the promises reject at once; the late ACKs complete the operations inside the client', async () => {
        // A server that takes the PUBLISH and the SUBSCRIBE and answers them only when told to.
        let answer: (() => void) | undefined;
        const server = await startScriptedServer(async (conn) => {
            await conn.expect(PacketType.CONNECT);
            conn.send(connack());
            const pub = await conn.expect(PacketType.PUBLISH);
            const sub = await conn.expect(PacketType.SUBSCRIBE);
            await new Promise<void>((resolve) => (answer = resolve));
            conn.send(puback(packetIdOf(pub)));
            conn.send(suback(packetIdOf(sub), [1]));
        });
        try {
            const client = await connectedClient({ port: server.port });
            const controller = new AbortController();
            const { signal } = controller;
            const pub = track(client.publish({ topicName: 'a/b', qos: QoS.AtLeastOnce, payload: 'x' }, { signal }));
            const sub = track(client.subscribe({ subscriptions: [{ topicFilter: 'a/#', qos: 1 }] }, { signal }));
            await waitFor(
                () => answer !== undefined,
                10_000,
                () => 'the PUBLISH and the SUBSCRIBE at the server',
            );
            expect(client.metrics().operations.unackedOperationCount).toBe(2);
            expect(pub.settled || sub.settled).toBe(false);
            controller.abort();
            await Promise.allSettled([pub.promise, sub.promise]);
            expectAbortError(pub.reason, signal.reason);
            expectAbortError(sub.reason, signal.reason);
            expect(listeners(signal)).toBe(0);
            answer!();
            await waitFor(
                () => client.metrics().subscribes.succeeded === 1,
                10_000,
                () => `the SUBACK (${JSON.stringify(client.metrics().subscribes)})`,
            );
            const m = client.metrics();
            expect(m.publishes).toEqual({ started: 1, succeeded: 1, failed: 0 });
            expect(m.operations).toEqual({
                incompleteOperationCount: 0,
                incompleteOperationSize: 0,
                unackedOperationCount: 0,
                unackedOperationSize: 0,
            });
            await stopAndClose(client);
            expect(server.scriptErrors).toEqual([]);
        } finally {
            await server.close();
        }
    });

    it('AbortSignal.timeout(ms) gives a deadline: the AbortError carries the TimeoutError', async () => {
        const client = newClient();
        const t0 = performance.now();
        const e = await client
            .publish({ topicName: 'a/b', qos: QoS.AtLeastOnce, payload: 'x' }, { signal: AbortSignal.timeout(200) })
            .catch((x) => x);
        expect(performance.now() - t0).toBeGreaterThanOrEqual(150);
        expectAbortError(e);
        expect(e.cause.name).toBe('TimeoutError');
        client.close();
    });
});

describe('after completion', () => {
    it('the result stands, the listener is removed, and a later abort changes nothing', async () => {
        const client = await connectedClient();
        const controller = new AbortController();
        const topic = uniqueTopic('abort-after');
        const suback = await client.subscribe({ subscriptions: [{ topicFilter: topic, qos: 1 }] }, { signal: controller.signal });
        expect(suback.reasonCodes).toEqual([1]);
        const puback = await client.publish({ topicName: topic, qos: 1, payload: 'x' }, { signal: controller.signal });
        expect(puback?.reasonCode).toBe(0);
        expect(await client.publish({ topicName: topic, qos: 0, payload: 'x' }, { signal: controller.signal })).toBeUndefined();
        const unsuback = await client.unsubscribe({ topicFilters: [topic] }, { signal: controller.signal });
        expect(unsuback.reasonCodes).toEqual([0]);
        expect(listeners(controller.signal)).toBe(0);
        controller.abort();
        expect(client.metrics().publishes.failed).toBe(0);
    });

    it('an operation that fails rejects with its own error, not an AbortError', async () => {
        const client = newClient();
        const controller = new AbortController();
        const p = client.publish({ topicName: 'a/b', qos: 1, payload: 'x' }, { signal: controller.signal });
        client.close();
        await expect(p).rejects.toBeInstanceOf(CrtError);
        expect(listeners(controller.signal)).toBe(0);
    });
});

describe('options are checked', () => {
    it('a bad signal rejects with a TypeError naming the field (an object is options, a function the C++ callback)', async () => {
        const client = newClient();
        const packet = { topicName: 'a', qos: QoS.AtMostOnce };
        await expect(client.publish(packet, { signal: {} as never })).rejects.toThrow(
            new TypeError('publish options.signal must be an AbortSignal (got Object)'),
        );
        await expect(client.subscribe({ subscriptions: [{ topicFilter: 'a', qos: 0 }] }, { signal: 1 as never })).rejects.toThrow(
            new TypeError('subscribe options.signal must be an AbortSignal (got number)'),
        );
        await expect(client.unsubscribe({ topicFilters: ['a'] }, { signal: null as never })).rejects.toThrow(
            new TypeError('unsubscribe options.signal must be an AbortSignal (got null)'),
        );
        const hostile = {
            get signal(): AbortSignal {
                throw new Error('boom');
            },
        };
        await expect(client.publish(packet, hostile)).rejects.toThrow(
            new TypeError('publish options.signal could not be read: boom'),
        );
        await expect(client.connected({ signal: 'x' as never })).rejects.toThrow(
            new TypeError('connected options.signal must be an AbortSignal (got string)'),
        );
        expect(client.metrics().publishes.started).toBe(0);
        client.close();
    });

    it('{} and { signal: undefined } are plain calls', async () => {
        const client = await connectedClient();
        const topic = uniqueTopic('abort-empty');
        // No subscriber: the broker answers 16 (no matching subscribers), which is a success.
        expect((await client.publish({ topicName: topic, qos: 1, payload: 'x' }, {}))?.reasonCode).toBe(16);
        expect((await client.publish({ topicName: topic, qos: 1, payload: 'x' }, { signal: undefined }))?.reasonCode).toBe(16);
        expect(client.metrics().publishes).toEqual({ started: 2, succeeded: 2, failed: 0 });
    });
});

describe('connected()', () => {
    it('waits through connection failures for the first connection; resolves at once when connected', async () => {
        const client = newClient();
        const waiting = track(client.connected({ signal: AbortSignal.timeout(20_000) }));
        await sleep(100);
        expect(waiting.settled).toBe(false);
        client.start();
        const event = await waiting.promise;
        expect(event.settings.clientId).toMatch(/^test-/);
        expect(event.connack.reasonCode).toBe(0);
        const again = await client.connected();
        expect(again).toBe(event);
        await stopAndClose(client);
    });

    it('rejects with an AbortError on abort and on AbortSignal.timeout, leaving no listener', async () => {
        // Nothing listens on this port: the client keeps failing and retrying.
        const client = newClient({ port: 1, minReconnectDelayMs: 50, maxReconnectDelayMs: 100 });
        client.start();
        const controller = new AbortController();
        const p = track(client.connected({ signal: controller.signal }));
        await once(client, 'connectionFailure');
        expect(p.settled).toBe(false);
        controller.abort();
        await p.promise.catch(() => {});
        expectAbortError(p.reason);
        expect(listeners(controller.signal)).toBe(0);
        const e = await client.connected({ signal: AbortSignal.timeout(300) }).catch((x) => x);
        expectAbortError(e);
        expect(e.cause.name).toBe('TimeoutError');
        expectAbortError(await client.connected({ signal: AbortSignal.abort() }).catch((x) => x));
        await stopAndClose(client);
    });

    it('rejects when stop() or close() is called before a connection', async () => {
        const client = newClient({ port: 1, minReconnectDelayMs: 50, maxReconnectDelayMs: 100 });
        client.start();
        const waiting = client.connected();
        client.stop();
        await expect(waiting).rejects.toMatchObject({ code: 'AWS_ERROR_MQTT5_USER_REQUESTED_STOP' });
        const closing = client.connected();
        client.close();
        await expect(closing).rejects.toMatchObject({ code: 'AWS_ERROR_MQTT5_CLIENT_TERMINATED' });
        await expect(client.connected()).rejects.toMatchObject({ code: 'AWS_ERROR_MQTT5_CLIENT_TERMINATED' });
    });
});
