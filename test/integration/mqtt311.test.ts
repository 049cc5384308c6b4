// The MQTT 3.1.1 connection (mqtt.MqttClientConnection) against the real broker: QoS 0/1, per
// subscription callbacks and 'message', will, clean session, reconnect and resume with a session,
// TLS/mTLS and SigV4 websockets through the IoT builder, errors, and letting the process exit.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { auth, CrtError, io, iot, mqtt } from '../../dist/index.js';
import { brokerPort, once, uniqueTopic } from '../helpers/client';
import { distIndex, runNode } from '../helpers/child';
import { startFaultProxy } from '../helpers/fault_proxy';
import { verifyPresignedUrl } from '../helpers/sigv4';
import { makeTlsMaterial, type TlsMaterial } from '../helpers/tls';
import { startTlsBroker, type TlsBroker } from '../helpers/tls_broker';
import { waitFor } from '../helpers/wait';
import { startWsGateway, type WsGateway } from '../helpers/ws_gateway';

const open: mqtt.MqttClientConnection[] = [];

function connection(overrides: Partial<mqtt.MqttConnectionConfig> = {}): mqtt.MqttClientConnection {
    const c = new mqtt.MqttClient().new_connection({
        client_id: `t311-${randomUUID()}`,
        host_name: '127.0.0.1',
        port: brokerPort(),
        socket_options: new io.SocketOptions(io.SocketType.STREAM, io.SocketDomain.IPV4, 10_000),
        clean_session: true,
        keep_alive: 60,
        ...overrides,
    });
    open.push(c);
    return c;
}

async function connected(overrides: Partial<mqtt.MqttConnectionConfig> = {}): Promise<mqtt.MqttClientConnection> {
    const c = connection(overrides);
    await c.connect();
    return c;
}

afterEach(async () => {
    const all = open.splice(0);
    await Promise.all(
        all.map(async (c) => {
            try {
                await c.disconnect();
            } catch {
                /* not connected, or closed already */
            }
            c.close();
        }),
    );
});

const text = (b: ArrayBuffer) => Buffer.from(b).toString();

