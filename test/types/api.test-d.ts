// Type tests of the public API as a CommonJS (require) consumer sees it: 'mqtt5-crt' resolves
// through the "require" condition of package.json "exports" to dist/index.d.ts.
// Run by `npm test` (vitest --typecheck); nothing here executes.
import { describe, expectTypeOf, test } from 'vitest';
import {
    auth,
    type ConnackPacket,
    type CrtError,
    type DisconnectPacket,
    http,
    io,
    iot,
    Mqtt5,
    Mqtt5Client,
    Mqtt5ClientBuilder,
    type Mqtt5ClientConfig,
    type Mqtt5ClientEvents,
    Mqtt5ClientOptions,
    mqtt5,
    type NegotiatedSettings,
    type PubackPacket,
    type PubackReasonCode,
    type PublishAcknowledgementHandle,
    type PublishAcknowledgementHandleWrapper,
    type PublishPacket,
    QoS,
    type SubackPacket,
    type SubscribePacket,
    type UnsubackPacket,
    type ClientStatistics,
    type MessageReceivedEvent,
    type OnConnectionSuccessEventData,
    type SlowConsumerEvent,
    type TlsHandshakeFailedEvent,
    type ReceivedPublishPacket,
} from 'mqtt5-crt';

declare const client: Mqtt5Client;
declare const zeroCopy: Mqtt5Client<Buffer>;

describe('event map', () => {
    test('listener payload types', () => {
        client.on('connectionSuccess', (e) => {
            expectTypeOf(e.connack).toEqualTypeOf<ConnackPacket>();
            expectTypeOf(e.settings).toEqualTypeOf<NegotiatedSettings>();
            expectTypeOf(e.settings.clientId).toBeString();
        });
        client.on('connectionFailure', (e) => {
            expectTypeOf(e.error).toEqualTypeOf<CrtError>();
            expectTypeOf(e.connack).toEqualTypeOf<ConnackPacket | undefined>();
        });
        client.on('disconnection', (e) => {
            expectTypeOf(e.error).toEqualTypeOf<CrtError>();
            expectTypeOf(e.disconnect).toEqualTypeOf<DisconnectPacket | undefined>();
        });
        client.once('messageReceived', (e) => {
            expectTypeOf(e).toEqualTypeOf<MessageReceivedEvent>();
            expectTypeOf(e.message).toEqualTypeOf<ReceivedPublishPacket>();
            // A received payload is typed as what it is: an ArrayBuffer (as aws-crt delivers it).
            expectTypeOf(e.message.payload).toEqualTypeOf<ArrayBuffer | undefined>();
            expectTypeOf(e.message.correlationData).toEqualTypeOf<ArrayBuffer | undefined>();
            expectTypeOf(e.message.topicName).toBeString();
            expectTypeOf(e.acknowledgementControl).toEqualTypeOf<PublishAcknowledgementHandleWrapper | undefined>();
            expectTypeOf(e.acknowledgementControl!.acquireHandle()).toEqualTypeOf<PublishAcknowledgementHandle | null>();
        });
        client.on('error', (e) => expectTypeOf(e).toEqualTypeOf<CrtError>());
        client.on('stopped', () => {});
        client.on('attemptingConnect', () => {});
        client.on('tlsHandshakeFailed', (e) => {
            expectTypeOf(e).toEqualTypeOf<TlsHandshakeFailedEvent>();
            expectTypeOf(e.error).toEqualTypeOf<CrtError>();
        });
        client.on('slowConsumer', (e) => {
            expectTypeOf(e).toEqualTypeOf<SlowConsumerEvent>();
            expectTypeOf(e.queuedMessages).toBeNumber();
            expectTypeOf(e.droppedMessages).toBeNumber();
        });
        expectTypeOf<keyof Mqtt5ClientEvents>().toEqualTypeOf<
            | 'error'
            | 'attemptingConnect'
            | 'connectionSuccess'
            | 'connectionFailure'
            | 'tlsHandshakeFailed'
            | 'disconnection'
            | 'stopped'
            | 'messageReceived'
            | 'slowConsumer'
        >();
        expectTypeOf(client.on('stopped', () => {})).toEqualTypeOf<Mqtt5Client>();
        // With zeroCopyPayloads: true, a Mqtt5Client<Buffer> types them as Buffers.
        zeroCopy.on('messageReceived', (e) => expectTypeOf(e.message.payload).toEqualTypeOf<Buffer | undefined>());
    });

    test('wrong event names and payloads do not compile', () => {
        // @ts-expect-error: no such event
        client.on('message', () => {});
        // @ts-expect-error: aws-crt's event names are camelCase
        client.on('connection_success', () => {});
        // @ts-expect-error: the payload of messageReceived is { message, acknowledgementControl? }
        client.on('messageReceived', (_e: { topic: string }) => {});
        // @ts-expect-error: the payload of connectionSuccess has no `error`
        client.on('connectionSuccess', (e) => e.error);
        // @ts-expect-error: emit checks the payload too
        client.emit('connectionSuccess', { settings: {} });
        // @ts-expect-error: off/removeListener are typed as well
        client.off('nope', () => {});
    });

    test('the aws-crt event name constants', () => {
        expectTypeOf<typeof Mqtt5Client.MESSAGE_RECEIVED>().toEqualTypeOf<'messageReceived'>();
        expectTypeOf<typeof Mqtt5Client.CONNECTION_SUCCESS>().toEqualTypeOf<'connectionSuccess'>();
        // aws-crt code subscribes with the constants: the payload is still typed.
        client.on(mqtt5.Mqtt5Client.MESSAGE_RECEIVED, (e) => expectTypeOf(e.message).toEqualTypeOf<ReceivedPublishPacket>());
    });
});

