// Received payloads and correlation data, against the broker. By default they arrive as aws-crt
// delivers them: ArrayBuffers holding exactly the message's bytes (so `new DataView(payload)`,
// `payload instanceof ArrayBuffer`, `new Uint8Array(payload)` work, and no payload exposes another
// message's bytes). `zeroCopyPayloads: true` opts in to Buffers over the batch's shared memory.
import { afterAll, describe, expect, it } from 'vitest';
import { Mqtt5Client, QoS } from '../../dist/index.js';
import { distIndex, runNode } from '../helpers/child';
import { brokerPort, closeAll, connectedClient, uniqueTopic } from '../helpers/client';

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

// Payloads that arrive in more than one socket read are assembled by the CRT's decoder in a buffer
// of the packet's size, which the client takes over (patches/aws-c-mqtt/0011 and 0012): the
// payload's ArrayBuffer lies in it, with no copy. Sizes on both sides of 256 KiB (the decoder
// keeps smaller buffers, frees larger ones) and of 1 MiB.
const LARGE = [1024 * 1024, 300 * 1024, 200 * 1024, 64 * 1024, 1024 * 1024 + 1, 256 * 1024 + 3];

/** Blocks the JS thread (asleep) so that what arrives meanwhile queues up for one batch. */
function blockJs(ms: number): void {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Publishes one message of each LARGE size (alternating QoS 0 and 1), holds the JS thread while
 * they arrive, and returns them with the number of the batch (the turn of JS) each came in.
 */
async function largeBurst(sub: Mqtt5Client<ArrayBuffer | Buffer>, holdMs: number) {
    const pub = await connectedClient();
    const topic = uniqueTopic('large');
    await sub.subscribe({ subscriptions: [{ topicFilter: topic, qos: QoS.AtLeastOnce }] });
    const sent = LARGE.map((size, i) => ({ payload: body(i + 3, size), qos: i % 2 ? QoS.AtLeastOnce : QoS.AtMostOnce }));
    const got: Array<{ payload: unknown; qos: number; batch: number }> = [];
    let batch = 0;
    let inBatch = false;
    const all = new Promise<void>((resolve) =>
        sub.on('messageReceived', ({ message }) => {
            // Listeners of one batch run in one call; its microtasks run after the last of them.
            if (!inBatch) {
                inBatch = true;
                batch++;
                queueMicrotask(() => (inBatch = false));
            }
            got.push({ payload: message.payload, qos: message.qos, batch });
            if (got.length === sent.length) resolve();
        }),
    );
    // Payloads this large go to the CRT at once (no per-turn batch), so they travel while JS sleeps.
    const published = sent.map((m) => pub.publish({ topicName: topic, ...m }));
    blockJs(holdMs);
    await Promise.all(published);
    await all;
    return { sent, got };
}

/** The messages of `got` matched to `sent` (MQTT orders them per QoS only). */
function pairByQos<T extends { qos: number }>(sent: Array<{ payload: Buffer; qos: number }>, got: T[]) {
    const pairs: Array<[Buffer, T]> = [];
    for (const qos of [QoS.AtMostOnce, QoS.AtLeastOnce]) {
        const want = sent.filter((m) => m.qos === qos);
        const have = got.filter((m) => m.qos === qos);
        expect(have).toHaveLength(want.length);
        for (let i = 0; i < want.length; i++) pairs.push([want[i].payload, have[i]]);
    }
    return pairs;
}

describe('large received payloads (up to 1 MiB)', () => {
    it('arrive as ArrayBuffers of exactly their bytes, several in one batch, and stay intact', async () => {
        const sub = await connectedClient();
        // Several large messages in one batch need them all to arrive while JS sleeps: on a busy
        // machine that may take longer than the first hold.
        let shared = false;
        for (let holdMs = 1000; !shared && holdMs <= 8000; holdMs *= 2) {
            const { sent, got } = await largeBurst(sub, holdMs);
            for (const [want, m] of pairByQos(sent, got)) {
                expect(m.payload).toBeInstanceOf(ArrayBuffer);
                const ab = m.payload as ArrayBuffer;
                expect(ab.byteLength).toBe(want.length);
                expect(Buffer.from(ab).equals(want), `${want.length} bytes`).toBe(true);
                expect(new DataView(ab).getUint32(ab.byteLength - 4)).toBe(want.readUInt32BE(want.length - 4));
            }
            shared = got.some((m, i) => i > 0 && got[i - 1].batch === m.batch);
            // Still intact after the later batches and a garbage collection of whatever was freed.
            await new Promise((r) => setTimeout(r, 50));
            for (const [want, m] of pairByQos(sent, got)) expect(Buffer.from(m.payload as ArrayBuffer).equals(want)).toBe(true);
        }
        expect(shared, 'two large messages in one batch').toBe(true);
    }, 90_000);

    it('arrive as Buffers of exactly their bytes with zeroCopyPayloads', async () => {
        const sub = (await connectedClient({ zeroCopyPayloads: true })) as Mqtt5Client<Buffer>;
        const { sent, got } = await largeBurst(sub, 1000);
        for (const [want, m] of pairByQos(sent, got)) {
            const p = m.payload as Buffer;
            expect(Buffer.isBuffer(p)).toBe(true);
            expect(p.length).toBe(want.length);
            expect(p.equals(want), `${want.length} bytes`).toBe(true);
            // A large payload is never a view of anything shared.
            expect(p.buffer.byteLength).toBe(want.length);
        }
    }, 60_000);

    it('are released: no memory growth over many 1 MiB and 300 KiB messages, once collected', async () => {
        // Rounds of 26 MiB each; after each, garbage collection and the RSS. A payload block kept
        // (never freed) would add its size per message: 79 MiB over the last three rounds.
        const script = `
            const { Mqtt5Client } = require(${JSON.stringify(distIndex)});
            const mk = (id) => new Mqtt5Client({ hostName: '127.0.0.1', port: ${brokerPort()}, disableMetrics: true,
                connectProperties: { clientId: id + process.pid } });
            const settle = () => new Promise((r) => setTimeout(r, 100));
            (async () => {
                const sub = mk('mem-sub'), pub = mk('mem-pub');
                const up = (c) => new Promise((r) => { c.once('connectionSuccess', r); c.start(); });
                await up(sub); await up(pub);
                const topic = ${JSON.stringify(uniqueTopic('large-mem'))};
                await sub.subscribe({ subscriptions: [{ topicFilter: topic, qos: 1 }] });
                let received = 0, bytes = 0;
                sub.on('messageReceived', ({ message }) => { received++; bytes += message.payload.byteLength; });
                const rss = [];
                for (let round = 0; round < 4; round++) {
                    for (let i = 0; i < 32; i++) {
                        const size = i % 4 === 3 ? 300 * 1024 : 1024 * 1024;
                        await pub.publish({ topicName: topic, qos: i % 2, payload: Buffer.alloc(size, i) });
                    }
                    while (received < (round + 1) * 32) await settle();
                    for (let g = 0; g < 3; g++) { global.gc(); await settle(); }
                    rss.push(process.memoryUsage().rss);
                }
                console.log(JSON.stringify({ received, bytes, rss }));
                await Promise.all([sub, pub].map((c) => new Promise((r) => { c.once('stopped', r); c.stop(); })));
                sub.close(); pub.close();
            })().catch((e) => { console.error(e); process.exit(1); });`;
        const r = await runNode(script, { flags: ['--expose-gc'], timeoutMs: 120_000 });
        expect(r.timedOut).toBe(false);
        expect(r.stderr).toBe('');
        const { received, bytes, rss } = JSON.parse(r.stdout.trim());
        expect(received).toBe(128);
        expect(bytes).toBe(4 * 8 * (3 * 1024 * 1024 + 300 * 1024));
        expect(rss[3] - rss[0]).toBeLessThan(40 * 1024 * 1024);
    }, 150_000);
});
