// The mqtt5 client's public types: its config, enums, events and the shapes it reports (aws-crt's
// names and defaults). The client itself is in mqtt5_client.ts, reading the config in mqtt5_config.ts.
import type { AwsCredentialsProvider } from './auth';
import type { CrtError } from './error';
import type { HttpProxyOptions, HttpRequest } from './http';
import type { ClientBootstrap, ClientTlsContext, SocketOptions } from './io';
import type { PublishAcknowledgementHandleWrapper } from './mqtt5_ack';
import type {
    ConnackPacket,
    ConnectPacket,
    DisconnectPacket,
    PubackPacket,
    PublishPacket,
    QoS,
    SubackPacket,
    SubscribePacket,
    UnsubackPacket,
    UnsubscribePacket,
} from './mqtt5_packet';

/** How the client treats session state across connections. */
export enum ClientSessionBehavior {
    /** The CRT default: {@link Clean}. */
    Default = 0,
    /** Always start a clean session. */
    Clean = 1,
    /** Rejoin the existing session on reconnects after the first successful connection. */
    RejoinPostSuccess = 2,
    /** Always try to rejoin the existing session, including on the first connection. */
    RejoinAlways = 3,
}

/** The jitter applied to the exponential reconnect backoff. */
export enum RetryJitterType {
    /** The CRT default: {@link Full}. */
    Default = 0,
    /** No jitter: the delay doubles each time. */
    None = 1,
    /** A random delay between 0 and the exponential backoff value. */
    Full = 2,
    /** A random delay that grows from the previous delay. */
    Decorrelated = 3,
}

/** What happens to queued operations when the connection drops. */
export enum ClientOperationQueueBehavior {
    /** The CRT default: {@link FailQos0PublishOnDisconnect}. */
    Default = 0,
    /** Keep QoS 1 publishes; fail everything else. */
    FailNonQos1PublishOnDisconnect = 1,
    /** Fail QoS 0 publishes; keep everything else. */
    FailQos0PublishOnDisconnect = 2,
    /** Fail everything that has not been sent. */
    FailAllOnDisconnect = 3,
}

/** Outbound topic alias behaviour. */
export enum OutboundTopicAliasBehaviorType {
    /** The CRT default: {@link Disabled}. */
    Default = 0,
    /** The caller sets `topicAlias` on publishes; the client uses it when the connection allows. */
    Manual = 1,
    /** The client assigns aliases itself from an LRU cache. */
    LRU = 2,
    /** No outbound topic aliases. */
    Disabled = 3,
}

/** Inbound topic alias behaviour. */
export enum InboundTopicAliasBehaviorType {
    /** The CRT default: {@link Disabled}. */
    Default = 0,
    /** Let the server send aliased topics. */
    Enabled = 1,
    /** Forbid the server from aliasing topics. */
    Disabled = 2,
}

/** Extra validation and flow control applied by the client. */
export enum ClientExtendedValidationAndFlowControl {
    /** MQTT 5 rules only. */
    None = 0,
    /** Also AWS IoT Core's limits and quotas. */
    AwsIotCoreDefaults = 1,
}

/** Topic aliasing configuration. */
export interface TopicAliasingOptions {
    /** Outbound behaviour; default Disabled. */
    outboundBehavior?: OutboundTopicAliasBehaviorType;
    /** LRU cache size for outbound aliases (capped by the server's topic alias maximum); default 25. */
    outboundCacheMaxSize?: number;
    /** Inbound behaviour; default Disabled. */
    inboundBehavior?: InboundTopicAliasBehaviorType;
    /** Inbound alias cache size announced to the server; default 25. */
    inboundCacheMaxSize?: number;
}

