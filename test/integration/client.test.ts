import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CrtError, type Mqtt5Client, PubackReasonCode, QoS, SubackReasonCode, UnsubackReasonCode } from '../../dist/index.js';
import { freePort } from '../helpers/broker';
import { distIndex, runNode } from '../helpers/child';
import { brokerPort, closeAll, connectedClient, newClient, once, uniqueTopic, withBuffers } from '../helpers/client';

afterAll(closeAll);

/** Collects messages on `topic` and resolves `until(n)` once n have arrived. */
function collector(client: Mqtt5Client) {
    const messages: any[] = [];
    const waiters: Array<{ n: number; resolve: () => void }> = [];
    client.on('messageReceived', ({ message }) => {
        messages.push(withBuffers(message));
        for (const w of waiters.filter((w) => messages.length >= w.n)) w.resolve();
    });
    return {
        messages,
        until(n: number, ms = 10_000): Promise<void> {
            if (messages.length >= n) return Promise.resolve();
            return new Promise((resolve, reject) => {
                const t = setTimeout(() => reject(new Error(`got ${messages.length} of ${n} messages`)), ms);
                waiters.push({ n, resolve: () => (clearTimeout(t), resolve()) });
            });
        },
    };
}

describe('connection', () => {
    it('connects and reports the CONNACK and the negotiated settings', async () => {
        const client = newClient({ connectProperties: { keepAliveIntervalSeconds: 45, clientId: 'settings-check-1' } });
        const events: string[] = [];
        client.on('attemptingConnect', () => events.push('attemptingConnect'));
        const success = once(client, 'connectionSuccess');
        client.start();
        const { connack, settings } = await success;
        expect(events).toEqual(['attemptingConnect']);
        expect(connack.reasonCode).toBe(0);
        expect(connack.sessionPresent).toBe(false);
        expect(settings.clientId).toBe('settings-check-1');
        expect(settings.serverKeepAlive).toBe(45);
        expect(settings.maximumQos).toBe(QoS.AtLeastOnce);
        expect(settings.rejoinedSession).toBe(false);
        expect(settings.retainAvailable).toBe(true);
        expect(settings.wildcardSubscriptionsAvailable).toBe(true);
        expect(settings.receiveMaximumFromServer).toBeGreaterThan(0);
        expect(settings.maximumPacketSizeToServer).toBeGreaterThan(0);
    });

    it('emits connectionFailure with a CrtError when the connection is refused', async () => {
        const port = await freePort(); // nothing listens there
        const client = newClient({ port, minReconnectDelayMs: 5000 });
        const failure = once(client, 'connectionFailure');
        client.start();
        const { error, connack } = await failure;
        expect(error).toBeInstanceOf(CrtError);
        expect(error).toBeInstanceOf(Error);
        expect(error.code).toBe('AWS_IO_SOCKET_CONNECTION_REFUSED');
        expect(error.error_name).toBe(error.code);
        expect(error.error_code).toBe(error.errorCode);
        expect(error.errorCode).toBeGreaterThan(0);
        expect(error.message).toMatch(/refused/i);
        expect(connack).toBeUndefined();
    });
});

