// node:diagnostics_channel channels, so APM and OpenTelemetry can observe the client without
// patching it. Nothing is built or published unless someone subscribes: the client checks
// `hasSubscribers` (one property read) before doing anything for them.
//
// Operations (TracingChannel: `tracing:mqtt5-crt:<op>:start|end|asyncStart|asyncEnd|error`):
//   mqtt5-crt:publish, mqtt5-crt:subscribe, mqtt5-crt:unsubscribe
//   context: { client, operation, packet } (the caller's packet, as given); `result` (the ACK, or
//   undefined for QoS 0) or `error` is added when it settles.
// Plain channels:
//   mqtt5-crt:message     { client, message } for each received message, before listeners run
//   mqtt5-crt:connection  { client, event, ... } for each lifecycle event (see ConnectionChannelMessage)
import diagnostics_channel from 'node:diagnostics_channel';
import type { CrtError } from './error';
import type { ConnackPacket, DisconnectPacket, PublishPacket } from './mqtt5_packet';
import type { NegotiatedSettings } from './mqtt5_types';

/** The channel names, for `diagnostics_channel.tracingChannel(name)` / `channel(name)`. */
export const ChannelNames = {
    publish: 'mqtt5-crt:publish',
    subscribe: 'mqtt5-crt:subscribe',
    unsubscribe: 'mqtt5-crt:unsubscribe',
    message: 'mqtt5-crt:message',
    connection: 'mqtt5-crt:connection',
} as const;

/** The context object of the publish/subscribe/unsubscribe tracing channels. */
export interface OperationTraceContext {
    /** The client (an Mqtt5Client). */
    client: object;
    operation: 'publish' | 'subscribe' | 'unsubscribe';
    /** The packet the caller passed. */
    packet: unknown;
    /** Set on success: the ACK packet (undefined for a QoS 0 publish). */
    result?: unknown;
    /** Set on failure: a CrtError, a TypeError/RangeError for bad input, or an AbortError. */
    error?: unknown;
}

/** What `mqtt5-crt:message` carries. */
export interface MessageChannelMessage {
    client: object;
    message: PublishPacket;
}

/** What `mqtt5-crt:connection` carries: one of the client's lifecycle events. */
export type ConnectionChannelMessage =
    | { client: object; event: 'start' }
    | { client: object; event: 'attemptingConnect' }
    | { client: object; event: 'connectionSuccess'; connack: ConnackPacket; settings: NegotiatedSettings }
    | { client: object; event: 'connectionFailure'; error: CrtError; connack?: ConnackPacket }
    | { client: object; event: 'disconnection'; error: CrtError; disconnect?: DisconnectPacket }
    | { client: object; event: 'stop' }
    | { client: object; event: 'stopped' }
    | { client: object; event: 'close' };

type Tracing = diagnostics_channel.TracingChannel<unknown, OperationTraceContext & object>;

function tracing(name: string): Tracing {
    const channel = diagnostics_channel.tracingChannel(name) as Tracing;
    // TracingChannel.hasSubscribers came in Node 20.13; before that, the same test by hand.
    if (typeof (channel as { hasSubscribers?: unknown }).hasSubscribers !== 'boolean') {
        Object.defineProperty(channel, 'hasSubscribers', {
            get(this: Tracing) {
                return (
                    this.start.hasSubscribers ||
                    this.end.hasSubscribers ||
                    this.asyncStart.hasSubscribers ||
                    this.asyncEnd.hasSubscribers ||
                    this.error.hasSubscribers
                );
            },
        });
    }
    return channel;
}

/** @internal */
export const channels = {
    publish: tracing(ChannelNames.publish),
    subscribe: tracing(ChannelNames.subscribe),
    unsubscribe: tracing(ChannelNames.unsubscribe),
    message: diagnostics_channel.channel(ChannelNames.message),
    connection: diagnostics_channel.channel(ChannelNames.connection),
};

/** @internal publishes a lifecycle event if anyone listens (the object is built only then). */
export function connectionEvent(make: () => ConnectionChannelMessage): void {
    if (channels.connection.hasSubscribers) channels.connection.publish(make());
}
