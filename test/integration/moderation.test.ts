// Wake-up moderation: under a dense stream of events the JS thread is woken by a short timer (a
// Linux timerfd per client that ran hot) and takes what arrived meanwhile in the same batch;
// sparse events are delivered at once. These tests check what a user can observe: everything is
// delivered, in order, dense or sparse and across the switch between them, with moderation on
// (at the default delay and at a long one) and off; a client has at most one timer, none when
// moderation is off, and it goes with the client. Whether and when a client runs hot ("a batch of
// >= 4 events taken less than one delay ago") depends on the machine's speed, so no test expects a
// number of timers or of wake-ups; the delay's parsing is checked by reading it back.
import { afterAll, describe, expect, it } from 'vitest';
import { type Mqtt5Client, PubackReasonCode, QoS } from '../../dist/index.js';
import { distIndex, distNative, runNode } from '../helpers/child';
import { brokerPort, closeAll, connectedClient, uniqueTopic } from '../helpers/client';
import { waitFor } from '../helpers/wait';

afterAll(closeAll);

const linux = process.platform === 'linux';

/** The sequence numbers (first 4 bytes) of the messages `client` receives. */
function sequence(client: Mqtt5Client) {
    const seqs: number[] = [];
    client.on('messageReceived', ({ message }) => seqs.push(Buffer.from(message.payload!).readUInt32LE(0)));
    return seqs;
}

function payload(seq: number): Buffer {
    const b = Buffer.alloc(64);
    b.writeUInt32LE(seq, 0);
    return b;
}

/**
 * A child process with MQTT5_CRT_WAKE_DELAY_US=`delay`: a subscriber and a publisher, `dense`
 * (20,000 QoS 0 messages in bursts of 1,000 per turn) or sparse (50 QoS 1 round trips one at a
 * time). Prints what arrived, whether in order, the process's timerfds while both clients are
 * open, and once both are closed.
 */
const child = (delay: string, dense: boolean) =>
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
        const until = async (ok, ms) => {
            const deadline = Date.now() + ms;
            while (!ok() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
        };
        (async () => {
            const sub = await client('moderation-sub-');
            const pub = await client('moderation-pub-');
            const topic = 'mqtt5-crt-test/moderation/' + process.pid;
            const seqs = [];
            sub.on('messageReceived', ({ message }) => seqs.push(Buffer.from(message.payload).readUInt32LE(0)));
            await sub.subscribe({ subscriptions: [{ topicFilter: topic, qos: 1 }] });
            const payload = (i) => { const b = Buffer.alloc(64); b.writeUInt32LE(i, 0); return b; };
            const n = ${dense ? 20000 : 50};
            if (${dense}) {
                const done = [];
                for (let i = 0; i < n; i++) {
                    done.push(pub.publish({ topicName: topic, qos: 0, payload: payload(i) }));
                    if (i % 1000 === 999) await new Promise((r) => setImmediate(r));
                }
                await Promise.all(done);
                await until(() => seqs.length >= n, 60000);
            } else {
                for (let i = 0; i < n; i++) {
                    await pub.publish({ topicName: topic, qos: 1, payload: payload(i) });
                    await until(() => seqs.length > i, 10000);
                }
            }
            const timers = timerfds();
            sub.close();
            pub.close();
            await until(() => timerfds() === 0, 10000);
            const inOrder = seqs.every((s, i) => s === i);
            console.log(JSON.stringify({ got: seqs.length, inOrder, timers, timersAfterClose: timerfds() }));
        })().catch((e) => { console.error(e); process.exit(1); });
        `,
        { env: { MQTT5_CRT_WAKE_DELAY_US: delay }, timeoutMs: 120_000 },
    );

/** The moderation delay a process with MQTT5_CRT_WAKE_DELAY_US=`value` uses, in microseconds. */
async function delayFor(value: string): Promise<number> {
    const r = await runNode(`console.log(require(${JSON.stringify(distNative)}).binding._wakeDelayUs())`, {
        env: { MQTT5_CRT_WAKE_DELAY_US: value },
    });
    expect(r.code, r.stderr).toBe(0);
    return Number(r.stdout);
}

describe('wake-up moderation', () => {
    it('delivers dense streams in order, then sparse messages one by one', async () => {
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
            60_000,
            () => `received ${seqs.length} of ${N0 + N1}`,
        );
        // QoS 0 on one connection arrives in order; so does QoS 1 after it.
        expect(seqs.length).toBe(N0 + N1);
        expect(seqs.every((s, i) => s === i)).toBe(true);

        // Sparse, after the dense phase: each message and each PUBACK on its own arrives (a lost
        // wake-up would leave it queued until the next event, which never comes here).
        for (let k = 0; k < 20; k++) {
            const seq = N0 + N1 + k;
            const ack = await pub.publish({ topicName: topic, qos: QoS.AtLeastOnce, payload: payload(seq) });
            expect(ack?.reasonCode).toBe(PubackReasonCode.Success);
            await waitFor(
                () => seqs.length === seq + 1,
                10_000,
                () => `message ${seq} did not arrive`,
            );
            await new Promise((r) => setTimeout(r, 5));
        }
        expect(seqs.slice(N0 + N1)).toEqual(Array.from({ length: 20 }, (_, k) => N0 + N1 + k));
    }, 120_000);

    it.runIf(linux)(
        'with a long delay (200 ms): dense and sparse streams arrive whole and in order; a client has at most one timer, closed with it',
        async () => {
            const [dense, sparse] = await Promise.all([child('200000', true), child('200000', false)]);
            for (const r of [dense, sparse]) {
                expect(r.code, r.stderr).toBe(0);
                const out = JSON.parse(r.stdout);
                expect(out.timers).toBeLessThanOrEqual(2); // two clients
                expect(out.timersAfterClose).toBe(0);
            }
            expect(JSON.parse(dense.stdout)).toMatchObject({ got: 20000, inOrder: true });
            expect(JSON.parse(sparse.stdout)).toMatchObject({ got: 50, inOrder: true });
        },
        150_000,
    );

    it.runIf(linux)(
        'MQTT5_CRT_WAKE_DELAY_US=0 turns it off',
        async () => {
            const off = await child('0', true);
            expect(off.code, off.stderr).toBe(0);
            expect(JSON.parse(off.stdout)).toEqual({ got: 20000, inOrder: true, timers: 0, timersAfterClose: 0 });
        },
        150_000,
    );

    it('MQTT5_CRT_WAKE_DELAY_US: microseconds up to 1 s; a malformed value keeps the default of 100', async () => {
        expect(await Promise.all(['250', '0', '5000000', '100us', '-1', '', '12345678'].map(delayFor))).toEqual([
            250, 0, 1000000, 100, 100, 100, 100,
        ]);
    });
});
