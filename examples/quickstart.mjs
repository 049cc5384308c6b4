#!/usr/bin/env node
// Quick start: MQTT 5 over plain TCP (no TLS) to any broker, e.g. `mosquitto -p 1883`.
//
//   node examples/quickstart.mjs --host localhost --port 1883
//   node examples/quickstart.mjs --local          # starts a private mosquitto first
//
// Plain TCP has no place on AWS IoT Core (it needs TLS); see mtls.mjs, websocket_sigv4.mjs and
// custom_auth.mjs for that.
import mqtt5crt from 'mqtt5-crt';
import { exampleClientId, parseCommandLine, runDemo, runExample } from './common.mjs';

const { Mqtt5ClientBuilder } = mqtt5crt;

const USAGE = `
usage: node examples/quickstart.mjs [--host H] [--port P] [--topic T] [--client-id ID] [--local]
  --host       broker host (env MQTT_HOST, default localhost)
  --port       broker port (env MQTT_PORT, default 1883)
  --topic      topic to publish to and subscribe to (default mqtt5-crt/examples/quickstart)
  --client-id  client id (default: random)
  --local      start a private mosquitto on a free port and use it
`;

const args = parseCommandLine(USAGE, {
    host: { env: 'MQTT_HOST', default: 'localhost' },
    port: { env: 'MQTT_PORT', default: '1883' },
    topic: { default: 'mqtt5-crt/examples/quickstart' },
    'client-id': {},
});

await runExample('quickstart (MQTT 5 over TCP)', async () => {
    const fixtures = args.local ? await import('./local_fixtures.mjs') : undefined;
    try {
        let host = args.host;
        let port = Number(args.port);
        if (fixtures) {
            ({ port } = await fixtures.startMosquitto());
            host = '127.0.0.1';
            console.log(`local: mosquitto on ${host}:${port}`);
        }

        // The C++ SDK's shape: a builder with fluent setters...
        const client = Mqtt5ClientBuilder.newMqtt5ClientBuilder(host, port)
            .withConnectOptions({ clientId: args['client-id'] ?? exampleClientId('quickstart'), keepAliveIntervalSeconds: 60 })
            .build();
        // ...or aws-crt's: new Mqtt5Client({ hostName: host, port, connectProperties: { clientId, keepAliveIntervalSeconds: 60 } }).

        await runDemo(client, { name: 'quickstart', topic: args.topic });
        return `${host}:${port}`;
    } finally {
        await fixtures?.closeAll();
    }
});
