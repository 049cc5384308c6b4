// SDK metrics in the CONNECT username (issue 17): the same suffix aws-crt 1.33 sends for the same
// config — library name IoTDeviceSDK/JS and Metadata=(CRTVersion=...;IoTSDKFeature=...;
// IoTSDKMetricsVersion=1) with the features it encodes — read off the wire by a TCP tap in front of
// the broker, aws-crt itself running in a child process. Only CRTVersion differs (each library
// sends its own version).
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
    ClientOperationQueueBehavior,
    ClientSessionBehavior,
    InboundTopicAliasBehaviorType,
    Mqtt5Client,
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

async function awsCrtConnects(cfg: object): Promise<void> {
    const r = await runNode(
        `const { mqtt5 } = require(${JSON.stringify(path.resolve(__dirname, '../../node_modules/aws-crt'))});
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
