// The MQTT 3.1.1 connection's outgoing packets share io messages (patches/aws-c-mqtt/0010): what one
// event-loop turn writes (publishes, the PUBACKs for received messages, the DISCONNECT) is encoded
// one packet after the other into one io message of the channel's largest size (16 KiB on plain
// TCP), sent when the next packet does not fit or at the end of the turn; a PUBLISH's payload fills
// the message and continues in new ones. These tests read the client's bytes on the wire (the
// scripted server splits the stream into packets) and the messages a real broker delivers: every
// packet whole, byte for byte, in the order it was written, across sizes that straddle the io
// message's capacity, and nothing written before a disconnect() left behind.
import { describe, expect, it } from 'vitest';
import { mqtt } from '../../dist/index.js';
import { brokerPort, uniqueTopic } from '../helpers/client';
import { type Packet, PacketType, packet, packetIdOf, type ScriptedConnection, str, u16 } from '../helpers/scripted_server';
import { connack, puback, scriptedMqtt311 } from '../helpers/scripted_mqtt311';
import { waitFor } from '../helpers/wait';

// ---- MQTT 3.1.1 packets (no properties) -----------------------------------------------------------

const publishPacket = (topic: string, id: number, payload: Buffer) => packet(0x32, str(topic), u16(id), payload);

interface Sent {
    topic: string;
    qos: 0 | 1;
    payload: Buffer;
}

/** The topic, QoS and payload of a PUBLISH the client sent. */
function readPublish(p: Packet): Sent {
    const topicLength = p.body.readUInt16BE(0);
    const qos = ((p.flags >> 1) & 3) as 0 | 1;
    const payloadStart = 2 + topicLength + (qos > 0 ? 2 : 0);
    return { topic: p.body.subarray(2, 2 + topicLength).toString(), qos, payload: Buffer.from(p.body.subarray(payloadStart)) };
}

/** Deterministic bytes, different for each message, so a misplaced or repeated chunk shows. */
function payloadOf(index: number, size: number): Buffer {
    const b = Buffer.alloc(size);
    let x = (index + 1) * 2654435761;
    for (let i = 0; i < size; i++) {
        x = (x * 1103515245 + 12345) >>> 0;
        b[i] = x >>> 24;
    }
    return b;
}

// Sizes around one and several io messages (16,384 bytes on plain TCP, the PUBLISH's headers
// included), so that packets start, end and split at and near every boundary; with small ones in
// between, each large one starts at a different offset of a shared message.
const SIZES = [0, 1, 64, 1000, 16_000, 16_360, 16_370, 16_373, 16_374, 16_375, 16_376, 16_384, 16_400, 32_768, 65_536, 100_003];

/** The n-th publish of a burst: every size, QoS 0 and 1 mixed (1, 1, 0, 1, 0, ...). */
function burstMessage(n: number, topicPrefix: string): Sent {
    const qos = n % 3 === 2 || n % 5 === 4 ? 0 : 1;
    return { topic: `${topicPrefix}/${n}`, qos, payload: payloadOf(n, SIZES[n % SIZES.length]) };
}

// ---- Fixtures -------------------------------------------------------------------------------------

const scripted = scriptedMqtt311('w311');

const newConnection = scripted.connection;

/**
 * Acknowledges the client's QoS 1 PUBLISHes as they arrive (unless `ack` is false); `onFirstPublish`
 * runs when the first one arrives. Ends quietly when the client closes the connection.
 */
function ackingServer(onFirstPublish?: (conn: ScriptedConnection) => void, ack = true) {
    return async (conn: ScriptedConnection) => {
        await conn.expect(PacketType.CONNECT);
        conn.send(connack());
        let first = true;
        for (;;) {
            let p: Packet;
            try {
                p = await conn.next(60_000);
            } catch {
                return; // closed
            }
            if (p.type !== PacketType.PUBLISH) continue;
            if (first) onFirstPublish?.(conn);
            first = false;
            if (ack && ((p.flags >> 1) & 3) > 0) conn.send(puback(packetIdOf(p)));
        }
    };
}

const publishesOf = (conn: ScriptedConnection) => conn.packets.filter((p) => p.type === PacketType.PUBLISH).map(readPublish);

function expectSameMessages(got: Sent[], want: Sent[]): void {
    expect(got.map((m) => `${m.topic} q${m.qos} ${m.payload.length}`)).toEqual(
        want.map((m) => `${m.topic} q${m.qos} ${m.payload.length}`),
    );
    for (const [i, m] of got.entries()) expect(m.payload.equals(want[i].payload), `payload of ${m.topic}`).toBe(true);
}

// ---- Tests ------------------------------------------------------------------------------------------

