// One thin adapter per Node client so that every scenario drives them the same way, each in its
// own idiomatic style (promises for the two CRT clients, callbacks for MQTT.js). Only the library
// under test is loaded: `loadClient(kind)` imports it and nothing else.
//
// The MQTT 3.1.1 clients (`mqtt5-crt-311`: this package's `mqtt` connection, `aws-crt-311`:
// aws-crt's, `mqttjs-311`: MQTT.js with protocolVersion 4) run only when named in --clients.
//
// Adapter surface (all clients connect to 127.0.0.1 with a clean session, keep-alive 60 s):
//   const C = await loadClient(kind);   C.create({ port, clientId, retry?, onRetry? }) -> client
//   await client.connect()               resolves on CONNACK (connectionSuccess); with `retry` a
//                                        failed attempt is left to the client's own reconnect
//                                        logic (onRetry() is called for each) instead of failing
//   await client.subscribe(topic, qos)
//   client.onMessage((payloadBuffer) => {})
//   client.publish(topic, payload, qos, done?)   done(err) on PUBACK (QoS 1) / write (QoS 0)
//   C.copiesPayload                      publish() copies the payload: the caller may rewrite it at once
//   await client.close()                 DISCONNECT and release
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
export const KEEP_ALIVE_S = 60;
export const NODE_CLIENTS = ['mqtt5-crt', 'mqtt5-crt-zc', 'aws-crt', 'mqttjs', 'mqtt5-crt-311', 'aws-crt-311', 'mqttjs-311'];

function noop() {}

function crtAdapter(mod, { port, clientId, retry = false, onRetry = noop }, extra = {}) {
    const { Mqtt5Client } = mod;
    const client = new Mqtt5Client({
        hostName: '127.0.0.1',
        port,
        connectProperties: { clientId, keepAliveIntervalSeconds: KEEP_ALIVE_S },
        // Both CRT clients would otherwise append SDK metrics to the CONNECT username.
        disableMetrics: true,
        ...extra,
    });
    client.on('error', (e) => console.error(`${clientId}: error ${e}`));
    let connected = false;
    return {
        raw: client,
        connect() {
            return new Promise((resolve, reject) => {
                const ok = () => {
                    client.off('connectionFailure', bad);
                    connected = true;
                    resolve();
                };
                const bad = ({ error }) => {
                    if (retry) {
                        // The client retries by itself after its reconnect delay.
                        onRetry();
                        client.once('connectionFailure', bad);
                        return;
                    }
                    client.off('connectionSuccess', ok);
                    client.stop();
                    reject(new Error(`${clientId}: connection failed: ${error}`));
                };
                client.once('connectionSuccess', ok);
                client.once('connectionFailure', bad);
                client.start();
            });
        },
        async subscribe(topic, qos) {
            const suback = await client.subscribe({ subscriptions: [{ topicFilter: topic, qos }] });
            if (!(suback.reasonCodes[0] <= 2)) throw new Error(`${clientId}: subscribe refused: ${suback.reasonCodes}`);
        },
        publish(topic, payload, qos, done) {
            const p = client.publish({ topicName: topic, qos, payload });
            if (done) p.then(() => done(null), done);
            else p.catch(noop);
        },
        close() {
            return new Promise((resolve) => {
                if (!connected) {
                    client.close();
                    return resolve();
                }
                const timer = setTimeout(fin, 5000);
                function fin() {
                    clearTimeout(timer);
                    try {
                        client.close();
                    } catch {}
                    resolve();
                }
                client.once('stopped', fin);
                client.stop();
            });
        },
    };
}

// aws-crt's MQTT 3.1.1 connection shape (mqtt.MqttClient().new_connection(config)), served by
// both CRT packages; received payloads are ArrayBuffers of their own in both.
function crt311Adapter(mod, { port, clientId, retry = false, onRetry = noop }) {
    const { mqtt, io } = mod;
    const conn = new mqtt.MqttClient().new_connection({
        client_id: clientId,
        host_name: '127.0.0.1',
        port,
        clean_session: true,
        keep_alive: KEEP_ALIVE_S,
        socket_options: new io.SocketOptions(),
        // Both would otherwise append SDK metrics to the CONNECT username.
        disable_metrics: true,
    });
    conn.on('error', (e) => console.error(`${clientId}: error ${e}`));
    let connected = false;
    return {
        async connect() {
            // A failed first connect is not retried by the connection itself: try again after 1 s.
            for (;;) {
                try {
                    await conn.connect();
                    connected = true;
                    return;
                } catch (err) {
                    if (!retry) throw new Error(`${clientId}: connection failed: ${err}`);
                    onRetry();
                    await new Promise((r) => setTimeout(r, 1000));
                }
            }
        },
        async subscribe(topic, qos) {
            const granted = await conn.subscribe(topic, qos);
            if (!(granted.qos <= 2)) throw new Error(`${clientId}: subscribe refused: ${granted.qos}`);
        },
        onMessage(fn) {
            conn.on('message', (_topic, payload) => fn(Buffer.from(payload)));
        },
        publish(topic, payload, qos, done) {
            const p = conn.publish(topic, payload, qos, false);
            if (done) p.then(() => done(null), done);
            else p.catch(noop);
        },
        async close() {
            if (!connected) return;
            const timer = new Promise((r) => setTimeout(r, 5000).unref());
            await Promise.race([conn.disconnect().catch(noop), timer]);
        },
    };
}