/** Configuration of an {@link Mqtt5Client}; the names and defaults are aws-crt's. */
export interface Mqtt5ClientConfig {
    /** Host name of the broker. */
    hostName: string;
    /** Port of the broker (0-65535). */
    port: number;
    /** Session behaviour; default {@link ClientSessionBehavior.Clean}. */
    sessionBehavior?: ClientSessionBehavior;
    /** Reconnect jitter; default {@link RetryJitterType.Full}. */
    retryJitterMode?: RetryJitterType;
    /** Minimum reconnect delay in ms; default 1000. */
    minReconnectDelayMs?: number;
    /** Maximum reconnect delay in ms; default 120000. */
    maxReconnectDelayMs?: number;
    /** Time connected after which the reconnect delay resets, in ms; default 30000. */
    minConnectedTimeToResetReconnectDelayMs?: number;
    /** The CONNECT packet sent on every connection attempt. Default: keep-alive 1200 s, broker-assigned client id. */
    connectProperties?: ConnectPacket;
    /** Topic aliasing; default: disabled both ways. */
    topicAliasingOptions?: TopicAliasingOptions;
    /** Time to wait for CONNACK, in ms; default 20000. */
    connackTimeoutMs?: number;
    /** Time to wait for PINGRESP, in ms; default 30000. */
    pingTimeoutMs?: number;
    /** Time to wait for an ACK before failing an operation, in s; 0 (the default) means no timeout. */
    ackTimeoutSeconds?: number;
    /** What happens to queued operations on disconnection; default {@link ClientOperationQueueBehavior.FailQos0PublishOnDisconnect}. */
    offlineQueueBehavior?: ClientOperationQueueBehavior;
    /**
     * The inbound backlog policy: what happens when messages arrive faster than the
     * `messageReceived` listeners take them. Default: `slowConsumer` is emitted at 10,000 waiting
     * messages and nothing is dropped.
     */
    slowConsumer?: SlowConsumerOptions;
    /** Extra validation and flow control; default {@link ClientExtendedValidationAndFlowControl.None}. */
    extendedValidationAndFlowControlOptions?: ClientExtendedValidationAndFlowControl;
    /** Socket options; default TCP, 10 s connect timeout, no TCP keep-alive, TCP_NODELAY on. */
    socketOptions?: SocketOptions;
    /** Accepted for aws-crt compatibility: every client shares the process-wide event loop group. */
    clientBootstrap?: ClientBootstrap;
    /**
     * When false (the default, as in aws-crt), SDK metrics are appended to the CONNECT username
     * as a query string (`?SDK=IoTDeviceSDK/JS&Platform=...&Metadata=(CRTVersion=...;IoTSDKFeature=...;IoTSDKMetricsVersion=1)`,
     * as aws-crt 1.33 sends it), which AWS IoT Core reads. Set it to true for
     * brokers that authenticate by username and would not expect the suffix.
     */
    disableMetrics?: boolean;
    /** Extra metrics: the library name and metadata pairs sent with the SDK metrics. */
    metrics?: AWSIoTMetrics;
    /** TLS to the broker; absent means plain TCP (or ws://). */
    tlsCtx?: ClientTlsContext;
    /**
     * Present means MQTT over websockets: called with the handshake request before it is sent, to
     * change it (headers, path) and then call `done()` (or `done(errorCode)` to fail the attempt).
     */
    websocketHandshakeTransform?: WebsocketHandshakeTransform;
    /** Reach the broker through an HTTP proxy. */
    httpProxyOptions?: HttpProxyOptions;
    /**
     * mqtt5-crt only. false (the default): received payloads and correlation data are ArrayBuffers
     * holding exactly their bytes, as aws-crt delivers them. true: they are Buffers viewing the
     * memory the addon received them in, shared by the messages of one batch (`payload.buffer`
     * shows the others), which saves a copy per message; declare the client as
     * `Mqtt5Client<Buffer>` to have them typed so.
     */
    zeroCopyPayloads?: boolean;
}

/** The websocket handshake transform: change `request`, then call `done` exactly once. */
export type WebsocketHandshakeTransform = (request: HttpRequest, done: (errorCode?: number) => void) => void;

/**
 * Marks a transform that the native layer performs itself (SigV4 presigning), so the handshake
 * never has to wait for the JS thread. Set by the IoT builders.
 * @internal
 */
export const SIGV4_TRANSFORM = Symbol('mqtt5-crt.sigv4');
/** @internal */
export interface Sigv4Setup {
    region: string;
    service: string;
    credentialsProvider: AwsCredentialsProvider;
}

/** SDK metrics sent in the CONNECT username (aws-crt's shape). */
export interface AWSIoTMetrics {
    /** The library name; default `IoTDeviceSDK/JS` (aws-crt's). */
    libraryName?: string;
    /** Metadata key/value pairs. */
    metadata?: Array<[string, string]>;
}

