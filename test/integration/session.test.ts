// Sessions, offline queueing, reconnect backoff, topic aliases, statistics and timeouts, against real
// mosquitto brokers (private ones where a test stops or restarts its broker), plain TCP proxies and a
// silent TCP server. Only the network around the client is controlled; the client itself is real.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
    ClientOperationQueueBehavior,
    ClientSessionBehavior,
    type ConnectionSuccessEvent,
    CrtError,
    InboundTopicAliasBehaviorType,
    type Mqtt5Client,
    OutboundTopicAliasBehaviorType,
    PubackReasonCode,
    QoS,
    RetryJitterType,
    SubackReasonCode,
    UnsubackReasonCode,
} from '../../dist/index.js';
import { type Broker, type BrokerOptions, freePort, startBroker } from '../helpers/broker';
import { brokerPort, closeAll, connectedClient, newClient, once, uniqueTopic, withBuffers } from '../helpers/client';
import { sleep, track, type Tracked, waitFor } from '../helpers/wait';

const OFFLINE_POLICY = 'AWS_ERROR_MQTT5_OPERATION_FAILED_DUE_TO_OFFLINE_QUEUE_POLICY';

// ---------------------------------------------------------------------------------------------
// Tiny helpers, local to this file.

/** Collects received messages; `until(n)` resolves once n have arrived. */
function collector(client: Mqtt5Client) {
    const messages: any[] = [];
    client.on('messageReceived', ({ message }) => messages.push(withBuffers(message)));
    return {
        messages,
        until: (n: number, ms = 10_000) =>
            waitFor(
                () => messages.length >= n,
                ms,
                () => `${n} messages (got ${messages.length})`,
            ),
    };
}

// Everything a test starts beyond clients; afterEach tears it all down (clients first).
const brokers: Broker[] = [];
const servers: Array<{ close(): Promise<void> }> = [];

async function privateBroker(opts: BrokerOptions = {}): Promise<Broker> {
    // Started as root, mosquitto drops to user `mosquitto`, which cannot write its persistence file
    // into a root-only temp dir ("Error saving in-memory database ... Permission denied"); so give
    // it a directory it can write to.
    const dir = opts.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'mqtt5-crt-session-'));
    fs.chmodSync(dir, 0o777);
    const b = await startBroker({ ...opts, dir });
    brokers.push(b);
    return b;
}

/**
 * A TCP proxy to 127.0.0.1:targetPort that counts the bytes each way, can stop forwarding
 * broker→client bytes (they are dropped, the connection stays up), can cut its connections and can
 * refuse new ones (accept and close at once, so the client's attempts fail).
 */
