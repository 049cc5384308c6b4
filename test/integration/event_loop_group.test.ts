// The CRT event loop threads: the process-wide group's size (MQTT5_CRT_EVENT_LOOP_THREADS) and
// groups of one's own (io.EventLoopGroup through io.ClientBootstrap), which clients run on and
// keep alive for as long as they need them.
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { io, type Mqtt5Client, QoS } from '../../dist/index.js';
import { distIndex, runNode } from '../helpers/child';
import { brokerPort, closeAll, connectedClient, once, uniqueTopic } from '../helpers/client';

afterEach(closeAll);

/** A QoS 1 message from the client to itself, through the broker. */
async function roundTrip(client: Mqtt5Client): Promise<void> {
    const topic = uniqueTopic('elg');
    await client.subscribe({ subscriptions: [{ topicFilter: topic, qos: QoS.AtLeastOnce }] });
    const got = once<{ message: { topicName: string } }>(client, 'messageReceived');
    await client.publish({ topicName: topic, qos: QoS.AtLeastOnce, payload: 'x' });
    expect((await got).message.topicName).toBe(topic);
}

describe('io.EventLoopGroup', () => {
    it('has the number of threads asked for, and the process-wide group its default', () => {
        expect(new io.EventLoopGroup(2).numThreads).toBe(2);
        expect(new io.EventLoopGroup(1).numThreads).toBe(1);
        expect(new io.EventLoopGroup().numThreads).toBeGreaterThanOrEqual(1);
        expect(io.EventLoopGroup.defaultNumThreads()).toBeGreaterThanOrEqual(1);
    });

    it('refuses a thread count that is not an integer from 0 to 256', () => {
        for (const bad of [-1, 1.5, 257, Number.NaN, '2' as unknown as number]) {
            expect(() => new io.EventLoopGroup(bad)).toThrow(RangeError);
        }
    });

    it('io.ClientBootstrap takes a group or nothing', () => {
        const g = new io.EventLoopGroup(1);
        expect(new io.ClientBootstrap(g).eventLoopGroup).toBe(g);
        expect(new io.ClientBootstrap().eventLoopGroup).toBeUndefined();
        expect(() => new io.ClientBootstrap({} as io.EventLoopGroup)).toThrow(TypeError);
    });

    it.runIf(process.platform === 'linux')('starts its threads: the process has that many more', () => {
        const threads = () => fs.readdirSync('/proc/self/task').length;
        const before = threads();
        const g = new io.EventLoopGroup(3);
        expect(threads() - before).toBeGreaterThanOrEqual(3);
        expect(g.numThreads).toBe(3);
    });

    it('clients on a group of their own connect, exchange messages and stop', async () => {
        const clientBootstrap = new io.ClientBootstrap(new io.EventLoopGroup(2));
        // More clients than threads: some share a thread, and each finds its own loop.
        const clients = await Promise.all(Array.from({ length: 6 }, () => connectedClient({ clientBootstrap })));
        await Promise.all(clients.map(roundTrip));
    });

    it("a bootstrap that is not this library's (aws-crt's, say) means the process-wide group", async () => {
        const client = await connectedClient({ clientBootstrap: {} as io.ClientBootstrap });
        await roundTrip(client);
    });
});

describe('group lifetime and the process-wide size', () => {
    it('a group no longer referenced from JS lives on while its clients need it', async () => {
        const r = await runNode(
            `const { io, Mqtt5Client, QoS } = require(${JSON.stringify(distIndex)});
             (async () => {
                 const make = () => new Mqtt5Client({ hostName: '127.0.0.1', port: ${brokerPort()},
                     connectProperties: { clientId: 'elg-life-' + process.pid },
                     clientBootstrap: new io.ClientBootstrap(new io.EventLoopGroup(1)) });
                 const c = make();
                 for (let i = 0; i < 5; i++) { globalThis.gc(); await new Promise((r) => setTimeout(r, 10)); }
                 await new Promise((resolve) => { c.once('connectionSuccess', resolve); c.start(); });
                 const topic = 'mqtt5-crt-test/elg-life/' + process.pid;
                 await c.subscribe({ subscriptions: [{ topicFilter: topic, qos: QoS.AtLeastOnce }] });
                 const got = new Promise((r) => c.once('messageReceived', r));
                 await c.publish({ topicName: topic, qos: QoS.AtLeastOnce, payload: 'x' });
                 await got;
                 await new Promise((resolve) => { c.once('stopped', resolve); c.stop(); });
                 c.close();
                 console.log('ok');
             })();`,
            { flags: ['--expose-gc'], timeoutMs: 30_000 },
        );
        expect(r.stderr).toBe('');
        expect(r.stdout.trim()).toBe('ok');
        expect(r.code).toBe(0);
    });

    it('MQTT5_CRT_EVENT_LOOP_THREADS sizes the process-wide group; a bad value leaves the default', async () => {
        const script = `const { io } = require(${JSON.stringify(distIndex)}); console.log(io.EventLoopGroup.defaultNumThreads());`;
        const three = await runNode(script, { env: { MQTT5_CRT_EVENT_LOOP_THREADS: '3' } });
        expect(three.stdout.trim()).toBe('3');
        const normal = await runNode(script, { env: { MQTT5_CRT_EVENT_LOOP_THREADS: '' } });
        for (const bad of ['0', '-2', 'two', '3x', '1000']) {
            const r = await runNode(script, { env: { MQTT5_CRT_EVENT_LOOP_THREADS: bad } });
            expect(r.stdout.trim()).toBe(normal.stdout.trim());
        }
    });
});
