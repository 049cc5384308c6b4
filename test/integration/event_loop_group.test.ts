// The CRT event loop threads: the process-wide group's size (MQTT5_CRT_EVENT_LOOP_THREADS) and
// groups of one's own (io.EventLoopGroup through io.ClientBootstrap), which clients — MQTT 5
// clients, MQTT 3.1.1 connections and request-response clients over either — run on and keep alive
// for as long as they need them.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { cancel, io, type Mqtt5Client, mqtt, mqtt_request_response as rr, QoS } from '../../dist/index.js';
import { type ChildResult, distIndex, runNode } from '../helpers/child';
import { brokerPort, closeAll, connectedClient, once, uniqueTopic } from '../helpers/client';
import { waitFor } from '../helpers/wait';

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

// A child process (with global.gc) that does its work and prints "ok" as its last act.
const runGcScript = (script: string) => runNode(script, { flags: ['--expose-gc'], timeoutMs: 30_000 });
function expectPrintedOk(r: ChildResult): void {
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('ok');
    expect(r.code).toBe(0);
}

describe('group lifetime and the process-wide size', () => {
    it('a group no longer referenced from JS lives on while its clients need it', async () => {
        const r = await runGcScript(
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
        );
        expectPrintedOk(r);
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

describe('MQTT 3.1.1 connections on a group of their own: new mqtt.MqttClient(bootstrap)', () => {
    /** The CRT's event loop threads of this process (Linux: /proc), by thread id. */
    const loopThreads = () =>
        new Set(
            fs.readdirSync('/proc/self/task').filter((tid) => {
                try {
                    return fs.readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').startsWith('AwsEventLoop');
                } catch {
                    return false; // it ended meanwhile
                }
            }),
        );
    /** How often a thread went to sleep and was woken again (each wake-up of an event loop is one). */
    const wakeUps = (tid: string) =>
        Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(fs.readFileSync(`/proc/self/task/${tid}/status`, 'utf8'))![1]);
    const onLinux = process.platform === 'linux';

    it("the connection and a request-response client over it work, on the group's thread", async () => {
        const before = onLinux ? loopThreads() : new Set<string>();
        const group = new io.EventLoopGroup(1);
        // Each thread names itself once it runs: wait for the name.
        const newLoopThreads = () => [...loopThreads()].filter((tid) => !before.has(tid));
        if (onLinux) {
            await waitFor(
                () => newLoopThreads().length > 0,
                10_000,
                () => 'no new AwsEventLoop thread',
            );
        }
        const own = onLinux ? newLoopThreads() : [];
        if (onLinux) expect(own).toHaveLength(1);
        const c = new mqtt.MqttClient(new io.ClientBootstrap(group)).new_connection({
            client_id: `elg311-${randomUUID()}`,
            host_name: '127.0.0.1',
            port: brokerPort(),
            socket_options: new io.SocketOptions(io.SocketType.STREAM, io.SocketDomain.IPV4, 10_000),
            clean_session: true,
            keep_alive: 60,
        });
        try {
            await c.connect();
            const wakeUpsBefore = onLinux ? wakeUps(own[0]) : 0;
            const topic = uniqueTopic('elg311');
            const got: string[] = [];
            await c.subscribe(topic, mqtt.QoS.AtLeastOnce, (_t, p) => got.push(Buffer.from(p).toString()));
            // One at a time: each PUBACK wakes the loop that runs the connection.
            for (let i = 0; i < 20; i++) await c.publish(topic, `m${i}`, mqtt.QoS.AtLeastOnce);
            await waitFor(
                () => got.length === 20,
                10_000,
                () => `got ${got.length} of 20`,
            );
            if (onLinux) expect(wakeUps(own[0]) - wakeUpsBefore).toBeGreaterThanOrEqual(20);

            const client = rr.RequestResponseClient.newFromMqtt311(c, {
                maxRequestResponseSubscriptions: 2,
                maxStreamingSubscriptions: 1,
                operationTimeoutInSeconds: 10,
            });
            try {
                const stream = client.createStream({ subscriptionTopicFilter: `${topic}/stream` });
                const established = cancel.newCancellablePromiseFromNextEvent({
                    emitter: stream,
                    eventName: rr.StreamingOperationBase.SUBSCRIPTION_STATUS,
                });
                stream.open();
                await established;
                const incoming = cancel.newCancellablePromiseFromNextEvent<string>({
                    emitter: stream,
                    eventName: rr.StreamingOperationBase.INCOMING_PUBLISH,
                    eventDataTransformer: (e: rr.IncomingPublishEvent) => Buffer.from(e.payload).toString(),
                });
                await c.publish(`${topic}/stream`, 'to the stream', mqtt.QoS.AtLeastOnce);
                expect(await incoming).toBe('to the stream');
                stream.close();
            } finally {
                client.close();
            }
            await c.disconnect();
        } finally {
            c.close();
        }
    });

    it('a group no longer referenced from JS lives on while its connection needs it, and lets the process exit', async () => {
        const r = await runGcScript(
            `const { cancel, io, mqtt, mqtt_request_response: rr } = require(${JSON.stringify(distIndex)});
             (async () => {
                 const c = new mqtt.MqttClient(new io.ClientBootstrap(new io.EventLoopGroup(1))).new_connection({
                     client_id: 'elg311-life-' + process.pid, host_name: '127.0.0.1', port: ${brokerPort()},
                     socket_options: new io.SocketOptions(io.SocketType.STREAM, io.SocketDomain.IPV4, 10000) });
                 for (let i = 0; i < 5; i++) { globalThis.gc(); await new Promise((r) => setTimeout(r, 10)); }
                 await c.connect();
                 const topic = 'mqtt5-crt-test/elg311-life/' + process.pid;
                 let received;
                 const got = new Promise((r) => (received = r));
                 await c.subscribe(topic, 1, () => received());
                 await c.publish(topic, 'x', 1);
                 await got;
                 const client = rr.RequestResponseClient.newFromMqtt311(c, { maxRequestResponseSubscriptions: 2,
                     maxStreamingSubscriptions: 1, operationTimeoutInSeconds: 10 });
                 const stream = client.createStream({ subscriptionTopicFilter: topic + '/s' });
                 const established = cancel.newCancellablePromiseFromNextEvent({ emitter: stream,
                     eventName: rr.StreamingOperationBase.SUBSCRIPTION_STATUS });
                 stream.open();
                 await established;
                 stream.close();
                 client.close();
                 await c.disconnect();
                 console.log('ok');
             })();`,
        );
        expectPrintedOk(r);
        expect(r.timedOut).toBe(false);
    });
});
