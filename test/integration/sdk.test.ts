// The AWS IoT Device SDK v2 for JavaScript (aws-iot-device-sdk-v2, a devDependency) runs unchanged
// on mqtt5-crt: its Shadow, Jobs and Identity v2 clients over newFromMqtt5 and newFromMqtt311, and
// the v1 shadow client over an MQTT 3.1.1 connection, against a stand-in for the services
// (test/helpers/iot_services.ts). An application redirects the SDK's aws-crt with npm "overrides"
// (README); this repository also depends on the real aws-crt (its API report and error tests
// compare against it), so here the redirection is a resolver hook: every require('aws-crt...')
// made by the SDK's own files resolves to this package, through its "exports" map.
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as crt from '../../dist/index.js';
import { brokerPort } from '../helpers/client';
import { type IotServices, startIotServices } from '../helpers/iot_services';

const require = createRequire(import.meta.url);
const sdkDir = path.dirname(require.resolve('aws-iot-device-sdk-v2/package.json'));
const Module = require('node:module') as { _resolveFilename: (request: string, parent: any, ...rest: any[]) => string };
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (this: unknown, request, parent, ...rest) {
    if ((request === 'aws-crt' || request.startsWith('aws-crt/')) && parent?.filename?.startsWith(sdkDir + path.sep)) {
        // mqtt5-crt resolves itself by name from inside the repository (package self-reference).
        return require.resolve(`mqtt5-crt${request.slice('aws-crt'.length)}`);
    }
    return resolveFilename.call(this, request, parent, ...rest);
};
// The SDK as an application imports it: from node_modules, through its own require('aws-crt').
const sdk = require('aws-iot-device-sdk-v2');
const { iotshadow, iotjobs, iotidentity } = sdk;

const rrOptions = { maxRequestResponseSubscriptions: 6, maxStreamingSubscriptions: 4, operationTimeoutInSeconds: 20 };

let services: IotServices;
beforeAll(async () => {
    services = await startIotServices(brokerPort());
});
afterAll(async () => {
    await services?.close();
});

describe('the SDK loads on mqtt5-crt', () => {
    it('resolves aws-crt to this package and re-exports its namespaces', () => {
        expect(sdk.mqtt.MqttClient).toBe(crt.mqtt.MqttClient);
        expect(sdk.mqtt5.Mqtt5Client).toBe(crt.mqtt5.Mqtt5Client);
        expect(sdk.iot.AwsIotMqttConnectionConfigBuilder).toBe(crt.iot.AwsIotMqttConnectionConfigBuilder);
        expect(sdk.CrtError).toBe(crt.CrtError);
    });

    it("its metrics factory, registered at load, gives the IoT builders' configs its version (as aws-crt)", () => {
        const version = require('aws-iot-device-sdk-v2/package.json').version;
        const expected = {
            libraryName: 'IoTDeviceSDK/JS',
            metadata: [
                ['IoTSDKVersion', version],
                ['IoTSDKMetricsVersion', '1'],
            ],
        };
        const built311 = crt.iot.AwsIotMqttConnectionConfigBuilder.new_default_builder().with_endpoint('localhost').build();
        expect({ ...built311.metrics }).toEqual(expected);
        const built5 = crt.iot.AwsIotMqtt5ClientConfigBuilder.newDirectMqttBuilderWithCustomAuth('localhost', {
            username: 'u',
        }).build();
        expect({ ...built5.metrics }).toEqual(expected);
    });
});

async function mqtt5Client(): Promise<crt.mqtt5.Mqtt5Client> {
    const client = new crt.mqtt5.Mqtt5Client({
        hostName: '127.0.0.1',
        port: brokerPort(),
        connectProperties: { clientId: `sdk5-${randomUUID()}`, keepAliveIntervalSeconds: 60 },
    });
    const connected = new Promise((r) => client.once('connectionSuccess', r));
    client.start();
    await connected;
    return client;
}

async function mqtt311Connection(): Promise<crt.mqtt.MqttClientConnection> {
    const connection = new crt.mqtt.MqttClient().new_connection({
        client_id: `sdk311-${randomUUID()}`,
        host_name: '127.0.0.1',
        port: brokerPort(),
        socket_options: new crt.io.SocketOptions(),
        clean_session: true,
        keep_alive: 60,
    });
    await connection.connect();
    return connection;
}

const protocols = [
    {
        name: 'newFromMqtt5',
        async open() {
            const client = await mqtt5Client();
            return {
                shadow: iotshadow.IotShadowClientv2.newFromMqtt5(client, rrOptions),
                jobs: iotjobs.IotJobsClientv2.newFromMqtt5(client, rrOptions),
                identity: iotidentity.IotIdentityClientv2.newFromMqtt5(client, rrOptions),
                async close() {
                    const stopped = new Promise((r) => client.once('stopped', r));
                    client.stop();
                    await stopped;
                    client.close();
                },
            };
        },
    },
    {
        name: 'newFromMqtt311',
        async open() {
            const connection = await mqtt311Connection();
            return {
                shadow: iotshadow.IotShadowClientv2.newFromMqtt311(connection, rrOptions),
                jobs: iotjobs.IotJobsClientv2.newFromMqtt311(connection, rrOptions),
                identity: iotidentity.IotIdentityClientv2.newFromMqtt311(connection, rrOptions),
                async close() {
                    await connection.disconnect();
                },
            };
        },
    },
];

