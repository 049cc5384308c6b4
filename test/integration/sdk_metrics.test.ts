// SDK metrics in the CONNECT username (issue 17; the MQTT 3.1.1 connection and the IoT builders'
// SDK identity, issue 20): the same suffix aws-crt 1.33 sends for the same config — library name
// IoTDeviceSDK/JS and Metadata=(CRTVersion=...;IoTSDKFeature=...;IoTSDKMetricsVersion=1) with the
// features it encodes — read off the wire by a TCP tap in front of the broker, aws-crt itself
// running in a child process. Only CRTVersion differs (each library sends its own version).
import { createRequire } from 'node:module';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
    ClientOperationQueueBehavior,
    ClientSessionBehavior,
    InboundTopicAliasBehaviorType,
    io,
    iot,
    Mqtt5Client,
    mqtt,
    OutboundTopicAliasBehaviorType,
    RetryJitterType,
} from '../../dist/index.js';
import { runNode } from '../helpers/child';
import { brokerPort, once } from '../helpers/client';
import { startConnectTap, type Tap } from '../helpers/connect';

const taps: Tap[] = [];
afterAll(async () => {
    for (const t of taps) await t.close();
});

/** The config both libraries get, as JSON (enums as numbers). */
function config(port: number, clientId: string, extra: object = {}) {
    return {
        hostName: '127.0.0.1',
        port,
        connectProperties: { keepAliveIntervalSeconds: 60, clientId, username: 'device-user' },
        retryJitterMode: RetryJitterType.Decorrelated,
        sessionBehavior: ClientSessionBehavior.Clean,
        offlineQueueBehavior: ClientOperationQueueBehavior.FailAllOnDisconnect,
        topicAliasingOptions: {
            outboundBehavior: OutboundTopicAliasBehaviorType.LRU,
            inboundBehavior: InboundTopicAliasBehaviorType.Enabled,
        },
        ...extra,
    };
}

async function oursConnects(cfg: object): Promise<void> {
    const client = new Mqtt5Client(cfg as never);
    const ok = once(client, 'connectionSuccess');
    client.start();
    await ok;
    const stopped = once(client, 'stopped');
    client.stop();
    await stopped;
    client.close();
}

const awsCrtDir = JSON.stringify(path.resolve(__dirname, '../../node_modules/aws-crt'));

async function awsCrtConnects(cfg: object): Promise<void> {
    const r = await runNode(
        `const { mqtt5 } = require(${awsCrtDir});
        const client = new mqtt5.Mqtt5Client(${JSON.stringify(cfg)});
        client.on('connectionSuccess', () => client.stop());
        client.on('connectionFailure', (e) => { console.error(String(e.error)); process.exit(1); });
        client.on('stopped', () => { client.close(); process.exit(0); });
        client.start();`,
        { timeoutMs: 20_000 },
    );
    expect(r.code, r.stderr).toBe(0);
}

const crtVersion = (username: string) => username.replace(/CRTVersion=[^;)]*/, 'CRTVersion=<version>');

describe('SDK metrics in the username', () => {
    it('the same suffix as aws-crt 1.33 for the same config (features, library name, metadata)', async () => {
        const tap = await startConnectTap(brokerPort());
        taps.push(tap);
        await oursConnects(config(tap.port, 'metrics-ours'));
        await awsCrtConnects(config(tap.port, 'metrics-theirs'));
        const [ours, theirs] = tap.connects.map((c) => c.username ?? '');
        expect(theirs).toContain('device-user?SDK=IoTDeviceSDK/JS');
        expect(theirs).toMatch(/Metadata=\(CRTVersion=[^;]+;IoTSDKFeature=[^;]+;IoTSDKMetricsVersion=1\)/);
        expect(crtVersion(ours)).toBe(crtVersion(theirs));
        expect(ours).toMatch(/IoTSDKFeature=A\/C,B\/A,C\/C,D\/B,E\/A,F\/5,G\/A/);
    });

    it('user metadata and library name are merged as aws-crt merges them', async () => {
        const tap = await startConnectTap(brokerPort());
        taps.push(tap);
        const metrics = {
            libraryName: 'MyApp/2',
            metadata: [
                ['Team', 'blue'],
                ['IoTSDKFeature', 'Z/1'],
                ['IoTSDKMetricsVersion', '1'],
            ],
        };
        await oursConnects(config(tap.port, 'metrics-ours-2', { metrics }));
        await awsCrtConnects(config(tap.port, 'metrics-theirs-2', { metrics }));
        const [ours, theirs] = tap.connects.map((c) => c.username ?? '');
        expect(theirs).toContain('SDK=MyApp/2');
        expect(crtVersion(ours)).toBe(crtVersion(theirs));
    });

    it('disableMetrics: the username goes as given', async () => {
        const tap = await startConnectTap(brokerPort());
        taps.push(tap);
        await oursConnects(config(tap.port, 'metrics-off', { disableMetrics: true }));
        expect(tap.connects[0].username).toBe('device-user');
    });
});