describe('mqtt.MqttClientConnection', () => {
    it('connects, subscribes with a callback, publishes QoS 0 and 1, unsubscribes, disconnects', async () => {
        const c = connection();
        const events: string[] = [];
        for (const e of ['connect', 'connection_success', 'disconnect', 'closed'] as const) c.on(e, () => events.push(e));
        const successes: mqtt.OnConnectionSuccessResult[] = [];
        c.on('connection_success', (d) => successes.push(d));
        expect(await c.connect()).toBe(false);
        expect(successes).toEqual([{ session_present: false, reason_code: 0 }]);

        const topic = uniqueTopic('311');
        const viaCallback: Array<[string, string, boolean, number, boolean]> = [];
        const viaEvent: string[] = [];
        c.on('message', (t, p) => {
            expect(p).toBeInstanceOf(ArrayBuffer);
            viaEvent.push(`${t}:${text(p)}`);
        });
        const sub = await c.subscribe(`${topic}/+`, mqtt.QoS.AtLeastOnce, (t, p, dup, qos, retain) =>
            viaCallback.push([t, text(p), dup, qos, retain]),
        );
        expect(sub).toMatchObject({ topic: `${topic}/+`, qos: 1, error_code: 0 });
        expect(sub.packet_id).toBeGreaterThan(0);

        const q1 = await c.publish(`${topic}/a`, 'one', mqtt.QoS.AtLeastOnce);
        expect(q1.packet_id).toBeGreaterThan(0);
        await c.publish(`${topic}/b`, { n: 2 }, mqtt.QoS.AtMostOnce);
        await c.publish(`${topic}/c`, new Uint8Array([0x33]).buffer, mqtt.QoS.AtLeastOnce);
        await c.publish(`${topic}/d`, Buffer.from('four'), mqtt.QoS.AtLeastOnce, false);
        await waitFor(
            () => viaEvent.length === 4,
            10_000,
            () => `messages: ${viaEvent}`,
        );
        expect(viaCallback).toEqual([
            [`${topic}/a`, 'one', false, 1, false],
            [`${topic}/b`, '{"n":2}', false, 0, false],
            [`${topic}/c`, '3', false, 1, false],
            [`${topic}/d`, 'four', false, 1, false],
        ]);
        expect(viaEvent).toEqual([`${topic}/a:one`, `${topic}/b:{"n":2}`, `${topic}/c:3`, `${topic}/d:four`]);

        expect((await c.unsubscribe(`${topic}/+`)).packet_id).toBeGreaterThan(0);
        await c.publish(`${topic}/e`, 'after', mqtt.QoS.AtLeastOnce);
        expect(c.getOperationalStatistics()).toEqual({
            incompleteOperationCount: 0,
            incompleteOperationSize: 0,
            unackedOperationCount: 0,
            unackedOperationSize: 0,
        });
        expect(c.getQueueStatistics()).toEqual(c.getOperationalStatistics());

        await c.disconnect();
        await waitFor(
            () => events.includes('closed'),
            5000,
            () => events.join(),
        );
        expect(events).toEqual(['connect', 'connection_success', 'disconnect', 'closed']);
        expect(viaCallback).toHaveLength(4);
        // Closed after disconnect, as in aws-crt: operations reject with a CrtError.
        await expect(c.publish(topic, 'x', 0)).rejects.toBeInstanceOf(CrtError);
        await expect(c.connect()).rejects.toMatchObject({ code: 'AWS_ERROR_MQTT_CONNECTION_DESTROYED' });
    });

    it('calls each matching subscription (wildcards, overlaps), then emits message once', async () => {
        const c = await connected();
        const topic = uniqueTopic('overlap');
        const calls: string[] = [];
        await c.subscribe(`${topic}/#`, 0, () => calls.push('#'));
        await c.subscribe(`${topic}/x/+`, 0, () => calls.push('+'));
        await c.subscribe(`${topic}/y`, 0); // no callback: only 'message'
        const messages: string[] = [];
        c.on('message', (t) => messages.push(t));
        await c.publish(`${topic}/x/1`, '', 0);
        await c.publish(`${topic}/y`, '', 0);
        await waitFor(
            () => messages.length >= 2,
            10_000,
            () => messages.join(),
        );
        await new Promise((r) => setTimeout(r, 200));
        // Every copy the broker sends (it may send one per overlapping subscription) goes to each
        // matching callback once and to 'message' once.
        const x = messages.filter((t) => t === `${topic}/x/1`).length;
        const y = messages.filter((t) => t === `${topic}/y`).length;
        expect(x).toBeGreaterThanOrEqual(1);
        expect(y).toBe(1);
        expect(calls.filter((k) => k === '+')).toHaveLength(x);
        expect(calls.filter((k) => k === '#')).toHaveLength(x + y);
        expect(mqtt.topicMatches('a/+/c', 'a/b/c')).toBe(true);
        expect(mqtt.topicMatches('a/#', 'a')).toBe(true);
        expect(mqtt.topicMatches('#', '$aws/things/x')).toBe(false);
        expect(mqtt.topicMatches('a/+', 'a/b/c')).toBe(false);
    });

    it('publishes of one turn resolve with their own packet ids; callbacks follow (un)subscribes', async () => {
        const c = await connected();
        const topic = uniqueTopic('ids');
        const sub = await c.subscribe(`${topic}/#`, 1); // no callback: only 'message'
        const messages: string[] = [];
        c.on('message', (_t, p) => messages.push(text(p)));
        const results = await Promise.all(
            Array.from({ length: 20 }, (_, i) => c.publish(`${topic}/n`, String(i), (i % 2) as mqtt.QoS)),
        );
        // The CRT numbers its requests one after another (a PINGREQ may take a number between).
        const ids = results.map((r) => r.packet_id);
        for (let i = 0; i < ids.length; i++) expect(ids[i]).toBeGreaterThan(i === 0 ? sub.packet_id : ids[i - 1]);
        // The topic of the previous publish is not checked again; another one is.
        await expect(c.publish(`${topic}/+`, 'x', 1)).rejects.toThrow(RangeError);
        const calls: string[] = [];
        await c.subscribe(`${topic}/cb`, 1, (_t, p) => calls.push(text(p)));
        await c.publish(`${topic}/cb`, 'a', 1);
        await waitFor(
            () => calls.length >= 1 && messages.includes('a'),
            10_000,
            () => `${calls} / ${messages}`,
        );
        expect((await c.unsubscribe(`${topic}/cb`)).packet_id).toBeGreaterThan(ids[ids.length - 1]);
        await c.publish(`${topic}/cb`, 'b', 1);
        await waitFor(
            () => messages.includes('b'),
            10_000,
            () => messages.join(),
        );
        // (The broker may send a copy per matching subscription: each reaches the callback.)
        expect(calls.length).toBeGreaterThanOrEqual(1);
        expect(calls.filter((m) => m !== 'a')).toEqual([]);
        expect(messages.filter((m) => /^\d+$/.test(m)).sort((a, b) => Number(a) - Number(b))).toEqual(
            ids.map((_, i) => String(i)),
        );
    });

    it('publishes the will when the connection is lost, not on disconnect()', async () => {
        const proxy = await startFaultProxy(brokerPort());
        try {
            const topic = uniqueTopic('will');
            const watcher = await connected();
            const wills: string[] = [];
            await watcher.subscribe(topic, 1, (_t, p) => wills.push(text(p)));
            const polite = await connected({ will: new mqtt.MqttWill(topic, 1, 'polite') });
            await polite.disconnect();
            const lost = connection({
                port: proxy.port,
                will: new mqtt.MqttWill(topic, mqtt.QoS.AtLeastOnce, Buffer.from('gone'), false),
                // (a disconnect() while reconnecting waits for the pending attempt: keep it short)
                reconnect_min_sec: 1,
                reconnect_max_sec: 2,
            });
            await lost.connect();
            const interrupted = once(lost, 'interrupt');
            proxy.drop();
            expect(await interrupted).toBeInstanceOf(CrtError);
            await waitFor(
                () => wills.length > 0,
                10_000,
                () => 'no will',
            );
            expect(wills).toEqual(['gone']);
        } finally {
            await proxy.close();
        }
    });

    it('clean_session false: the session and its queued QoS 1 messages survive a reconnect', async () => {
        const clientId = `t311-session-${randomUUID()}`;
        const topic = uniqueTopic('session');
        const first = await connected({ client_id: clientId, clean_session: false });
        await first.subscribe(topic, 1);
        await first.disconnect();

        const publisher = await connected();
        await publisher.publish(topic, 'while away', 1);

        const second = connection({ client_id: clientId, clean_session: false });
        const got: string[] = [];
        second.on('message', (_t, p, _dup, qos) => got.push(`${text(p)}@${qos}`));
        expect(await second.connect()).toBe(true);
        await waitFor(
            () => got.length === 1,
            10_000,
            () => 'nothing delivered',
        );
        expect(got).toEqual(['while away@1']);

        // clean_session true discards it.
        await second.disconnect();
        const third = connection({ client_id: clientId, clean_session: true });
        expect(await third.connect()).toBe(false);
    });

    it('reconnects by itself after a lost connection: interrupt, then resume with the session present', async () => {
        const proxy = await startFaultProxy(brokerPort());
        try {
            const c = connection({ port: proxy.port, clean_session: false, reconnect_min_sec: 1, reconnect_max_sec: 2 });
            const successes: boolean[] = [];
            c.on('connection_success', (d) => successes.push(d.session_present));
            await c.connect();
            const topic = uniqueTopic('resume');
            const got: string[] = [];
            await c.subscribe(topic, 1, (_t, p) => got.push(text(p)));
            const interrupted = once<CrtError>(c, 'interrupt');
            const resumed = new Promise<[number, boolean]>((r) => c.on('resume', (code, present) => r([code, present])));
            proxy.drop();
            expect((await interrupted).code).toMatch(/^AWS_/);
            expect(await resumed).toEqual([0, true]);
            expect(successes).toEqual([false, true]);
            const other = await connected();
            await other.publish(topic, 'after resume', 1);
            await waitFor(
                () => got.length === 1,
                10_000,
                () => 'no message after resume',
            );
            expect(got).toEqual(['after resume']);
        } finally {
            await proxy.close();
        }
    });

    it('a refused connect rejects with a CrtError, emits connection_failure and error', async () => {
        const port = (await import('../helpers/broker')).freePort;
        const free = await port();
        const c = connection({ port: free });
        const failures: mqtt.OnConnectionFailedResult[] = [];
        const errors: CrtError[] = [];
        c.on('connection_failure', (d) => failures.push(d));
        c.on('error', (e) => errors.push(e));
        const err = await c.connect().catch((e) => e);
        expect(err).toBeInstanceOf(CrtError);
        expect(err.code).toBe('AWS_IO_SOCKET_CONNECTION_REFUSED');
        await waitFor(
            () => errors.length === 1,
            5000,
            () => 'no error event',
        );
        expect(failures[0].error.code).toBe('AWS_IO_SOCKET_CONNECTION_REFUSED');
        // disconnect() when not connected rejects too.
        await expect(c.disconnect()).rejects.toBeInstanceOf(CrtError);
    });

    it('bad input: TypeError/RangeError naming the field (thrown by the constructor, rejected by operations)', async () => {
        const client = new mqtt.MqttClient();
        const base = { client_id: 'x', host_name: '127.0.0.1', port: brokerPort(), socket_options: new io.SocketOptions() };
        expect(() => client.new_connection({ ...base, port: 0 })).toThrow(
            /config\.port must be an integer from 1 to 65535 \(got 0\)/,
        );
        expect(() => client.new_connection({ ...base, socket_options: undefined as any })).toThrow(/config\.socket_options/);
        expect(() => client.new_connection({ ...base, keep_alive: 70000 })).toThrow(RangeError);
        expect(() => client.new_connection({ ...base, will: new mqtt.MqttWill('a/#', 0, '') })).toThrow(/config\.will\.topic/);
        expect(() => client.new_connection({ ...base, tls_ctx: {} as any })).toThrow(/config\.tls_ctx/);
        const c = await connected();
        await expect(c.publish('a/+', 'x', 0)).rejects.toThrow(/topic must not contain the wildcards/);
        await expect(c.publish('a', 'x', 3 as any)).rejects.toThrow(RangeError);
        await expect(c.publish('a', 42 as any, 0)).rejects.toThrow(/payload must be/);
        await expect(c.publish(7 as any, 'x', 0)).rejects.toThrow(TypeError);
        await expect(c.subscribe('a/#/b', 0)).rejects.toThrow(/'#' must be a whole level/);
        await expect(c.unsubscribe(undefined as any)).rejects.toThrow(TypeError);
    });
});