describe('publish, subscribe, receive', () => {
    for (const qos of [QoS.AtMostOnce, QoS.AtLeastOnce]) {
        it(`delivers QoS ${qos} messages to a subscriber with their properties`, async () => {
            const sub = await connectedClient();
            const pub = await connectedClient();
            const topic = uniqueTopic(`qos${qos}`);
            const got = collector(sub);
            const suback = await sub.subscribe({ subscriptions: [{ topicFilter: topic, qos }] });
            expect(suback.reasonCodes).toEqual([
                qos === QoS.AtLeastOnce ? SubackReasonCode.GrantedQoS1 : SubackReasonCode.GrantedQoS0,
            ]);

            const result = await pub.publish({
                topicName: topic,
                qos,
                payload: 'hello',
                contentType: 'text/plain',
                userProperties: [{ name: 'k', value: 'v' }],
            });
            if (qos === QoS.AtLeastOnce) {
                expect(result).toBeDefined();
                expect(result!.reasonCode).toBe(PubackReasonCode.Success);
            } else {
                expect(result).toBeUndefined();
            }
            await got.until(1);
            const m = got.messages[0];
            expect(m.topicName).toBe(topic);
            expect(m.qos).toBe(qos);
            expect(Buffer.isBuffer(m.payload)).toBe(true);
            expect(m.payload.toString('utf8')).toBe('hello');
            expect(m.contentType).toBe('text/plain');
            expect(m.userProperties).toEqual([{ name: 'k', value: 'v' }]);
        });
    }

    it('round-trips payloads of 0 B, 1 B and 1 MiB byte-exact', async () => {
        const sub = await connectedClient();
        const pub = await connectedClient();
        const topic = uniqueTopic('sizes');
        const got = collector(sub);
        await sub.subscribe({ subscriptions: [{ topicFilter: topic, qos: QoS.AtLeastOnce }] });
        const big = Buffer.alloc(1024 * 1024);
        for (let i = 0; i < big.length; i++) big[i] = (i * 7919 + (i >> 8)) & 0xff;
        const payloads = [Buffer.alloc(0), Buffer.from([0xa5]), big];
        for (const payload of payloads) {
            await pub.publish({ topicName: topic, qos: QoS.AtLeastOnce, payload });
        }
        await got.until(3);
        expect(got.messages.map((m) => m.payload.length)).toEqual([0, 1, 1024 * 1024]);
        for (let i = 0; i < payloads.length; i++) {
            expect(Buffer.compare(got.messages[i].payload, payloads[i])).toBe(0);
        }
    });

    it('delivers a burst mixing plain and property-carrying messages, QoS 0 and 1, topics and sizes, in order and exact', async () => {
        // Plain messages travel natively as compact records (payloads of 4 KiB and more as external
        // Buffers); the rest as full packets. One burst puts both kinds in the same batches.
        const sub = await connectedClient();
        const pub = await connectedClient();
        const base = uniqueTopic('mixed');
        const got = collector(sub);
        await sub.subscribe({ subscriptions: [{ topicFilter: `${base}/#`, qos: QoS.AtLeastOnce }] });
        const sizes = [0, 1, 64, 4095, 4096, 4097, 70_000];
        const sent: any[] = [];
        for (let i = 0; i < 700; i++) {
            const size = sizes[i % sizes.length];
            const payload = Buffer.alloc(size);
            for (let j = 0; j < size; j++) payload[j] = (i * 31 + j * 7) & 0xff;
            const packet: any = {
                topicName: `${base}/${Math.floor(i / 4) % 3}`,
                qos: i % 2 ? QoS.AtLeastOnce : QoS.AtMostOnce,
                payload,
            };
            if (i % 5 === 0) packet.userProperties = [{ name: 'i', value: String(i) }];
            if (i % 7 === 0) packet.contentType = 'application/octet-stream';
            sent.push(packet);
        }
        await Promise.all(sent.map((p) => pub.publish(p)));
        await got.until(sent.length, 30_000);
        expect(got.messages).toHaveLength(sent.length);
        // MQTT orders messages per QoS; the broker may let QoS 0 overtake QoS 1.
        const pairs: Array<[Buffer, Buffer]> = [];
        for (const qos of [QoS.AtMostOnce, QoS.AtLeastOnce]) {
            const want = sent.filter((p) => p.qos === qos);
            const have = got.messages.filter((m) => m.qos === qos);
            expect(have).toHaveLength(want.length);
            for (let i = 0; i < want.length; i++) {
                const { payload, ...rest } = have[i];
                const expected: Record<string, unknown> = { type: 3, topicName: want[i].topicName, qos, retain: false };
                if (want[i].userProperties) expected.userProperties = want[i].userProperties;
                if (want[i].contentType) expected.contentType = want[i].contentType;
                expect(rest, `QoS ${qos} message ${i}`).toStrictEqual(expected);
                expect(Buffer.isBuffer(payload), `QoS ${qos} message ${i}`).toBe(true);
                expect(payload.equals(want[i].payload), `QoS ${qos} message ${i} payload`).toBe(true);
                pairs.push([payload, want[i].payload]);
            }
        }
        // The payloads own their memory: still intact after later batches.
        await new Promise((r) => setTimeout(r, 50));
        expect(pairs.filter(([a, b]) => !a.equals(b))).toHaveLength(0);
    });

    it('without external memory (as under Electronʼs V8 sandbox) payloads are copied and arrive exact', async () => {
        const script = `
            const { Mqtt5Client } = require(${JSON.stringify(distIndex)});
            const mk = (id) => new Mqtt5Client({ hostName: '127.0.0.1', port: ${brokerPort()}, disableMetrics: true,
                connectProperties: { clientId: id + process.pid } });
            (async () => {
                const sub = mk('noext-sub'), pub = mk('noext-pub');
                const up = (c) => new Promise((r) => { c.once('connectionSuccess', r); c.start(); });
                await up(sub); await up(pub);
                const topic = ${JSON.stringify(uniqueTopic('noext'))};
                await sub.subscribe({ subscriptions: [{ topicFilter: topic, qos: 1 }] });
                const sizes = [0, 1, 64, 4095, 4096, 70000];
                const sent = [];
                for (let i = 0; i < 60; i++) {
                    const p = Buffer.alloc(sizes[i % sizes.length]);
                    for (let j = 0; j < p.length; j++) p[j] = (i + j * 13) & 0xff;
                    sent.push({ topicName: topic, qos: i % 2, payload: p });
                }
                const got = [];
                const all = new Promise((r) => sub.on('messageReceived', ({ message }) => { got.push(message); if (got.length === sent.length) r(); }));
                await Promise.all(sent.map((p) => pub.publish(p)));
                await all;
                let bad = 0;
                for (const q of [0, 1]) {
                    const a = sent.filter((p) => p.qos === q), b = got.filter((m) => m.qos === q);
                    a.forEach((p, i) => { if (!(b[i].payload instanceof ArrayBuffer) || !Buffer.from(b[i].payload).equals(p.payload)) bad++; });
                }
                console.log(JSON.stringify({ got: got.length, bad }));
                sub.close(); pub.close();
            })().catch((e) => { console.error(e); process.exit(1); });`;
        const r = await runNode(script, { env: { MQTT5_CRT_NO_EXTERNAL_BUFFERS: '1' }, timeoutMs: 30_000 });
        expect(r.stderr).toBe('');
        expect(r.code).toBe(0);
        expect(JSON.parse(r.stdout)).toEqual({ got: 60, bad: 0 });
    });

    it('keeps the order of operations made in one turn: queued plain publishes, a publish with properties, a subscribe', async () => {
        // Plain publishes are queued and handed to the CRT once per turn; every other operation
        // must still reach the broker after the publishes made before it.
        const client = await connectedClient();
        const sub = await connectedClient();
        const topic = uniqueTopic('order');
        await sub.subscribe({ subscriptions: [{ topicFilter: topic, qos: QoS.AtLeastOnce }] });
        const got = collector(sub);
        const own = collector(client);
        const sent: string[] = [];
        const ops: Promise<unknown>[] = [];
        const pub = (payload: string, props = false) => {
            sent.push(payload);
            const packet: any = { topicName: topic, qos: QoS.AtLeastOnce, payload };
            if (props) packet.userProperties = [{ name: 'slow', value: 'path' }];
            ops.push(client.publish(packet));
        };
        for (let i = 0; i < 50; i++) pub(`a${i}`);
        pub('b', true);
        // Published before this client subscribes: it must not come back to it.
        ops.push(client.subscribe({ subscriptions: [{ topicFilter: topic, qos: QoS.AtLeastOnce }] }));
        for (let i = 0; i < 50; i++) pub(`c${i}`);
        await Promise.all(ops);
        await got.until(sent.length);
        await own.until(50);
        expect(got.messages.map((m) => m.payload.toString())).toEqual(sent);
        await new Promise((r) => setTimeout(r, 200));
        expect(own.messages.map((m) => m.payload.toString())).toEqual(sent.filter((p) => p.startsWith('c')));
    });

    it('settles every publish made in the same turn as stop() or close()', async () => {
        for (const end of ['stop', 'close'] as const) {
            const client = await connectedClient();
            const topic = uniqueTopic('end');
            const ops = Array.from({ length: 200 }, (_, i) =>
                client.publish({ topicName: topic, qos: i % 2 ? QoS.AtLeastOnce : QoS.AtMostOnce, payload: `${i}` }),
            );
            if (end === 'stop') client.stop();
            else client.close();
            const results = await Promise.allSettled(ops);
            expect(results).toHaveLength(200);
            for (const r of results) {
                if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(CrtError);
            }
        }
    });

    it('stops delivery after unsubscribe', async () => {
        const sub = await connectedClient();
        const pub = await connectedClient();
        const topic = uniqueTopic('unsub');
        const got = collector(sub);
        await sub.subscribe({ subscriptions: [{ topicFilter: topic, qos: QoS.AtLeastOnce }] });
        await pub.publish({ topicName: topic, qos: QoS.AtLeastOnce, payload: 'one' });
        await got.until(1);

        const unsuback = await sub.unsubscribe({ topicFilters: [topic] });
        expect(unsuback.reasonCodes).toEqual([UnsubackReasonCode.Success]);
        const puback = await pub.publish({ topicName: topic, qos: QoS.AtLeastOnce, payload: 'two' });
        // The broker itself says nobody is subscribed any more.
        expect(puback!.reasonCode).toBe(PubackReasonCode.NoMatchingSubscribers);
        // And a message published after it on a topic the subscriber still has arrives alone:
        // anything sent to the old topic would have been delivered before it (same connection order).
        const marker = uniqueTopic('marker');
        await sub.subscribe({ subscriptions: [{ topicFilter: marker, qos: QoS.AtLeastOnce }] });
        await pub.publish({ topicName: marker, qos: QoS.AtLeastOnce, payload: 'marker' });
        await got.until(2);
        expect(got.messages.map((m) => m.payload.toString())).toEqual(['one', 'marker']);
    });
});