/** The connection settings agreed with the server (from CONNACK and the client's own limits). */
export interface NegotiatedSettings {
    /** Highest QoS the server accepts. */
    maximumQos: QoS;
    /** Seconds the server keeps the session after disconnection. */
    sessionExpiryInterval: number;
    /** Most QoS 1+ publishes the client may have unacknowledged at the server at once. */
    receiveMaximumFromServer: number;
    /** Largest packet, in bytes, the client may send to the server. */
    maximumPacketSizeToServer: number;
    /** Highest topic alias the client may use on outbound publishes (0: none). */
    topicAliasMaximumToServer: number;
    /** Highest topic alias the server may use on inbound publishes (0: none). */
    topicAliasMaximumToClient: number;
    /** Keep-alive interval in effect, in seconds (the server's override, if it sent one). */
    serverKeepAlive: number;
    /** Whether the server supports retained messages. */
    retainAvailable: boolean;
    /** Whether the server supports wildcard subscriptions. */
    wildcardSubscriptionsAvailable: boolean;
    /** Whether the server supports subscription identifiers. */
    subscriptionIdentifiersAvailable: boolean;
    /** Whether the server supports shared subscriptions. */
    sharedSubscriptionsAvailable: boolean;
    /** True when the server resumed an existing session. */
    rejoinedSession: boolean;
    /** Client identifier in use (the server-assigned one if the client gave none). */
    clientId: string;
}

/** Counts and sizes of the operations the client holds. */
export interface ClientStatistics {
    /** Operations submitted and not yet complete (queued or waiting for an ACK). */
    incompleteOperationCount: number;
    /** Their total encoded size in bytes. */
    incompleteOperationSize: number;
    /** Operations sent and waiting for an ACK. */
    unackedOperationCount: number;
    /** Their total encoded size in bytes. */
    unackedOperationSize: number;
}

/** Payload of `attemptingConnect`. */
export type AttemptingConnectEvent = {};
/** Payload of `connectionSuccess`. */
export interface ConnectionSuccessEvent {
    /** The CONNACK sent by the server. */
    connack: ConnackPacket;
    /** The settings in effect for this connection. */
    settings: NegotiatedSettings;
}
/** Payload of `connectionFailure`. */
export interface ConnectionFailureEvent {
    /** Why the attempt failed. */
    error: CrtError;
    /** The CONNACK, when the server answered with a rejection. */
    connack?: ConnackPacket;
}
/**
 * Payload of `tlsHandshakeFailed` (an mqtt5-crt extension; aws-crt has no such event).
 */
export interface TlsHandshakeFailedEvent {
    /** Why the handshake failed: the same code, name and message as the attempt's `connectionFailure` error. */
    error: CrtError;
}
/** Payload of `disconnection`. */
export interface DisconnectionEvent {
    /** Why the connection ended. */
    error: CrtError;
    /** The DISCONNECT, when the server sent one. */
    disconnect?: DisconnectPacket;
}
/** Payload of `stopped`. */
export type StoppedEvent = {};
/** How received binary data (payload, correlation data) arrives: see {@link Mqtt5ClientConfig.zeroCopyPayloads}. */
export type ReceivedBinary = ArrayBuffer | Buffer;

/**
 * A received PUBLISH. Its payload and correlation data are what they are, not the union a
 * publish accepts: ArrayBuffers holding exactly the message's bytes (as aws-crt delivers them), or
 * Buffers with {@link Mqtt5ClientConfig.zeroCopyPayloads}.
 */
export interface ReceivedPublishPacket<Binary extends ReceivedBinary = ArrayBuffer>
    extends Omit<PublishPacket, 'payload' | 'correlationData'> {
    /** The payload; absent when the message had none. */
    payload?: Binary;
    /** Correlation data, when the publisher set it. */
    correlationData?: Binary;
}

/** Payload of `messageReceived`. */
export interface MessageReceivedEvent<Binary extends ReceivedBinary = ArrayBuffer> {
    /** The received PUBLISH. */
    message: ReceivedPublishPacket<Binary>;
    /**
     * Present for QoS 1 messages: call `acquireHandle()` synchronously inside a listener to take
     * over the PUBACK and send it later with `invokeAcknowledgement()`. Otherwise the client sends
     * it as soon as every listener has run.
     */
    acknowledgementControl?: PublishAcknowledgementHandleWrapper;
}