/**
 * The loader of one CRT package (mqtt5-crt's dist, or aws-crt) with the adapter `make`. Both
 * copy the payload during publish() (bench/payload_copy_check.mjs), so a publisher may reuse its
 * Buffer at once (`copiesPayload`, the `reused` payload mode).
 */
function crtFactory(load, make) {
    return async () => {
        const t0 = performance.now();
        const mod = load();
        const importMs = performance.now() - t0;
        return { importMs, copiesPayload: true, create: (opts) => make(mod, opts) };
    };
}

// This package, or (MQTT5_CRT_BENCH_ROOT, run.mjs's `+alt` variant) another build of it.
const ownPackage = () => require(path.join(process.env.MQTT5_CRT_BENCH_ROOT || path.join(here, '..', '..'), 'dist', 'index.js'));

const FACTORIES = {
    'mqtt5-crt': crtFactory(ownPackage, (mod, opts) => {
        const c = crtAdapter(mod, opts);
        // Received payloads are ArrayBuffers (as aws-crt's): wrap (no copy) to read them as the others do.
        c.onMessage = (fn) => c.raw.on('messageReceived', (e) => fn(Buffer.from(e.message.payload)));
        return c;
    }),
    // The opt-in zero-copy mode: payloads are Buffers over the batch's shared memory.
    'mqtt5-crt-zc': crtFactory(ownPackage, (mod, opts) => {
        const c = crtAdapter(mod, opts, { zeroCopyPayloads: true });
        c.onMessage = (fn) => c.raw.on('messageReceived', (e) => fn(e.message.payload));
        return c;
    }),
    'aws-crt': crtFactory(
        () => require('aws-crt').mqtt5,
        (mqtt5, opts) => {
            const c = crtAdapter(mqtt5, opts);
            // aws-crt delivers payloads as ArrayBuffers: wrap (no copy) to read them as the others do.
            c.onMessage = (fn) => c.raw.on('messageReceived', (e) => fn(Buffer.from(e.message.payload)));
            return c;
        },
    ),
    mqttjs: mqttjsFactory(5),
    'mqtt5-crt-311': crtFactory(ownPackage, crt311Adapter),
    'aws-crt-311': crtFactory(() => require('aws-crt'), crt311Adapter),
    'mqttjs-311': mqttjsFactory(4),
};

/** MQTT.js speaking MQTT 5 (protocolVersion 5) or 3.1.1 (4). */
function mqttjsFactory(protocolVersion) {
    return async () => {
        const t0 = performance.now();
        const mqtt = require('mqtt');
        const importMs = performance.now() - t0;
        return {
            importMs,
            // MQTT.js keeps the payload Buffer (queued until written; at QoS 1 until the PUBACK, to
            // resend it), so the application may not rewrite it (bench/payload_copy_check.mjs).
            copiesPayload: false,
            create({ port, clientId, retry = false, onRetry = noop }) {
                let client;
                return {
                    connect() {
                        return new Promise((resolve, reject) => {
                            client = mqtt.connect({
                                host: '127.0.0.1',
                                port,
                                protocolVersion,
                                clientId,
                                clean: true,
                                keepalive: KEEP_ALIVE_S,
                                // With `retry`, MQTT.js's default reconnect period (1 s).
                                reconnectPeriod: retry ? 1000 : 0,
                            });
                            if (retry) client.on('reconnect', onRetry);
                            const bad = (err) => {
                                if (retry) {
                                    // Counted by 'reconnect' when MQTT.js tries again.
                                    client.once('error', bad);
                                    return;
                                }
                                client.off('connect', ok);
                                reject(new Error(`${clientId}: connection failed: ${err}`));
                            };
                            const ok = () => {
                                client.off('error', bad);
                                client.on('error', (e) => console.error(`${clientId}: error ${e}`));
                                resolve();
                            };
                            client.once('connect', ok);
                            client.once('error', bad);
                        });
                    },
                    subscribe(topic, qos) {
                        return new Promise((resolve, reject) => {
                            client.subscribe(topic, { qos }, (err, granted) => {
                                if (err) reject(err);
                                else if (!(granted[0].qos <= 2))
                                    reject(new Error(`${clientId}: subscribe refused: ${granted[0].qos}`));
                                else resolve();
                            });
                        });
                    },
                    onMessage(fn) {
                        client.on('message', (_topic, payload) => fn(payload));
                    },
                    publish(topic, payload, qos, done) {
                        if (done) client.publish(topic, payload, { qos }, done);
                        else client.publish(topic, payload, { qos });
                    },
                    close() {
                        return new Promise((resolve) => (client ? client.end(false, {}, () => resolve()) : resolve()));
                    },
                };
            },
        };
    };
}

/** Loads the library of one Node client; `importMs` is the time the require() took. */
export async function loadClient(kind) {
    const f = FACTORIES[kind];
    if (!f) throw new Error(`unknown client ${kind} (one of ${NODE_CLIENTS.join(', ')}, native)`);
    return f();
}