describe('stop', () => {
    it('emits stopped, and every pending operation settles', async () => {
        const client = await connectedClient();
        const topic = uniqueTopic('stop');
        // Queue a burst of QoS 1 publishes and a subscribe, then stop at once.
        const ops: Promise<unknown>[] = [];
        for (let i = 0; i < 200; i++) ops.push(client.publish({ topicName: topic, qos: QoS.AtLeastOnce, payload: `m${i}` }));
        ops.push(client.subscribe({ subscriptions: [{ topicFilter: topic, qos: QoS.AtLeastOnce }] }));
        // Handled from the start: the stop may reject them before the awaits below return.
        const settled = Promise.allSettled(ops);
        const disconnection = once(client, 'disconnection');
        const stopped = once(client, 'stopped');
        client.stop();
        await stopped;
        const { error } = await disconnection;
        expect(error.code).toBe('AWS_ERROR_MQTT5_USER_REQUESTED_STOP');
        const results = await settled;
        // Every one settled: either acknowledged before the stop or failed by it.
        expect(results).toHaveLength(201);
        for (const r of results) {
            if (r.status === 'rejected') {
                expect(r.reason).toBeInstanceOf(CrtError);
                expect(r.reason.code).toBe('AWS_ERROR_MQTT5_USER_REQUESTED_STOP');
            }
        }
    });
});