describe('mqtt over TLS and websockets via iot.AwsIotMqttConnectionConfigBuilder', () => {
    let m: TlsMaterial;
    let b: TlsBroker;
    beforeAll(async () => {
        m = makeTlsMaterial();
        b = await startTlsBroker({ material: m, requireCertificate: true });
    });
    afterAll(async () => {
        await b?.stop();
        m?.cleanup();
    });

    const roundTrip = async (c: mqtt.MqttClientConnection) => {
        const topic = uniqueTopic('tls');
        const got = new Promise<string>((r) => c.subscribe(topic, 1, (_t, p) => r(text(p))));
        await new Promise((r) => setTimeout(r, 100));
        await c.publish(topic, 'secure', 1);
        expect(await got).toBe('secure');
    };

    it('mTLS from files: connects and round-trips', async () => {
        const config = iot.AwsIotMqttConnectionConfigBuilder.new_mtls_builder_from_path(m.client.cert.path, m.client.key.path)
            .with_certificate_authority_from_path(undefined, m.ca.cert.path)
            .with_endpoint('localhost')
            .with_port(b.tlsPort)
            .with_client_id(`t311-mtls-${randomUUID()}`)
            .with_clean_session(true)
            .with_keep_alive_seconds(30)
            .build();
        expect(config.port).toBe(b.tlsPort);
        expect(config.tls_ctx).toBeInstanceOf(io.ClientTlsContext);
        const c = connection(config);
        expect(await c.connect()).toBe(false);
        await roundTrip(c);
    });

    it('mTLS from memory; a client certificate from the wrong CA is refused', async () => {
        const good = iot.AwsIotMqttConnectionConfigBuilder.new_mtls_builder(m.client.cert.pem, m.client.key.pem)
            .with_certificate_authority(m.ca.cert.pem)
            .with_endpoint('localhost')
            .with_port(b.tlsPort)
            .with_client_id(`t311-mem-${randomUUID()}`)
            .build();
        await connection(good).connect();
        const bad = iot.AwsIotMqttConnectionConfigBuilder.new_mtls_builder(m.wrongClient.cert.pem, m.wrongClient.key.pem)
            .with_certificate_authority(m.ca.cert.pem)
            .with_endpoint('localhost')
            .with_port(b.tlsPort)
            .with_client_id(`t311-bad-${randomUUID()}`)
            .build();
        await expect(connection(bad).connect()).rejects.toBeInstanceOf(CrtError);
    });

    it('websockets over TLS with a SigV4-presigned handshake (with_credentials)', async () => {
        const creds = { accessKeyId: 'AKID311WS', secretAccessKey: 'mqtt311/secret' };
        const verified: boolean[] = [];
        const verify = (req: IncomingMessage) => {
            const r = verifyPresignedUrl({ method: req.method!, url: req.url!, headers: req.headers }, creds, {
                region: 'eu-central-1',
                service: 'iotdevicegateway',
            });
            verified.push(r.ok);
            return r.ok ? undefined : r.reason;
        };
        const g: WsGateway = await startWsGateway({
            targetPort: brokerPort(),
            tls: { cert: m.server.cert.pem, key: m.server.key.pem },
            path: '/mqtt',
            verify,
        });
        try {
            const config = iot.AwsIotMqttConnectionConfigBuilder.new_with_websockets({
                region: 'eu-central-1',
                credentials_provider: auth.AwsCredentialsProvider.newStatic(creds.accessKeyId, creds.secretAccessKey),
            })
                .with_certificate_authority(m.ca.cert.pem)
                .with_endpoint('localhost')
                .with_port(g.port)
                .with_client_id(`t311-ws-${randomUUID()}`)
                .build();
            expect(config.use_websocket).toBe(true);
            const c = connection(config);
            await c.connect();
            await roundTrip(c);
            expect(verified).toEqual([true]);
        } finally {
            await g.close();
        }
    });

    it('plain websockets with a JS handshake transform that adds a header', async () => {
        const seen: string[] = [];
        const g = await startWsGateway({
            targetPort: brokerPort(),
            verify: (req) => {
                seen.push(String(req.headers['x-test']));
                return undefined;
            },
        });
        try {
            const c = connection({
                host_name: '127.0.0.1',
                port: g.port,
                use_websocket: true,
                websocket_handshake_transform: (request, done) => {
                    request.headers.add('x-test', 'from-js');
                    done();
                },
            });
            await c.connect();
            await roundTrip(c);
            expect(seen).toEqual(['from-js']);
        } finally {
            await g.close();
        }
    });

    it('custom authorizer: the username carries the authorizer fields, port 443 unless overridden', () => {
        const config = iot.AwsIotMqttConnectionConfigBuilder.new_default_builder()
            .with_endpoint('example-ats.iot.us-east-1.amazonaws.com')
            .with_client_id('c')
            .with_custom_authorizer('user', 'my-authorizer', 'sig==', 'pw', 'token', 'value')
            .build();
        expect(config.port).toBe(443);
        expect(config.username).toBe(
            'user?x-amz-customauthorizer-name=my-authorizer&token=value&x-amz-customauthorizer-signature=sig%3D%3D',
        );
        expect(config.password).toBe('pw');
        expect(() => iot.AwsIotMqttConnectionConfigBuilder.new_default_builder().with_client_id('c').build()).toThrow(
            /endpoint is required/,
        );
    });
});