for (const protocol of protocols) {
    describe(`SDK v2 service clients over ${protocol.name}`, () => {
        let clients: Awaited<ReturnType<(typeof protocol)['open']>>;
        beforeAll(async () => {
            clients = await protocol.open();
        });
        afterAll(async () => {
            clients?.shadow.close();
            clients?.jobs.close();
            clients?.identity.close();
            await clients?.close();
        });

        it('Shadow: get (rejected, none yet), update, get, a delta stream, delete', async () => {
            const thingName = `thing-${randomUUID()}`;
            const missing = await clients.shadow.getShadow({ thingName }).catch((e: unknown) => e);
            expect(missing).toBeInstanceOf(sdk.mqtt_request_response.ServiceError);
            expect(missing.modeledError).toMatchObject({ code: 404 });

            const deltas: unknown[] = [];
            const stream = clients.shadow.createShadowDeltaUpdatedStream({ thingName });
            const established = new Promise((resolve) =>
                stream.on('subscriptionStatus', (e: { type: number }) => {
                    if (e.type === crt.mqtt_request_response.SubscriptionStatusEventType.SubscriptionEstablished) resolve(e);
                }),
            );
            const gotDelta = new Promise((resolve) =>
                stream.on('incomingPublish', (e: { message: unknown }) => resolve(e.message)),
            );
            stream.open();
            await established;

            const updated = await clients.shadow.updateShadow({
                thingName,
                state: { desired: { color: 'green' }, reported: { color: 'red' } },
            });
            expect(updated.state).toEqual({ desired: { color: 'green' }, reported: { color: 'red' } });
            expect(updated.version).toBe(1);
            expect(await gotDelta).toMatchObject({ state: { color: 'green' }, version: 1 });

            const got = await clients.shadow.getShadow({ thingName });
            expect(got.state).toMatchObject({
                desired: { color: 'green' },
                reported: { color: 'red' },
                delta: { color: 'green' },
            });

            const deleted = await clients.shadow.deleteShadow({ thingName });
            expect(deleted.version).toBe(1);
            expect(services.shadows.has(thingName)).toBe(false);
            stream.close();
            expect(deltas).toEqual([]);
        });

        it('Shadow: concurrent requests are told apart by their client tokens', async () => {
            const things = [0, 1, 2, 3].map(() => `thing-${randomUUID()}`);
            const results = await Promise.all(
                things.map((thingName, i) => clients.shadow.updateShadow({ thingName, state: { reported: { n: i } } })),
            );
            expect(results.map((r: { state: { reported: { n: number } } }) => r.state.reported.n)).toEqual([0, 1, 2, 3]);
        });

        it('Jobs: getPendingJobExecutions and describeJobExecution (accepted and rejected)', async () => {
            const thingName = `thing-${randomUUID()}`;
            services.jobs.set(thingName, new Map([['job-1', { action: 'reboot' }]]));
            const pending = await clients.jobs.getPendingJobExecutions({ thingName });
            expect(pending.queuedJobs.map((j: { jobId: string }) => j.jobId)).toEqual(['job-1']);
            const described = await clients.jobs.describeJobExecution({ thingName, jobId: 'job-1' });
            expect(described.execution).toMatchObject({ jobId: 'job-1', jobDocument: { action: 'reboot' } });
            const err = await clients.jobs.describeJobExecution({ thingName, jobId: 'nope' }).catch((e: unknown) => e);
            expect(err).toBeInstanceOf(sdk.mqtt_request_response.ServiceError);
            expect(err.modeledError).toMatchObject({ code: 'ResourceNotFound' });
        });

        it('Identity: createKeysAndCertificate then registerThing', async () => {
            const keys = await clients.identity.createKeysAndCertificate({});
            expect(keys).toMatchObject({ certificateId: 'cert-0123', certificateOwnershipToken: 'ownership-token-1' });
            const registered = await clients.identity.registerThing({
                templateName: 'tmpl',
                certificateOwnershipToken: keys.certificateOwnershipToken,
                parameters: { SerialNumber: 'sn-42' },
            });
            expect(registered).toMatchObject({ thingName: 'sn-42', deviceConfiguration: { template: 'tmpl' } });
        });
    });
}

describe('SDK v1 shadow client over an MQTT 3.1.1 connection', () => {
    it('publishes a get and an update and receives the accepted responses', async () => {
        const connection = await mqtt311Connection();
        try {
            const shadow = new iotshadow.IotShadowClient(connection);
            const thingName = `thing-${randomUUID()}`;
            let onAccepted!: (response: unknown) => void;
            const accepted = new Promise<any>((resolve) => (onAccepted = resolve));
            // Resolves on the SUBACK; the callback gets each accepted response.
            await shadow.subscribeToUpdateShadowAccepted(
                { thingName },
                crt.mqtt.QoS.AtLeastOnce,
                (error: unknown, response: unknown) => onAccepted(error ?? response),
            );
            await shadow.publishUpdateShadow(
                { thingName, state: { reported: { v1: true } }, clientToken: 'v1-token' },
                crt.mqtt.QoS.AtLeastOnce,
            );
            const response = await accepted;
            expect(response).toMatchObject({ state: { reported: { v1: true } }, clientToken: 'v1-token', version: 1 });
        } finally {
            await connection.disconnect();
        }
    });
});
