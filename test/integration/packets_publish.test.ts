// Packet-level behaviour against the real mosquitto, what clients send each other: every PUBLISH
// property, subscription identifiers, noLocal, retained messages, shared subscriptions and ACK
// contents. Wills, ACL denials and server DISCONNECTs are in packets_broker.test.ts.
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import {
    PacketType,
    PayloadFormatIndicator,
    PubackReasonCode,
    QoS,
    RetainHandlingType,
    SubackReasonCode,
    UnsubackReasonCode,
    type PublishPacket,
} from '../../dist/index.js';
import { closeAll, connectedClient, uniqueTopic } from '../helpers/client';
import { clearRetained, collector, flush, text, waitFor } from '../helpers/collector';

afterAll(closeAll);

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
    it('carry exactly what mosquitto sent: reason codes, no reason string, and (as in aws-crt) an empty userProperties array', async () => {
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
        expect(suback.userProperties).toEqual([]); // aws-crt: always an array

        const puback = await client.publish({ topicName: topic, qos: QoS.AtLeastOnce, payload: 'x', userProperties });
        expect(puback!.type).toBe(PacketType.Puback);
        expect(puback!.reasonCode).toBe(PubackReasonCode.Success);
        expect(puback!.reasonString).toBeUndefined();
        expect(puback!.userProperties).toEqual([]);

        const unsuback = await client.unsubscribe({ topicFilters: [topic, uniqueTopic('never-subscribed')], userProperties });
        expect(unsuback.type).toBe(PacketType.Unsuback);
        expect(unsuback.reasonCodes).toEqual([UnsubackReasonCode.Success, UnsubackReasonCode.NoSubscriptionExisted]);
        expect(unsuback.reasonString).toBeUndefined();
        expect(unsuback.userProperties).toEqual([]);

        // A failure code is still just a value on the ACK: NoMatchingSubscribers after the unsubscribe.
        const puback2 = await client.publish({ topicName: topic, qos: QoS.AtLeastOnce, payload: 'y' });
        expect(puback2!.reasonCode).toBe(PubackReasonCode.NoMatchingSubscribers);
        expect(puback2!.reasonString).toBeUndefined();
        // It travels as numbers (no reason string, no properties) and is the same class and shape.
        expect(Object.getPrototypeOf(puback2)).toBe(Object.getPrototypeOf(puback));
        expect(Object.keys(puback2!)).toEqual(Object.keys(puback!));
        expect(puback2!.userProperties).toEqual([]);
    });
});
