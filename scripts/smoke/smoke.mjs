// Smoke test of an installed mqtt5-crt as an ES module: named imports, then connect, subscribe,
// publish QoS 1, receive it back, stop. Run from a folder whose node_modules holds the package,
// with MQTT_PORT (and optionally MQTT_HOST) set. Prints one line and exits 0 on success.
import { CrtError, io, iot, mqtt5, http, auth, Mqtt5Client, QoS } from 'mqtt5-crt';
import cjsDefault from 'mqtt5-crt';

const t0 = Date.now();
if (typeof Mqtt5Client !== 'function' || mqtt5.Mqtt5Client !== Mqtt5Client || cjsDefault.Mqtt5Client !== Mqtt5Client) {
    throw new Error('the ESM named exports do not match the CommonJS module');
}
for (const [name, ns] of Object.entries({ io, iot, http, auth, CrtError })) {
    if (!ns) throw new Error(`missing export ${name}`);
}
const topic = `smoke/esm/${process.pid}/${Date.now()}`;
const client = new Mqtt5Client({
    hostName: process.env.MQTT_HOST ?? '127.0.0.1',
    port: Number(process.env.MQTT_PORT),
    connectProperties: { keepAliveIntervalSeconds: 30, clientId: `smoke-esm-${process.pid}` },
});
const timer = setTimeout(
    () => {
        console.error('smoke (esm): timed out');
        process.exit(1);
    },
    Number(process.env.SMOKE_TIMEOUT_MS ?? 30_000),
);
client.on('connectionFailure', ({ error }) => {
    console.error(`smoke (esm): connection failed: ${error.code}`);
    process.exit(1);
});
client.on('connectionSuccess', async () => {
    try {
        await client.subscribe({ subscriptions: [{ topicFilter: topic, qos: QoS.AtLeastOnce }] });
        const received = new Promise((resolve) => client.once('messageReceived', ({ message }) => resolve(message)));
        const puback = await client.publish({ topicName: topic, qos: QoS.AtLeastOnce, payload: 'hello from esm' });
        const message = await received;
        if (Buffer.from(message.payload).toString() !== 'hello from esm') throw new Error(`wrong payload ${message.payload}`);
        console.log(
            `smoke ok (esm): ${process.platform}-${process.arch} Node ${process.version}: connected, puback ${puback.reasonCode}, ` +
                `received ${message.payload.byteLength} bytes on ${message.topicName} in ${Date.now() - t0} ms`,
        );
        client.stop();
    } catch (e) {
        console.error(`smoke (esm): ${e instanceof CrtError ? e.code : ''} ${e.stack ?? e}`);
        process.exit(1);
    }
});
client.on('stopped', () => {
    clearTimeout(timer);
    client.close();
});
client.start();