describe('operations and packets', () => {
    test('operation results', () => {
        expectTypeOf(client.publish({ topicName: 't', qos: QoS.AtLeastOnce, payload: 'x' })).toEqualTypeOf<
            Promise<PubackPacket | undefined>
        >();
        // aws-crt's result types, which are also the C++ classes (SubAckPacket, UnSubAckPacket).
        expectTypeOf(client.subscribe({ subscriptions: [{ topicFilter: 't/#', qos: QoS.AtMostOnce }] })).toMatchTypeOf<
            Promise<SubackPacket>
        >();
        expectTypeOf(client.subscribe({ subscriptions: [] })).resolves.toMatchTypeOf<Mqtt5.SubAckPacket>();
        expectTypeOf(client.unsubscribe({ topicFilters: ['t/#'] })).toMatchTypeOf<Promise<UnsubackPacket>>();
        expectTypeOf(client.unsubscribe({ topicFilters: ['t/#'] })).resolves.toMatchTypeOf<Mqtt5.UnSubAckPacket>();
        expectTypeOf(client.getOperationalStatistics()).toEqualTypeOf<ClientStatistics>();
        // C++ Start()/Stop() return whether they were accepted.
        expectTypeOf(client.start()).toBeBoolean();
        // The C++ completion-callback forms: the promise when accepted, false when refused.
        expectTypeOf(
            client.publish({ topicName: 't', qos: QoS.AtLeastOnce }, (c, code, result) => {
                expectTypeOf(c).toEqualTypeOf<Mqtt5Client>();
                expectTypeOf(code).toBeNumber();
                expectTypeOf(result.getAck()).toEqualTypeOf<Mqtt5.PubAckPacket | null>();
            }),
        ).toEqualTypeOf<Promise<PubackPacket | undefined> | false>();
        client.subscribe({ subscriptions: [] }, (_c, _code, suback) => {
            expectTypeOf(suback).toEqualTypeOf<Mqtt5.SubAckPacket | null>();
        });
        expectTypeOf(Mqtt5.QOS.AWS_MQTT5_QOS_AT_LEAST_ONCE).toMatchTypeOf<QoS>();
        expectTypeOf(mqtt5.ConnectReasonCode.AWS_MQTT5_CRC_BANNED).toEqualTypeOf<mqtt5.ConnectReasonCode.Banned>();
        expectTypeOf(client.stop).parameter(0).toEqualTypeOf<DisconnectPacket | undefined>();
    });

    test('packet shapes', () => {
        expectTypeOf<PublishPacket>().toHaveProperty('topicName').toBeString();
        expectTypeOf<PublishPacket['qos']>().toEqualTypeOf<QoS.AtMostOnce | QoS.AtLeastOnce>();
        expectTypeOf<PubackPacket['reasonCode']>().toEqualTypeOf<PubackReasonCode>();
        expectTypeOf<SubscribePacket['subscriptions'][number]['topicFilter']>().toBeString();
        expectTypeOf(QoS.AtLeastOnce).toMatchTypeOf<QoS>();
        // Payloads: text, bytes, or an object (JSON).
        expectTypeOf<{ topicName: 't'; qos: QoS.AtMostOnce; payload: Buffer }>().toMatchTypeOf<PublishPacket>();
        expectTypeOf<{ topicName: 't'; qos: QoS.AtMostOnce; payload: { a: 1 } }>().toMatchTypeOf<PublishPacket>();
    });

    test('bad packets do not compile', () => {
        // @ts-expect-error: topicName is required
        client.publish({ qos: QoS.AtLeastOnce });
        // @ts-expect-error: QoS 2 is refused by the client, so it does not type-check
        client.publish({ topicName: 't', qos: QoS.ExactlyOnce });
        // @ts-expect-error: nor in a subscription
        client.subscribe({ subscriptions: [{ topicFilter: 't', qos: QoS.ExactlyOnce }] });
        // @ts-expect-error: qos is a QoS, not a string
        client.publish({ topicName: 't', qos: 'at-least-once' });
        // @ts-expect-error: subscribe takes { subscriptions: [...] }
        client.subscribe({ topicFilter: 't', qos: QoS.AtMostOnce });
        // @ts-expect-error: unsubscribe takes topicFilters
        client.unsubscribe({ topicFilter: 't' });
        // @ts-expect-error: hostName and port are required
        new Mqtt5Client({ hostName: 'localhost' });
    });
});

