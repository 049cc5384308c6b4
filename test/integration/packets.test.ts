// Packet-level behaviour against the real mosquitto: every PUBLISH property, subscription options,
// retained messages, wills, server DISCONNECTs, shared subscriptions and ACK contents.
import { spawn } from 'node:child_process';
import { pbkdf2Sync, randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
    CrtError,
    DisconnectReasonCode,
    type Mqtt5Client,
    PacketType,
    PayloadFormatIndicator,
    PubackReasonCode,
    type PublishPacket,
    QoS,
    RetainHandlingType,
    RetryJitterType,
    SubackReasonCode,
    UnsubackReasonCode,
} from '../../dist/index.js';
import { type Broker, startBroker } from '../helpers/broker';
import { brokerPort, closeAll, connectedClient, once, uniqueTopic } from '../helpers/client';

afterAll(closeAll);

/** Collects every message a client receives; `until(pred)` waits for one matching `pred`. */
function collector(client: Mqtt5Client) {
    const messages: PublishPacket[] = [];
    const waiters: Array<{ pred: (m: PublishPacket[]) => boolean; resolve: () => void }> = [];
    client.on('messageReceived', ({ message }) => {
        messages.push(message);
        for (const w of waiters.filter((w) => w.pred(messages))) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve();
        }
    });
    const until = (pred: (m: PublishPacket[]) => boolean, what: string, ms = 10_000): Promise<void> => {
        if (pred(messages)) return Promise.resolve();
        return new Promise((resolve, reject) => {
            const t = setTimeout(() => reject(new Error(`timed out waiting for ${what}; got ${messages.length} messages`)), ms);
            waiters.push({ pred, resolve: () => (clearTimeout(t), resolve()) });
        });
    };
    return {
        messages,
        /** Messages on `topic` (in arrival order). */
        on: (topic: string) => messages.filter((m) => m.topicName === topic),
        until,
        /** Resolves once `n` messages on `topic` have arrived. */
        count: (topic: string, n: number, ms?: number) =>
            until((all) => all.filter((m) => m.topicName === topic).length >= n, `${n} messages on ${topic}`, ms),
    };
}

type Collector = ReturnType<typeof collector>;

/** Polls `cond` until it holds, or fails after `ms`. */
async function waitFor(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!cond()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 10));
    }
}

/**
 * Proves nothing more is in flight to `sub`: subscribes it to a fresh topic, has `pub` publish a
 * marker there and waits for it. The broker writes to one connection in order, so anything it had
 * queued for `sub` before handling the marker (live messages, retained messages sent on SUBSCRIBE)
 * has arrived by then.
 */
async function flush(sub: Mqtt5Client, got: Collector, pub: Mqtt5Client): Promise<void> {
    const marker = uniqueTopic('marker');
    await sub.subscribe({ subscriptions: [{ topicFilter: marker, qos: QoS.AtLeastOnce }] });
    await pub.publish({ topicName: marker, qos: QoS.AtLeastOnce, payload: 'marker' });
    await got.count(marker, 1);
}

const text = (m: PublishPacket) => (m.payload as Buffer).toString('utf8');

/** Removes a retained message (an empty retained payload), so the shared broker keeps nothing. */
async function clearRetained(client: Mqtt5Client, topic: string): Promise<void> {
    await client.publish({ topicName: topic, qos: QoS.AtLeastOnce, retain: true });
}

