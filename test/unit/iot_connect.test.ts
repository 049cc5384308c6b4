// One path to AWS IoT Core: aws-crt's config builder, the C++ SDK's builder and the command-line
// tool get port, ALPN, custom-auth username and websocket signing from awsIotConnection(), so the
// same connection method gives the same answer whichever shape asks.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { auth, io, iot, Mqtt5ClientBuilder, WebsocketConfig } from '../../dist/index.js';
import { awsIotConnection, iotDefaultPort } from '../../dist/iot_connect.js';
import { makeTlsMaterial } from '../helpers/tls';

const ENDPOINT = 'abc-ats.iot.eu-west-1.amazonaws.com';
const material = makeTlsMaterial();
afterAll(() => material.cleanup());
const cert = material.client.cert.path;
const key = material.client.key.path;
const customAuth = { authorizerName: 'authz', username: 'user', password: 'pw' };
const CUSTOM_AUTH_USERNAME = 'user?x-amz-customauthorizer-name=authz';

/** The CLI's "connecting to ..." line (-d), against a port where nothing listens. */
function cliAttempt(args: string[]): string {
    const cli = path.resolve(__dirname, '../../bin/mqtt5-crt.mjs');
    const r = spawnSync(process.execPath, [cli, 'pub', '-t', 't', '-m', 'x', '-d', ...args], {
        encoding: 'utf8',
        timeout: 20_000,
        env: { ...process.env, MQTT5_CRT_LOG_LEVEL: '' },
    });
    const line = /connecting to (.*)/.exec(r.stderr);
    expect(line, r.stderr).not.toBeNull();
    return line![1];
}

describe('awsIotConnection: the rules', () => {
    it('default ports: 8883 TLS, 443 custom authorizer and wss, 80 ws, 1883 plain; an explicit port wins', () => {
        const tls = new io.TlsContextOptions();
        expect(iotDefaultPort({ tls, mtls: true })).toBe(8883);
        expect(iotDefaultPort({ tls, customAuth })).toBe(443);
        expect(iotDefaultPort({ tls, websocket: true })).toBe(443);
        expect(iotDefaultPort({ websocket: true })).toBe(80);
        expect(iotDefaultPort({})).toBe(1883);
        expect(awsIotConnection(ENDPOINT, { tls: new io.TlsContextOptions(), port: 9000 }).port).toBe(9000);
    });

    it('ALPN: mqtt for a custom authorizer over TLS, x-amzn-mqtt-ca for mTLS, none over websockets, a given list kept', () => {
        const mtls = () => io.TlsContextOptions.create_client_with_mtls_from_path(cert, key);
        expect(awsIotConnection(ENDPOINT, { tls: new io.TlsContextOptions(), customAuth }).alpn).toEqual(['mqtt']);
        expect(awsIotConnection(ENDPOINT, { tls: mtls(), mtls: true }).alpn).toEqual(
            io.is_alpn_available() ? ['x-amzn-mqtt-ca'] : [],
        );
        expect(awsIotConnection(ENDPOINT, { tls: new io.TlsContextOptions(), websocket: true, customAuth }).alpn).toEqual([]);
        const given = new io.TlsContextOptions();
        given.alpn_list = ['h2'];
        expect(awsIotConnection(ENDPOINT, { tls: given, customAuth }).alpn).toEqual(['h2']);
    });

    it('custom auth fills in a copy of CONNECT; websockets get a transform; SigV4 needs a region', () => {
        const connect = { keepAliveIntervalSeconds: 30 };
        const c = awsIotConnection(ENDPOINT, { customAuth }, connect);
        expect(c.connectProperties).toEqual({ keepAliveIntervalSeconds: 30, username: CUSTOM_AUTH_USERNAME, password: 'pw' });
        expect(connect).toEqual({ keepAliveIntervalSeconds: 30 });
        expect(awsIotConnection(ENDPOINT, { customAuth }).connectProperties?.keepAliveIntervalSeconds).toBe(1200);
        expect(awsIotConnection(ENDPOINT, {}).connectProperties).toBeUndefined();
        expect(typeof awsIotConnection(ENDPOINT, { websocket: true }).websocketHandshakeTransform).toBe('function');
        expect(awsIotConnection(ENDPOINT, {}).websocketHandshakeTransform).toBeUndefined();
        const provider = auth.AwsCredentialsProvider.newStatic('AKID', 'SECRET');
        expect(() => awsIotConnection('localhost', { sigv4: { credentialsProvider: provider } })).toThrow(
            new TypeError('SigV4 websockets need a signing region (none given or found in the endpoint)'),
        );
        expect(typeof awsIotConnection(ENDPOINT, { sigv4: { credentialsProvider: provider } }).websocketHandshakeTransform).toBe(
            'function',
        );
    });
});

