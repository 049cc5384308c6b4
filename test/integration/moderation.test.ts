// Wake-up moderation: under a dense stream of events the JS thread is woken by a short timer (a
// Linux timerfd per client that ran hot) and takes what arrived meanwhile in the same batch;
// sparse events are delivered at once. These tests check what a user can observe: everything is
// delivered, in order, dense or sparse and across the switch between them; the timer exists only
// for a client that ran hot, and goes with the client.
import { readdirSync, readlinkSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { type Mqtt5Client, PubackReasonCode, QoS } from '../../dist/index.js';
import { distIndex, runNode } from '../helpers/child';
import { brokerPort, closeAll, connectedClient, uniqueTopic } from '../helpers/client';
import { waitFor } from '../helpers/wait';

afterAll(closeAll);

const linux = process.platform === 'linux';

/** This process's timerfds (Node and libuv make none; the addon makes one per hot client). */
function timerfds(): number {
    if (!linux) return 0;
    let n = 0;
    for (const fd of readdirSync('/proc/self/fd')) {
        try {
            if (readlinkSync(`/proc/self/fd/${fd}`) === 'anon_inode:[timerfd]') n++;
        } catch {
            // closed between the listing and the readlink
        }
    }
    return n;
}

/** The sequence numbers (first 4 bytes) of the messages `client` receives. */
function sequence(client: Mqtt5Client) {
    const seqs: number[] = [];
    client.on('messageReceived', ({ message }) => seqs.push((message.payload as Buffer).readUInt32LE(0)));
    return seqs;
}

function payload(seq: number): Buffer {
    const b = Buffer.alloc(64);
    b.writeUInt32LE(seq, 0);
    return b;
}

describe('wake-up moderation', () => {
    it('delivers dense streams in order, then sparse messages one by one, and closes the timer with the client', async () => {
        const before = timerfds();
        const sub = await connectedClient();
        const pub = await connectedClient();
        const topic = uniqueTopic('moderation');
        const seqs = sequence(sub);
        await sub.subscribe({ subscriptions: [{ topicFilter: topic, qos: QoS.AtLeastOnce }] });

        // Dense: 20,000 QoS 0 publishes in bursts of 1,000 per turn, then 5,000 at QoS 1.
        const N0 = 20_000;
        const N1 = 5_000;
        const done: Array<Promise<unknown>> = [];
        for (let i = 0; i < N0; i++) {
            done.push(pub.publish({ topicName: topic, qos: QoS.AtMostOnce, payload: payload(i) }));
            if (i % 1000 === 999) await new Promise((r) => setImmediate(r));
        }
        expect(await Promise.all(done)).toEqual(new Array(N0).fill(undefined));
        const acks = await Promise.all(
            Array.from({ length: N1 }, (_, i) =>
                pub.publish({ topicName: topic, qos: QoS.AtLeastOnce, payload: payload(N0 + i) }),
            ),
        );
        expect(acks.every((a) => a?.reasonCode === PubackReasonCode.Success)).toBe(true);
        await waitFor(
            () => seqs.length >= N0 + N1,
            20_000,
            () => `received ${seqs.length} of ${N0 + N1}`,
        );
        // QoS 0 on one connection arrives in order; so does QoS 1 after it.
        expect(seqs.length).toBe(N0 + N1);
        expect(seqs.every((s, i) => s === i)).toBe(true);
        // Both clients ran hot: each has its timer now.
        if (linux) expect(timerfds()).toBe(before + 2);

        // Sparse, after the dense phase: each message and each PUBACK on its own arrives (a lost
        // wake-up would leave it queued until the next event, which never comes here).
        for (let k = 0; k < 20; k++) {
            const seq = N0 + N1 + k;
            const ack = await pub.publish({ topicName: topic, qos: QoS.AtLeastOnce, payload: payload(seq) });
            expect(ack?.reasonCode).toBe(PubackReasonCode.Success);
            await waitFor(
                () => seqs.length === seq + 1,
                5_000,
                () => `message ${seq} did not arrive`,
            );
            await new Promise((r) => setTimeout(r, 5));
        }
        expect(seqs.slice(N0 + N1)).toEqual(Array.from({ length: 20 }, (_, k) => N0 + N1 + k));

        // Closing a client closes its timer (the close completes on the next loop iteration).
        sub.close();
        pub.close();
        await waitFor(
            () => timerfds() === before,
            5_000,
            () => `timerfds: ${timerfds()} (before: ${before})`,
        );
    });

    it('makes no timer for sparse traffic', async () => {
        const before = timerfds();
        const sub = await connectedClient();
        const pub = await connectedClient();
        const topic = uniqueTopic('sparse');
        const seqs = sequence(sub);
        await sub.subscribe({ subscriptions: [{ topicFilter: topic, qos: QoS.AtLeastOnce }] });
        // Round trips one at a time: every wake-up carries one event.
        for (let k = 0; k < 50; k++) {
            await pub.publish({ topicName: topic, qos: QoS.AtLeastOnce, payload: payload(k) });
            await waitFor(
                () => seqs.length === k + 1,
                5_000,
                () => `message ${k} did not arrive`,
            );
        }
        expect(seqs).toEqual(Array.from({ length: 50 }, (_, k) => k));
        expect(timerfds()).toBe(before);
    });

    // MQTT5_CRT_WAKE_DELAY_US is read once per process: each setting gets a process of its own.
    const denseChild = (delay: string) =>
        runNode(
            `
            const fs = require('node:fs');
            const { Mqtt5Client } = require(${JSON.stringify(distIndex)});
            const timerfds = () => fs.readdirSync('/proc/self/fd').filter((fd) => {
                try { return fs.readlinkSync('/proc/self/fd/' + fd) === 'anon_inode:[timerfd]'; } catch { return false; }
            }).length;
            const client = (id) => new Promise((resolve, reject) => {
                const c = new Mqtt5Client({ hostName: '127.0.0.1', port: ${brokerPort()}, connectProperties: { clientId: id + process.pid } });
                c.once('connectionSuccess', () => resolve(c));
                c.once('connectionFailure', ({ error }) => reject(error));
                c.start();
            });
            (async () => {
                const sub = await client('dense-sub-');
                const pub = await client('dense-pub-');
                const topic = 'mqtt5-crt-test/dense/' + process.pid;
                let got = 0;
                sub.on('messageReceived', () => got++);
                await sub.subscribe({ subscriptions: [{ topicFilter: topic, qos: 0 }] });
                const done = [];
                for (let i = 0; i < 20000; i++) {
                    done.push(pub.publish({ topicName: topic, qos: 0, payload: Buffer.alloc(64, i) }));
                    if (i % 1000 === 999) await new Promise((r) => setImmediate(r));
                }
                await Promise.all(done);
                const deadline = Date.now() + 20000;
                while (got < 20000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
                console.log(JSON.stringify({ got, timers: timerfds() }));
                sub.close();
                pub.close();
            })().catch((e) => { console.error(e); process.exit(1); });
            `,
            { env: { MQTT5_CRT_WAKE_DELAY_US: delay }, timeoutMs: 30_000 },
        );

    it.runIf(linux)('MQTT5_CRT_WAKE_DELAY_US=0 turns it off; a malformed value keeps the default', async () => {
        const [off, malformed] = await Promise.all([denseChild('0'), denseChild('100us')]);
        for (const r of [off, malformed]) expect(r.code, r.stderr).toBe(0);
        expect(JSON.parse(off.stdout)).toEqual({ got: 20000, timers: 0 });
        expect(JSON.parse(malformed.stdout)).toEqual({ got: 20000, timers: 2 });
    });
});
