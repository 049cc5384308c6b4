// Smoke test of one prebuilt binary on its own platform (or under qemu, wine, a musl loader), run
// by scripts/smoke/target.mjs from a consumer folder whose node_modules/mqtt5-crt holds only that
// prebuild. Against mosquitto at MQTT_HOST (default 127.0.0.1): MQTT_PORT (plain) and
// MQTT_TLS_PORT (TLS, self-signed server certificate):
//   1. connect, subscribe, publish QoS 0 and QoS 1 and receive both back;
//   2. connect with TLS and verify_peer = false, publish QoS 1 and receive it back;
//   3. a Windows certificate store path reaches the CRT: on Windows its schannel backend looks the
//      (nonexistent) certificate up and fails with AWS_ERROR_FILE_INVALID_PATH; elsewhere the CRT
//      refuses store paths with AWS_ERROR_PLATFORM_NOT_SUPPORTED.
// Prints one line per step and exits 0 when all passed. CommonJS only: plain Node APIs, nothing
// here depends on the module system, and the ESM entry is tested by the packaging tests.
'use strict';
const { Mqtt5Client, QoS, CrtError, io } = require('mqtt5-crt');

const host = process.env.MQTT_HOST ?? '127.0.0.1';
const label = `${process.platform}-${process.arch} Node ${process.version}`;
const timeout = setTimeout(() => fail(new Error('timed out')), Number(process.env.SMOKE_TIMEOUT_MS ?? 60_000));

function fail(e) {
    console.error(`smoke FAILED (${label}): ${e instanceof CrtError ? `${e.code} ` : ''}${e.stack ?? e}`);
    process.exit(1);
}

function connect(port, tlsCtx) {
    const client = new Mqtt5Client({
        hostName: host,
        port,
        tlsCtx,
        connectProperties: { keepAliveIntervalSeconds: 30, clientId: `smoke-${tlsCtx ? 'tls' : 'tcp'}-${process.pid}` },
    });
    return new Promise((resolve, reject) => {
        client.once('connectionSuccess', () => resolve(client));
        client.once('connectionFailure', ({ error }) => reject(error));
        client.start();
    });
}

function stop(client) {
    return new Promise((resolve) => {
        client.once('stopped', () => {
            client.close();
            resolve();
        });
        client.stop();
    });
}

/** Publishes `payload` at `qos` to a topic the client subscribed to and waits for it to come back. */
async function roundTrip(client, topic, qos, payload) {
    const received = new Promise((resolve) => client.once('messageReceived', ({ message }) => resolve(message)));
    const result = await client.publish({ topicName: topic, qos, payload });
    const message = await received;
    if (Buffer.from(message.payload).toString() !== payload) throw new Error(`QoS ${qos}: wrong payload ${message.payload}`);
    if (qos === QoS.AtLeastOnce && result?.reasonCode !== 0) throw new Error(`QoS 1: PUBACK reason ${result?.reasonCode}`);
    return message;
}

/** Step 3: what the CRT says about a certificate store path with no certificate behind it. */
function windowsCertStore() {
    const store = `CurrentUser\\MY\\${'0'.repeat(40)}`;
    const expected = process.platform === 'win32' ? 'AWS_ERROR_FILE_INVALID_PATH' : 'AWS_ERROR_PLATFORM_NOT_SUPPORTED';
    try {
        new io.ClientTlsContext(io.TlsContextOptions.create_client_with_mtls_windows_cert_store_path(store));
    } catch (e) {
        if (!(e instanceof CrtError) || e.code !== expected) throw new Error(`store ${store}: expected ${expected}, got ${e}`);
        return `${expected} from the CRT for ${store}`;
    }
    throw new Error(`store ${store}: a TLS context was made from a certificate that does not exist`);
}

(async () => {
    const t0 = Date.now();
    const topic = `smoke/${process.platform}/${process.pid}`;
    const tcp = await connect(Number(process.env.MQTT_PORT));
    await tcp.subscribe({ subscriptions: [{ topicFilter: `${topic}/#`, qos: QoS.AtLeastOnce }] });
    await roundTrip(tcp, `${topic}/q0`, QoS.AtMostOnce, 'qos 0 over tcp');
    await roundTrip(tcp, `${topic}/q1`, QoS.AtLeastOnce, 'qos 1 over tcp');
    await stop(tcp);
    console.log(`smoke ok (${label}): TCP connect, subscribe, QoS 0 and QoS 1 publish/receive in ${Date.now() - t0} ms`);

    const t1 = Date.now();
    const options = new io.TlsContextOptions();
    options.verify_peer = false; // the broker's certificate is self-signed
    const tls = await connect(Number(process.env.MQTT_TLS_PORT), new io.ClientTlsContext(options));
    await tls.subscribe({ subscriptions: [{ topicFilter: `${topic}/tls`, qos: QoS.AtLeastOnce }] });
    await roundTrip(tls, `${topic}/tls`, QoS.AtLeastOnce, 'qos 1 over tls');
    await stop(tls);
    console.log(`smoke ok (${label}): TLS (verify_peer off) connect, QoS 1 publish/receive in ${Date.now() - t1} ms`);

    console.log(`smoke ok (${label}): Windows certificate store path: ${windowsCertStore()}`);
    clearTimeout(timeout);
})().catch(fail);
