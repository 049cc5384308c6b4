#!/usr/bin/env node
// AWS IoT Core with mutual TLS, through an HTTP proxy (CONNECT tunnel, optional Basic auth). The
// TLS session runs end to end with IoT Core inside the tunnel; the proxy only sees bytes.
//
//   node examples/http_proxy.mjs --endpoint E --cert C --key K --proxy http://user:pass@proxy.example:3128
//   HTTPS_PROXY=http://proxy.example:3128 node examples/http_proxy.mjs --endpoint E --cert C --key K
//   node examples/http_proxy.mjs --local     # mosquitto (mTLS) behind a local proxy with Basic auth
//
// (aws-c-http tunnels only TLS or websocket connections: plain MQTT over TCP cannot use a proxy.)
import mqtt5crt from 'mqtt5-crt';
import { exampleClientId, parseCommandLine, requireOptions, runDemo, runExample } from './common.mjs';

const { http, Mqtt5ClientBuilder } = mqtt5crt;

const USAGE = `
usage: node examples/http_proxy.mjs --endpoint E --cert C --key K --proxy URL [--ca CA] [--port P] [--topic T]
       node examples/http_proxy.mjs --local
  --endpoint   your IoT Core endpoint (env AWS_IOT_ENDPOINT)
  --cert       device certificate, PEM file (env AWS_IOT_CERT)
  --key        its private key, PEM file (env AWS_IOT_KEY)
  --proxy      http://[user:password@]host:port (env HTTPS_PROXY / https_proxy)
  --ca         CA file to trust instead of the system store (env AWS_IOT_CA)
  --port       default 8883 (443 works too: ALPN x-amzn-mqtt-ca)
  --topic      a topic your IoT policy allows (default sdk/test/js)
  --local      start mosquitto (mTLS) and a CONNECT proxy with Basic auth, and use them
`;

const args = parseCommandLine(USAGE, {
    endpoint: { env: 'AWS_IOT_ENDPOINT' },
    cert: { env: 'AWS_IOT_CERT' },
    key: { env: 'AWS_IOT_KEY' },
    proxy: { env: process.env.HTTPS_PROXY !== undefined ? 'HTTPS_PROXY' : 'https_proxy' },
    ca: { env: 'AWS_IOT_CA' },
    port: { default: '8883' },
    topic: { default: 'sdk/test/js' },
    'client-id': {},
});
if (!args.local) requireOptions(args, ['endpoint', 'cert', 'key', 'proxy'], USAGE);

/** aws-crt's HttpProxyOptions from a proxy URL. */
function proxyOptions(url) {
    const u = new URL(url.includes('://') ? url : `http://${url}`);
    if (u.protocol !== 'http:') throw new Error(`--proxy: only http:// proxies are handled here (got ${u.protocol})`);
    const user = decodeURIComponent(u.username);
    return new http.HttpProxyOptions(
        u.hostname,
        Number(u.port || 80),
        user ? http.HttpProxyAuthenticationType.Basic : http.HttpProxyAuthenticationType.None,
        user || undefined,
        user ? decodeURIComponent(u.password) : undefined,
    );
}

await runExample('http_proxy (mTLS through an HTTP CONNECT proxy)', async () => {
    const fixtures = args.local ? await import('./local_fixtures.mjs') : undefined;
    try {
        let { endpoint, cert, key, ca, proxy } = args;
        let port = Number(args.port);
        let localProxy;
        if (fixtures) {
            const certs = fixtures.makeCertificates();
            ({ tlsPort: port } = await fixtures.startMosquitto({ certs, requireCertificate: true }));
            localProxy = await fixtures.startConnectProxy({ auth: { username: 'proxy-user', password: 'proxy:secret' } });
            ({ clientCert: cert, clientKey: key, ca } = certs);
            endpoint = 'localhost';
            proxy = `http://proxy-user:${encodeURIComponent('proxy:secret')}@127.0.0.1:${localProxy.port}`;
            console.log(`local: mosquitto (mTLS) on ${endpoint}:${port}, proxy with Basic auth on 127.0.0.1:${localProxy.port}`);
        }
        const options = proxyOptions(proxy);
        console.log(
            `http_proxy: through ${options.host_name}:${options.port}${options.auth_username ? ` as ${options.auth_username}` : ''}`,
        );

        // In aws-crt's shape: iot.AwsIotMqtt5ClientConfigBuilder...withHttpProxyOptions(options), or
        // httpProxyOptions in a plain Mqtt5ClientConfig.
        const builder = Mqtt5ClientBuilder.createMqtt5ClientBuilderWithMtlsFromPath(endpoint, cert, key)
            .withPort(port)
            .withHttpProxyOptions(options)
            .withConnectOptions({ clientId: args['client-id'] ?? exampleClientId('proxy'), keepAliveIntervalSeconds: 60 });
        if (ca) builder.withCertificateAuthority(ca);
        const client = builder.build();

        await runDemo(client, { name: 'http_proxy', topic: args.topic });
        if (localProxy) return `the proxy tunnelled to ${localProxy.tunnels.join(', ')}`;
        return `${endpoint}:${port} via ${options.host_name}:${options.port}`;
    } finally {
        await fixtures?.closeAll();
    }
});