describe('process lifetime', () => {
    it('a disconnected connection, and one whose connect failed, let the process exit', async () => {
        const script = `
            const { mqtt, io } = require(${JSON.stringify(distIndex)});
            (async () => {
                const client = new mqtt.MqttClient();
                const mk = (port) => client.new_connection({ client_id: 'exit-' + port + '-' + process.pid, host_name: '127.0.0.1', port, socket_options: new io.SocketOptions() });
                const c = mk(${brokerPort()});
                await c.connect();
                await c.publish('mqtt5-crt-test/exit', 'x', 1);
                await c.disconnect();
                const refused = mk(1);
                await refused.connect().catch(() => console.log('refused'));
                console.log('done');
            })();
        `;
        const r = await runNode(script, { timeoutMs: 20_000 });
        expect(r.timedOut).toBe(false);
        expect(r.stdout).toContain('refused\ndone');
        expect(r.code).toBe(0);
    });

    it('a connected connection that was never disconnected keeps the process alive until close()', async () => {
        const script = `
            const { mqtt, io } = require(${JSON.stringify(distIndex)});
            (async () => {
                const c = new mqtt.MqttClient().new_connection({ client_id: 'alive-' + process.pid, host_name: '127.0.0.1', port: ${brokerPort()}, socket_options: new io.SocketOptions() });
                await c.connect();
                setTimeout(() => { console.log('still alive'); c.close(); }, 500).unref();
            })();
        `;
        const r = await runNode(script, { timeoutMs: 20_000 });
        expect(r.timedOut).toBe(false);
        expect(r.stdout).toContain('still alive');
        expect(r.code).toBe(0);
    });
});