describe('builders', () => {
    test('C++-style builder: fluent setters return the builder, build() the client', () => {
        const b = Mqtt5ClientBuilder.newMqtt5ClientBuilder('localhost', 1883);
        expectTypeOf(b).toEqualTypeOf<Mqtt5ClientBuilder>();
        expectTypeOf(b.withPort(1884).withConnectOptions({ keepAliveIntervalSeconds: 30 })).toEqualTypeOf<Mqtt5ClientBuilder>();
        // Both callback forms: (eventData) is inferred; the C++ (client, eventData) form is annotated.
        b.withClientConnectionSuccessCallback((e) => expectTypeOf(e).toEqualTypeOf<OnConnectionSuccessEventData>());
        b.withClientConnectionSuccessCallback((client: Mqtt5Client, e: OnConnectionSuccessEventData) => {
            expectTypeOf(e.negotiatedSettings.getClientId()).toBeString();
            expectTypeOf(client.start()).toBeBoolean();
        });
        b.withPublishReceivedCallback((e) => expectTypeOf(e.publishPacket.getTopic()).toBeString());
        // @ts-expect-error: the event data of another callback
        b.withPublishReceivedCallback((_client: Mqtt5Client, _e: OnConnectionSuccessEventData) => {});
        expectTypeOf(b.build()).toEqualTypeOf<Mqtt5Client>();
        expectTypeOf(b.buildConfig()).toEqualTypeOf<Mqtt5ClientConfig>();
        expectTypeOf(
            Mqtt5ClientBuilder.createMqtt5ClientBuilderWithMtlsFromPath('h', 'c', 'k'),
        ).toEqualTypeOf<Mqtt5ClientBuilder>();
        expectTypeOf(new Mqtt5ClientOptions('h')).toEqualTypeOf<Mqtt5ClientBuilder>();
        expectTypeOf(Mqtt5Client.newMqtt5Client(b)).toEqualTypeOf<Mqtt5Client>();
        // @ts-expect-error: withPort takes a number
        b.withPort('1883');
    });

    test('aws-crt-style IoT builder: build() returns a client config', () => {
        const b = iot.AwsIotMqtt5ClientConfigBuilder.newDirectMqttBuilderWithMtlsFromPath('h', 'c', 'k');
        expectTypeOf(b).toEqualTypeOf<iot.AwsIotMqtt5ClientConfigBuilder>();
        expectTypeOf(
            b.withPort(8883).withSessionBehavior(mqtt5.ClientSessionBehavior.RejoinPostSuccess),
        ).toEqualTypeOf<iot.AwsIotMqtt5ClientConfigBuilder>();
        expectTypeOf(b.build()).toEqualTypeOf<mqtt5.Mqtt5ClientConfig>();
        expectTypeOf(new mqtt5.Mqtt5Client(b.build())).toEqualTypeOf<Mqtt5Client>();
    });
});

describe('namespaces and errors', () => {
    test('aws-crt namespaces', () => {
        expectTypeOf(mqtt5.Mqtt5Client).toEqualTypeOf<typeof Mqtt5Client>();
        expectTypeOf<typeof mqtt5.QoS>().toEqualTypeOf<typeof QoS>();
        expectTypeOf(io.enable_logging).parameter(0).toEqualTypeOf<io.LogLevel>();
        expectTypeOf(io.is_alpn_available()).toBeBoolean();
        expectTypeOf(new io.TlsContextOptions()).toHaveProperty('alpn_list');
        expectTypeOf(http.HttpProxyOptions).toBeConstructibleWith('proxy', 8080);
        expectTypeOf(auth.AwsCredentialsProvider.newDefault()).toEqualTypeOf<auth.AwsCredentialsProvider>();
        expectTypeOf(Mqtt5.PublishPacket.from({ topicName: 't', qos: QoS.AtMostOnce })).toHaveProperty('topicName');
    });

    test('CrtError', () => {
        expectTypeOf<CrtError>().toMatchTypeOf<Error>();
        expectTypeOf<CrtError['code']>().toBeString();
        expectTypeOf<CrtError['errorCode']>().toBeNumber();
        // aws-crt's: undefined for an error made from a message (`new CrtError('text')`).
        expectTypeOf<CrtError['error_name']>().toEqualTypeOf<string | undefined>();
        expectTypeOf<CrtError['error_code']>().toEqualTypeOf<number | undefined>();
        expectTypeOf<CrtError['error']>().toBeUnknown();
    });
});
