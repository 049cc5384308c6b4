// Received payloads and correlation data, against the broker. By default they arrive as aws-crt
// delivers them: ArrayBuffers holding exactly the message's bytes (so `new DataView(payload)`,
// `payload instanceof ArrayBuffer`, `new Uint8Array(payload)` work, and no payload exposes another
// message's bytes). `zeroCopyPayloads: true` opts in to Buffers over the batch's shared memory.
import { afterAll, describe, expect, it } from 'vitest';
import { Mqtt5Client, QoS } from '../../dist/index.js';
import { closeAll, connectedClient, uniqueTopic } from '../helpers/client';

afterAll(closeAll);

/** Sizes across the paths: empty, small ones copied into the batch's arena, large ones (>= 4 KiB) on their own. */
const SIZES = [0, 1, 7, 64, 300, 4095, 4096, 70_000];

function body(i: number, size: number): Buffer {
    const b = Buffer.alloc(size);
    for (let j = 0; j < size; j++) b[j] = (i * 31 + j * 7 + 1) & 0xff;
    return b;
}

/** Publishes `count` messages in one burst (so small ones share batches) and collects what arrives. */
async function burst(sub: Mqtt5Client<ArrayBuffer | Buffer>, count: number, extra: object = {}) {
    const pub = await connectedClient();
    const topic = uniqueTopic('payloads');
    await sub.subscribe({ subscriptions: [{ topicFilter: topic, qos: QoS.AtLeastOnce }] });
    const sent = Array.from({ length: count }, (_, i) => body(i, SIZES[i % SIZES.length]));
    const got: Array<{ payload?: unknown; correlationData?: unknown }> = [];
    const all = new Promise<void>((resolve) =>
        sub.on('messageReceived', ({ message }) => {
            got.push(message);
            if (got.length === count) resolve();
        }),
    );
    await Promise.all(sent.map((payload) => pub.publish({ topicName: topic, qos: QoS.AtLeastOnce, payload, ...extra })));
    await all;
    return { sent, got };
}

describe('received payloads (default): ArrayBuffers of exactly the message', () => {
    it('every payload is an ArrayBuffer of exactly its bytes, whatever its size and however it was batched', async () => {
        const sub = await connectedClient();
        const { sent, got } = await burst(sub, 160);
        for (let i = 0; i < sent.length; i++) {
            const p = got[i].payload;
            if (sent[i].length === 0 && p === undefined) continue;
            expect(p, `message ${i}`).toBeInstanceOf(ArrayBuffer);
            const ab = p as ArrayBuffer;
            // Exactly its bytes: nothing before or after that belongs to another message.
            expect(ab.byteLength, `message ${i}`).toBe(sent[i].length);
            expect(Buffer.from(ab).equals(sent[i]), `message ${i}`).toBe(true);
            // What aws-crt code does with it works.
            expect(new Uint8Array(ab).length).toBe(sent[i].length);
            if (ab.byteLength >= 4) expect(new DataView(ab).getUint32(0)).toBe(sent[i].readUInt32BE(0));
        }
    });

    it('correlation data is an ArrayBuffer of exactly its bytes too', async () => {
        const sub = await connectedClient();
        const correlationData = Buffer.from('request-42');
        const { got } = await burst(sub, 6, { correlationData });
        for (const m of got) {
            expect(m.correlationData).toBeInstanceOf(ArrayBuffer);
            expect(Buffer.from(m.correlationData as ArrayBuffer).toString()).toBe('request-42');
            expect((m.correlationData as ArrayBuffer).byteLength).toBe(correlationData.length);
            expect(m.payload).toBeInstanceOf(ArrayBuffer);
        }
    });
});

describe('zeroCopyPayloads: true (opt-in)', () => {
    it('payloads are Buffers viewing shared memory, with the same bytes', async () => {
        const sub = (await connectedClient({ zeroCopyPayloads: true })) as Mqtt5Client<Buffer>;
        const { sent, got } = await burst(sub, 160);
        let shared = 0;
        for (let i = 0; i < sent.length; i++) {
            const p = got[i].payload as Buffer | undefined;
            if (sent[i].length === 0 && p === undefined) continue;
            expect(Buffer.isBuffer(p), `message ${i}`).toBe(true);
            expect(p!.equals(sent[i]), `message ${i}`).toBe(true);
            if (p!.buffer.byteLength > p!.length) shared++;
        }
        // Small messages of one batch share its memory: that is the copy this mode saves.
        expect(shared).toBeGreaterThan(0);
    });

    it('must be a boolean', () => {
        expect(() => new Mqtt5Client({ hostName: 'h', port: 1, zeroCopyPayloads: 'yes' as never })).toThrow(
            new TypeError('config.zeroCopyPayloads must be a boolean (got string)'),
        );
    });
});

describe('published payloads: publish() copies them before it returns', () => {
    // The caller may rewrite its Buffer at once (as with aws-crt): each publish below sends what the
    // Buffer held during the call, on every path (queued for the turn's batch below 16 KiB, handed
    // to the CRT at once from 16 KiB, or read into a checked packet when it has properties).
    it.each([
        ['1 KiB, batched', 1024, {}],
        ['64 KiB, direct', 65536, {}],
        ['1 KiB with properties', 1024, { userProperties: [{ name: 'k', value: 'v' }] }],
    ])('%s: one Buffer refilled after each call', async (_name, size, extra) => {
        const sub = await connectedClient();
        const pub = await connectedClient();
        const topic = uniqueTopic('reused');
        await sub.subscribe({ subscriptions: [{ topicFilter: topic, qos: QoS.AtLeastOnce }] });
        const count = 6;
        const got: Buffer[] = [];
        const all = new Promise<void>((resolve) =>
            sub.on('messageReceived', ({ message }) => {
                got.push(Buffer.from(message.payload as ArrayBuffer));
                if (got.length === count) resolve();
            }),
        );
        const payload = Buffer.alloc(size, 1);
        const acks: Promise<unknown>[] = [];
        for (let i = 1; i <= count; i++) {
            acks.push(pub.publish({ topicName: topic, qos: QoS.AtLeastOnce, payload, ...extra }));
            payload.fill(i + 1);
        }
        await Promise.all(acks);
        await all;
        got.sort((a, b) => a[0] - b[0]);
        for (let i = 0; i < count; i++) expect(got[i].equals(Buffer.alloc(size, i + 1)), `message ${i + 1}`).toBe(true);
    });
});