describe('PUBLISH properties', () => {
    it('carries every property from publisher to subscriber, live and from the retained store', async () => {
        const sub = await connectedClient();
        const pub = await connectedClient();
        const topic = uniqueTopic('props');
        const got = collector(sub);
        // retainAsPublished so the live copy keeps the retain flag too.
        await sub.subscribe({ subscriptions: [{ topicFilter: topic, qos: QoS.AtLeastOnce, retainAsPublished: true }] });

        // Not valid UTF-8 and containing NULs: must come back byte for byte.
        const correlation = Buffer.from([0x00, 0xff, 0x80, 0x7f, 0x01, 0xfe, 0xc3, 0x28, 0x00]);
        const userProperties = [
            { name: 'dup', value: 'first' },
            { name: 'dup', value: 'second' },
            { name: 'ключ', value: 'значение ✓ 🚀 日本語' },
            { name: 'dup', value: 'third' },
            { name: 'empty-value', value: '' },
        ];
        const packet: PublishPacket = {
            topicName: topic,
            qos: QoS.AtLeastOnce,
            retain: true,
            payload: 'grüße 🚀',
            payloadFormat: PayloadFormatIndicator.Utf8,
            messageExpiryIntervalSeconds: 3600,
            responseTopic: 'mqtt5-crt-test/reply/ü/日本',
            correlationData: correlation,
            contentType: 'application/json; charset=utf-8',
            userProperties,
        };
        const copy = {
            ...packet,
            userProperties: userProperties.map((p) => ({ ...p })),
            correlationData: Buffer.from(correlation),
        };

        const puback = await pub.publish(packet);
        expect(puback!.reasonCode).toBe(PubackReasonCode.Success);
        // The caller's packet is untouched.
        expect(packet).toEqual(copy);
        expect(packet.correlationData).toBe(correlation);

        const check = (m: PublishPacket) => {
            expect(m.topicName).toBe(topic);
            expect(m.qos).toBe(QoS.AtLeastOnce);
            expect(m.retain).toBe(true);
            expect(Buffer.isBuffer(m.payload)).toBe(true);
            expect(text(m)).toBe('grüße 🚀');
            expect(m.payloadFormat).toBe(PayloadFormatIndicator.Utf8);
            // The broker forwards the remaining lifetime: never more than was sent.
            expect(m.messageExpiryIntervalSeconds).toBeLessThanOrEqual(3600);
            expect(m.messageExpiryIntervalSeconds).toBeGreaterThan(3000);
            expect(m.responseTopic).toBe('mqtt5-crt-test/reply/ü/日本');
            expect(Buffer.isBuffer(m.correlationData)).toBe(true);
            expect(Buffer.compare(m.correlationData as Buffer, correlation)).toBe(0);
            expect(m.contentType).toBe('application/json; charset=utf-8');
            // MQTT 5 (3.3.2.3.7): the server keeps user properties and their order.
            expect(m.userProperties).toEqual(userProperties);
        };

        await got.count(topic, 1);
        check(got.on(topic)[0]);

        // A later subscriber gets the same message, properties included, from the retained store.
        const late = await connectedClient();
        const lateGot = collector(late);
        await late.subscribe({ subscriptions: [{ topicFilter: topic, qos: QoS.AtLeastOnce }] });
        await lateGot.count(topic, 1);
        check(lateGot.on(topic)[0]);

        await clearRetained(pub, topic);
    });

    it('sends Buffer, Uint8Array, partial DataView, ArrayBuffer, string and object payloads byte-exact', async () => {
        const sub = await connectedClient();
        const pub = await connectedClient();
        const topic = uniqueTopic('payloads');
        const got = collector(sub);
        await sub.subscribe({ subscriptions: [{ topicFilter: topic, qos: QoS.AtLeastOnce }] });

        const backing = new ArrayBuffer(64);
        const bytes = new Uint8Array(backing);
        for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 37 + 11) & 0xff;
        const str = 'héllo wörld ✓ 🚀 日本語 \u0000 end';
        const obj = { a: 1, s: 'ünïcødé 🚀', list: [1, 'two', null], nested: { t: true } };
        const objCopy = structuredClone(obj);
        const backingCopy = Buffer.from(Buffer.from(backing)); // a copy of its bytes

        const cases: Array<{ name: string; payload: any; expected: Buffer }> = [
            {
                name: 'Buffer',
                payload: Buffer.from([0x00, 0x01, 0x7f, 0x80, 0xff]),
                expected: Buffer.from([0x00, 0x01, 0x7f, 0x80, 0xff]),
            },
            {
                name: 'Uint8Array',
                payload: new Uint8Array([0xff, 0x00, 0xc3, 0x28]),
                expected: Buffer.from([0xff, 0x00, 0xc3, 0x28]),
            },
            {
                name: 'Uint8Array over part of a buffer',
                payload: new Uint8Array(backing, 10, 7),
                expected: Buffer.from(backing, 10, 7),
            },
            {
                name: 'DataView over part of a buffer',
                payload: new DataView(backing, 3, 13),
                expected: Buffer.from(backing, 3, 13),
            },
            { name: 'ArrayBuffer', payload: backing, expected: Buffer.from(backing) },
            { name: 'string', payload: str, expected: Buffer.from(str, 'utf8') },
            { name: 'object', payload: obj, expected: Buffer.from(JSON.stringify(obj), 'utf8') },
        ];

        for (const c of cases) {
            const packet: PublishPacket = {
                topicName: topic,
                qos: QoS.AtLeastOnce,
                payload: c.payload,
                userProperties: [{ name: 'case', value: c.name }],
            };
            const keys = Object.keys(packet);
            await pub.publish(packet);
            // Unchanged: same keys, same payload object (not replaced, e.g. by its JSON).
            expect(Object.keys(packet), c.name).toEqual(keys);
            expect(packet.payload, c.name).toBe(c.payload);
        }
        expect(obj).toEqual(objCopy);
        expect(Buffer.from(backing).equals(backingCopy)).toBe(true);

        await got.count(topic, cases.length);
        const received = got.on(topic);
        expect(received.map((m) => m.userProperties![0].value)).toEqual(cases.map((c) => c.name));
        for (let i = 0; i < cases.length; i++) {
            const m = received[i];
            expect(Buffer.isBuffer(m.payload), cases[i].name).toBe(true);
            expect((m.payload as Buffer).toString('hex'), cases[i].name).toBe(cases[i].expected.toString('hex'));
        }
        expect(JSON.parse(text(received[6]))).toEqual(obj);
    });
});

