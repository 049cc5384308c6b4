// Connecting through HTTP CONNECT proxies (Basic auth, TLS to the proxy), against a local proxy and
// private mosquitto TLS listeners.
import fs from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CrtError, http, io, iot, Mqtt5Client, Mqtt5ClientBuilder } from '../../dist/index.js';
import { brokerPort, once } from '../helpers/client';
import { startConnectProxy } from '../helpers/http_proxy';
import { makeTlsMaterial, type TlsMaterial } from '../helpers/tls';
import { startTlsBroker, type TlsBroker } from '../helpers/tls_broker';
import { startWsGateway } from '../helpers/ws_gateway';
import {
    closeTrackedAfterEach,
    connects,
    firstAttempt,
    NO_QUICK_RETRY,
    onCleanup,
    roundTrip,
    tlsConfig,
    tlsOptions,
} from '../helpers/connect';

closeTrackedAfterEach();

let m: TlsMaterial;
let tlsBroker: TlsBroker;
let mtlsBroker: TlsBroker;
beforeAll(async () => {
    m = makeTlsMaterial();
    [tlsBroker, mtlsBroker] = await Promise.all([
        startTlsBroker({ material: m }),
        startTlsBroker({ material: m, requireCertificate: true, useIdentityAsUsername: true }),
    ]);
}, 30_000);
afterAll(async () => {
    for (const b of [tlsBroker, mtlsBroker]) {
        await b?.stop();
        if (b) fs.rmSync(b.broker.dir, { recursive: true, force: true });
    }
    m?.cleanup();
}, 60_000);

// ---------------------------------------------------------------------------------------------

