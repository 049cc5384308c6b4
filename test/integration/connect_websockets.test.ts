// MQTT over websockets, against local servers: a JS handshake transform, and SigV4 presigning with
// every credentials provider, verified independently by a websocket gateway.
import fs from 'node:fs';
import type { IncomingMessage } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auth, CrtError, http, iot, Mqtt5Client, Mqtt5ClientBuilder, WebsocketConfig } from '../../dist/index.js';
import { brokerPort, once } from '../helpers/client';
import { verifyPresignedUrl, type SigV4Credentials, type SigV4Result } from '../helpers/sigv4';
import { makeTlsMaterial, type TlsMaterial } from '../helpers/tls';
import { startWsGateway, type WsGateway } from '../helpers/ws_gateway';
import {
    closeTrackedAfterEach,
    connects,
    firstAttempt,
    NO_QUICK_RETRY,
    onCleanup,
    roundTrip,
    sleep,
    tlsConfig,
    tlsOptions,
    track,
} from '../helpers/connect';

closeTrackedAfterEach();

let m: TlsMaterial;
beforeAll(() => {
    m = makeTlsMaterial();
});
afterAll(() => m?.cleanup());

// ---------------------------------------------------------------------------------------------

describe('websockets', () => {
    it('plain ws: a JS transform adds a header the gateway sees; path /mqtt, subprotocol mqtt; data flows', async () => {
        const g = onCleanup(await startWsGateway({ targetPort: brokerPort() }), (x) => x.close());
        const seen: Array<{ method: string; path: string; headers: Array<[string, string]> }> = [];
        const client = await connects({
            hostName: '127.0.0.1',
            port: g.port,
            connectProperties: { keepAliveIntervalSeconds: 60 },
            websocketHandshakeTransform: (request, done) => {
                seen.push({ method: request.method, path: request.path, headers: [...request.headers] });
                request.headers.add('X-Mqtt5-Crt-Test', 'transformed');
                done();
            },
        });
        await roundTrip(client);
        expect(seen).toHaveLength(1);
        expect(seen[0].method).toBe('GET');
        expect(seen[0].path).toBe('/mqtt');
        expect(new http.HttpHeaders(seen[0].headers).get('sec-websocket-protocol')).toBe('mqtt');
        expect(g.upgrades).toHaveLength(1);
        expect(g.upgrades[0].url).toBe('/mqtt');
        expect(g.upgrades[0].protocols).toEqual(['mqtt']);
        expect(g.upgrades[0].headers['x-mqtt5-crt-test']).toBe('transformed');
        expect(g.bytesToBroker).toBeGreaterThan(0);
        expect(g.textFrames).toBe(0);
    });

    it('wss: TLS to the gateway with the test CA; the transform may change the path', async () => {
        const g = onCleanup(
            await startWsGateway({ targetPort: brokerPort(), tls: { cert: m.server.cert.pem, key: m.server.key.pem } }),
            (x) => x.close(),
        );
        const client = await connects(
            tlsConfig(
                g.port,
                tlsOptions((o) => (o.certificate_authority = m.ca.cert.pem)),
                {
                    websocketHandshakeTransform: (request, done) => {
                        request.path = '/mqtt?custom=1';
                        done();
                    },
                },
            ),
        );
        await roundTrip(client);
        expect(g.url).toMatch(/^wss:/);
        expect(g.upgrades.map((u) => u.url)).toEqual(['/mqtt?custom=1']);
    });

    it('a transform calling done(errorCode) fails the attempt with that CrtError, and the client retries', async () => {
        const g = onCleanup(await startWsGateway({ targetPort: brokerPort() }), (x) => x.close());
        const HTTP_CALLBACK_FAILURE = 2064;
        let calls = 0;
        const client = track(
            new Mqtt5Client({
                hostName: '127.0.0.1',
                port: g.port,
                minReconnectDelayMs: 50,
                maxReconnectDelayMs: 100,
                connectProperties: { keepAliveIntervalSeconds: 60 },
                websocketHandshakeTransform: (_request, done) => {
                    calls++;
                    if (calls <= 2)
                        setTimeout(() => done(HTTP_CALLBACK_FAILURE), 5); // async: done() later is fine
                    else done();
                },
            }),
        );
        const failures: CrtError[] = [];
        client.on('connectionFailure', ({ error }) => failures.push(error));
        const connected = once(client, 'connectionSuccess');
        client.start();
        await connected;
        expect(failures).toHaveLength(2);
        for (const e of failures) {
            expect(e).toBeInstanceOf(CrtError);
            expect(e.code).toBe('AWS_ERROR_HTTP_CALLBACK_FAILURE');
            expect(e.errorCode).toBe(HTTP_CALLBACK_FAILURE);
        }
        expect(calls).toBe(3);
        expect(g.upgrades).toHaveLength(1); // the failed handshakes were never sent
        expect(g.rejections).toHaveLength(0);
    });
});