describe('subscription identifiers', () => {
    it('come back on messages, one per matching subscription', async () => {
        const sub = await connectedClient();
        const pub = await connectedClient();
        const base = uniqueTopic('subid');
        const got = collector(sub);
        const BIG = 268_435_455; // the largest a variable byte integer holds
        await sub.subscribe({ subscriptions: [{ topicFilter: `${base}/#`, qos: QoS.AtLeastOnce }], subscriptionIdentifier: 7 });
        await sub.subscribe({
            subscriptions: [{ topicFilter: `${base}/a/+`, qos: QoS.AtLeastOnce }],
            subscriptionIdentifier: BIG,
        });

        await pub.publish({ topicName: `${base}/c`, qos: QoS.AtLeastOnce, payload: 'only-hash' });
        await pub.publish({ topicName: `${base}/a/b`, qos: QoS.AtLeastOnce, payload: 'both' });
        await flush(sub, got, pub);

        const onlyHash = got.on(`${base}/c`);
        expect(onlyHash).toHaveLength(1);
        expect(onlyHash[0].subscriptionIdentifiers).toEqual([7]);

        // Both subscriptions match. MQTT 5 lets the server send one copy carrying both identifiers
        // or one copy per subscription; mosquitto 2.0.11 does the latter (in no fixed order).
        const both = got.on(`${base}/a/b`);
        expect(both.map(text)).toEqual(['both', 'both']);
        const ids = both.map((m) => m.subscriptionIdentifiers).sort((x, y) => x![0] - y![0]);
        expect(ids).toEqual([[7], [BIG]]);

        // The marker's subscription had no identifier: none is reported.
        const marker = got.messages.find((m) => m.topicName.startsWith('mqtt5-crt-test/marker/'));
        expect(marker).toBeDefined();
        expect(marker!.subscriptionIdentifiers).toBeUndefined();
    });
});

describe('noLocal', () => {
    it("keeps a client's own publishes from it but delivers other clients' ones", async () => {
        const a = await connectedClient();
        const b = await connectedClient();
        const topic = uniqueTopic('nolocal');
        const gotA = collector(a);
        const gotB = collector(b);
        await a.subscribe({ subscriptions: [{ topicFilter: topic, qos: QoS.AtLeastOnce, noLocal: true }] });
        await b.subscribe({ subscriptions: [{ topicFilter: topic, qos: QoS.AtLeastOnce }] });

        await a.publish({ topicName: topic, qos: QoS.AtLeastOnce, payload: 'from-a' });
        await b.publish({ topicName: topic, qos: QoS.AtLeastOnce, payload: 'from-b' });
        // A copy of 'from-a' to A would be queued before 'from-b' (A's PUBACK came first).
        await gotA.count(topic, 1);
        await flush(a, gotA, b);
        expect(gotA.on(topic).map(text)).toEqual(['from-b']);

        // B (no noLocal) gets both, including its own.
        await gotB.count(topic, 2);
        expect(gotB.on(topic).map(text)).toEqual(['from-a', 'from-b']);
    });
});