describe('HTTP proxy (CONNECT tunnel)', () => {
    it('TLS to the broker through a proxy without auth: tunnel to the broker port, bytes both ways', async () => {
        const proxy = onCleanup(await startConnectProxy(), (p) => p.close());
        const client = await connects(
            tlsConfig(
                tlsBroker.tlsPort,
                tlsOptions((o) => (o.ca_filepath = m.ca.cert.path)),
                {
                    httpProxyOptions: new http.HttpProxyOptions('127.0.0.1', proxy.port),
                },
            ),
        );
        await roundTrip(client);
        expect(proxy.targets).toEqual([`localhost:${tlsBroker.tlsPort}`]);
        expect(proxy.requests.map((r) => [r.method, r.status])).toEqual([['CONNECT', 200]]);
        expect(proxy.requests[0].headers['proxy-authorization']).toBeUndefined();
        expect(proxy.bytesUp).toBeGreaterThan(200); // ClientHello, CONNECT, SUBSCRIBE, PUBLISH...
        expect(proxy.bytesDown).toBeGreaterThan(200);
        expect(proxy.openTunnels).toBe(1);
    });

    it('mTLS via a builder through a proxy with Basic auth', async () => {
        const proxy = onCleanup(await startConnectProxy({ auth: { username: 'proxy-user', password: 'p@ss:word' } }), (p) =>
            p.close(),
        );
        await connects(
            Mqtt5ClientBuilder.createMqtt5ClientBuilderWithMtlsFromPath('localhost', m.client.cert.path, m.client.key.path)
                .withPort(mtlsBroker.tlsPort)
                .withCertificateAuthority(m.ca.cert.pem)
                .withHttpProxyOptions(
                    new http.HttpProxyOptions(
                        '127.0.0.1',
                        proxy.port,
                        http.HttpProxyAuthenticationType.Basic,
                        'proxy-user',
                        'p@ss:word',
                    ),
                )
                .build(),
        );
        expect(proxy.targets).toEqual([`localhost:${mtlsBroker.tlsPort}`]);
        expect(proxy.authFailures).toBe(0);
        expect(proxy.requests[0].headers['proxy-authorization']).toBe(
            `Basic ${Buffer.from('proxy-user:p@ss:word').toString('base64')}`,
        );
        expect(proxy.bytesUp).toBeGreaterThan(0);
        expect(proxy.bytesDown).toBeGreaterThan(0);
    });

    it('wss through a proxy with Basic auth (aws-crt builder, SigV4 off: custom auth over websockets)', async () => {
        const proxy = onCleanup(await startConnectProxy({ auth: { username: 'u', password: 'p' } }), (p) => p.close());
        const g = onCleanup(
            await startWsGateway({ targetPort: brokerPort(), tls: { cert: m.server.cert.pem, key: m.server.key.pem } }),
            (x) => x.close(),
        );
        const client = await connects(
            iot.AwsIotMqtt5ClientConfigBuilder.newWebsocketMqttBuilderWithCustomAuth('localhost', {
                username: 'ws-through-proxy',
            })
                .withPort(g.port)
                .withCertificateAuthority(m.ca.cert.pem)
                .withHttpProxyOptions(
                    new http.HttpProxyOptions('127.0.0.1', proxy.port, http.HttpProxyAuthenticationType.Basic, 'u', 'p'),
                )
                .build(),
        );
        await roundTrip(client);
        expect(proxy.targets).toEqual([`localhost:${g.port}`]);
        expect(g.upgrades).toHaveLength(1);
        expect(proxy.bytesUp).toBeGreaterThan(g.bytesToBroker);
    });

    it('wrong or missing proxy credentials fail cleanly: CrtError, no hang, stop() and close() work', async () => {
        const proxy = onCleanup(await startConnectProxy({ auth: { username: 'u', password: 'right' } }), (p) => p.close());
        for (const proxyOptions of [
            new http.HttpProxyOptions('127.0.0.1', proxy.port, http.HttpProxyAuthenticationType.Basic, 'u', 'wrong'),
            new http.HttpProxyOptions('127.0.0.1', proxy.port),
        ]) {
            const client = new Mqtt5Client(
                tlsConfig(
                    tlsBroker.tlsPort,
                    tlsOptions((o) => (o.ca_filepath = m.ca.cert.path)),
                    { httpProxyOptions: proxyOptions, ...NO_QUICK_RETRY },
                ),
            );
            const r = await firstAttempt(client);
            expect(r.ok).toBe(false);
            expect(r.error).toBeInstanceOf(CrtError);
            expect(r.error!.code).toMatch(/^AWS_ERROR_HTTP_PROXY_CONNECT_FAILED/);
            expect(r.ms).toBeLessThan(5000);
            const stopped = once(client, 'stopped', 5000);
            client.stop();
            await stopped;
            client.close();
            expect(() => client.start()).toThrow(CrtError);
        }
        expect(proxy.authFailures).toBe(2);
        expect(proxy.tunnels).toBe(0);
    });

    it('TLS to the proxy itself (HttpProxyOptions.tls_opts = TlsConnectionOptions)', async () => {
        const proxy = onCleanup(await startConnectProxy({ tls: { cert: m.server.cert.pem, key: m.server.key.pem } }), (p) =>
            p.close(),
        );
        const proxyTls = new io.TlsConnectionOptions(
            new io.ClientTlsContext(tlsOptions((o) => (o.certificate_authority = m.ca.cert.pem))),
        );
        const client = await connects(
            tlsConfig(
                tlsBroker.tlsPort,
                tlsOptions((o) => (o.ca_filepath = m.ca.cert.path)),
                {
                    httpProxyOptions: new http.HttpProxyOptions(
                        'localhost',
                        proxy.port,
                        http.HttpProxyAuthenticationType.None,
                        undefined,
                        undefined,
                        proxyTls,
                    ),
                },
            ),
        );
        await roundTrip(client);
        expect(proxy.targets).toEqual([`localhost:${tlsBroker.tlsPort}`]);
    });

    it('TLS to the proxy uses TlsConnectionOptions.server_name for SNI and verification (as aws-crt does)', async () => {
        // A TLS front that records the SNI, in front of a plain CONNECT proxy.
        const proxy = onCleanup(await startConnectProxy(), (p) => p.close());
        const servernames: Array<string | false> = [];
        const raw = new Set<net.Socket>();
        const front = tls.createServer({ cert: m.server.cert.pem, key: m.server.key.pem }, (s) => {
            servernames.push((s as tls.TLSSocket & { servername?: string | false }).servername ?? false);
            const up = net.connect({ host: '127.0.0.1', port: proxy.port });
            s.pipe(up).pipe(s);
            s.on('error', () => up.destroy());
            up.on('error', () => s.destroy());
            s.on('close', () => up.destroy());
            up.on('close', () => s.destroy());
        });
        front.on('connection', (c: net.Socket) => (raw.add(c), c.on('close', () => raw.delete(c))));
        await new Promise<void>((r) => front.listen(0, '127.0.0.1', () => r()));
        onCleanup(
            front,
            (f) =>
                new Promise<void>((r) => {
                    for (const c of raw) c.destroy();
                    f.close(() => r());
                }),
        );
        const proxyTls = new io.TlsConnectionOptions(
            new io.ClientTlsContext(tlsOptions((o) => (o.certificate_authority = m.ca.cert.pem))),
            'localhost',
        );
        expect(proxyTls.server_name).toBe('localhost');
        await connects(
            tlsConfig(
                tlsBroker.tlsPort,
                tlsOptions((o) => (o.ca_filepath = m.ca.cert.path)),
                {
                    httpProxyOptions: new http.HttpProxyOptions(
                        '127.0.0.1',
                        (front.address() as net.AddressInfo).port,
                        http.HttpProxyAuthenticationType.None,
                        undefined,
                        undefined,
                        proxyTls,
                    ),
                },
            ),
        );
        expect(proxy.targets).toEqual([`localhost:${tlsBroker.tlsPort}`]);
        expect(servernames).toEqual(['localhost']);
    });

    it('plain MQTT (no TLS, no websockets) through a proxy is refused by aws-c-http: INVALID_ARGUMENT at once', async () => {
        const proxy = onCleanup(await startConnectProxy(), (p) => p.close());
        for (const type of [http.HttpProxyConnectionType.Legacy, http.HttpProxyConnectionType.Tunneling]) {
            const r = await firstAttempt(
                new Mqtt5Client({
                    hostName: '127.0.0.1',
                    port: brokerPort(),
                    ...NO_QUICK_RETRY,
                    httpProxyOptions: new http.HttpProxyOptions(
                        '127.0.0.1',
                        proxy.port,
                        http.HttpProxyAuthenticationType.None,
                        undefined,
                        undefined,
                        undefined,
                        type,
                    ),
                }),
            );
            expect(r.ok).toBe(false);
            expect(r.error!.code).toBe('AWS_ERROR_INVALID_ARGUMENT');
        }
        expect(proxy.requests).toHaveLength(0);
    });
});
