#!/usr/bin/env node
// AWS IoT Core with a custom authorizer: your Lambda receives the MQTT username and password
// (and, for a signed authorizer, a token and its signature). Over TLS on port 443 (ALPN "mqtt"),
// or with --websocket over wss on 443.
//
//   node examples/custom_auth.mjs --endpoint E --authorizer-name A --username U --password P
//   node examples/custom_auth.mjs --endpoint E --authorizer-name A --username U --password P \
//       --token-key-name K --token-value V --token-signature S        # signed authorizer
//   node examples/custom_auth.mjs --local [--websocket]   # mosquitto checking the composed username
import mqtt5crt from 'mqtt5-crt';
import { exampleClientId, parseCommandLine, requireOptions, runDemo, runExample } from './common.mjs';

const { iot, Mqtt5ClientBuilder, Mqtt5CustomAuthConfig } = mqtt5crt;

const USAGE = `
usage: node examples/custom_auth.mjs --endpoint E [--authorizer-name A] [--username U] [--password P]
           [--token-key-name K --token-value V --token-signature S] [--websocket] [--ca CA] [--port P] [--topic T]
       node examples/custom_auth.mjs --local [--websocket]
  --endpoint         your IoT Core endpoint (env AWS_IOT_ENDPOINT)
  --authorizer-name  the authorizer (default: the account's default authorizer)
  --username         username handed to the authorizer
  --password         password handed to the authorizer
  --token-key-name, --token-value, --token-signature
                     for a signed authorizer (all three; the signature base64, URI-encoded for you)
  --websocket        connect over wss instead of TLS with ALPN "mqtt"
  --ca               CA file to trust instead of the system store (env AWS_IOT_CA)
  --port             default 443
  --topic            a topic your authorizer's policy allows (default sdk/test/js)
  --local            start mosquitto whose password file holds the composed username
`;

const args = parseCommandLine(USAGE, {
    endpoint: { env: 'AWS_IOT_ENDPOINT' },
    'authorizer-name': {},
    username: {},
    password: {},
    'token-key-name': {},
    'token-value': {},
    'token-signature': {},
    websocket: { type: 'boolean' },
    ca: { env: 'AWS_IOT_CA' },
    port: { default: '443' },
    topic: { default: 'sdk/test/js' },
    'client-id': {},
});
if (!args.local) requireOptions(args, ['endpoint'], USAGE);

const mode = args.websocket ? 'wss' : 'TLS, ALPN mqtt';
await runExample(`custom_auth (custom authorizer, ${mode})`, async () => {
    const fixtures = args.local ? await import('./local_fixtures.mjs') : undefined;
    try {
        let { endpoint, ca } = args;
        let port = Number(args.port);
        if (fixtures) {
            // A signed authorizer's inputs, with characters that need URI-encoding.
            args['authorizer-name'] ??= 'local-authorizer';
            args.username ??= 'example-user';
            args.password ??= 'example-password';
            args['token-key-name'] ??= 'x-example-token';
            args['token-value'] ??= 'token+value/1=';
            args['token-signature'] ??= 'c2lnbmF0dXJl+/==';
        }
        const customAuth = new Mqtt5CustomAuthConfig();
        if (args['authorizer-name']) customAuth.withAuthorizerName(args['authorizer-name']);
        if (args.username) customAuth.withUsername(args.username);
        if (args.password) customAuth.withPassword(args.password);
        if (args['token-key-name'] || args['token-value'] || args['token-signature']) {
            customAuth
                .withTokenKeyName(args['token-key-name'])
                .withTokenValue(args['token-value'])
                .withTokenSignature(args['token-signature']);
        }
        if (fixtures) {
            // What IoT Core's authorizer would get as the username: mosquitto only lets that user in.
            const username = iot.buildCustomAuthUsername(customAuth);
            const certs = fixtures.makeCertificates();
            const broker = await fixtures.startMosquitto({ certs, users: { [username]: args.password } });
            ca = certs.ca;
            endpoint = 'localhost';
            if (args.websocket) port = (await fixtures.startWsGateway({ targetPort: broker.port, certs })).port;
            else port = broker.tlsPort;
            console.log(
                `local: mosquitto on ${endpoint}:${port}${args.websocket ? ' (through a wss gateway)' : ''}, only user: ${username}`,
            );
        }

        // C++ SDK shape; in aws-crt's shape: iot.AwsIotMqtt5ClientConfigBuilder
        // .newDirectMqttBuilderWithCustomAuth(endpoint, customAuth) / .newWebsocketMqttBuilderWithCustomAuth(...)
        const builder = args.websocket
            ? Mqtt5ClientBuilder.createMqtt5ClientBuilderWithCustomAuthorizerWebsocket(endpoint, customAuth)
            : Mqtt5ClientBuilder.createMqtt5ClientBuilderWithCustomAuthorizer(endpoint, customAuth);
        builder
            .withPort(port)
            .withConnectOptions({ clientId: args['client-id'] ?? exampleClientId('custom-auth'), keepAliveIntervalSeconds: 60 });
        if (ca) builder.withCertificateAuthority(ca);
        // IoT Core reads SDK metrics appended to the username; a local broker checking the
        // username exactly would not expect them.
        if (fixtures) builder.withMetricsCollection(false);
        const client = builder.build();

        await runDemo(client, { name: 'custom_auth', topic: args.topic });
        return `${endpoint}:${port}`;
    } finally {
        await fixtures?.closeAll();
    }
});