describe('retained messages', () => {
    it('are delivered to a later subscriber with retain=true', async () => {
        const pub = await connectedClient();
        const topic = uniqueTopic('retained');
        await pub.publish({ topicName: topic, qos: QoS.AtLeastOnce, retain: true, payload: 'kept' });
        const sub = await connectedClient();
        const got = collector(sub);
        await sub.subscribe({ subscriptions: [{ topicFilter: topic, qos: QoS.AtLeastOnce }] });
        await got.count(topic, 1);
        const m = got.on(topic)[0];
        expect(text(m)).toBe('kept');
        expect(m.retain).toBe(true);
        await clearRetained(pub, topic);
    });

    it('retainHandlingType DontSend suppresses them; live messages still arrive', async () => {
        const pub = await connectedClient();
        const topic = uniqueTopic('rh-dontsend');
        await pub.publish({ topicName: topic, qos: QoS.AtLeastOnce, retain: true, payload: 'kept' });
        const sub = await connectedClient();
        const got = collector(sub);
        await sub.subscribe({
            subscriptions: [{ topicFilter: topic, qos: QoS.AtLeastOnce, retainHandlingType: RetainHandlingType.DontSend }],
        });
        await flush(sub, got, pub);
        expect(got.on(topic)).toEqual([]);

        await pub.publish({ topicName: topic, qos: QoS.AtLeastOnce, payload: 'live' });
        await got.count(topic, 1);
        expect(got.on(topic).map(text)).toEqual(['live']);
        expect(got.on(topic)[0].retain).toBe(false);
        await clearRetained(pub, topic);
    });

    it('retainHandlingType SendOnSubscribeIfNew sends them only when the subscription is new', async () => {
        const pub = await connectedClient();
        const topic = uniqueTopic('rh-ifnew');
        await pub.publish({ topicName: topic, qos: QoS.AtLeastOnce, retain: true, payload: 'kept' });
        const sub = await connectedClient();
        const got = collector(sub);
        const ifNew = { topicFilter: topic, qos: QoS.AtLeastOnce, retainHandlingType: RetainHandlingType.SendOnSubscribeIfNew };

        await sub.subscribe({ subscriptions: [ifNew] });
        await got.count(topic, 1);
        expect(got.on(topic)[0].retain).toBe(true);

        // Same filter again: the subscription exists, so nothing is sent.
        await sub.subscribe({ subscriptions: [ifNew] });
        await flush(sub, got, pub);
        expect(got.on(topic)).toHaveLength(1);

        // Control: with SendOnSubscribe the same re-subscription does send it again.
        await sub.subscribe({
            subscriptions: [{ topicFilter: topic, qos: QoS.AtLeastOnce, retainHandlingType: RetainHandlingType.SendOnSubscribe }],
        });
        await got.count(topic, 2);
        expect(got.on(topic).map(text)).toEqual(['kept', 'kept']);
        await clearRetained(pub, topic);
    });

    it('retainAsPublished keeps the retain flag on live forwarding; without it the flag is false', async () => {
        const keep = await connectedClient();
        const plain = await connectedClient();
        const pub = await connectedClient();
        const topic = uniqueTopic('rap');
        const gotKeep = collector(keep);
        const gotPlain = collector(plain);
        await keep.subscribe({ subscriptions: [{ topicFilter: topic, qos: QoS.AtLeastOnce, retainAsPublished: true }] });
        await plain.subscribe({ subscriptions: [{ topicFilter: topic, qos: QoS.AtLeastOnce, retainAsPublished: false }] });

        await pub.publish({ topicName: topic, qos: QoS.AtLeastOnce, retain: true, payload: 'retained-live' });
        await pub.publish({ topicName: topic, qos: QoS.AtLeastOnce, retain: false, payload: 'plain-live' });
        await gotKeep.count(topic, 2);
        await gotPlain.count(topic, 2);
        expect(gotKeep.on(topic).map((m) => [text(m), m.retain])).toEqual([
            ['retained-live', true],
            ['plain-live', false],
        ]);
        expect(gotPlain.on(topic).map((m) => [text(m), m.retain])).toEqual([
            ['retained-live', false],
            ['plain-live', false],
        ]);
        await clearRetained(pub, topic);
    });

    for (const [name, empty] of [
        ['no payload', undefined],
        ["'' payload", ''],
        ['0-byte Buffer payload', Buffer.alloc(0)],
    ] as const) {
        it(`publishing an empty retained message (${name}) clears it`, async () => {
            const pub = await connectedClient();
            const topic = uniqueTopic('rclear');
            await pub.publish({ topicName: topic, qos: QoS.AtLeastOnce, retain: true, payload: 'kept' });

            // Control: it is retained.
            const first = await connectedClient();
            const firstGot = collector(first);
            await first.subscribe({ subscriptions: [{ topicFilter: topic, qos: QoS.AtLeastOnce }] });
            await firstGot.count(topic, 1);
            expect(text(firstGot.on(topic)[0])).toBe('kept');

            const packet: PublishPacket = { topicName: topic, qos: QoS.AtLeastOnce, retain: true };
            if (empty !== undefined) packet.payload = empty;
            const puback = await pub.publish(packet);
            expect(puback!.reasonCode).toBe(PubackReasonCode.Success);
            // The live subscriber gets the empty message itself (MQTT 5 3.3.1.3).
            await firstGot.count(topic, 2);
            expect((firstGot.on(topic)[1].payload as Buffer).length).toBe(0);

            const later = await connectedClient();
            const laterGot = collector(later);
            await later.subscribe({ subscriptions: [{ topicFilter: topic, qos: QoS.AtLeastOnce }] });
            await flush(later, laterGot, pub);
            expect(laterGot.on(topic)).toEqual([]);
        });
    }
});

/** Runs a client with `connectProperties` in a child process; resolves once it is connected. */
async function childClient(connectProperties: object) {
    const script = `
        const { Mqtt5Client } = require(${JSON.stringify(path.resolve(__dirname, '../../dist/index.js'))});
        const c = new Mqtt5Client({ hostName: '127.0.0.1', port: ${brokerPort()}, connectProperties: ${JSON.stringify(connectProperties)} });
        c.on('connectionSuccess', () => console.log('connected'));
        c.on('connectionFailure', ({ error }) => console.log('failure ' + error.code));
        c.start();
    `;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    await new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => {
            child.kill('SIGKILL');
            reject(new Error(`child did not connect: ${out} ${err}`));
        }, 15_000);
        child.stdout.on('data', (d) => {
            out += d;
            if (out.includes('connected')) {
                clearTimeout(t);
                resolve();
            }
        });
        child.once('exit', (code) => {
            clearTimeout(t);
            reject(new Error(`child exited (${code}) before connecting: ${out} ${err}`));
        });
    });
    return {
        /** SIGKILLs it: the socket closes without a DISCONNECT. Resolves with the time of the kill. */
        async kill(): Promise<number> {
            const t = Date.now();
            child.kill('SIGKILL');
            await exited;
            return t;
        },
    };
}

