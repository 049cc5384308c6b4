/**
 * The C++ SDK's way to make a client: `Mqtt5ClientBuilder` with fluent `withX` setters and
 * lifecycle callbacks, then `build()`. It only assembles an {@link Mqtt5ClientConfig} and listeners
 * for the one {@link Mqtt5Client}; nothing here talks to the native layer.
 */
import { CrtError } from './error';
import type { ClientBootstrap, SocketOptions } from './io';
import {
    ClientExtendedValidationAndFlowControl,
    ClientOperationQueueBehavior,
    ClientSessionBehavior,
    Mqtt5Client,
    Mqtt5ClientConfig,
    NegotiatedSettings,
    PublishAcknowledgementHandle,
    RetryJitterType,
    TopicAliasingOptions,
} from './mqtt5';
import type { ConnackPacket, ConnectPacket, DisconnectPacket } from './mqtt5_packet';
import { PublishPacket } from './packet_classes';

/** C++ `ReconnectOptions`. */
export interface ReconnectOptions {
    /** Jitter mode (C++ `m_reconnectMode`). */
    reconnectMode?: RetryJitterType;
    minReconnectDelayMs?: number;
    maxReconnectDelayMs?: number;
    minConnectedTimeToResetReconnectDelayMs?: number;
}

/** C++ `OnConnectionSuccessEventData`. */
export interface OnConnectionSuccessEventData {
    connAckPacket: ConnackPacket;
    negotiatedSettings: NegotiatedSettings;
}
/** C++ `OnConnectionFailureEventData`. */
export interface OnConnectionFailureEventData {
    errorCode: number;
    error: CrtError;
    connAckPacket?: ConnackPacket;
}
/** C++ `OnDisconnectionEventData`. */
export interface OnDisconnectionEventData {
    errorCode: number;
    error: CrtError;
    disconnectPacket?: DisconnectPacket;
}
/** C++ `PublishReceivedEventData`. */
export interface PublishReceivedEventData {
    publishPacket: PublishPacket;
    /**
     * Takes over the PUBACK of a QoS 1 message (call synchronously in the callback); null for
     * QoS 0 or when already taken.
     */
    acquirePublishAcknowledgement(): PublishAcknowledgementHandle | null;
}

type Callbacks = {
    connectionSuccess?: (data: OnConnectionSuccessEventData) => void;
    connectionFailure?: (data: OnConnectionFailureEventData) => void;
    disconnection?: (data: OnDisconnectionEventData) => void;
    stopped?: (data: {}) => void;
    attemptingConnect?: (data: {}) => void;
    publishReceived?: (data: PublishReceivedEventData) => void;
};

/**
 * Builds an {@link Mqtt5Client} the way the C++ SDK does (`Aws::Crt::Mqtt5::Mqtt5ClientOptions`
 * and `Aws::Iot::Mqtt5ClientBuilder`, here for plain TCP). Every setter returns the builder.
 */
export class Mqtt5ClientBuilder {
    protected config: Partial<Mqtt5ClientConfig> & Record<string, unknown> = {};
    protected callbacks: Callbacks = {};

    /** @param hostName broker host (or set it with {@link withHostName}) @param port broker port (default 1883) */
    constructor(hostName?: string, port = 1883) {
        if (hostName !== undefined) this.config.hostName = hostName;
        this.config.port = port;
    }

    /** C++ `Mqtt5ClientBuilder::NewMqtt5ClientBuilder`-style factory for a plain TCP broker. */
    static newMqtt5ClientBuilder(hostName: string, port = 1883): Mqtt5ClientBuilder {
        return new Mqtt5ClientBuilder(hostName, port);
    }

