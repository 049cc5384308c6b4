// One scenario, written twice: against aws-crt's API (config objects, event names, result shapes)
// and with the C++ SDK's builder and packet classes. Both must pass it unchanged.
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import {
    ClientSessionBehavior,
    Mqtt5,
    Mqtt5Client,
    Mqtt5ClientBuilder,
    Mqtt5ClientOptions,
    PayloadFormatIndicator,
    PubackReasonCode,
    QoS,
    RetryJitterType,
    SubackReasonCode,
    UnsubackReasonCode,
} from '../../dist/index.js';
import { brokerPort, once, uniqueTopic } from '../helpers/client';

interface Shape {
    name: string;
    client(id: string, log: string[]): Mqtt5Client;
    publishPacket(topic: string, payload: string): any;
    subscribePacket(topic: string): any;
    unsubscribePacket(topic: string): any;
    disconnectPacket(): any;
}

const made: Mqtt5Client[] = [];
afterAll(() => {
    for (const c of made) c.close();
});

const awsCrtShape: Shape = {
    name: 'aws-crt config objects',
    client(id, log) {
        const c = new Mqtt5Client({
            hostName: '127.0.0.1',
            port: brokerPort(),
            sessionBehavior: ClientSessionBehavior.Clean,
            retryJitterMode: RetryJitterType.Full,
            minReconnectDelayMs: 500,
            connectProperties: { keepAliveIntervalSeconds: 30, clientId: id },
        });
        c.on('attemptingConnect', () => log.push('attemptingConnect'));
        c.on('connectionSuccess', (e) => log.push(`connectionSuccess:${e.settings.clientId}`));
        c.on('disconnection', (e) => log.push(`disconnection:${e.error.code}`));
        c.on('stopped', () => log.push('stopped'));
        c.on('messageReceived', (e) => log.push(`message:${e.message.topicName}:${Buffer.from(e.message.payload!).toString()}`));
        return c;
    },
    publishPacket: (topic, payload) => ({
        topicName: topic,
        payload,
        qos: QoS.AtLeastOnce,
        payloadFormat: PayloadFormatIndicator.Utf8,
        userProperties: [{ name: 'shape', value: 'test' }],
    }),
    subscribePacket: (topic) => ({ subscriptions: [{ topicFilter: topic, qos: QoS.AtLeastOnce }] }),
    unsubscribePacket: (topic) => ({ topicFilters: [topic] }),
    disconnectPacket: () => ({ reasonCode: 0 }),
};

const cppShape: Shape = {
    name: 'C++ builder and packet classes',
    client(id, log) {
        const options = new Mqtt5ClientOptions()
            .withHostName('127.0.0.1')
            .withPort(brokerPort())
            .withSessionBehavior(ClientSessionBehavior.Clean)
            .withReconnectOptions({ reconnectMode: RetryJitterType.Full, minReconnectDelayMs: 500 })
            .withConnectOptions(new Mqtt5.ConnectPacket().withKeepAliveIntervalSec(30).withClientId(id))
            .withClientAttemptingConnectCallback(() => log.push('attemptingConnect'))
            .withClientConnectionSuccessCallback((d) => log.push(`connectionSuccess:${d.negotiatedSettings.clientId}`))
            .withClientDisconnectionCallback((d) => log.push(`disconnection:${d.error.code}`))
            .withClientStoppedCallback(() => log.push('stopped'))
            .withPublishReceivedCallback((d) =>
                log.push(
                    `message:${d.publishPacket.getTopic()}:${Buffer.from(d.publishPacket.getPayload() as ArrayBuffer).toString()}`,
                ),
            );
        return Mqtt5Client.newMqtt5Client(options);
    },
    publishPacket: (topic, payload) =>
        new Mqtt5.PublishPacket(topic, payload, QoS.AtLeastOnce)
            .withPayloadFormatIndicator(PayloadFormatIndicator.Utf8)
            .withUserProperty(new Mqtt5.UserProperty('shape', 'test')),
    subscribePacket: (topic) => new Mqtt5.SubscribePacket().withSubscription(new Mqtt5.Subscription(topic, QoS.AtLeastOnce)),
    unsubscribePacket: (topic) => new Mqtt5.UnsubscribePacket().withTopicFilter(topic),
    disconnectPacket: () => new Mqtt5.DisconnectPacket().withReasonCode(0),
};

describe.each([awsCrtShape, cppShape])('the same scenario through $name', (shape) => {
    it('connects, subscribes, receives its own publish, unsubscribes and stops', async () => {
        const id = `shape-${randomUUID()}`;
        const log: string[] = [];
        const client = shape.client(id, log);
        made.push(client);
        const topic = uniqueTopic('shape');

        const connected = once(client, 'connectionSuccess');
        client.start();
        await connected;

        const suback = await client.subscribe(shape.subscribePacket(topic));
        expect(suback.reasonCodes).toEqual([SubackReasonCode.GrantedQoS1]);
        const received = once(client, 'messageReceived');
        const packet = shape.publishPacket(topic, 'same');
        const before = JSON.stringify(packet);
        const puback = await client.publish(packet);
        expect(puback!.reasonCode).toBe(PubackReasonCode.Success);
        expect(JSON.stringify(packet)).toBe(before);
        const { message } = await received;
        expect(message.payloadFormat).toBe(PayloadFormatIndicator.Utf8);
        expect(message.userProperties).toEqual([{ name: 'shape', value: 'test' }]);

        const unsuback = await client.unsubscribe(shape.unsubscribePacket(topic));
        expect(unsuback.reasonCodes).toEqual([UnsubackReasonCode.Success]);

        const stopped = once(client, 'stopped');
        client.stop(shape.disconnectPacket());
        await stopped;
        expect(log).toEqual([
            'attemptingConnect',
            `connectionSuccess:${id}`,
            `message:${topic}:same`,
            'disconnection:AWS_ERROR_MQTT5_USER_REQUESTED_STOP',
            'stopped',
        ]);
        client.close();
    });
});

describe('builder', () => {
    it('maps every C++ setter onto the aws-crt config', () => {
        const config = Mqtt5ClientBuilder.newMqtt5ClientBuilder('h', 1234)
            .withPingTimeoutMs(1)
            .withConnackTimeoutMs(2)
            .withAckTimeoutSeconds(3)
            .withOfflineQueueBehavior(3)
            .withClientExtendedValidationAndFlowControl(1)
            .withTopicAliasingOptions({ outboundBehavior: 2 })
            .withMinConnectedTimeToResetReconnectDelayMs(4)
            .withReconnectOptions({ reconnectMode: RetryJitterType.Decorrelated, minReconnectDelayMs: 5, maxReconnectDelayMs: 6 })
            .withMetricsCollection(false)
            .buildConfig();
        expect(config).toEqual({
            hostName: 'h',
            port: 1234,
            pingTimeoutMs: 1,
            connackTimeoutMs: 2,
            ackTimeoutSeconds: 3,
            offlineQueueBehavior: 3,
            extendedValidationAndFlowControlOptions: 1,
            topicAliasingOptions: { outboundBehavior: 2 },
            minConnectedTimeToResetReconnectDelayMs: 4,
            retryJitterMode: RetryJitterType.Decorrelated,
            minReconnectDelayMs: 5,
            maxReconnectDelayMs: 6,
            disableMetrics: true,
        });
    });
});