describe('will message', () => {
    const will = (topic: string): PublishPacket => ({
        topicName: topic,
        qos: QoS.AtLeastOnce,
        payload: 'gone 🚀',
        contentType: 'text/plain',
        userProperties: [{ name: 'why', value: 'killed' }],
    });

    it('is published when the client dies without DISCONNECT', async () => {
        const sub = await connectedClient();
        const topic = uniqueTopic('will-kill');
        const got = collector(sub);
        await sub.subscribe({ subscriptions: [{ topicFilter: topic, qos: QoS.AtLeastOnce }] });
        const child = await childClient({ keepAliveIntervalSeconds: 60, clientId: `will-${randomUUID()}`, will: will(topic) });
        const killedAt = await child.kill();
        await got.count(topic, 1);
        const elapsed = Date.now() - killedAt;
        const m = got.on(topic)[0];
        expect(text(m)).toBe('gone 🚀');
        expect(m.contentType).toBe('text/plain');
        expect(m.userProperties).toEqual([{ name: 'why', value: 'killed' }]);
        // No will delay: the broker sees the socket close at once (keep-alive would take 90 s).
        expect(elapsed).toBeLessThan(5000);
    });

    it('waits for willDelayIntervalSeconds before publishing it', async () => {
        const sub = await connectedClient();
        const topic = uniqueTopic('will-delay');
        const got = collector(sub);
        await sub.subscribe({ subscriptions: [{ topicFilter: topic, qos: QoS.AtLeastOnce }] });
        const child = await childClient({
            keepAliveIntervalSeconds: 60,
            clientId: `will-delay-${randomUUID()}`,
            sessionExpiryIntervalSeconds: 10,
            willDelayIntervalSeconds: 2,
            will: will(topic),
        });
        const killedAt = await child.kill();
        await got.count(topic, 1, 15_000);
        const elapsed = Date.now() - killedAt;
        expect(text(got.on(topic)[0])).toBe('gone 🚀');
        expect(elapsed).toBeGreaterThanOrEqual(1500);
        expect(elapsed).toBeLessThan(10_000);
    });

    it('stop() with DisconnectWithWillMessage makes the broker publish the will', async () => {
        const sub = await connectedClient();
        const topic = uniqueTopic('will-stop');
        const got = collector(sub);
        await sub.subscribe({ subscriptions: [{ topicFilter: topic, qos: QoS.AtLeastOnce }] });
        const client = await connectedClient({
            connectProperties: { keepAliveIntervalSeconds: 60, clientId: `will-stop-${randomUUID()}`, will: will(topic) },
        });
        const stopped = once(client, 'stopped');
        client.stop({ reasonCode: DisconnectReasonCode.DisconnectWithWillMessage });
        await stopped;
        await got.count(topic, 1);
        const m = got.on(topic)[0];
        expect(text(m)).toBe('gone 🚀');
        expect(m.userProperties).toEqual([{ name: 'why', value: 'killed' }]);
    });

    it('control: stop() with NormalDisconnection discards the will', async () => {
        const sub = await connectedClient();
        const pub = await connectedClient();
        const topic = uniqueTopic('will-normal');
        const got = collector(sub);
        await sub.subscribe({ subscriptions: [{ topicFilter: topic, qos: QoS.AtLeastOnce }] });
        const client = await connectedClient({
            connectProperties: { keepAliveIntervalSeconds: 60, clientId: `will-normal-${randomUUID()}`, will: will(topic) },
        });
        const stopped = once(client, 'stopped');
        client.stop({ reasonCode: DisconnectReasonCode.NormalDisconnection });
        await stopped;
        await flush(sub, got, pub);
        expect(got.on(topic)).toEqual([]);
    });

    it('stop() without a packet sends no DISCONNECT, so the broker publishes the will (as aws-crt)', async () => {
        // aws-c-mqtt's aws_mqtt5_client_stop(client, NULL, ...) "stops immediately": it shuts the
        // channel down without writing a DISCONNECT, which the broker treats as a lost connection.
        const sub = await connectedClient();
        const topic = uniqueTopic('will-nopacket');
        const got = collector(sub);
        await sub.subscribe({ subscriptions: [{ topicFilter: topic, qos: QoS.AtLeastOnce }] });
        const client = await connectedClient({
            connectProperties: { keepAliveIntervalSeconds: 60, clientId: `will-nopacket-${randomUUID()}`, will: will(topic) },
        });
        const stopped = once(client, 'stopped');
        client.stop();
        await stopped;
        await got.count(topic, 1);
        expect(text(got.on(topic)[0])).toBe('gone 🚀');
    });
});

