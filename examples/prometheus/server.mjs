#!/usr/bin/env node
// mqtt5-crt's client.metrics() on a Prometheus /metrics endpoint (see collector.mjs).
//
//   cd examples/prometheus && npm install
//   node server.mjs --host localhost --port 1883 --listen 9464     # serves until Ctrl-C
//   node server.mjs --local                                        # private mosquitto, one scrape, exit
import http from 'node:http';
import { createRequire } from 'node:module';
import client from 'prom-client';
import { exampleClientId, parseCommandLine, runExample } from '../common.mjs';
import { registerMqtt5CrtMetrics } from './collector.mjs';

// In an application: import { Mqtt5Client, QoS } from 'mqtt5-crt'. (This directory is a package
// of its own, so the example loads the library from the repository.)
const { Mqtt5Client, QoS } = createRequire(import.meta.url)('../../dist/index.js');

const USAGE = `
usage: node examples/prometheus/server.mjs [--host H] [--port P] [--listen L] [--local]
  --host    broker host (env MQTT_HOST, default localhost)
  --port    broker port (env MQTT_PORT, default 1883)
  --listen  port of the /metrics endpoint (default 9464; 0 with --local)
  --local   start a private mosquitto, do some work, scrape /metrics once and exit
`;
const args = parseCommandLine(USAGE, {
    host: { env: 'MQTT_HOST', default: 'localhost' },
    port: { env: 'MQTT_PORT', default: '1883' },
    listen: { default: '9464' },
});

const registry = new client.Registry();

function serve(port) {
    const server = http.createServer(async (req, res) => {
        if (req.url !== '/metrics') {
            res.writeHead(404).end();
            return;
        }
        res.writeHead(200, { 'content-type': registry.contentType });
        res.end(await registry.metrics());
    });
    return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

if (!args.local) {
    const mqtt = new Mqtt5Client({
        hostName: args.host,
        port: Number(args.port),
        connectProperties: { keepAliveIntervalSeconds: 60, clientId: exampleClientId('prometheus') },
    });
    registerMqtt5CrtMetrics(mqtt, { registry, name: 'main' });
    mqtt.start();
    const server = await serve(Number(args.listen));
    console.log(`metrics on http://127.0.0.1:${server.address().port}/metrics`);
} else {
    await runExample('prometheus (client.metrics() on /metrics)', async () => {
        const fixtures = await import('../local_fixtures.mjs');
        let mqtt;
        let server;
        try {
            const { port } = await fixtures.startMosquitto();
            mqtt = new Mqtt5Client({
                hostName: '127.0.0.1',
                port,
                connectProperties: { keepAliveIntervalSeconds: 60, clientId: exampleClientId('prometheus') },
            });
            registerMqtt5CrtMetrics(mqtt, { registry, name: 'main' });
            mqtt.start();
            await mqtt.connected({ signal: AbortSignal.timeout(20_000) });
            const topic = `mqtt5-crt/examples/prometheus/${Date.now()}`;
            await mqtt.subscribe({ subscriptions: [{ topicFilter: topic, qos: QoS.AtLeastOnce }] });
            for (let i = 0; i < 3; i++) await mqtt.publish({ topicName: topic, qos: QoS.AtLeastOnce, payload: `${i}` });
            while (mqtt.metrics().messagesReceived < 3) await new Promise((r) => setTimeout(r, 10));

            server = await serve(0);
            const text = await (await fetch(`http://127.0.0.1:${server.address().port}/metrics`)).text();
            const lines = text.split('\n').filter((l) => l.startsWith('mqtt5_crt_'));
            for (const line of lines) console.log(line);
            for (const wanted of [
                'mqtt5_crt_connection_state{client="main",state="connected"} 1',
                'mqtt5_crt_operations_total{client="main",operation="publish",outcome="succeeded"} 3',
                'mqtt5_crt_messages_received_total{client="main"} 3',
            ]) {
                if (!lines.includes(wanted)) throw new Error(`missing from /metrics: ${wanted}`);
            }
            return `${lines.length} samples`;
        } finally {
            server?.close();
            if (mqtt) {
                mqtt.stop();
                await new Promise((resolve) => mqtt.once('stopped', resolve));
                mqtt.close();
            }
            await fixtures.closeAll();
        }
    });
}