async function startProxy(targetPort: number) {
    const sockets = new Set<net.Socket>();
    const state = { port: 0, clientToBroker: 0, brokerToClient: 0, dropBrokerToClient: false, refuse: false, connections: 0 };
    const server = net.createServer((down) => {
        if (state.refuse) {
            down.on('error', () => {});
            down.destroy();
            return;
        }
        state.connections++;
        const up = net.connect({ host: '127.0.0.1', port: targetPort });
        for (const s of [down, up]) {
            sockets.add(s);
            s.on('close', () => sockets.delete(s));
            s.on('error', () => {});
        }
        down.on('data', (d) => {
            state.clientToBroker += d.length;
            up.write(d);
        });
        up.on('data', (d) => {
            if (state.dropBrokerToClient) return;
            state.brokerToClient += d.length;
            down.write(d);
        });
        down.on('close', () => up.destroy());
        up.on('close', () => down.destroy());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    state.port = (server.address() as net.AddressInfo).port;
    const proxy = Object.assign(state, {
        /** Cuts every proxied connection (the broker sees the client's socket close). */
        dropConnections: () => {
            for (const s of sockets) s.destroy();
        },
        close: () =>
            new Promise<void>((resolve) => {
                for (const s of sockets) s.destroy();
                server.close(() => resolve());
            }),
    });
    servers.push(proxy);
    return proxy;
}

/** A TCP server that accepts connections, records what it receives and never answers. */
async function startSilentServer() {
    const sockets = new Set<net.Socket>();
    const received: Buffer[] = [];
    const server = net.createServer((s) => {
        sockets.add(s);
        s.on('data', (d) => received.push(d));
        s.on('error', () => {});
        s.on('close', () => sockets.delete(s));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const silent = {
        port: (server.address() as net.AddressInfo).port,
        received,
        close: () =>
            new Promise<void>((resolve) => {
                for (const s of sockets) s.destroy();
                server.close(() => resolve());
            }),
    };
    servers.push(silent);
    return silent;
}

afterEach(async () => {
    await closeAll();
    await Promise.all(servers.splice(0).map((s) => s.close()));
    const dirs = new Set(brokers.map((b) => b.dir));
    await Promise.all(brokers.splice(0).map((b) => b.kill()));
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});
afterAll(closeAll);

// ---------------------------------------------------------------------------------------------

describe('session resumption', () => {
    /**
     * A subscriber with a 300 s session, reaching the broker on `port` through a proxy so the test
     * can cut its connection and keep it out (the proxy refuses it) for as long as it likes.
     */
    async function sessionSubscriber(port: number, sessionBehavior: ClientSessionBehavior) {
        const proxy = await startProxy(port);
        const clientId = `session-${randomUUID()}`;
        const client = newClient({
            port: proxy.port,
            sessionBehavior,
            retryJitterMode: RetryJitterType.None,
            minReconnectDelayMs: 200,
            maxReconnectDelayMs: 400,
            connectProperties: { clientId, keepAliveIntervalSeconds: 60, sessionExpiryIntervalSeconds: 300 },
        });
        const successes: ConnectionSuccessEvent[] = [];
        client.on('connectionSuccess', (e) => successes.push(e));
        const got = collector(client);
        const connections = (n: number) =>
            waitFor(
                () => successes.length >= n,
                10_000,
                () => `connection ${n} (have ${successes.length})`,
            );
        client.start();
        await connections(1);
        return {
            proxy,
            client,
            clientId,
            successes,
            got,
            connections,
            /** Keeps the subscriber out from now on. */
            keepOut: () => void (proxy.refuse = true),
            letIn: () => void (proxy.refuse = false),
            /** Cuts the connection (broker up) and keeps the subscriber out. */
            async cut() {
                proxy.refuse = true;
                const disconnected = once(client, 'disconnection');
                proxy.dropConnections();
                await disconnected;
            },
        };
    }
    type Subscriber = Awaited<ReturnType<typeof sessionSubscriber>>;

    async function publishN(pub: Mqtt5Client, topic: string, n: number): Promise<number[]> {
        const pubacks = await Promise.all(
            Array.from({ length: n }, (_, i) => pub.publish({ topicName: topic, qos: QoS.AtLeastOnce, payload: `m${i}` })),
        );
        return pubacks.map((p) => p!.reasonCode);
    }

    /** Waits for the n messages m0..m(n-1) on `topic`, and checks that none came twice. */
    async function expectEachOnce(sub: Subscriber, pub: Mqtt5Client, topic: string, n: number) {
        await sub.got.until(n);
        // A duplicate would arrive before a marker published afterwards.
        const marker = uniqueTopic('marker');
        await sub.client.subscribe({ subscriptions: [{ topicFilter: marker, qos: QoS.AtLeastOnce }] });
        await pub.publish({ topicName: marker, qos: QoS.AtLeastOnce, payload: 'marker' });
        await sub.got.until(n + 1);
        await sleep(200);
        const payloads = sub.got.messages.map((m) => m.payload.toString());
        expect(payloads).toHaveLength(n + 1);
        expect(payloads.at(-1)).toBe('marker');
        expect(payloads.slice(0, n).sort()).toEqual(Array.from({ length: n }, (_, i) => `m${i}`).sort());
        for (const m of sub.got.messages.slice(0, n)) {
            expect(m.topicName).toBe(topic);
            expect(m.qos).toBe(QoS.AtLeastOnce);
        }
    }

    /** Takes the broker down (SIGTERM, or SIGKILL once autosave has run) and starts it again on its port and dir. */
    async function restart(broker: Broker, how: 'stop' | 'kill') {
        if (how === 'stop') {
            await broker.stop(); // mosquitto saves its persistence file on SIGTERM
        } else {
            await sleep(2000); // autosave_interval 1: the state is on disk by now
            await broker.kill();
        }
        await privateBroker({ port: broker.port, dir: broker.dir });
    }

    it('RejoinPostSuccess: after a dropped connection the client rejoins and gets every message published while it was away, once', async () => {
        const sub = await sessionSubscriber(brokerPort(), ClientSessionBehavior.RejoinPostSuccess);
        expect(sub.successes[0].connack.sessionPresent).toBe(false);
        expect(sub.successes[0].settings.rejoinedSession).toBe(false);
        expect(sub.successes[0].settings.sessionExpiryInterval).toBe(300);
        const topic = uniqueTopic('session');
        const suback = await sub.client.subscribe({ subscriptions: [{ topicFilter: topic, qos: QoS.AtLeastOnce }] });
        expect(suback.reasonCodes).toEqual([SubackReasonCode.GrantedQoS1]);

        await sub.cut();
        const pub = await connectedClient();
        const N = 10;
        // Success (not NoMatchingSubscribers): the broker holds the absent subscriber's session.
        expect(await publishN(pub, topic, N)).toEqual(Array(N).fill(PubackReasonCode.Success));
        expect(sub.got.messages).toHaveLength(0);
        expect(sub.successes).toHaveLength(1);

        sub.letIn();
        await sub.connections(2);
        expect(sub.successes[1].connack.sessionPresent).toBe(true);
        expect(sub.successes[1].settings.rejoinedSession).toBe(true);
        expect(sub.successes[1].settings.clientId).toBe(sub.clientId);
        await expectEachOnce(sub, pub, topic, N);
    });

    for (const how of ['stop', 'kill'] as const) {
        it(`RejoinPostSuccess: the rejoined session survives a broker restart (${how === 'stop' ? 'SIGTERM' : 'SIGKILL after autosave'}) and gets the messages published meanwhile, once`, async () => {
            const broker = await privateBroker();
            const sub = await sessionSubscriber(broker.port, ClientSessionBehavior.RejoinPostSuccess);
            const topic = uniqueTopic('session-restart');
            await sub.client.subscribe({ subscriptions: [{ topicFilter: topic, qos: QoS.AtLeastOnce }] });
            // mosquitto 2.0 writes a session's subscriptions to disk only if its current connection
            // has clean start 0, which RejoinPostSuccess sends from the second connection on
            // (persist_write.c: `if(sub->context->clean_start == false ...)`). So reconnect once first.
            await sub.cut();
            sub.letIn();
            await sub.connections(2);
            expect(sub.successes[1].connack.sessionPresent).toBe(true);

            sub.keepOut();
            const disconnected = once(sub.client, 'disconnection');
            await restart(broker, how);
            await disconnected;
            const pub = await connectedClient({ port: broker.port });
            const N = 10;
            // The restarted broker restored the subscription (else: NoMatchingSubscribers).
            expect(await publishN(pub, topic, N)).toEqual(Array(N).fill(PubackReasonCode.Success));
            expect(sub.successes).toHaveLength(2);

            sub.letIn();
            await sub.connections(3);
            expect(sub.successes[2].connack.sessionPresent).toBe(true);
            expect(sub.successes[2].settings.rejoinedSession).toBe(true);
            await expectEachOnce(sub, pub, topic, N);
        });
    }

    it('RejoinAlways: rejoins from the first connection on, so even its first session survives a broker restart', async () => {
        const broker = await privateBroker();
        const sub = await sessionSubscriber(broker.port, ClientSessionBehavior.RejoinAlways);
        // A fresh client id: nothing to rejoin yet.
        expect(sub.successes[0].connack.sessionPresent).toBe(false);
        expect(sub.successes[0].settings.rejoinedSession).toBe(false);
        const topic = uniqueTopic('session-always');
        await sub.client.subscribe({ subscriptions: [{ topicFilter: topic, qos: QoS.AtLeastOnce }] });

        sub.keepOut();
        const disconnected = once(sub.client, 'disconnection');
        await restart(broker, 'stop');
        await disconnected;
        const pub = await connectedClient({ port: broker.port });
        const N = 5;
        expect(await publishN(pub, topic, N)).toEqual(Array(N).fill(PubackReasonCode.Success));

        sub.letIn();
        await sub.connections(2);
        expect(sub.successes[1].connack.sessionPresent).toBe(true);
        expect(sub.successes[1].settings.rejoinedSession).toBe(true);
        await expectEachOnce(sub, pub, topic, N);
    });

    it('Clean: after a dropped connection the client starts a new session and the subscription is gone', async () => {
        const sub = await sessionSubscriber(brokerPort(), ClientSessionBehavior.Clean);
        const topic = uniqueTopic('session-clean');
        await sub.client.subscribe({ subscriptions: [{ topicFilter: topic, qos: QoS.AtLeastOnce }] });
        await sub.cut();
        const pub = await connectedClient();
        // While it is away the broker still holds its session (expiry 300 s) ...
        expect(await publishN(pub, topic, 1)).toEqual([PubackReasonCode.Success]);
        sub.letIn();
        await sub.connections(2);
        // ... but the clean start on reconnection discards it.
        expect(sub.successes[1].connack.sessionPresent).toBe(false);
        expect(sub.successes[1].settings.rejoinedSession).toBe(false);
        expect(await publishN(pub, topic, 1)).toEqual([PubackReasonCode.NoMatchingSubscribers]);
        await sleep(200);
        expect(sub.got.messages).toHaveLength(0);
    });
});

// ---------------------------------------------------------------------------------------------

describe('offline queue behaviour', () => {
    type Op = 'qos0' | 'qos1' | 'subscribe' | 'unsubscribe';
    const keptByFailQos0: Op[] = ['qos1', 'subscribe', 'unsubscribe'];
    const cases: Array<[string, ClientOperationQueueBehavior, Op[]]> = [
        ['Default (= FailQos0PublishOnDisconnect)', ClientOperationQueueBehavior.Default, keptByFailQos0],
        ['FailQos0PublishOnDisconnect', ClientOperationQueueBehavior.FailQos0PublishOnDisconnect, keptByFailQos0],
        ['FailNonQos1PublishOnDisconnect', ClientOperationQueueBehavior.FailNonQos1PublishOnDisconnect, ['qos1']],
        ['FailAllOnDisconnect', ClientOperationQueueBehavior.FailAllOnDisconnect, []],
    ];

    for (const [name, behavior, kept] of cases) {
        it(`${name}: keeps exactly ${kept.length ? kept.join(', ') : 'nothing'} submitted while offline, fails the rest`, async () => {
            const broker = await privateBroker();
            const client = newClient({
                port: broker.port,
                offlineQueueBehavior: behavior,
                retryJitterMode: RetryJitterType.None,
                minReconnectDelayMs: 250,
                maxReconnectDelayMs: 250,
            });
            const connected = once(client, 'connectionSuccess');
            client.start();
            await connected;
            const disconnected = once(client, 'disconnection');
            await broker.kill();
            await disconnected;

            const topic = uniqueTopic('offline');
            const ops: Record<Op, Tracked<any>> = {
                qos0: track(client.publish({ topicName: topic, qos: QoS.AtMostOnce, payload: 'zero' })),
                qos1: track(client.publish({ topicName: topic, qos: QoS.AtLeastOnce, payload: 'one' })),
                subscribe: track(client.subscribe({ subscriptions: [{ topicFilter: topic, qos: QoS.AtLeastOnce }] })),
                unsubscribe: track(client.unsubscribe({ topicFilters: [topic] })),
            };
            const all = Object.keys(ops) as Op[];
            const failed = all.filter((k) => !kept.includes(k));
            const describeOps = () => all.map((k) => `${k}:${ops[k].status ?? 'pending'}`).join(' ');

            await waitFor(
                () => failed.every((k) => ops[k].settled),
                5000,
                () => `${failed.join(', ')} to fail (${describeOps()})`,
            );
            await sleep(500); // time for a wrongly failed operation to show too
            for (const k of failed) {
                expect(ops[k].status, k).toBe('rejected');
                expect(ops[k].reason, k).toBeInstanceOf(CrtError);
                expect(ops[k].reason.code, k).toBe(OFFLINE_POLICY);
            }
            for (const k of kept) expect(ops[k].settled, `${k} still pending while offline`).toBe(false);

            const reconnected = once(client, 'connectionSuccess');
            await privateBroker({ port: broker.port, dir: broker.dir });
            await reconnected;
            await waitFor(
                () => all.every((k) => ops[k].settled),
                5000,
                () => `every operation to settle (${describeOps()})`,
            );
            for (const k of kept) {
                expect(ops[k].status, `${k}: ${ops[k].reason}`).toBe('fulfilled');
            }
            if (kept.includes('qos1')) {
                expect([PubackReasonCode.Success, PubackReasonCode.NoMatchingSubscribers]).toContain(ops.qos1.value.reasonCode);
            }
            if (kept.includes('subscribe')) expect(ops.subscribe.value.reasonCodes).toEqual([SubackReasonCode.GrantedQoS1]);
            // Queue order is kept: the subscribe went first, so the unsubscribe removed something.
            if (kept.includes('unsubscribe')) expect(ops.unsubscribe.value.reasonCodes).toEqual([UnsubackReasonCode.Success]);
            // Stop and close: nothing may be left to settle by either.
            const stopped = once(client, 'stopped');
            client.stop();
            await stopped;
            client.close();
            const results = await Promise.allSettled(all.map((k) => ops[k].promise));
            expect(results.map((r) => r.status)).toEqual(all.map((k) => (kept.includes(k) ? 'fulfilled' : 'rejected')));
        });
    }
});

// ---------------------------------------------------------------------------------------------

describe('reconnect delays', () => {
    /** Starts a client against a port where nothing listens and records its attempts and failures. */
    async function retrying(retryJitterMode: RetryJitterType) {
        const client = newClient({
            port: await freePort(),
            retryJitterMode,
            minReconnectDelayMs: 200,
            maxReconnectDelayMs: 1600,
        });
        const attempts: number[] = [];
        const failures: number[] = [];
        const codes: string[] = [];
        client.on('attemptingConnect', () => attempts.push(performance.now()));
        client.on('connectionFailure', ({ error }) => {
            failures.push(performance.now());
            codes.push(error.code);
        });
        client.start();
        /** Gaps between each failure and the next attempt. */
        const gaps = () => failures.slice(0, attempts.length - 1).map((f, i) => attempts[i + 1] - f);
        return { client, attempts, failures, codes, gaps };
    }

    it('without jitter the delay doubles from min and is capped at max (200, 400, 800, 1600, 1600 ms)', async () => {
        const r = await retrying(RetryJitterType.None);
        await waitFor(
            () => r.attempts.length >= 6,
            9000,
            () => `6 attempts (got ${r.attempts.length})`,
        );
        const expected = [200, 400, 800, 1600, 1600];
        const gaps = r.gaps().slice(0, 5).map(Math.round);
        for (let i = 0; i < expected.length; i++) {
            expect(gaps[i], `gap ${i} of ${JSON.stringify(gaps)}`).toBeGreaterThanOrEqual(0.7 * expected[i]);
            expect(gaps[i], `gap ${i} of ${JSON.stringify(gaps)}`).toBeLessThanOrEqual(expected[i] + 1000);
        }
        // The cap: an uncapped fifth gap would be 3200 ms.
        expect(gaps[4]).toBeLessThan(1600 + 1000);
        expect(new Set(r.codes)).toEqual(new Set(['AWS_IO_SOCKET_CONNECTION_REFUSED']));
    });

    for (const [name, mode] of [
        ['full', RetryJitterType.Full],
        ['decorrelated', RetryJitterType.Decorrelated],
    ] as const) {
        it(`with ${name} jitter every delay stays under max and the client keeps retrying`, async () => {
            const r = await retrying(mode);
            // Worst case without bugs: attempts at 0, 0.2, 0.8, 2.4 and 4.0 s.
            await sleep(4500);
            const gaps = r.gaps().map(Math.round);
            expect(r.attempts.length, `attempts after 4.5 s; gaps ${JSON.stringify(gaps)}`).toBeGreaterThanOrEqual(4);
            for (const g of gaps) expect(g, JSON.stringify(gaps)).toBeLessThanOrEqual(1600 + 1000);
            expect(r.failures.length).toBeGreaterThanOrEqual(r.attempts.length - 1);
        });
    }
});

// ---------------------------------------------------------------------------------------------

describe('topic aliases', () => {
    it('LRU outbound aliasing: a long topic is sent in full once, and every message arrives with its topic', async () => {
        const topic = uniqueTopic('alias-' + 'x'.repeat(200));
        const sub = await connectedClient();
        const got = collector(sub);
        await sub.subscribe({ subscriptions: [{ topicFilter: topic, qos: QoS.AtLeastOnce }] });

        const N = 200;
        const sent: Record<string, number> = {};
        for (const behavior of [OutboundTopicAliasBehaviorType.LRU, OutboundTopicAliasBehaviorType.Disabled]) {
            const proxy = await startProxy(brokerPort());
            const client = newClient({
                port: proxy.port,
                topicAliasingOptions: { outboundBehavior: behavior, outboundCacheMaxSize: 5 },
            });
            const connected = once(client, 'connectionSuccess');
            client.start();
            const { settings } = await connected;
            expect(settings.topicAliasMaximumToServer).toBe(10); // mosquitto's max_topic_alias default
            const before = proxy.clientToBroker; // the CONNECT
            const pubacks = await Promise.all(
                Array.from({ length: N }, (_, i) =>
                    client.publish({ topicName: topic, qos: QoS.AtLeastOnce, payload: `${behavior}:${i}` }),
                ),
            );
            for (const p of pubacks) expect(p!.reasonCode).toBe(PubackReasonCode.Success);
            sent[OutboundTopicAliasBehaviorType[behavior]] = proxy.clientToBroker - before;
        }
        await got.until(2 * N);
        for (const m of got.messages) expect(m.topicName).toBe(topic);
        expect(new Set(got.messages.map((m) => m.payload.toString())).size).toBe(2 * N);
        // Without aliases each PUBLISH carries the ~270-byte topic; with them only the first does.
        expect(sent.Disabled).toBeGreaterThan(N * topic.length);
        expect(sent.LRU, JSON.stringify(sent)).toBeLessThan(sent.Disabled / 4);
    });

    it('LRU outbound aliasing with more topics than cache slots still delivers every message under its own topic', async () => {
        const prefix = uniqueTopic('alias-evict');
        const topics = Array.from({ length: 8 }, (_, i) => `${prefix}/${'t'.repeat(40)}-${i}`);
        const sub = await connectedClient();
        const got = collector(sub);
        await sub.subscribe({ subscriptions: [{ topicFilter: `${prefix}/#`, qos: QoS.AtLeastOnce }] });
        const pub = await connectedClient({
            topicAliasingOptions: { outboundBehavior: OutboundTopicAliasBehaviorType.LRU, outboundCacheMaxSize: 5 },
        });
        // A pattern that both hits and evicts: round robin over 8 topics, then back and forth over 3.
        const order = [
            ...Array.from({ length: 40 }, (_, i) => i % 8),
            ...Array.from({ length: 30 }, (_, i) => [0, 5, 7][i % 3]),
            ...Array.from({ length: 30 }, (_, i) => (i * 5) % 8),
        ];
        for (let i = 0; i < order.length; i++) {
            // Sequential: each publish sees the alias cache as left by the previous one.
            await pub.publish({ topicName: topics[order[i]], qos: QoS.AtLeastOnce, payload: `${i}:${order[i]}` });
        }
        await got.until(order.length);
        expect(got.messages).toHaveLength(order.length);
        got.messages.forEach((m, k) => {
            const [i, t] = m.payload.toString().split(':').map(Number);
            expect(i).toBe(k); // one publisher, QoS 1: in order
            expect(m.topicName, `message ${i}`).toBe(topics[t]);
        });
    });

    it('inbound aliasing Enabled announces inboundCacheMaxSize to the server; Disabled announces 0', async () => {
        const start = async (client: Mqtt5Client) => {
            const connected = once(client, 'connectionSuccess');
            client.start();
            return (await connected).settings;
        };
        const enabled = newClient({
            topicAliasingOptions: { inboundBehavior: InboundTopicAliasBehaviorType.Enabled, inboundCacheMaxSize: 7 },
        });
        const disabled = newClient({ topicAliasingOptions: { inboundBehavior: InboundTopicAliasBehaviorType.Disabled } });
        expect((await start(enabled)).topicAliasMaximumToClient).toBe(7);
        expect((await start(disabled)).topicAliasMaximumToClient).toBe(0);
        // And messages arrive intact on the aliasing-enabled connection.
        const topic = uniqueTopic('inbound-alias');
        const got = collector(enabled);
        await enabled.subscribe({ subscriptions: [{ topicFilter: topic, qos: QoS.AtLeastOnce }] });
        for (let i = 0; i < 5; i++) await disabled.publish({ topicName: topic, qos: QoS.AtLeastOnce, payload: `${i}` });
        await got.until(5);
        expect(got.messages.map((m) => [m.topicName, m.payload.toString()])).toEqual(
            Array.from({ length: 5 }, (_, i) => [topic, `${i}`]),
        );
    });
});

// ---------------------------------------------------------------------------------------------

describe('operational statistics', () => {
    it('rise with publishes queued while offline and fall back to 0 once they complete', async () => {
        const broker = await privateBroker();
        const client = newClient({
            port: broker.port,
            retryJitterMode: RetryJitterType.None,
            minReconnectDelayMs: 250,
            maxReconnectDelayMs: 250,
        });
        const connected = once(client, 'connectionSuccess');
        client.start();
        await connected;
        expect(client.getOperationalStatistics()).toEqual({
            incompleteOperationCount: 0,
            incompleteOperationSize: 0,
            unackedOperationCount: 0,
            unackedOperationSize: 0,
        });
        const disconnected = once(client, 'disconnection');
        await broker.kill();
        await disconnected;

        const N = 25;
        const topic = uniqueTopic('stats');
        const ops = Array.from({ length: N }, (_, i) =>
            track(client.publish({ topicName: topic, qos: QoS.AtLeastOnce, payload: Buffer.alloc(100, i) })),
        );
        await waitFor(
            () => client.getOperationalStatistics().incompleteOperationCount === N,
            5000,
            () => `incompleteOperationCount ${N} (${JSON.stringify(client.getOperationalStatistics())})`,
        );
        const offline = client.getOperationalStatistics();
        expect(offline.incompleteOperationSize).toBeGreaterThanOrEqual(N * (100 + topic.length));
        expect(offline.unackedOperationCount).toBe(0); // nothing was sent
        expect(offline.unackedOperationSize).toBe(0);
        expect(ops.filter((o) => o.settled)).toHaveLength(0);

        await privateBroker({ port: broker.port, dir: broker.dir });
        await waitFor(
            () => ops.every((o) => o.settled),
            10_000,
            () => `all ${N} publishes to complete`,
        );
        for (const o of ops) expect(o.status, String(o.reason)).toBe('fulfilled');
        await waitFor(
            () => {
                const s = client.getOperationalStatistics();
                return (
                    s.incompleteOperationCount + s.incompleteOperationSize + s.unackedOperationCount + s.unackedOperationSize ===
                    0
                );
            },
            5000,
            () => `statistics back to 0 (${JSON.stringify(client.getOperationalStatistics())})`,
        );
    });
});

// ---------------------------------------------------------------------------------------------

describe('timeouts', () => {
    it('connackTimeoutMs: a server that never answers CONNACK fails the attempt with AWS_ERROR_MQTT5_CONNACK_TIMEOUT', async () => {
        const silent = await startSilentServer();
        const client = newClient({ port: silent.port, connackTimeoutMs: 500, minReconnectDelayMs: 60_000 });
        let attemptAt = 0;
        client.on('attemptingConnect', () => (attemptAt = performance.now()));
        const failure = once(client, 'connectionFailure', 5000);
        client.start();
        const { error, connack } = await failure;
        const elapsed = performance.now() - attemptAt;
        expect(error).toBeInstanceOf(CrtError);
        expect(error.code).toBe('AWS_ERROR_MQTT5_CONNACK_TIMEOUT');
        expect(connack).toBeUndefined();
        expect(elapsed).toBeGreaterThanOrEqual(400);
        expect(elapsed).toBeLessThan(3000);
        // The client did send its CONNECT (packet type 1) to the silent server.
        const bytes = Buffer.concat(silent.received);
        expect(bytes.length).toBeGreaterThan(0);
        expect(bytes[0]).toBe(0x10);
    });

    it('ackTimeoutSeconds: a QoS 1 publish whose PUBACK never arrives fails with AWS_ERROR_MQTT_TIMEOUT', async () => {
        const proxy = await startProxy(brokerPort());
        const topic = uniqueTopic('ack-timeout');
        const watcher = await connectedClient();
        const seen = collector(watcher);
        await watcher.subscribe({ subscriptions: [{ topicFilter: topic, qos: QoS.AtLeastOnce }] });

        const client = newClient({ port: proxy.port, ackTimeoutSeconds: 1 });
        const connected = once(client, 'connectionSuccess');
        client.start();
        await connected;
        // While acknowledgements flow, the timeout does not fire.
        const ok = await client.publish({ topicName: topic, qos: QoS.AtLeastOnce, payload: 'acked' });
        expect(ok!.reasonCode).toBe(PubackReasonCode.Success);

        proxy.dropBrokerToClient = true;
        const t0 = performance.now();
        const pub = track(client.publish({ topicName: topic, qos: QoS.AtLeastOnce, payload: 'lost-ack' }));
        const sub = track(client.subscribe({ subscriptions: [{ topicFilter: uniqueTopic('never'), qos: QoS.AtLeastOnce }] }));
        await waitFor(
            () => client.getOperationalStatistics().unackedOperationCount === 2 || pub.settled,
            3000,
            () => `2 unacked operations (${JSON.stringify(client.getOperationalStatistics())})`,
        );
        expect(pub.settled).toBe(false);
        await waitFor(
            () => pub.settled && sub.settled,
            5000,
            () => 'the publish and subscribe to time out',
        );
        const elapsed = performance.now() - t0;
        for (const [what, op] of [
            ['publish', pub],
            ['subscribe', sub],
        ] as const) {
            expect(op.status, what).toBe('rejected');
            expect(op.reason, what).toBeInstanceOf(CrtError);
            expect(op.reason.code, what).toBe('AWS_ERROR_MQTT_TIMEOUT');
        }
        expect(elapsed).toBeGreaterThanOrEqual(800);
        expect(elapsed).toBeLessThan(4000);
        // The broker did get the publish; only its acknowledgement was lost.
        await seen.until(2);
        expect(seen.messages.map((m) => m.payload.toString())).toEqual(['acked', 'lost-ack']);
        const s = client.getOperationalStatistics();
        expect(s.unackedOperationCount).toBe(0);
        expect(s.incompleteOperationCount).toBe(0);
    });
});
