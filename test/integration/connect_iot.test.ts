// Connecting as AWS IoT Core expects, against local servers: ALPN on port 443 (a Node TLS/ALPN
// terminator) and custom authorizers (the exact CONNECT username and password reach the broker).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io, iot, Mqtt5Client, Mqtt5ClientBuilder, Mqtt5CustomAuthConfig, mqtt } from '../../dist/index.js';
import { startBroker, type Broker } from '../helpers/broker';
import { brokerPort } from '../helpers/client';
import { makeTlsMaterial, type TlsMaterial } from '../helpers/tls';
import { startAlpnTlsTerminator } from '../helpers/tls_broker';
import { startWsGateway, type WsGateway } from '../helpers/ws_gateway';
import {
    closeTrackedAfterEach,
    connects,
    firstAttempt,
    NO_QUICK_RETRY,
    onCleanup,
    roundTrip,
    startConnectTap,
} from '../helpers/connect';

closeTrackedAfterEach();

let m: TlsMaterial;
beforeAll(() => {
    m = makeTlsMaterial();
});
afterAll(() => m?.cleanup());

// ---------------------------------------------------------------------------------------------

describe('ALPN (AWS IoT Core on port 443)', () => {
    it('is available on this platform', () => {
        expect(io.is_alpn_available()).toBe(true);
    });

    it('the mTLS builders offer x-amzn-mqtt-ca and connect through a terminator that requires it', async () => {
        const t = onCleanup(
            await startAlpnTlsTerminator({
                material: m,
                requiredAlpn: iot.MTLS_ALPN_ON_443,
                targetPort: brokerPort(),
                requireCertificate: true,
            }),
            (x) => x.close(),
        );
        expect(iot.MTLS_ALPN_ON_443).toBe('x-amzn-mqtt-ca');
        const awsCrt = await connects(
            iot.AwsIotMqtt5ClientConfigBuilder.newDirectMqttBuilderWithMtlsFromPath(
                'localhost',
                m.client.cert.path,
                m.client.key.path,
            )
                .withPort(t.port)
                .withCertificateAuthority(m.ca.cert.pem)
                .build(),
        );
        await roundTrip(awsCrt);
        await connects(
            Mqtt5ClientBuilder.newMqtt5ClientBuilderWithMtlsFromMemory('localhost', m.client.cert.pem, m.client.key.pem)
                .withPort(t.port)
                .withCertificateAuthority(m.ca.cert.pem)
                .build(),
        );
        expect(t.connections).toEqual([
            { alpn: 'x-amzn-mqtt-ca', accepted: true, servername: 'localhost', peerCN: 'test-client' },
            { alpn: 'x-amzn-mqtt-ca', accepted: true, servername: 'localhost', peerCN: 'test-client' },
        ]);
        for (const offer of t.offers) expect(offer.protocols[0]).toBe('x-amzn-mqtt-ca');
        expect(t.handshakeErrors).toEqual([]);
    });

    it('the custom-authorizer builders offer mqtt and connect through a terminator that requires it', async () => {
        const t = onCleanup(await startAlpnTlsTerminator({ material: m, requiredAlpn: 'mqtt', targetPort: brokerPort() }), (x) =>
            x.close(),
        );
        const customAuth = { authorizerName: 'alpn-check', username: 'anyone' };
        await connects(
            iot.AwsIotMqtt5ClientConfigBuilder.newDirectMqttBuilderWithCustomAuth('localhost', customAuth)
                .withPort(t.port)
                .withCertificateAuthority(m.ca.cert.pem)
                .build(),
        );
        await connects(
            Mqtt5ClientBuilder.createMqtt5ClientBuilderWithCustomAuthorizer('localhost', customAuth)
                .withPort(t.port)
                .withCertificateAuthority(m.ca.cert.pem)
                .build(),
        );
        expect(t.offers.map((o) => o.protocols)).toEqual([['mqtt'], ['mqtt']]);
        expect(t.connections.map((c) => [c.alpn, c.accepted])).toEqual([
            ['mqtt', true],
            ['mqtt', true],
        ]);
    });
});

// ---------------------------------------------------------------------------------------------