// ---- MQTT 3.1.1 ----------------------------------------------------------------------------------

/** A 3.1.1 config both libraries get as JSON (each adds its own io.SocketOptions). */
function config311(port: number, client_id: string, extra: object = {}) {
    return { client_id, host_name: '127.0.0.1', port, username: 'device-user', clean_session: true, keep_alive: 60, ...extra };
}

async function ours311Connects(cfg: object): Promise<void> {
    const socket_options = new io.SocketOptions(io.SocketType.STREAM, io.SocketDomain.IPV4, 10_000);
    const connection = new mqtt.MqttClient().new_connection({ ...cfg, socket_options } as mqtt.MqttConnectionConfig);
    await connection.connect();
    await connection.disconnect();
}

/** aws-crt connects with `cfg` (a JS expression), after running `setup` (JS statements). */
async function awsCrt311Connects(cfg: string, setup = ''): Promise<void> {
    const r = await runNode(
        `const { io, iot, mqtt } = require(${awsCrtDir});
        ${setup}
        const socket_options = new io.SocketOptions(io.SocketType.STREAM, io.SocketDomain.IPV4, 10000);
        const connection = new mqtt.MqttClient().new_connection({ ...${cfg}, socket_options });
        connection.connect().then(() => connection.disconnect()).then(
            () => process.exit(0),
            (e) => { console.error(String(e)); process.exit(1); });`,
        { timeoutMs: 20_000 },
    );
    expect(r.code, r.stderr).toBe(0);
}

async function tap311(): Promise<Tap> {
    const tap = await startConnectTap(brokerPort());
    taps.push(tap);
    return tap;
}

describe('SDK metrics in the MQTT 3.1.1 username', () => {
    it('the same suffix as aws-crt 1.33: protocol 3 and the socket kind, with and without a username', async () => {
        const tap = await tap311();
        await ours311Connects(config311(tap.port, 'm311-ours'));
        await awsCrt311Connects(JSON.stringify(config311(tap.port, 'm311-theirs')));
        await ours311Connects(config311(tap.port, 'm311-ours-anon', { username: undefined }));
        await awsCrt311Connects(JSON.stringify(config311(tap.port, 'm311-theirs-anon', { username: undefined })));
        const [ours, theirs, oursAnon, theirsAnon] = tap.connects.map((c) => c.username ?? '');
        expect(theirs).toMatch(/^device-user\?SDK=IoTDeviceSDK\/JS&/);
        expect(theirs).toMatch(/Metadata=\(CRTVersion=[^;]+;IoTSDKFeature=F\/3,G\/A;IoTSDKMetricsVersion=1\)/);
        expect(crtVersion(ours)).toBe(crtVersion(theirs));
        // No username: the metrics alone, as aws-c-mqtt sends them.
        expect(theirsAnon).toMatch(/^\?SDK=IoTDeviceSDK\/JS&/);
        expect(crtVersion(oursAnon)).toBe(crtVersion(theirsAnon));
    });

    it('user metadata and library name are merged as aws-crt merges them', async () => {
        const tap = await tap311();
        const metrics = {
            libraryName: 'MyApp/3',
            metadata: [
                ['Team', 'green'],
                ['IoTSDKFeature', 'Z/1,F/9'],
                ['IoTSDKMetricsVersion', '1'],
            ],
        };
        await ours311Connects(config311(tap.port, 'm311-ours-2', { metrics }));
        await awsCrt311Connects(JSON.stringify(config311(tap.port, 'm311-theirs-2', { metrics })));
        const [ours, theirs] = tap.connects.map((c) => c.username ?? '');
        expect(theirs).toContain('SDK=MyApp/3');
        expect(theirs).toContain('IoTSDKFeature=F/9,G/A,Z/1');
        expect(crtVersion(ours)).toBe(crtVersion(theirs));
    });

    it('disable_metrics: the username goes as given, or not at all', async () => {
        const tap = await tap311();
        await ours311Connects(config311(tap.port, 'm311-off', { disable_metrics: true }));
        await ours311Connects(config311(tap.port, 'm311-off-anon', { disable_metrics: true, username: undefined }));
        expect(tap.connects.map((c) => c.username)).toEqual(['device-user', undefined]);
        const socket_options = new io.SocketOptions();
        expect(() =>
            new mqtt.MqttClient().new_connection({ ...config311(1883, 'x'), socket_options, disable_metrics: 'yes' as never }),
        ).toThrow(/config\.disable_metrics must be a boolean/);
        expect(() =>
            new mqtt.MqttClient().new_connection({ ...config311(1883, 'x'), socket_options, metrics: { metadata: 7 } as never }),
        ).toThrow(/config\.metrics\.metadata/);
    });
});