    withHostName(hostName: string): this { this.config.hostName = hostName; return this; }
    withPort(port: number): this { this.config.port = port; return this; }
    withBootstrap(bootstrap: ClientBootstrap): this { this.config.clientBootstrap = bootstrap; return this; }
    withSocketOptions(options: SocketOptions): this { this.config.socketOptions = options; return this; }
    withConnectOptions(connect: ConnectPacket): this { this.config.connectProperties = connect; return this; }
    withSessionBehavior(behavior: ClientSessionBehavior): this { this.config.sessionBehavior = behavior; return this; }
    withClientExtendedValidationAndFlowControl(option: ClientExtendedValidationAndFlowControl): this {
        this.config.extendedValidationAndFlowControlOptions = option;
        return this;
    }
    withOfflineQueueBehavior(behavior: ClientOperationQueueBehavior): this {
        this.config.offlineQueueBehavior = behavior;
        return this;
    }
    withReconnectOptions(options: ReconnectOptions): this {
        if (options.reconnectMode !== undefined) this.config.retryJitterMode = options.reconnectMode;
        if (options.minReconnectDelayMs !== undefined) this.config.minReconnectDelayMs = options.minReconnectDelayMs;
        if (options.maxReconnectDelayMs !== undefined) this.config.maxReconnectDelayMs = options.maxReconnectDelayMs;
        if (options.minConnectedTimeToResetReconnectDelayMs !== undefined) {
            this.config.minConnectedTimeToResetReconnectDelayMs = options.minConnectedTimeToResetReconnectDelayMs;
        }
        return this;
    }
    withMinConnectedTimeToResetReconnectDelayMs(ms: number): this {
        this.config.minConnectedTimeToResetReconnectDelayMs = ms;
        return this;
    }
    withTopicAliasingOptions(options: TopicAliasingOptions): this { this.config.topicAliasingOptions = options; return this; }
    withPingTimeoutMs(ms: number): this { this.config.pingTimeoutMs = ms; return this; }
    withConnackTimeoutMs(ms: number): this { this.config.connackTimeoutMs = ms; return this; }
    withAckTimeoutSeconds(seconds: number): this { this.config.ackTimeoutSeconds = seconds; return this; }
    /** C++'s older name for {@link withAckTimeoutSeconds}. */
    withAckTimeoutSec(seconds: number): this { return this.withAckTimeoutSeconds(seconds); }
    /** C++ `WithMetricsCollection(bool)`: false sends no SDK metrics in the username. */
    withMetricsCollection(enabled: boolean): this { this.config.disableMetrics = !enabled; return this; }

    withClientConnectionSuccessCallback(cb: (data: OnConnectionSuccessEventData) => void): this {
        this.callbacks.connectionSuccess = cb;
        return this;
    }
    withClientConnectionFailureCallback(cb: (data: OnConnectionFailureEventData) => void): this {
        this.callbacks.connectionFailure = cb;
        return this;
    }
    withClientDisconnectionCallback(cb: (data: OnDisconnectionEventData) => void): this {
        this.callbacks.disconnection = cb;
        return this;
    }
    withClientStoppedCallback(cb: (data: {}) => void): this { this.callbacks.stopped = cb; return this; }
    withClientAttemptingConnectCallback(cb: (data: {}) => void): this { this.callbacks.attemptingConnect = cb; return this; }
    withPublishReceivedCallback(cb: (data: PublishReceivedEventData) => void): this {
        this.callbacks.publishReceived = cb;
        return this;
    }

    /** The configuration assembled so far, in aws-crt's shape. */
    buildConfig(): Mqtt5ClientConfig {
        return { ...this.config } as Mqtt5ClientConfig;
    }

    /** Creates the client (not started) with the callbacks attached as event listeners. */
    build(): Mqtt5Client {
        const client = new Mqtt5Client(this.buildConfig());
        const cb = this.callbacks;
        if (cb.connectionSuccess) {
            const f = cb.connectionSuccess;
            client.on('connectionSuccess', (e) => f({ connAckPacket: e.connack, negotiatedSettings: e.settings }));
        }
        if (cb.connectionFailure) {
            const f = cb.connectionFailure;
            client.on('connectionFailure', (e) => f({ errorCode: e.error.errorCode, error: e.error, connAckPacket: e.connack }));
        }
        if (cb.disconnection) {
            const f = cb.disconnection;
            client.on('disconnection', (e) =>
                f({ errorCode: e.error.errorCode, error: e.error, disconnectPacket: e.disconnect }),
            );
        }
        if (cb.stopped) client.on('stopped', cb.stopped);
        if (cb.attemptingConnect) client.on('attemptingConnect', cb.attemptingConnect);
        if (cb.publishReceived) {
            const f = cb.publishReceived;
            client.on('messageReceived', (e) =>
                f({
                    publishPacket: PublishPacket.from(e.message),
                    acquirePublishAcknowledgement: () => e.acknowledgementControl?.acquireHandle() ?? null,
                }),
            );
        }
        return client;
    }
}

/** C++ `Mqtt5ClientOptions`: the same fluent setters; pass it to `Mqtt5Client.newMqtt5Client`. */
export { Mqtt5ClientBuilder as Mqtt5ClientOptions };
