// Type tests of the server features (issue 22) as a CommonJS consumer sees them.
import { describe, expectTypeOf, test } from 'vitest';
import {
    ChannelNames,
    type ClientMetrics,
    type ConnectionSuccessEvent,
    type MessageStream,
    type Mqtt5Client,
    type OperationTraceContext,
    type PublishPacket,
    QoS,
    type SubackPacket,
    type SubscribePacket,
} from 'mqtt5-crt';

declare const client: Mqtt5Client;

describe('server features', () => {
    test('messages() is an async iterable of PublishPackets', () => {
        const stream = client.messages('a/+', { qos: QoS.AtLeastOnce, signal: AbortSignal.timeout(1), highWaterMark: 10 });
        expectTypeOf(stream).toEqualTypeOf<MessageStream>();
        expectTypeOf(stream[Symbol.asyncIterator]()).toEqualTypeOf<MessageStream>();
        expectTypeOf(stream.next()).resolves.toEqualTypeOf<IteratorResult<PublishPacket>>();
        expectTypeOf(stream.subscribed).resolves.toEqualTypeOf<SubackPacket>();
        expectTypeOf(stream.dropped).toEqualTypeOf<number>();
        // @ts-expect-error qos is a QoS
        client.messages('a', { qos: 'one' });
    });
    test('operations take { signal }; connected() resolves with the connection', () => {
        const signal = new AbortController().signal;
        expectTypeOf(client.publish({ topicName: 't', qos: QoS.AtMostOnce }, { signal })).toEqualTypeOf(
            client.publish({ topicName: 't', qos: QoS.AtMostOnce }),
        );
        // Annotated: QoS 2 is refused by the types, and an unannotated literal would widen qos to QoS.
        const subscribe: SubscribePacket = { subscriptions: [{ topicFilter: 't', qos: QoS.AtMostOnce }] };
        // The same promise type as without options (main: SubackPacket with the C++ getters).
        expectTypeOf(client.subscribe(subscribe, { signal })).toEqualTypeOf(client.subscribe(subscribe));
        expectTypeOf(client.subscribe(subscribe, { signal })).resolves.toMatchTypeOf<SubackPacket>();
        expectTypeOf(client.connected({ signal })).resolves.toEqualTypeOf<ConnectionSuccessEvent>();
        // @ts-expect-error signal is an AbortSignal
        client.unsubscribe({ topicFilters: ['t'] }, { signal: 5 });
    });
    test('metrics() and the channel names', () => {
        expectTypeOf(client.metrics()).toEqualTypeOf<ClientMetrics>();
        expectTypeOf(client.metrics().state).toEqualTypeOf<'stopped' | 'connecting' | 'connected' | 'stopping' | 'closed'>();
        expectTypeOf(client.metrics().publishes.failed).toEqualTypeOf<number>();
        expectTypeOf(ChannelNames.publish).toEqualTypeOf<'mqtt5-crt:publish'>();
        expectTypeOf<OperationTraceContext['operation']>().toEqualTypeOf<'publish' | 'subscribe' | 'unsubscribe'>();
    });
});