describe('workers and GC', () => {
    // A worker that connects a 3.1.1 connection with a request-response client over it, and
    // publishes to itself (QoS 1) until told to stop or terminated.
    const workerScript = () => `
        const { parentPort, workerData } = require('node:worker_threads');
        const { mqtt, io, mqtt_request_response } = require(${JSON.stringify(distIndex)});
        (async () => {
            const c = new mqtt.MqttClient().new_connection({ client_id: 'w311-' + workerData.id, host_name: '127.0.0.1', port: ${brokerPort()}, socket_options: new io.SocketOptions() });
            await c.connect();
            const rr = mqtt_request_response.RequestResponseClient.newFromMqtt311(c, { maxRequestResponseSubscriptions: 2, maxStreamingSubscriptions: 1 });
            const stream = rr.createStream({ subscriptionTopicFilter: 'mqtt5-crt-test/w311/' + workerData.id });
            stream.open();
            let received = 0;
            await c.subscribe('mqtt5-crt-test/w311/' + workerData.id, 1, () => received++);
            for (let i = 0; i < workerData.n; i++) await c.publish('mqtt5-crt-test/w311/' + workerData.id, 'x', 1);
            while (received < workerData.n) await new Promise((r) => setTimeout(r, 10));
            if (!workerData.keep) { rr.close(); await c.disconnect(); }
            parentPort.postMessage({ received });
        })();
    `;

    it('runs in several workers at once, and survives terminating workers mid-traffic', async () => {
        const r = await runNode(
            `const { Worker } = require('node:worker_threads');
             const src = ${JSON.stringify(workerScript())};
             const run = (id, n, keep) => new Worker(src, { eval: true, workerData: { id, n, keep } });
             (async () => {
                 const results = await Promise.all([1, 2].map((i) => new Promise((resolve, reject) => {
                     const w = run(process.pid + '-' + i, 100, false);
                     w.on('message', resolve); w.on('error', reject);
                 })));
                 console.log('parallel', results.map((m) => m.received).join(','));
                 for (let i = 0; i < 4; i++) {
                     const w = run(process.pid + '-t' + i, 100000, true);
                     await new Promise((r) => setTimeout(r, 200));
                     await w.terminate();
                 }
                 console.log('terminated');
             })();`,
            { timeoutMs: 60_000 },
        );
        expect(r.stderr).toBe('');
        expect(r.signal).toBeNull();
        expect(r.stdout.trim().split('\n')).toEqual(['parallel 100,100', 'terminated']);
        expect(r.code).toBe(0);
    });

    it('forgotten connections and request-response clients are collected and let the process exit', async () => {
        const r = await runNode(
            `const { mqtt, io, mqtt_request_response } = require(${JSON.stringify(distIndex)});
             (async () => {
                 for (let i = 0; i < 20; i++) {
                     const c = new mqtt.MqttClient().new_connection({ client_id: 'gc311-' + process.pid + '-' + i, host_name: '127.0.0.1', port: ${brokerPort()}, socket_options: new io.SocketOptions() });
                     mqtt_request_response.RequestResponseClient.newFromMqtt311(c, { maxRequestResponseSubscriptions: 2, maxStreamingSubscriptions: 1 });
                 }
                 globalThis.gc();
                 await new Promise((r) => setTimeout(r, 200));
                 globalThis.gc();
                 console.log('done');
             })();`,
            { flags: ['--expose-gc'], timeoutMs: 30_000 },
        );
        expect(r.stderr).toBe('');
        expect(r.stdout).toContain('done');
        expect(r.code).toBe(0);
    });
});
