// Connecting through HTTP CONNECT proxies (Basic auth, TLS to the proxy), against a local proxy and
// private mosquitto TLS listeners: the MQTT 5 client, and the MQTT 3.1.1 connection.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CrtError, http, io, iot, Mqtt5Client, Mqtt5ClientBuilder, mqtt } from '../../dist/index.js';
import { brokerPort, once, uniqueTopic } from '../helpers/client';
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

// ---------------------------------------------------------------------------------------------

describe('HTTP proxy for the MQTT 3.1.1 connection (proxy_options)', () => {
    /** A connection closed after the test. */
    function connection311(config: mqtt.MqttConnectionConfig): mqtt.MqttClientConnection {
        return onCleanup(new mqtt.MqttClient().new_connection(config), (c) => c.close());
    }

    /** A QoS 1 message from the connection to itself. */
    async function roundTrip311(c: mqtt.MqttClientConnection): Promise<void> {
        const topic = uniqueTopic('proxy311');
        let received: (text: string) => void = () => {};
        const got = new Promise<string>((resolve) => (received = resolve));
        await c.subscribe(topic, mqtt.QoS.AtLeastOnce, (_t, payload) => received(Buffer.from(payload).toString()));
        await c.publish(topic, 'through the tunnel', mqtt.QoS.AtLeastOnce);
        expect(await got).toBe('through the tunnel');
    }

    const basic = (port: number, password: string) =>
        new http.HttpProxyOptions('127.0.0.1', port, http.HttpProxyAuthenticationType.Basic, 'u311', password);

    it('mTLS via iot.AwsIotMqttConnectionConfigBuilder through a proxy with Basic auth', async () => {
        const proxy = onCleanup(await startConnectProxy({ auth: { username: 'u311', password: 'p@ss' } }), (p) => p.close());
        const c = connection311(
            iot.AwsIotMqttConnectionConfigBuilder.new_mtls_builder_from_path(m.client.cert.path, m.client.key.path)
                .with_certificate_authority(m.ca.cert.pem)
                .with_endpoint('localhost')
                .with_port(mtlsBroker.tlsPort)
                .with_client_id(`proxy311-${randomUUID()}`)
                .with_clean_session(true)
                .with_http_proxy_options(basic(proxy.port, 'p@ss'))
                .build(),
        );
        expect(await c.connect()).toBe(false);
        await roundTrip311(c);
        expect(proxy.targets).toEqual([`localhost:${mtlsBroker.tlsPort}`]);
        expect(proxy.requests[0].headers['proxy-authorization']).toBe(`Basic ${Buffer.from('u311:p@ss').toString('base64')}`);
        expect(proxy.bytesUp).toBeGreaterThan(200);
        expect(proxy.bytesDown).toBeGreaterThan(200);
        await c.disconnect();
    });

    it('websockets over TLS through a proxy (the tunnel goes to the websocket gateway)', async () => {
        const proxy = onCleanup(await startConnectProxy(), (p) => p.close());
        const g = onCleanup(
            await startWsGateway({ targetPort: brokerPort(), tls: { cert: m.server.cert.pem, key: m.server.key.pem } }),
            (x) => x.close(),
        );
        const c = connection311({
            client_id: `proxy311-ws-${randomUUID()}`,
            host_name: 'localhost',
            port: g.port,
            socket_options: new io.SocketOptions(io.SocketType.STREAM, io.SocketDomain.IPV4, 10_000),
            clean_session: true,
            use_websocket: true,
            tls_ctx: new io.ClientTlsContext(tlsOptions((o) => (o.certificate_authority = m.ca.cert.pem))),
            proxy_options: new http.HttpProxyOptions('127.0.0.1', proxy.port),
        });
        await c.connect();
        await roundTrip311(c);
        expect(proxy.targets).toEqual([`localhost:${g.port}`]);
        expect(g.upgrades).toHaveLength(1);
        await c.disconnect();
    });

    it('wrong proxy credentials: connect() rejects with a CrtError, connection_failure, no retry, close() works', async () => {
        const proxy = onCleanup(await startConnectProxy({ auth: { username: 'u311', password: 'right' } }), (p) => p.close());
        const c = connection311({
            client_id: `proxy311-bad-${randomUUID()}`,
            host_name: 'localhost',
            port: tlsBroker.tlsPort,
            socket_options: new io.SocketOptions(io.SocketType.STREAM, io.SocketDomain.IPV4, 10_000),
            tls_ctx: new io.ClientTlsContext(tlsOptions((o) => (o.ca_filepath = m.ca.cert.path))),
            proxy_options: basic(proxy.port, 'wrong'),
        });
        const failures: mqtt.OnConnectionFailedResult[] = [];
        c.on('connection_failure', (f) => failures.push(f));
        const err = await c.connect().catch((e) => e);
        expect(err).toBeInstanceOf(CrtError);
        expect(err.code).toMatch(/^AWS_ERROR_HTTP_PROXY_CONNECT_FAILED/);
        await new Promise((r) => setTimeout(r, 1500)); // past reconnect_min_sec: a first connect that failed does not retry
        expect(failures.map((f) => f.error.code)).toEqual([err.code]);
        expect(proxy.authFailures).toBe(1);
        expect(proxy.tunnels).toBe(0);
        c.close();
        await expect(c.connect()).rejects.toMatchObject({ code: 'AWS_ERROR_MQTT_CONNECTION_DESTROYED' });
    });

    it('plain MQTT through a proxy is refused as for the MQTT 5 client: INVALID_ARGUMENT, nothing sent', async () => {
        const proxy = onCleanup(await startConnectProxy(), (p) => p.close());
        const c = connection311({
            client_id: `proxy311-plain-${randomUUID()}`,
            host_name: '127.0.0.1',
            port: brokerPort(),
            socket_options: new io.SocketOptions(io.SocketType.STREAM, io.SocketDomain.IPV4, 10_000),
            proxy_options: new http.HttpProxyOptions('127.0.0.1', proxy.port),
        });
        await expect(c.connect()).rejects.toMatchObject({ code: 'AWS_ERROR_INVALID_ARGUMENT' });
        expect(proxy.requests).toHaveLength(0);
    });
});