describe('ACL denials (private broker with acl_file)', () => {
    let broker: Broker;
    let aclDir: string;
    // The CRT appends SDK metrics to the CONNECT username by default (`?SDK=...`, as aws-crt does),
    // which would make these clients non-anonymous, so the anonymous ACL lines would not apply.
    const opts = () => ({ port: broker.port, disableMetrics: true });

    beforeAll(async () => {
        aclDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mqtt5-crt-acl-'));
        // mosquitto started as root runs as user 'mosquitto': let it read the file.
        fs.chmodSync(aclDir, 0o755);
        const acl = path.join(aclDir, 'acl');
        // Lines before any `user` line apply to anonymous clients; everything else is denied.
        fs.writeFileSync(
            acl,
            ['topic readwrite mqtt5-crt-test/allowed/#', 'topic read mqtt5-crt-test/readonly/#', ''].join('\n'),
        );
        fs.chmodSync(acl, 0o644);
        broker = await startBroker({ extraConfig: [`acl_file ${acl}`] });
    });

    afterAll(async () => {
        await closeAll();
        await broker?.stop();
        if (broker) fs.rmSync(broker.dir, { recursive: true, force: true });
        if (aclDir) fs.rmSync(aclDir, { recursive: true, force: true });
    });

    it('a QoS 1 publish to a denied topic resolves with PUBACK NotAuthorized and is not delivered', async () => {
        const sub = await connectedClient(opts());
        const pub = await connectedClient(opts());
        const denied = uniqueTopic('readonly'); // may be read, not written
        const got = collector(sub);
        const suback = await sub.subscribe({ subscriptions: [{ topicFilter: denied, qos: QoS.AtLeastOnce }] });
        expect(suback.reasonCodes).toEqual([SubackReasonCode.GrantedQoS1]);

        // mosquitto 2.0.11 (handle__publish, "Denied PUBLISH" in its log): an ACL-denied QoS 1
        // PUBLISH is answered with a PUBACK carrying 0x87 Not authorized and the message is
        // dropped; the connection stays up.
        const puback = await pub.publish({ topicName: denied, qos: QoS.AtLeastOnce, payload: 'nope' });
        expect(puback).toBeDefined();
        expect(puback!.reasonCode).toBe(PubackReasonCode.NotAuthorized);
        // A QoS 0 publish has no acknowledgement: it resolves (once written) and is dropped too.
        await expect(pub.publish({ topicName: denied, qos: QoS.AtMostOnce, payload: 'nope0' })).resolves.toBeUndefined();

        // Nothing was delivered, and the publisher can still publish where it may.
        const allowed = uniqueTopic('allowed');
        await sub.subscribe({ subscriptions: [{ topicFilter: allowed, qos: QoS.AtLeastOnce }] });
        const ok = await pub.publish({ topicName: allowed, qos: QoS.AtLeastOnce, payload: 'ok' });
        expect(ok!.reasonCode).toBe(PubackReasonCode.Success);
        await got.count(allowed, 1);
        expect(got.on(denied)).toEqual([]);
    });
});

describe('server DISCONNECT', () => {
    it('session takeover: the old connection gets `disconnection` with a CrtError (mosquitto 2.0.11 sends no DISCONNECT)', async () => {
        // MQTT 5 says the server SHOULD send DISCONNECT 0x8E Session taken over here; mosquitto
        // 2.0.11 does not: it closes the old socket right after the new CONNACK (checked with a raw
        // socket: the old connection receives its CONNACK, then EOF). So there is no `disconnect`
        // packet to report, only the socket error. A real server DISCONNECT is tested below.
        const clientId = `takeover-${randomUUID()}`;
        // No quick reconnect, or the two would keep taking the session from each other.
        const first = await connectedClient({
            connectProperties: { keepAliveIntervalSeconds: 60, clientId },
            retryJitterMode: RetryJitterType.None,
            minReconnectDelayMs: 60_000,
            maxReconnectDelayMs: 60_000,
        });
        const disconnection = once(first, 'disconnection');
        const second = await connectedClient({ connectProperties: { keepAliveIntervalSeconds: 60, clientId } });
        const { error, disconnect } = await disconnection;
        expect(error).toBeInstanceOf(CrtError);
        expect(error.code).toBe('AWS_IO_SOCKET_CLOSED');
        expect(error.errorCode).toBeGreaterThan(0);
        expect(disconnect).toBeUndefined();

        // The new connection works.
        const topic = uniqueTopic('takeover');
        const got = collector(second);
        await second.subscribe({ subscriptions: [{ topicFilter: topic, qos: QoS.AtLeastOnce }] });
        await second.publish({ topicName: topic, qos: QoS.AtLeastOnce, payload: 'still here' });
        await got.count(topic, 1);
    });
});