describe('the three callers agree', () => {
    it('custom authorizer over TLS: port 443, ALPN mqtt, the same username', () => {
        const crt = iot.AwsIotMqtt5ClientConfigBuilder.newDirectMqttBuilderWithCustomAuth(ENDPOINT, customAuth).build();
        const cpp = Mqtt5ClientBuilder.createMqtt5ClientBuilderWithCustomAuthorizer(ENDPOINT, customAuth).buildConfig();
        for (const config of [crt, cpp]) {
            expect(config.port).toBe(443);
            expect(config.connectProperties?.username).toBe(CUSTOM_AUTH_USERNAME);
            expect(config.connectProperties?.password).toBe('pw');
            expect(config.tlsCtx).toBeInstanceOf(io.ClientTlsContext);
        }
        const line = cliAttempt([
            '-h',
            '127.0.0.1',
            '--custom-auth-name',
            'authz',
            '--custom-auth-username',
            'user',
            '--custom-auth-password',
            'pw',
        ]);
        expect(line).toMatch(/^mqtts:\/\/127\.0\.0\.1:443 \(ALPN mqtt\)/);
    });

    it('mTLS: port 8883 from every shape; the CLI offers x-amzn-mqtt-ca only to AWS hosts', () => {
        const crt = iot.AwsIotMqtt5ClientConfigBuilder.newDirectMqttBuilderWithMtlsFromPath(ENDPOINT, cert, key).build();
        const cpp = Mqtt5ClientBuilder.createMqtt5ClientBuilderWithMtlsFromPath(ENDPOINT, cert, key).buildConfig();
        expect([crt.port, cpp.port]).toEqual([8883, 8883]);
        expect(cliAttempt(['-h', '127.0.0.1', '--cert', cert, '--key', key])).toMatch(
            /^mqtts:\/\/127\.0\.0\.1:8883, metrics off$/,
        );
    });

    it('websockets: port 443 over TLS with a transform; the CLI uses 443 for wss and 80 for ws', () => {
        const provider = auth.AwsCredentialsProvider.newStatic('AKID', 'SECRET');
        const crt = iot.AwsIotMqtt5ClientConfigBuilder.newWebsocketMqttBuilderWithSigv4Auth(ENDPOINT, {
            credentialsProvider: provider,
        }).build();
        const cpp = Mqtt5ClientBuilder.createMqtt5ClientBuilderWithWebsocket(
            ENDPOINT,
            new WebsocketConfig(undefined, provider),
        ).buildConfig();
        for (const config of [crt, cpp]) {
            expect(config.port).toBe(443);
            expect(typeof config.websocketHandshakeTransform).toBe('function');
        }
        expect(cliAttempt(['-h', '127.0.0.1', '--ws', '--tls'])).toMatch(/^wss:\/\/127\.0\.0\.1:443/);
        expect(cliAttempt(['-h', '127.0.0.1', '--ws'])).toMatch(/^ws:\/\/127\.0\.0\.1:80/);
    });
});