describe('custom authorizer (the exact CONNECT username and password reach the broker)', () => {
    // A private mosquitto that only knows the composed usernames (password file): a username
    // composed differently fails to authenticate. Metrics are off so the username is exact.
    let broker: Broker;
    let mqttAlpn: Awaited<ReturnType<typeof startAlpnTlsTerminator>>;
    let wss: WsGateway;

    const UNSIGNED = { authorizerName: 'my-authorizer', username: 'device-1', password: 'unsigned-pass' };
    const UNSIGNED_USERNAME = 'device-1?x-amz-customauthorizer-name=my-authorizer';
    const SIGNED = {
        authorizerName: 'signed-authorizer',
        username: 'device-2',
        password: 'signed-pass',
        tokenKeyName: 'x-token',
        tokenValue: 'tok+en/v=1',
        tokenSignature: 'sig+/ab==',
    };
    // The signature URI-encoded (+ / = -> %2B %2F %3D); the token value as given.
    const SIGNED_USERNAME =
        'device-2?x-amz-customauthorizer-name=signed-authorizer&x-token=tok+en/v=1&x-amz-customauthorizer-signature=sig%2B%2Fab%3D%3D';

    beforeAll(async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mqtt5-crt-customauth-'));
        const pwfile = path.join(dir, 'passwords');
        execFileSync('mosquitto_passwd', ['-b', '-c', pwfile, UNSIGNED_USERNAME, UNSIGNED.password]);
        execFileSync('mosquitto_passwd', ['-b', pwfile, SIGNED_USERNAME, SIGNED.password]);
        fs.chmodSync(pwfile, 0o644);
        broker = await startBroker({ dir, extraConfig: ['allow_anonymous false', `password_file ${pwfile}`] });
        mqttAlpn = await startAlpnTlsTerminator({ material: m, requiredAlpn: 'mqtt', targetPort: broker.port });
        wss = await startWsGateway({ targetPort: broker.port, tls: { cert: m.server.cert.pem, key: m.server.key.pem } });
    });
    afterAll(async () => {
        await wss?.close();
        await mqttAlpn?.close();
        await broker?.stop();
        if (broker) fs.rmSync(broker.dir, { recursive: true, force: true });
    });

    it('buildCustomAuthUsername composes what the broker expects', () => {
        expect(iot.buildCustomAuthUsername(UNSIGNED)).toBe(UNSIGNED_USERNAME);
        expect(iot.buildCustomAuthUsername(SIGNED)).toBe(SIGNED_USERNAME);
    });

    it('the broker really checks: a differently composed username (signature not encoded) is refused', async () => {
        const r = await firstAttempt(
            new Mqtt5Client({
                hostName: '127.0.0.1',
                port: broker.port,
                disableMetrics: true,
                ...NO_QUICK_RETRY,
                connectProperties: {
                    keepAliveIntervalSeconds: 60,
                    username: SIGNED_USERNAME.replace('sig%2B%2Fab%3D%3D', 'sig+/ab=='),
                    password: Buffer.from(SIGNED.password),
                },
            }),
        );
        expect(r.ok).toBe(false);
        expect(r.connack?.reasonCode).toBeOneOf([134, 135]); // bad user name or password / not authorized
        const ok = await firstAttempt(
            new Mqtt5Client({
                hostName: '127.0.0.1',
                port: broker.port,
                disableMetrics: true,
                connectProperties: {
                    keepAliveIntervalSeconds: 60,
                    username: SIGNED_USERNAME,
                    password: Buffer.from(SIGNED.password),
                },
            }),
        );
        expect(ok.ok).toBe(true);
    });

    it('unsigned, direct TLS (ALPN mqtt): aws-crt builder and C++ builder', async () => {
        await connects(
            iot.AwsIotMqtt5ClientConfigBuilder.newDirectMqttBuilderWithCustomAuth('localhost', UNSIGNED)
                .withPort(mqttAlpn.port)
                .withCertificateAuthority(m.ca.cert.pem)
                .withMetricsCollection(false)
                .build(),
        );
        await connects(
            Mqtt5ClientBuilder.createMqtt5ClientBuilderWithCustomAuthorizer(
                'localhost',
                new Mqtt5CustomAuthConfig()
                    .withAuthorizerName(UNSIGNED.authorizerName)
                    .withUsername(UNSIGNED.username)
                    .withPassword(Buffer.from(UNSIGNED.password)),
            )
                .withPort(mqttAlpn.port)
                .withCertificateAuthority(m.ca.cert.pem)
                .withMetricsCollection(false)
                .build(),
        );
    });

    it('signed (token key/value/signature with + / =), direct TLS: aws-crt builder and C++ builder', async () => {
        await connects(
            iot.AwsIotMqtt5ClientConfigBuilder.newDirectMqttBuilderWithCustomAuth('localhost', SIGNED)
                .withPort(mqttAlpn.port)
                .withCertificateAuthority(m.ca.cert.pem)
                .withMetricsCollection(false)
                .build(),
        );
        await connects(
            Mqtt5ClientBuilder.newMqtt5ClientBuilderWithCustomAuthorizer(
                'localhost',
                new Mqtt5CustomAuthConfig()
                    .withAuthorizerName(SIGNED.authorizerName)
                    .withUsername(SIGNED.username)
                    .withPassword(SIGNED.password)
                    .withTokenKeyName(SIGNED.tokenKeyName)
                    .withTokenValue(SIGNED.tokenValue)
                    .withTokenSignature(SIGNED.tokenSignature),
            )
                .withPort(mqttAlpn.port)
                .withCertificateAuthority(m.ca.cert.pem)
                .withMetricsCollection(false)
                .build(),
        );
        // An already URI-encoded signature is kept as is.
        await connects(
            iot.AwsIotMqtt5ClientConfigBuilder.newDirectMqttBuilderWithCustomAuth('localhost', {
                ...SIGNED,
                tokenSignature: 'sig%2B%2Fab%3D%3D',
            })
                .withPort(mqttAlpn.port)
                .withCertificateAuthority(m.ca.cert.pem)
                .withMetricsCollection(false)
                .build(),
        );
        expect(mqttAlpn.connections.every((c) => c.alpn === 'mqtt')).toBe(true);
    });

    it('unsigned and signed over websockets (wss): both builder shapes', async () => {
        await connects(
            iot.AwsIotMqtt5ClientConfigBuilder.newWebsocketMqttBuilderWithCustomAuth('localhost', UNSIGNED)
                .withPort(wss.port)
                .withCertificateAuthority(m.ca.cert.pem)
                .withMetricsCollection(false)
                .build(),
        );
        await connects(
            Mqtt5ClientBuilder.createMqtt5ClientBuilderWithCustomAuthorizerWebsocket('localhost', SIGNED)
                .withPort(wss.port)
                .withCertificateAuthority(m.ca.cert.pem)
                .withMetricsCollection(false)
                .build(),
        );
        await connects(
            iot.AwsIotMqtt5ClientConfigBuilder.newWebsocketMqttBuilderWithCustomAuth('localhost', SIGNED)
                .withPort(wss.port)
                .withCertificateAuthority(m.ca.cert.pem)
                .withMetricsCollection(false)
                .build(),
        );
        await connects(
            Mqtt5ClientBuilder.newMqtt5ClientBuilderWithCustomAuthorizerWebsocket('localhost', UNSIGNED)
                .withPort(wss.port)
                .withCertificateAuthority(m.ca.cert.pem)
                .withMetricsCollection(false)
                .build(),
        );
        expect(wss.upgrades).toHaveLength(4);
        expect(wss.upgrades.every((u) => u.url === '/mqtt')).toBe(true);
    });

    /** The 3.1.1 builder's custom-authorizer config (aws-crt's argument order), on `port`. */
    const custom311 = (builder: iot.AwsIotMqttConnectionConfigBuilder, auth: typeof SIGNED | typeof UNSIGNED, port: number) =>
        builder
            .with_endpoint('localhost')
            .with_client_id(`custom311-${process.pid}`)
            .with_certificate_authority(m.ca.cert.pem)
            .with_custom_authorizer(
                auth.username,
                auth.authorizerName,
                'tokenSignature' in auth ? auth.tokenSignature : '',
                auth.password,
                'tokenKeyName' in auth ? auth.tokenKeyName : undefined,
                'tokenValue' in auth ? auth.tokenValue : undefined,
            )
            .with_port(port)
            .build();

    /** Connects and disconnects an MQTT 3.1.1 connection made with `config`. */
    async function connects311(config: mqtt.MqttConnectionConfig): Promise<void> {
        const c = onCleanup(new mqtt.MqttClient().new_connection(config), (x) => x.close());
        await c.connect();
        await c.disconnect();
    }

    it('MQTT 3.1.1 builder with_custom_authorizer: unsigned and signed, direct TLS (ALPN mqtt) and over websockets', async () => {
        const direct = () => iot.AwsIotMqttConnectionConfigBuilder.new_default_builder();
        const websocket = () => iot.AwsIotMqttConnectionConfigBuilder.new_with_websockets();
        const unsigned = custom311(direct(), UNSIGNED, mqttAlpn.port);
        expect(unsigned.username).toBe(UNSIGNED_USERNAME);
        // Metrics off, so that the password file sees the username as composed.
        await connects311({ ...unsigned, disable_metrics: true });
        await connects311({ ...custom311(direct(), SIGNED, mqttAlpn.port), disable_metrics: true });
        const upgradesBefore = wss.upgrades.length;
        await connects311({ ...custom311(websocket(), UNSIGNED, wss.port), disable_metrics: true });
        await connects311({ ...custom311(websocket(), SIGNED, wss.port), disable_metrics: true });
        expect(wss.upgrades.length - upgradesBefore).toBe(2);
        expect(mqttAlpn.connections.every((c) => c.alpn === 'mqtt')).toBe(true);
    });

    it('with metrics on, the CRT appends &SDK=... to the composed username (seen by a TCP tap)', async () => {
        const tap = onCleanup(await startConnectTap(brokerPort()), (t) => t.close());
        const front = onCleanup(await startAlpnTlsTerminator({ material: m, requiredAlpn: 'mqtt', targetPort: tap.port }), (t) =>
            t.close(),
        );
        await connects(
            iot.AwsIotMqtt5ClientConfigBuilder.newDirectMqttBuilderWithCustomAuth('localhost', SIGNED)
                .withPort(front.port)
                .withCertificateAuthority(m.ca.cert.pem)
                .build(),
        );
        await connects(
            Mqtt5ClientBuilder.createMqtt5ClientBuilderWithCustomAuthorizer('localhost', UNSIGNED)
                .withPort(front.port)
                .withCertificateAuthority(m.ca.cert.pem)
                .withMetricsCollection(false)
                .build(),
        );
        expect(tap.connects).toHaveLength(2);
        const [withMetrics, without] = tap.connects;
        expect(withMetrics.username!.startsWith(`${SIGNED_USERNAME}&SDK=`)).toBe(true);
        expect(withMetrics.username).toMatch(/&SDK=IoTDeviceSDK\/JS&/);
        expect(withMetrics.username).toMatch(/&Platform=/);
        expect(withMetrics.password!.toString()).toBe(SIGNED.password);
        expect(withMetrics.keepAlive).toBe(iot.DEFAULT_IOT_KEEP_ALIVE_SECONDS);
        expect(without.username).toBe(UNSIGNED_USERNAME);
        expect(without.password!.toString()).toBe(UNSIGNED.password);
    });

    it('MQTT 3.1.1: the same &SDK=... after the composed username, over TLS with ALPN mqtt', async () => {
        const tap = onCleanup(await startConnectTap(brokerPort()), (t) => t.close());
        const front = onCleanup(await startAlpnTlsTerminator({ material: m, requiredAlpn: 'mqtt', targetPort: tap.port }), (t) =>
            t.close(),
        );
        await connects311(custom311(iot.AwsIotMqttConnectionConfigBuilder.new_default_builder(), SIGNED, front.port));
        const [connect] = tap.connects;
        expect(connect.username!.startsWith(`${SIGNED_USERNAME}&SDK=IoTDeviceSDK/JS&`)).toBe(true);
        expect(connect.username).toMatch(/IoTSDKFeature=F\/3,G\/A;/);
        expect(connect.password!.toString()).toBe(SIGNED.password);
    });

    it('without a username the metrics start the query string (?SDK=)', async () => {
        const tap = onCleanup(await startConnectTap(brokerPort()), (t) => t.close());
        const front = onCleanup(
            await startAlpnTlsTerminator({
                material: m,
                requiredAlpn: 'x-amzn-mqtt-ca',
                targetPort: tap.port,
                requireCertificate: true,
            }),
            (t) => t.close(),
        );
        await connects(
            Mqtt5ClientBuilder.createMqtt5ClientBuilderWithMtlsFromPath('localhost', m.client.cert.path, m.client.key.path)
                .withPort(front.port)
                .withCertificateAuthority(m.ca.cert.pem)
                .build(),
        );
        expect(tap.connects[0].username).toMatch(/^\?SDK=IoTDeviceSDK\/JS&Platform=/);
    });
});