describe("the IoT builders add the SDK's identity from its registered metrics factory", () => {
    // What aws-iot-device-sdk-v2 registers at load (its version and metrics version); a stand-in here,
    // the SDK itself in sdk.test.ts.
    const factory = () => ({
        libraryName: 'IoTDeviceSDK/JS',
        metadata: [
            ['IoTSDKVersion', '9.8.7'],
            ['IoTSDKMetricsVersion', '1'],
        ],
    });
    const require = createRequire(import.meta.url);
    const ourMetrics = require('../../dist/compat/aws_iot_metrics.js');

    it("3.1.1 and MQTT 5 builders: config.metrics is the factory's; its version reaches the username as with aws-crt", async () => {
        ourMetrics._setSdkMetricsFactory(factory);
        try {
            const built = iot.AwsIotMqttConnectionConfigBuilder.new_default_builder()
                .with_endpoint('127.0.0.1')
                .with_client_id('m311-builder-ours')
                .build();
            expect(built.metrics).toEqual({
                libraryName: 'IoTDeviceSDK/JS',
                metadata: [
                    ['IoTSDKVersion', '9.8.7'],
                    ['IoTSDKMetricsVersion', '1'],
                ],
            });
            const built5 = iot.AwsIotMqtt5ClientConfigBuilder.newDirectMqttBuilderWithCustomAuth('127.0.0.1', {
                username: 'u',
            }).build();
            expect(built5.metrics).toEqual(built.metrics);

            // On the wire, without the builder's TLS (the tap reads plain MQTT): the same as aws-crt's.
            const tap = await tap311();
            const plain = { username: 'device-user', port: tap.port, host_name: '127.0.0.1', tls_ctx: undefined };
            await ours311Connects({ ...built, ...plain });
            await awsCrt311Connects(
                `{ ...iot.AwsIotMqttConnectionConfigBuilder.new_default_builder().with_endpoint('127.0.0.1')
                    .with_client_id('m311-builder-theirs').build(), ...${JSON.stringify(plain)}, tls_ctx: undefined }`,
                `require(${JSON.stringify(path.resolve(__dirname, '../../node_modules/aws-crt/dist/native/aws_iot_metrics'))})
                    ._setSdkMetricsFactory(${factory.toString()});`,
            );
            const [ours, theirs] = tap.connects.map((c) => c.username ?? '');
            expect(theirs).toMatch(/Metadata=\(CRTVersion=[^;]+;IoTSDKVersion=9\.8\.7;IoTSDKFeature=F\/3,G\/A;/);
            expect(crtVersion(ours)).toBe(crtVersion(theirs));
        } finally {
            ourMetrics._setSdkMetricsFactory(undefined);
        }
        // Without a factory: no metrics of the SDK's (the connection adds the CRT's own).
        expect(iot.AwsIotMqttConnectionConfigBuilder.new_default_builder().with_endpoint('h').build().metrics).toBeUndefined();
    });
});
