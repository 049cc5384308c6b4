// Smoke test of an installed mqtt5-crt through require(): connect, subscribe, publish QoS 1,
// receive it back, stop. Run from a folder whose node_modules holds the package, with MQTT_PORT
// (and optionally MQTT_HOST) set. Prints one line and exits 0 on success.
'use strict';
const { Mqtt5Client, QoS, CrtError, mqtt5, io, iot, http, auth } = require('mqtt5-crt');

const t0 = Date.now();
if (typeof Mqtt5Client !== 'function' || mqtt5.Mqtt5Client !== Mqtt5Client || !io || !iot || !http || !auth) {
    throw new Error('unexpected exports');
}
const topic = `smoke/cjs/${process.pid}/${Date.now()}`;
const client = new Mqtt5Client({
    hostName: process.env.MQTT_HOST ?? '127.0.0.1',
    port: Number(process.env.MQTT_PORT),
    connectProperties: { keepAliveIntervalSeconds: 30, clientId: `smoke-cjs-${process.pid}` },
});
const timer = setTimeout(
    () => {
        console.error('smoke (cjs): timed out');
        process.exit(1);
    },
    Number(process.env.SMOKE_TIMEOUT_MS ?? 30_000),
);
client.on('connectionFailure', ({ error }) => {
    console.error(`smoke (cjs): connection failed: ${error.code}`);
    process.exit(1);
});
client.on('connectionSuccess', async () => {
    try {
        await client.subscribe({ subscriptions: [{ topicFilter: topic, qos: QoS.AtLeastOnce }] });
        const received = new Promise((resolve) => client.once('messageReceived', ({ message }) => resolve(message)));
        const puback = await client.publish({ topicName: topic, qos: QoS.AtLeastOnce, payload: 'hello from cjs' });
        const message = await received;
        if (Buffer.from(message.payload).toString() !== 'hello from cjs') throw new Error(`wrong payload ${message.payload}`);
        console.log(
            `smoke ok (cjs): ${process.platform}-${process.arch} Node ${process.version}: connected, puback ${puback.reasonCode}, ` +
                `received ${message.payload.byteLength} bytes on ${message.topicName} in ${Date.now() - t0} ms`,
        );
        client.stop();
    } catch (e) {
        console.error(`smoke (cjs): ${e instanceof CrtError ? e.code : ''} ${e.stack ?? e}`);
        process.exit(1);
    }
});
client.on('stopped', () => {
    clearTimeout(timer);
    client.close();
});
client.start();