describe('stop while offline', () => {
    it('fails every queued operation with AWS_ERROR_MQTT5_USER_REQUESTED_STOP', async () => {
        // Nothing listens on this port: the client keeps retrying and queues the operations.
        const client = newClient({ port: await freePort(), minReconnectDelayMs: 60_000 });
        const failed = once(client, 'connectionFailure');
        client.start();
        await failed;
        const topic = uniqueTopic('offline');
        const ops: Promise<unknown>[] = [
            client.publish({ topicName: topic, qos: QoS.AtLeastOnce, payload: 'a' }),
            client.publish({ topicName: topic, qos: QoS.AtLeastOnce, payload: 'b' }),
            client.subscribe({ subscriptions: [{ topicFilter: topic, qos: QoS.AtLeastOnce }] }),
            client.unsubscribe({ topicFilters: [topic] }),
        ];
        const stopped = once(client, 'stopped');
        client.stop();
        await stopped;
        const results = await Promise.allSettled(ops);
        for (const r of results) {
            expect(r.status).toBe('rejected');
            const reason = (r as PromiseRejectedResult).reason;
            expect(reason).toBeInstanceOf(CrtError);
            expect(reason.code).toBe('AWS_ERROR_MQTT5_USER_REQUESTED_STOP');
        }
    });
});

describe('process lifetime', () => {
    it('a child process that started, used and stopped a client exits by itself within 5 s', async () => {
        const script = `
            const { Mqtt5Client } = require(${JSON.stringify(path.resolve(__dirname, '../../dist/index.js'))});
            const c = new Mqtt5Client({ hostName: '127.0.0.1', port: ${brokerPort()} });
            c.on('connectionSuccess', async () => {
                await c.subscribe({ subscriptions: [{ topicFilter: 'exit-test/#', qos: 1 }] });
                await c.publish({ topicName: 'exit-test/x', qos: 1, payload: 'bye' });
                c.stop();
            });
            c.on('stopped', () => console.log('stopped'));
            c.start();
        `;
        const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        let err = '';
        child.stdout.on('data', (d) => (out += d));
        child.stderr.on('data', (d) => (err += d));
        const t0 = Date.now();
        const code = await new Promise<number | null>((resolve) => {
            const timer = setTimeout(() => {
                child.kill('SIGKILL');
                resolve(null);
            }, 15_000);
            child.on('close', (c) => {
                clearTimeout(timer);
                resolve(c);
            });
        });
        const elapsed = Date.now() - t0;
        expect(err).toBe('');
        expect(out.trim()).toBe('stopped');
        expect(code).toBe(0);
        expect(elapsed).toBeLessThan(5000);
    });
});