/** The client's events and their listener signatures. */
/** {@link Mqtt5ClientConfig.slowConsumer}. */
export interface SlowConsumerOptions {
    /**
     * Received messages waiting for the listeners at which `slowConsumer` is emitted (again once
     * the backlog has fallen below half of it); default 10,000, 0 for never.
     */
    thresholdMessages?: number;
    /**
     * Drop QoS 0 messages that arrive while `thresholdMessages` wait (counted in
     * `droppedMessages`), so that memory stays bounded under a flood the listeners cannot keep up
     * with; default false (every message is kept). QoS 1 messages are never dropped: the server
     * sends at most Receive Maximum of them unacknowledged.
     */
    dropQos0?: boolean;
}

/** Payload of `slowConsumer`. */
export interface SlowConsumerEvent {
    /** Received messages waiting for the listeners when the threshold was reached. */
    queuedMessages: number;
    /** QoS 0 messages dropped by {@link SlowConsumerOptions.dropQos0} so far (since the client was made). */
    droppedMessages: number;
}

export interface Mqtt5ClientEvents<Binary extends ReceivedBinary = ArrayBuffer> {
    /** Declared for aws-crt compatibility; the client does not currently emit it (failures arrive via other events and rejected promises). */
    error: (error: CrtError) => void;
    /** Emitted at the start of each connection attempt. */
    attemptingConnect: (event: AttemptingConnectEvent) => void;
    /** Emitted when a connection attempt succeeds. */
    connectionSuccess: (event: ConnectionSuccessEvent) => void;
    /** Emitted when a connection attempt fails. */
    connectionFailure: (event: ConnectionFailureEvent) => void;
    /**
     * mqtt5-crt extension: emitted as soon as a TLS handshake with the broker fails. The attempt's
     * `connectionFailure` (same error) follows only after s2n's blinding delay of 10-30 s, a
     * defence against timing side channels.
     */
    tlsHandshakeFailed: (event: TlsHandshakeFailedEvent) => void;
    /** Emitted when an established connection is lost or closed. */
    disconnection: (event: DisconnectionEvent) => void;
    /** Emitted once the client has stopped after `stop()`. */
    stopped: (event: StoppedEvent) => void;
    /** Emitted for each message received from the server. */
    messageReceived: (event: MessageReceivedEvent<Binary>) => void;
    /** Emitted when received messages wait for the listeners beyond {@link SlowConsumerOptions.thresholdMessages}. */
    slowConsumer: (event: SlowConsumerEvent) => void;
}

/** What `publish()` resolves to: the PUBACK for QoS 1, `undefined` for QoS 0 (once written). */
export type PublishCompletionResult = PubackPacket | undefined;

/** aws-crt's listener types, one per event. */
export type ErrorEventListener = (error: CrtError) => void;
/** Listener of `stopped`. */
export type StoppedEventListener = (eventData: StoppedEvent) => void;
/** Listener of `attemptingConnect`. */
export type AttemptingConnectEventListener = (eventData: AttemptingConnectEvent) => void;
/** Listener of `connectionSuccess`. */
export type ConnectionSuccessEventListener = (eventData: ConnectionSuccessEvent) => void;
/** Listener of `connectionFailure`. */
export type ConnectionFailureEventListener = (eventData: ConnectionFailureEvent) => void;
/** Listener of `disconnection`. */
export type DisconnectionEventListener = (eventData: DisconnectionEvent) => void;
/** Listener of `messageReceived`. */
export type MessageReceivedEventListener = (eventData: MessageReceivedEvent) => void;

/** The fields aws-crt's Node and browser clients share (aws-crt's `Mqtt5ClientConfigBase`). */
export type Mqtt5ClientConfigBase = Pick<
    Mqtt5ClientConfig,
    | 'hostName'
    | 'port'
    | 'sessionBehavior'
    | 'retryJitterMode'
    | 'minReconnectDelayMs'
    | 'maxReconnectDelayMs'
    | 'minConnectedTimeToResetReconnectDelayMs'
    | 'connectProperties'
    | 'topicAliasingOptions'
    | 'disableMetrics'
    | 'metrics'
>;

/** The client's operations as aws-crt's Node and browser clients share them (aws-crt's `IMqtt5Client`). */
export interface IMqtt5Client {
    close(): void;
    start(): void;
    stop(packet?: DisconnectPacket): void;
    subscribe(packet: SubscribePacket): Promise<SubackPacket>;
    unsubscribe(packet: UnsubscribePacket): Promise<UnsubackPacket>;
    publish(packet: PublishPacket): Promise<PublishCompletionResult>;
}
