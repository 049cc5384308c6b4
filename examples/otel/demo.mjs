#!/usr/bin/env node
// mqtt5-crt traced with OpenTelemetry: every publish, subscribe, unsubscribe, received message
// and connection attempt becomes a span (see instrumentation.mjs), here printed at the end.
//
//   cd examples/otel && npm install
//   node demo.mjs --host localhost --port 1883
//   node demo.mjs --local          # starts a private mosquitto first
//
// In an application, export to a collector instead (e.g. @opentelemetry/exporter-trace-otlp-http).
import { createRequire } from 'node:module';
import { trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { exampleClientId, parseCommandLine, runExample } from '../common.mjs';
import { instrumentMqtt5Crt } from './instrumentation.mjs';

// In an application: import { Mqtt5Client, QoS } from 'mqtt5-crt'. (This directory is a package
// of its own, so the example loads the library from the repository.)
const { Mqtt5Client, QoS } = createRequire(import.meta.url)('../../dist/index.js');

const USAGE = `
usage: node examples/otel/demo.mjs [--host H] [--port P] [--topic T] [--local]
  --host   broker host (env MQTT_HOST, default localhost)
  --port   broker port (env MQTT_PORT, default 1883)
  --topic  topic (default mqtt5-crt/examples/otel)
  --local  start a private mosquitto on a free port and use it
`;
const args = parseCommandLine(USAGE, {
    host: { env: 'MQTT_HOST', default: 'localhost' },
    port: { env: 'MQTT_PORT', default: '1883' },
    topic: { default: 'mqtt5-crt/examples/otel' },
});

const exporter = new InMemorySpanExporter();
trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
const uninstrument = instrumentMqtt5Crt();

await runExample('otel (diagnostics_channel -> OpenTelemetry spans)', async () => {
    const fixtures = args.local ? await import('../local_fixtures.mjs') : undefined;
    let client;
    try {
        let host = args.host;
        let port = Number(args.port);
        if (fixtures) {
            ({ port } = await fixtures.startMosquitto());
            host = '127.0.0.1';
        }
        client = new Mqtt5Client({
            hostName: host,
            port,
            connectProperties: { keepAliveIntervalSeconds: 60, clientId: exampleClientId('otel') },
        });
        client.start();
        await client.connected({ signal: AbortSignal.timeout(20_000) });
        const topic = `${args.topic}/${Date.now()}`;
        const messages = client.messages(topic, { qos: QoS.AtLeastOnce });
        await messages.subscribed;
        await client.publish({ topicName: topic, qos: QoS.AtLeastOnce, payload: 'traced' });
        for await (const message of messages) {
            console.log(`received on ${message.topicName}: ${Buffer.from(message.payload).toString()}`);
            break; // unsubscribes
        }
        client.stop();
        await new Promise((resolve) => client.once('stopped', resolve));

        const spans = exporter.getFinishedSpans();
        for (const span of spans) {
            const ms = (span.duration[0] * 1e3 + span.duration[1] / 1e6).toFixed(2);
            console.log(
                `span: ${span.name} [${['INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'][span.kind]}] status ${span.status.code} ${ms} ms`,
            );
        }
        const names = spans.map((s) => s.name.split(' ')[0]);
        for (const wanted of ['mqtt', 'subscribe', 'publish', 'receive', 'unsubscribe']) {
            if (!names.includes(wanted)) throw new Error(`no ${wanted} span`);
        }
        return `${spans.length} spans`;
    } finally {
        uninstrument();
        client?.close();
        await fixtures?.closeAll();
    }
});