describe('MQTT 3.1.1 outgoing packets in shared io messages', () => {
    it('a burst of QoS 0/1 publishes of every size, with PUBACKs for received messages in between: every packet whole, in order', async () => {
        const incoming = 300;
        const incomingSize = (i: number) => [0, 10, 200, 3000, 17_000][i % 5];
        // When the client's first PUBLISH arrives, the server sends its own burst of QoS 1
        // PUBLISHes: the client's PUBACKs for them are written while its publishes are.
        const server = await scripted.server(
            ackingServer((conn) => {
                const burst = Array.from({ length: incoming }, (_, i) =>
                    publishPacket(`in/${i}`, i + 1, payloadOf(10_000 + i, incomingSize(i))),
                );
                conn.send(Buffer.concat(burst));
            }),
        );
        const c = newConnection(server.port);
        const received: Array<[string, Buffer]> = [];
        c.on('message', (topic, payload) => received.push([topic, Buffer.from(payload)]));
        await c.connect();

        const sent = Array.from({ length: 240 }, (_, n) => burstMessage(n, 'out'));
        const results = await Promise.all(sent.map((m) => c.publish(m.topic, m.payload, m.qos)));
        expect(results).toHaveLength(sent.length);

        const conn = await server.connection(0);
        const acked = () => conn.packets.filter((p) => p.type === PacketType.PUBACK).map((p) => p.body.readUInt16BE(0));
        await waitFor(
            () => acked().length >= incoming && received.length >= incoming,
            60_000,
            () => `${acked().length} PUBACKs`,
        );

        expectSameMessages(publishesOf(conn), sent);
        // Each received QoS 1 PUBLISH acknowledged once, in the order it arrived.
        expect(acked()).toEqual(Array.from({ length: incoming }, (_, i) => i + 1));
        expect(received.map(([t]) => t)).toEqual(Array.from({ length: incoming }, (_, i) => `in/${i}`));
        for (const [i, [, p]] of received.entries()) expect(p.equals(payloadOf(10_000 + i, incomingSize(i)))).toBe(true);
        // Only CONNECT, PUBLISH and PUBACK: no packet was cut into something else.
        expect(new Set(conn.packets.map((p) => p.type))).toEqual(
            new Set([PacketType.CONNECT, PacketType.PUBLISH, PacketType.PUBACK]),
        );
    }, 120_000);

    it('disconnect() during a burst: what was written goes out whole and in order, then the DISCONNECT, then nothing', async () => {
        // No PUBACKs: a client that closes its socket with received bytes unread makes the kernel
        // reset the connection, and the server's kernel then drops what it had not yet delivered.
        const server = await scripted.server(ackingServer(undefined, false));
        const c = newConnection(server.port);
        await c.connect();

        // Publishes queued before disconnect() are written before it (one task queue); a QoS 0 one
        // completes when written, and all must reach the server before the DISCONNECT (QoS 1 ones,
        // unacknowledged, fail: clean session). Small payloads (31 KB in all), so that the burst fits
        // in the sockets' buffers even if this busy process's server reads nothing meanwhile: the
        // client's close drops what its kernel has not accepted (aws-c-io's socket close discards
        // the socket's write queue, with or without shared io messages).
        const small = [0, 1, 64, 500, 1000];
        const sent = Array.from({ length: 100 }, (_, n) => ({ ...burstMessage(n, 'last'), payload: payloadOf(n, small[n % 5]) }));
        const outcomes = sent.map((m) =>
            c.publish(m.topic, m.payload, m.qos).then(
                () => true,
                () => false,
            ),
        );
        await outcomes[2]; // QoS 0: complete once written
        await c.disconnect();
        const conn = await server.connection(0);
        await conn.closed;
        const completed = await Promise.all(outcomes);

        const onWire = publishesOf(conn);
        expect(onWire.length).toBeGreaterThan(1);
        expectSameMessages(onWire, sent.slice(0, onWire.length));
        // A QoS 0 publish completes once written: each that did is on the wire.
        sent.forEach((m, i) => {
            if (m.qos === 0 && completed[i]) expect(i, `${m.topic} completed but not sent`).toBeLessThan(onWire.length);
        });
        expect(conn.packets.map((p) => p.type).slice(-1)).toEqual([PacketType.DISCONNECT]);
        expect(conn.packets.filter((p) => p.type === PacketType.DISCONNECT)).toHaveLength(1);
    }, 60_000);

    it('through the broker: a subscriber gets every message of a mixed burst, in order per topic and QoS, byte for byte', async () => {
        const prefix = uniqueTopic('w311');
        const sub = newConnection(brokerPort());
        await sub.connect();
        const got = new Map<string, Sent[]>();
        await sub.subscribe(`${prefix}/#`, mqtt.QoS.AtLeastOnce, (topic, payload, _dup, qos) => {
            const key = `${topic.split('/').at(-1)} q${qos}`;
            if (!got.has(key)) got.set(key, []);
            got.get(key)!.push({ topic, qos: qos as 0 | 1, payload: Buffer.from(payload) });
        });
        const pub = newConnection(brokerPort());
        await pub.connect();

        // Two topics per QoS; the broker keeps the order of one publisher's messages per topic and QoS.
        const sent = Array.from({ length: 200 }, (_, n) => {
            const m = burstMessage(n, '');
            return { ...m, topic: `${prefix}/${n % 2 ? 'odd' : 'even'}` };
        });
        await Promise.all(sent.map((m) => pub.publish(m.topic, m.payload, m.qos)));
        const count = () => [...got.values()].reduce((a, l) => a + l.length, 0);
        await waitFor(
            () => count() >= sent.length,
            60_000,
            () => `${count()} of ${sent.length} messages`,
        );

        for (const [key, list] of got) {
            const want = sent.filter((m) => `${m.topic.split('/').at(-1)} q${m.qos}` === key);
            expectSameMessages(list, want);
        }
        expect(count()).toBe(sent.length);
    }, 120_000);
});