describe('private broker with the dynamic security plugin', () => {
    // mosquitto 2.0.11's acl_file never refuses a SUBSCRIBE (it filters on delivery instead: a
    // subscription to a topic with no ACL line is granted), but the dynamic security plugin does,
    // and it can kick a client, which makes mosquitto send a real DISCONNECT.
    const PLUGIN_CANDIDATES = [
        '/usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so',
        '/usr/lib/aarch64-linux-gnu/mosquitto_dynamic_security.so',
        '/usr/lib/mosquitto_dynamic_security.so',
        '/usr/local/lib/mosquitto_dynamic_security.so',
        '/opt/homebrew/lib/mosquitto_dynamic_security.so',
    ];
    let broker: Broker;
    let dir: string;

    /** A dynsec client entry, its password hashed as the plugin does (PBKDF2-SHA512, 64 bytes). */
    const dynsecClient = (username: string, password: string, roles: string[]) => {
        const salt = randomBytes(12);
        const iterations = 101;
        return {
            username,
            password: pbkdf2Sync(password, salt, iterations, 64, 'sha512').toString('base64'),
            salt: salt.toString('base64'),
            iterations,
            roles: roles.map((rolename) => ({ rolename })),
        };
    };

    /** A client of this broker logged in as `username`. */
    const login = (username: string, overrides: object = {}) =>
        connectedClient({
            port: broker.port,
            // No SDK metrics: they would be appended to the username and the login would fail.
            disableMetrics: true,
            connectProperties: {
                keepAliveIntervalSeconds: 60,
                clientId: `${username}-${randomUUID()}`,
                username,
                password: `${username}-pw`,
            },
            ...overrides,
        });

    beforeAll(async () => {
        const plugin = PLUGIN_CANDIDATES.find((p) => fs.existsSync(p));
        if (!plugin) throw new Error(`mosquitto_dynamic_security.so not found in ${PLUGIN_CANDIDATES.join(', ')}`);
        dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mqtt5-crt-dynsec-'));
        // mosquitto started as root runs as user 'mosquitto': let it read (and save) the config.
        fs.chmodSync(dir, 0o777);
        const config = path.join(dir, 'dynamic-security.json');
        fs.writeFileSync(
            config,
            JSON.stringify({
                clients: [
                    dynsecClient('admin', 'admin-pw', ['admin']),
                    dynsecClient('victim', 'victim-pw', []),
                    dynsecClient('limited', 'limited-pw', ['limited']),
                ],
                roles: [
                    {
                        rolename: 'admin',
                        acls: [
                            { acltype: 'publishClientSend', topic: '$CONTROL/dynamic-security/#', allow: true },
                            { acltype: 'publishClientReceive', topic: '$CONTROL/dynamic-security/#', allow: true },
                            { acltype: 'subscribePattern', topic: '$CONTROL/dynamic-security/#', allow: true },
                        ],
                    },
                    {
                        rolename: 'limited',
                        acls: [
                            { acltype: 'subscribePattern', topic: 'mqtt5-crt-test/allowed/#', allow: true },
                            { acltype: 'publishClientSend', topic: 'mqtt5-crt-test/allowed/#', allow: true },
                        ],
                    },
                ],
                defaultACLAccess: { publishClientSend: false, publishClientReceive: true, subscribe: false, unsubscribe: true },
            }),
        );
        fs.chmodSync(config, 0o666);
        broker = await startBroker({ extraConfig: [`plugin ${plugin}`, `plugin_opt_config_file ${config}`] });
    });

    afterAll(async () => {
        await closeAll();
        await broker?.stop();
        if (broker) fs.rmSync(broker.dir, { recursive: true, force: true });
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it('SUBACK reports NotAuthorized next to granted subscriptions, without throwing', async () => {
        const client = await login('limited');
        const allowed = uniqueTopic('allowed');
        const suback = await client.subscribe({
            subscriptions: [
                { topicFilter: allowed, qos: QoS.AtLeastOnce },
                { topicFilter: uniqueTopic('denied'), qos: QoS.AtLeastOnce },
                { topicFilter: `${allowed}/+/x`, qos: QoS.AtMostOnce },
            ],
        });
        expect(suback.reasonCodes).toEqual([
            SubackReasonCode.GrantedQoS1,
            SubackReasonCode.NotAuthorized,
            SubackReasonCode.GrantedQoS0,
        ]);

        // The granted subscription works.
        const got = collector(client);
        const puback = await client.publish({ topicName: allowed, qos: QoS.AtLeastOnce, payload: 'granted' });
        expect(puback!.reasonCode).toBe(PubackReasonCode.Success);
        await got.count(allowed, 1);
    });

    it('a server DISCONNECT reaches the `disconnection` event: AdministrativeAction when the client is disabled', async () => {
        const victim = await login('victim', {
            retryJitterMode: RetryJitterType.None,
            minReconnectDelayMs: 60_000,
            maxReconnectDelayMs: 60_000,
        });
        const admin = await login('admin');
        const got = collector(admin);
        const response = '$CONTROL/dynamic-security/v1/response';
        await admin.subscribe({ subscriptions: [{ topicFilter: response, qos: QoS.AtLeastOnce }] });

        const disconnection = once(victim, 'disconnection');
        await admin.publish({
            topicName: '$CONTROL/dynamic-security/v1',
            qos: QoS.AtLeastOnce,
            payload: { commands: [{ command: 'disableClient', username: 'victim' }] },
        });
        const { error, disconnect } = await disconnection;
        // mosquitto kicks it with DISCONNECT 0x98 (checked with a raw socket: e0 01 98).
        expect(disconnect).toBeDefined();
        expect(disconnect!.type).toBe(PacketType.Disconnect);
        expect(disconnect!.reasonCode).toBe(DisconnectReasonCode.AdministrativeAction);
        expect(disconnect!.reasonString).toBeUndefined();
        expect(error).toBeInstanceOf(CrtError);
        expect(error.code).toBe('AWS_ERROR_MQTT5_DISCONNECT_RECEIVED');
        expect(error.errorCode).toBeGreaterThan(0);

        // The plugin confirmed the command.
        await got.count(response, 1);
        const answer = JSON.parse(text(got.on(response)[0]));
        expect(answer.responses[0].command).toBe('disableClient');
        expect(answer.responses[0].error).toBeUndefined();
    });
});

describe('shared subscriptions', () => {
    it('split 100 QoS 1 messages between two group members: each gets some, all exactly once', async () => {
        const a = await connectedClient();
        const b = await connectedClient();
        const pub = await connectedClient();
        const topic = uniqueTopic('shared');
        const gotA = collector(a);
        const gotB = collector(b);
        for (const c of [a, b]) {
            const suback = await c.subscribe({
                subscriptions: [{ topicFilter: `$share/group1/${topic}`, qos: QoS.AtLeastOnce }],
            });
            expect(suback.reasonCodes).toEqual([SubackReasonCode.GrantedQoS1]);
        }
        const N = 100;
        const pubacks = await Promise.all(
            Array.from({ length: N }, (_, i) => pub.publish({ topicName: topic, qos: QoS.AtLeastOnce, payload: `m${i}` })),
        );
        expect(pubacks.every((p) => p!.reasonCode === PubackReasonCode.Success)).toBe(true);
        await waitFor(() => gotA.on(topic).length + gotB.on(topic).length >= N, `${N} messages in all`);
        // Then make sure no further copies are on their way to either.
        await flush(a, gotA, pub);
        await flush(b, gotB, pub);

        const fromA = gotA.on(topic).map(text);
        const fromB = gotB.on(topic).map(text);
        expect(fromA.length).toBeGreaterThan(0);
        expect(fromB.length).toBeGreaterThan(0);
        expect(fromA.length + fromB.length).toBe(N);
        const all = [...fromA, ...fromB];
        expect(new Set(all).size).toBe(N);
        expect(new Set(all)).toEqual(new Set(Array.from({ length: N }, (_, i) => `m${i}`)));
        // Delivered under the real topic name, not the $share filter.
        expect([...gotA.on(topic), ...gotB.on(topic)].every((m) => m.topicName === topic)).toBe(true);
    });
});

describe('ACK packets', () => {
    // mosquitto 2.0.11 never puts a reason string or user properties on SUBACK, UNSUBACK or
    // PUBACK (its send__suback/send__unsuback/send__puback take no such properties from a client
    // request, and there is no plugin hook that adds them), even with requestProblemInformation.
    // So the client must report none: in particular it must not echo the request's properties
    // or invent empty ones.
    it('carry exactly what mosquitto sent: reason codes, and no reason string or user properties', async () => {
        const client = await connectedClient({
            connectProperties: {
                keepAliveIntervalSeconds: 60,
                clientId: `acks-${randomUUID()}`,
                requestProblemInformation: true,
            },
        });
        const topic = uniqueTopic('acks');
        const userProperties = [{ name: 'req', value: 'erty' }];

        const suback = await client.subscribe({ subscriptions: [{ topicFilter: topic, qos: QoS.AtLeastOnce }], userProperties });
        expect(suback.type).toBe(PacketType.Suback);
        expect(suback.reasonCodes).toEqual([SubackReasonCode.GrantedQoS1]);
        expect(suback.reasonString).toBeUndefined();
        expect(suback.userProperties).toBeUndefined();

        const puback = await client.publish({ topicName: topic, qos: QoS.AtLeastOnce, payload: 'x', userProperties });
        expect(puback!.type).toBe(PacketType.Puback);
        expect(puback!.reasonCode).toBe(PubackReasonCode.Success);
        expect(puback!.reasonString).toBeUndefined();
        expect(puback!.userProperties).toBeUndefined();

        const unsuback = await client.unsubscribe({ topicFilters: [topic, uniqueTopic('never-subscribed')], userProperties });
        expect(unsuback.type).toBe(PacketType.Unsuback);
        expect(unsuback.reasonCodes).toEqual([UnsubackReasonCode.Success, UnsubackReasonCode.NoSubscriptionExisted]);
        expect(unsuback.reasonString).toBeUndefined();
        expect(unsuback.userProperties).toBeUndefined();

        // A failure code is still just a value on the ACK: NoMatchingSubscribers after the unsubscribe.
        const puback2 = await client.publish({ topicName: topic, qos: QoS.AtLeastOnce, payload: 'y' });
        expect(puback2!.reasonCode).toBe(PubackReasonCode.NoMatchingSubscribers);
        expect(puback2!.reasonString).toBeUndefined();
    });
});
