#!/usr/bin/env node
// AWS IoT Core with mutual TLS: an X.509 device certificate and its private key (files).
//
//   node examples/mtls.mjs --endpoint abc123-ats.iot.us-east-1.amazonaws.com \
//       --cert device.pem.crt --key private.pem.key [--ca AmazonRootCA1.pem]
//   node examples/mtls.mjs --local      # a local mosquitto that requires a client certificate
//
// Port 8883 by default; with --port 443 the connection still works because the builder offers
// the ALPN protocol x-amzn-mqtt-ca that IoT Core needs for mTLS on 443.
import mqtt5crt from 'mqtt5-crt';
import { exampleClientId, parseCommandLine, requireOptions, runDemo, runExample } from './common.mjs';

const { Mqtt5ClientBuilder } = mqtt5crt;

const USAGE = `
usage: node examples/mtls.mjs --endpoint E --cert C --key K [--ca CA] [--port P] [--topic T] [--client-id ID]
       node examples/mtls.mjs --local
  --endpoint   your IoT Core endpoint (env AWS_IOT_ENDPOINT), "aws iot describe-endpoint --endpoint-type iot:Data-ATS"
  --cert       device certificate, PEM file (env AWS_IOT_CERT)
  --key        its private key, PEM file (env AWS_IOT_KEY)
  --ca         CA file to trust instead of the system store (env AWS_IOT_CA; e.g. AmazonRootCA1.pem)
  --port       8883 (default) or 443
  --topic      a topic your IoT policy allows to publish, subscribe and receive (default sdk/test/js)
  --client-id  a client id your IoT policy allows (default: random)
  --local      start a private mosquitto (mTLS listener, generated certificates) and use it
`;

const args = parseCommandLine(USAGE, {
    endpoint: { env: 'AWS_IOT_ENDPOINT' },
    cert: { env: 'AWS_IOT_CERT' },
    key: { env: 'AWS_IOT_KEY' },
    ca: { env: 'AWS_IOT_CA' },
    port: { default: '8883' },
    topic: { default: 'sdk/test/js' },
    'client-id': {},
});
if (!args.local) requireOptions(args, ['endpoint', 'cert', 'key'], USAGE);

await runExample('mtls (X.509 client certificate)', async () => {
    const fixtures = args.local ? await import('./local_fixtures.mjs') : undefined;
    try {
        let { endpoint, cert, key, ca } = args;
        let port = Number(args.port);
        if (fixtures) {
            const certs = fixtures.makeCertificates();
            ({ tlsPort: port } = await fixtures.startMosquitto({ certs, requireCertificate: true }));
            ({ clientCert: cert, clientKey: key, ca } = certs);
            endpoint = 'localhost';
            console.log(`local: mosquitto with mutual TLS on ${endpoint}:${port}`);
        }

        // C++ SDK shape; in aws-crt's shape this is
        // iot.AwsIotMqtt5ClientConfigBuilder.newDirectMqttBuilderWithMtlsFromPath(endpoint, cert, key)...build()
        // and then new Mqtt5Client(config).
        const builder = Mqtt5ClientBuilder.createMqtt5ClientBuilderWithMtlsFromPath(endpoint, cert, key)
            .withPort(port)
            .withConnectOptions({ clientId: args['client-id'] ?? exampleClientId('mtls'), keepAliveIntervalSeconds: 60 });
        if (ca) builder.withCertificateAuthority(ca); // a path (or PEM text)
        const client = builder.build();

        await runDemo(client, { name: 'mtls', topic: args.topic });
        return `${endpoint}:${port}`;
    } finally {
        await fixtures?.closeAll();
    }
});
