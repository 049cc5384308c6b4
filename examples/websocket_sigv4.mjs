#!/usr/bin/env node
// AWS IoT Core over websockets (wss, port 443), the handshake presigned with AWS SigV4 from IAM
// credentials: the default chain (environment, ~/.aws profile, SSO, container/instance roles),
// or a named profile.
//
//   node examples/websocket_sigv4.mjs --endpoint abc123-ats.iot.us-east-1.amazonaws.com [--region us-east-1] [--profile p]
//   node examples/websocket_sigv4.mjs --local   # a local wss gateway that checks the signature
//
// The region is parsed from the endpoint when not given.
import mqtt5crt from 'mqtt5-crt';
import { exampleClientId, parseCommandLine, requireOptions, runDemo, runExample } from './common.mjs';

const { auth, iot, Mqtt5ClientBuilder, WebsocketConfig } = mqtt5crt;

const USAGE = `
usage: node examples/websocket_sigv4.mjs --endpoint E [--region R] [--profile P] [--ca CA] [--port P] [--topic T] [--client-id ID]
       node examples/websocket_sigv4.mjs --local
  --endpoint   your IoT Core endpoint (env AWS_IOT_ENDPOINT)
  --region     signing region (env AWS_REGION; default: parsed from the endpoint)
  --profile    use this profile of ~/.aws/credentials and ~/.aws/config (default: the default chain)
  --ca         CA file to trust instead of the system store (env AWS_IOT_CA)
  --port       default 443
  --topic      a topic your IAM policy allows (default sdk/test/js)
  --client-id  a client id your IAM policy allows (default: random)
  --local      start mosquitto and a wss gateway that verifies SigV4 with local credentials
`;

const args = parseCommandLine(USAGE, {
    endpoint: { env: 'AWS_IOT_ENDPOINT' },
    region: { env: 'AWS_REGION' },
    profile: {},
    ca: { env: 'AWS_IOT_CA' },
    port: { default: '443' },
    topic: { default: 'sdk/test/js' },
    'client-id': {},
});
if (!args.local) requireOptions(args, ['endpoint'], USAGE);

await runExample('websocket_sigv4 (wss + SigV4)', async () => {
    const fixtures = args.local ? await import('./local_fixtures.mjs') : undefined;
    try {
        let { endpoint, ca } = args;
        let port = Number(args.port);
        let region = args.region ?? iot.regionFromEndpoint(endpoint ?? '');
        let credentialsProvider = args.profile
            ? auth.AwsCredentialsProvider.newProfile({ profileName: args.profile })
            : auth.AwsCredentialsProvider.newDefault();
        let gateway;
        if (fixtures) {
            const local = { accessKeyId: 'AKIDLOCALEXAMPLE', secretAccessKey: 'local/example+secret', region: 'us-east-1' };
            const certs = fixtures.makeCertificates();
            const broker = await fixtures.startMosquitto();
            gateway = await fixtures.startWsGateway({
                targetPort: broker.port,
                certs,
                verify: (req) => fixtures.checkSigv4(req, local),
            });
            ({ ca } = certs);
            endpoint = 'localhost';
            port = gateway.port;
            region = local.region;
            credentialsProvider = auth.AwsCredentialsProvider.newStatic(local.accessKeyId, local.secretAccessKey);
            console.log(`local: wss gateway (checks SigV4 for ${local.accessKeyId}) on ${endpoint}:${port} -> mosquitto`);
        }
        if (!region) throw new Error(`no --region given and none found in the endpoint ${endpoint}`);
        const { accessKeyId } = await credentialsProvider.getCredentials(); // fail early, with a clear message
        console.log(`websocket_sigv4: signing for ${region} as ${accessKeyId}`);

        // C++ SDK shape; in aws-crt's shape:
        // iot.AwsIotMqtt5ClientConfigBuilder.newWebsocketMqttBuilderWithSigv4Auth(endpoint, { region, credentialsProvider })
        const builder = Mqtt5ClientBuilder.createMqtt5ClientBuilderWithWebsocket(
            endpoint,
            new WebsocketConfig(region, credentialsProvider),
        )
            .withPort(port)
            .withConnectOptions({ clientId: args['client-id'] ?? exampleClientId('websocket'), keepAliveIntervalSeconds: 60 });
        if (ca) builder.withCertificateAuthority(ca);
        const client = builder.build();

        await runDemo(client, { name: 'websocket_sigv4', topic: args.topic });
        if (gateway) return `the gateway verified ${gateway.upgrades.length} signed handshake(s)`;
        return `${endpoint}:${port}`;
    } finally {
        await fixtures?.closeAll();
    }
});