// ---------------------------------------------------------------------------------------------

describe('websockets with SigV4 (verified by the gateway)', () => {
    const SERVICE = 'iotdevicegateway';
    let g: WsGateway;
    /** What the gateway expects, by access key id. */
    const expected = new Map<string, { creds: SigV4Credentials; region: string; sessionTokenMode?: 'signed' | 'unsigned' }>();
    const verified: Array<{ accessKeyId: string; url: string; result: SigV4Result }> = [];

    const verify = (req: IncomingMessage): string | undefined => {
        const credential = new URL(req.url ?? '/', 'https://gateway').searchParams.get('X-Amz-Credential') ?? '';
        const accessKeyId = credential.split('/')[0];
        const e = expected.get(accessKeyId);
        if (!e) return `unknown access key id "${accessKeyId}"`;
        const result = verifyPresignedUrl({ method: req.method!, url: req.url!, headers: req.headers }, e.creds, {
            region: e.region,
            service: SERVICE,
            sessionTokenMode: e.sessionTokenMode,
        });
        verified.push({ accessKeyId, url: req.url!, result });
        return result.ok ? undefined : result.reason;
    };
    const results = (accessKeyId: string) => verified.filter((v) => v.accessKeyId === accessKeyId).map((v) => v.result);

    beforeAll(async () => {
        g = await startWsGateway({
            targetPort: brokerPort(),
            tls: { cert: m.server.cert.pem, key: m.server.key.pem },
            path: '/mqtt',
            verify,
        });
    });
    afterAll(() => g?.close());

    /** aws-crt shape: newWebsocketMqttBuilderWithSigv4Auth against the gateway. */
    const awsCrtConfig = (provider: auth.AwsCredentialsProvider, region: string) =>
        iot.AwsIotMqtt5ClientConfigBuilder.newWebsocketMqttBuilderWithSigv4Auth('localhost', {
            region,
            credentialsProvider: provider,
        })
            .withPort(g.port)
            .withCertificateAuthority(m.ca.cert.pem)
            .build();

    it('static credentials, aws-crt builder: presigned handshake accepted; getCredentials() resolves', async () => {
        const creds = { accessKeyId: 'AKIDSTATICAWSCRT', secretAccessKey: 'static/secret+key=1' };
        expected.set(creds.accessKeyId, { creds, region: 'eu-west-3' });
        const provider = auth.AwsCredentialsProvider.newStatic(creds.accessKeyId, creds.secretAccessKey);
        expect(await provider.getCredentials()).toMatchObject(creds);
        const client = await connects(awsCrtConfig(provider, 'eu-west-3'));
        await roundTrip(client);
        const [r] = results(creds.accessKeyId);
        expect(r.ok).toBe(true);
        expect(r.details).toMatchObject({ region: 'eu-west-3', service: SERVICE, sessionTokenPresent: false });
        expect(r.details.signedHeaders).toContain('host');
        expect(verified.find((v) => v.accessKeyId === creds.accessKeyId)!.url).toMatch(/^\/mqtt\?/);
    });

    it('static credentials, C++ builder with WebsocketConfig(region, provider)', async () => {
        const creds = { accessKeyId: 'AKIDSTATICCPP', secretAccessKey: 'cpp-secret' };
        expected.set(creds.accessKeyId, { creds, region: 'ap-southeast-2' });
        const provider = auth.AwsCredentialsProvider.newStatic(creds.accessKeyId, creds.secretAccessKey);
        await connects(
            Mqtt5ClientBuilder.createMqtt5ClientBuilderWithWebsocket('localhost', new WebsocketConfig('ap-southeast-2', provider))
                .withPort(g.port)
                .withCertificateAuthority(m.ca.cert.path)
                .build(),
        );
        expect(results(creds.accessKeyId).map((r) => r.ok)).toEqual([true]);
    });

    it('the signing region is parsed from an IoT endpoint when not given', async () => {
        expect(iot.regionFromEndpoint('abc123-ats.iot.us-east-1.amazonaws.com')).toBe('us-east-1');
        expect(iot.regionFromEndpoint('abc123-ats.iot.cn-north-1.amazonaws.com.cn')).toBe('cn-north-1');
        expect(iot.regionFromEndpoint('localhost')).toBeUndefined();
        expect(() => iot.AwsIotMqtt5ClientConfigBuilder.newWebsocketMqttBuilderWithSigv4Auth('localhost', {})).toThrow(/region/);
        // End to end: the region comes from the endpoint the builder was given; only the host to
        // dial is then pointed at the local gateway.
        const creds = { accessKeyId: 'AKIDENDPOINTREGION', secretAccessKey: 'endpoint-secret' };
        expected.set(creds.accessKeyId, { creds, region: 'eu-central-1' });
        const config = iot.AwsIotMqtt5ClientConfigBuilder.newWebsocketMqttBuilderWithSigv4Auth(
            'abc123-ats.iot.eu-central-1.amazonaws.com',
            {
                credentialsProvider: auth.AwsCredentialsProvider.newStatic(creds.accessKeyId, creds.secretAccessKey),
            },
        )
            .withPort(g.port)
            .withCertificateAuthority(m.ca.cert.pem)
            .build();
        expect(config.port).toBe(g.port);
        await connects({ ...config, hostName: 'localhost' });
        expect(results(creds.accessKeyId).map((r) => [r.ok, r.details.region])).toEqual([[true, 'eu-central-1']]);
        // C++ shape: WebsocketConfig without a region.
        const cppConfig = Mqtt5ClientBuilder.createMqtt5ClientBuilderWithWebsocket(
            'abc123-ats.iot.eu-central-1.amazonaws.com',
            new WebsocketConfig(undefined, auth.AwsCredentialsProvider.newStatic(creds.accessKeyId, creds.secretAccessKey)),
        )
            .withPort(g.port)
            .withCertificateAuthority(m.ca.cert.pem)
            .buildConfig();
        await connects({ ...cppConfig, hostName: 'localhost' });
        expect(results(creds.accessKeyId).map((r) => [r.ok, r.details.region])).toEqual([
            [true, 'eu-central-1'],
            [true, 'eu-central-1'],
        ]);
        expect(() =>
            Mqtt5ClientBuilder.createMqtt5ClientBuilderWithWebsocket('localhost', new WebsocketConfig()).buildConfig(),
        ).toThrow(/region/);
    });

    it('a WRONG secret is refused by the gateway: connectionFailure with a CrtError, no hang', async () => {
        const creds = { accessKeyId: 'AKIDWRONGSECRET', secretAccessKey: 'the-real-secret' };
        expected.set(creds.accessKeyId, { creds, region: 'us-west-2' });
        const provider = auth.AwsCredentialsProvider.newStatic(creds.accessKeyId, 'not-the-secret');
        const r = await firstAttempt(new Mqtt5Client({ ...awsCrtConfig(provider, 'us-west-2'), ...NO_QUICK_RETRY }));
        expect(r.ok).toBe(false);
        expect(r.error).toBeInstanceOf(CrtError);
        expect(r.error!.code).toBe('AWS_ERROR_HTTP_WEBSOCKET_UPGRADE_FAILURE');
        expect(r.ms).toBeLessThan(5000);
        expect(results(creds.accessKeyId).map((x) => x.ok)).toEqual([false]);
        expect(g.rejections.at(-1)).toMatchObject({ status: 401 });
        expect(g.rejections.at(-1)!.reason).toMatch(/signature mismatch/);
    });

    it('a session token is appended after signing (X-Amz-Security-Token present, unsigned)', async () => {
        const creds = { accessKeyId: 'AKIDSESSION', secretAccessKey: 'session-secret', sessionToken: 'FwoGZXIvYXdzE+/token==' };
        expected.set(creds.accessKeyId, { creds, region: 'us-east-2', sessionTokenMode: 'unsigned' });
        const provider = auth.AwsCredentialsProvider.newStatic(creds.accessKeyId, creds.secretAccessKey, creds.sessionToken);
        expect(await provider.getCredentials()).toMatchObject(creds);
        await connects(
            Mqtt5ClientBuilder.newMqtt5ClientBuilderWithWebsocket('localhost', new WebsocketConfig('us-east-2', provider))
                .withPort(g.port)
                .withCertificateAuthority(m.ca.cert.pem)
                .build(),
        );
        const [r] = results(creds.accessKeyId);
        expect(r.ok).toBe(true);
        expect(r.details.sessionTokenPresent).toBe(true);
        expect(r.details.sessionTokenSigned).toBe(false);
        const url = verified.find((v) => v.accessKeyId === creds.accessKeyId)!.url;
        expect(new URL(url, 'https://x').searchParams.get('X-Amz-Security-Token')).toBe(creds.sessionToken);
    });

    it('a delegate provider (a JS function, sync and async, camelCase and snake_case)', async () => {
        const creds = { accessKeyId: 'AKIDDELEGATESYNC', secretAccessKey: 'delegate-sync' };
        expected.set(creds.accessKeyId, { creds, region: 'sa-east-1' });
        let syncCalls = 0;
        const sync = auth.AwsCredentialsProvider.newDelegate(() => {
            syncCalls++;
            return { ...creds };
        });
        expect(await sync.getCredentials()).toMatchObject(creds);
        await connects(awsCrtConfig(sync, 'sa-east-1'));
        expect(syncCalls).toBeGreaterThanOrEqual(2);

        const acreds = { accessKeyId: 'AKIDDELEGATEASYNC', secretAccessKey: 'delegate-async', sessionToken: 'delegate-token' };
        expected.set(acreds.accessKeyId, { creds: acreds, region: 'sa-east-1', sessionTokenMode: 'unsigned' });
        let asyncCalls = 0;
        const asyncProvider = auth.AwsCredentialsProvider.newDelegate(async () => {
            asyncCalls++;
            await sleep(20);
            return {
                aws_access_key_id: acreds.accessKeyId,
                aws_secret_access_key: acreds.secretAccessKey,
                aws_session_token: acreds.sessionToken,
            };
        });
        expect(await asyncProvider.getCredentials()).toMatchObject(acreds);
        await connects(
            Mqtt5ClientBuilder.createMqtt5ClientBuilderWithWebsocket('localhost', new WebsocketConfig('sa-east-1', asyncProvider))
                .withPort(g.port)
                .withCertificateAuthority(m.ca.cert.pem)
                .build(),
        );
        expect(asyncCalls).toBeGreaterThanOrEqual(2);
        expect(results(creds.accessKeyId).map((r) => r.ok)).toEqual([true]);
        expect(results(acreds.accessKeyId).map((r) => r.ok)).toEqual([true]);

        // Cached over a delegate: one call serves both getCredentials() and the handshake.
        const ccreds = { accessKeyId: 'AKIDCACHED', secretAccessKey: 'cached-secret' };
        expected.set(ccreds.accessKeyId, { creds: ccreds, region: 'sa-east-1' });
        let cachedCalls = 0;
        const cached = auth.AwsCredentialsProvider.newCached(
            auth.AwsCredentialsProvider.newDelegate(() => {
                cachedCalls++;
                return ccreds;
            }),
            60_000,
        );
        expect(await cached.getCredentials()).toMatchObject(ccreds);
        await connects(awsCrtConfig(cached, 'sa-east-1'));
        expect(cachedCalls).toBe(1);
        expect(results(ccreds.accessKeyId).map((r) => r.ok)).toEqual([true]);
    });

    it('newEnvironment(): AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY from process.env', async () => {
        const creds = { accessKeyId: 'AKIDENVIRONMENT', secretAccessKey: 'env/secret' };
        expected.set(creds.accessKeyId, { creds, region: 'ca-central-1' });
        const saved = {
            id: process.env.AWS_ACCESS_KEY_ID,
            secret: process.env.AWS_SECRET_ACCESS_KEY,
            token: process.env.AWS_SESSION_TOKEN,
        };
        const restore = (name: string, value: string | undefined) =>
            value === undefined ? delete process.env[name] : (process.env[name] = value);
        try {
            process.env.AWS_ACCESS_KEY_ID = creds.accessKeyId;
            process.env.AWS_SECRET_ACCESS_KEY = creds.secretAccessKey;
            delete process.env.AWS_SESSION_TOKEN;
            const provider = auth.AwsCredentialsProvider.newEnvironment();
            expect(await provider.getCredentials()).toMatchObject(creds);
            await connects(awsCrtConfig(provider, 'ca-central-1'));
            // The default chain starts with the environment too.
            expect(await auth.AwsCredentialsProvider.newDefault().getCredentials()).toMatchObject(creds);
        } finally {
            restore('AWS_ACCESS_KEY_ID', saved.id);
            restore('AWS_SECRET_ACCESS_KEY', saved.secret);
            restore('AWS_SESSION_TOKEN', saved.token);
        }
        expect(results(creds.accessKeyId).map((r) => r.ok)).toEqual([true]);
    });

    it('newProfile({credentialsFile, configFile, profileName}) with temp files', async () => {
        const dir = onCleanup(fs.mkdtempSync(path.join(os.tmpdir(), 'mqtt5-crt-aws-')), (d) =>
            fs.rmSync(d, { recursive: true, force: true }),
        );
        const credentialsFile = path.join(dir, 'credentials');
        const configFile = path.join(dir, 'config');
        const creds = { accessKeyId: 'AKIDPROFILE', secretAccessKey: 'profile+secret/key', sessionToken: 'profile-token' };
        fs.writeFileSync(
            credentialsFile,
            [
                '[default]',
                'aws_access_key_id = AKIDNOTTHISONE',
                'aws_secret_access_key = not-this-one',
                '',
                '[iot-test]',
                `aws_access_key_id = ${creds.accessKeyId}`,
                `aws_secret_access_key = ${creds.secretAccessKey}`,
                `aws_session_token = ${creds.sessionToken}`,
                '',
            ].join('\n'),
        );
        fs.writeFileSync(configFile, '[default]\nregion = us-east-1\n\n[profile iot-test]\nregion = eu-north-1\n');
        expected.set(creds.accessKeyId, { creds, region: 'eu-north-1', sessionTokenMode: 'unsigned' });
        const provider = auth.AwsCredentialsProvider.newProfile({ credentialsFile, configFile, profileName: 'iot-test' });
        expect(await provider.getCredentials()).toMatchObject(creds);
        await connects(awsCrtConfig(provider, 'eu-north-1'));
        expect(results(creds.accessKeyId).map((r) => r.ok)).toEqual([true]);
    });
});
