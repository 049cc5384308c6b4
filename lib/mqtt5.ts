import { CrtError, ErrorCodes } from './error';
import { binding, NativeEvent, NativeEventType, NativeMqtt5Client } from './native';
import type {
    ConnackPacket,
    ConnectPacket,
    DisconnectPacket,
    PubackPacket,
    PublishPacket,
    SubackPacket,
    SubscribePacket,
    UnsubackPacket,
    UnsubscribePacket,
} from './mqtt5_packet';
import type { QoS } from './mqtt5_packet';
import { TypedEventEmitter } from './typed_emitter';
import type { ClientBootstrap, SocketOptions } from './io';
import { ClientTlsContext } from './io';
import { HttpHeaders, HttpProxyOptions, HttpRequest } from './http';
import type { AwsCredentialsProvider } from './auth';
import * as validate from './validate';

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
    /** Extra validation and flow control; default {@link ClientExtendedValidationAndFlowControl.None}. */
    extendedValidationAndFlowControlOptions?: ClientExtendedValidationAndFlowControl;
    /** Socket options; default TCP, 10 s connect timeout, no TCP keep-alive, TCP_NODELAY on. */
    socketOptions?: SocketOptions;
    /** Accepted for aws-crt compatibility: every client shares the process-wide event loop group. */
    clientBootstrap?: ClientBootstrap;
    /**
     * When false (the default, as in aws-crt), SDK metrics are appended to the CONNECT username
     * as a query string (`?SDK=...&Platform=...`), which AWS IoT Core reads. Set it to true for
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
    /** The library name; default `IoTDeviceSDK/NodeJS`. */
    libraryName?: string;
    /** Metadata key/value pairs. */
    metadata?: Array<[string, string]>;
}

/** The connection settings agreed with the server (from CONNACK and the client's own limits). */
export interface NegotiatedSettings {
    maximumQos: QoS;
    sessionExpiryInterval: number;
    receiveMaximumFromServer: number;
    maximumPacketSizeToServer: number;
    topicAliasMaximumToServer: number;
    topicAliasMaximumToClient: number;
    serverKeepAlive: number;
    retainAvailable: boolean;
    wildcardSubscriptionsAvailable: boolean;
    subscriptionIdentifiersAvailable: boolean;
    sharedSubscriptionsAvailable: boolean;
    rejoinedSession: boolean;
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
export interface AttemptingConnectEvent {}
/** Payload of `connectionSuccess`. */
export interface ConnectionSuccessEvent {
    connack: ConnackPacket;
    settings: NegotiatedSettings;
}
/** Payload of `connectionFailure`. */
export interface ConnectionFailureEvent {
    error: CrtError;
    connack?: ConnackPacket;
}
/** Payload of `disconnection`. */
export interface DisconnectionEvent {
    error: CrtError;
    disconnect?: DisconnectPacket;
}
/** Payload of `stopped`. */
export interface StoppedEvent {}
/** Payload of `messageReceived`. */
export interface MessageReceivedEvent {
    /** The received PUBLISH; its payload and correlation data are Buffers. */
    message: PublishPacket;
    /**
     * Present for QoS 1 messages: call `acquireHandle()` synchronously inside a listener to take
     * over the PUBACK and send it later with `invokeAcknowledgement()`. Otherwise the client sends
     * it as soon as every listener has run.
     */
    acknowledgementControl?: PublishAcknowledgementHandleWrapper;
}

/** Sends the PUBACK for one received QoS 1 message; single use. */
export class PublishAcknowledgementHandle {
    #send: (() => void) | undefined;
    /** @internal */
    constructor(send: () => void) {
        this.#send = send;
    }
    /** Sends the PUBACK now. Later calls do nothing. */
    invokeAcknowledgement(): void {
        const send = this.#send;
        this.#send = undefined;
        send?.();
    }
}

/** Holds the acknowledgement handle of a received QoS 1 message until a listener takes it. */
export class PublishAcknowledgementHandleWrapper {
    #handle: PublishAcknowledgementHandle | null;
    /** @internal */
    constructor(handle: PublishAcknowledgementHandle) {
        this.#handle = handle;
    }
    /**
     * Takes the handle: the caller now owns sending the PUBACK. Only the first call, made
     * synchronously inside a `messageReceived` listener, gets it; every other call gets null.
     */
    acquireHandle(): PublishAcknowledgementHandle | null {
        const h = this.#handle;
        this.#handle = null;
        return h;
    }
    /** @internal closes the window: what was not taken is acknowledged by the client. */
    release(): boolean {
        const untaken = this.#handle !== null;
        this.#handle = null;
        return untaken;
    }
}

/** The client's events and their listener signatures. */
export interface Mqtt5ClientEvents {
    error: (error: CrtError) => void;
    attemptingConnect: (event: AttemptingConnectEvent) => void;
    connectionSuccess: (event: ConnectionSuccessEvent) => void;
    connectionFailure: (event: ConnectionFailureEvent) => void;
    disconnection: (event: DisconnectionEvent) => void;
    stopped: (event: StoppedEvent) => void;
    messageReceived: (event: MessageReceivedEvent) => void;
}

/** What `publish()` resolves to: the PUBACK for QoS 1, `undefined` for QoS 0 (once written). */
export type PublishCompletionResult = PubackPacket | undefined;

interface Pending {
    resolve: (value: any) => void;
    reject: (error: Error) => void;
}

const DEFAULT_KEEP_ALIVE_SECONDS = 1200;
const DEFAULT_METRICS_LIBRARY = 'IoTDeviceSDK/NodeJS';

function requireObject(value: unknown, what: string): asserts value is object {
    if (typeof value !== 'object' || value === null) {
        throw new TypeError(`${what} must be an object (got ${value === null ? 'null' : typeof value})`);
    }
}

function isBinary(v: unknown): boolean {
    return ArrayBuffer.isView(v) || v instanceof ArrayBuffer;
}

/**
 * An MQTT 5 client over aws-c-mqtt. Create it, add listeners, `start()` it; it connects and keeps
 * reconnecting until `stop()`. Operations return promises settled by the server's acknowledgement.
 * A started client keeps the process alive (like a socket); a stopped or closed one does not.
 */
export class Mqtt5Client extends TypedEventEmitter<Mqtt5ClientEvents> {
    static readonly ERROR = 'error';
    static readonly ATTEMPTING_CONNECT = 'attemptingConnect';
    static readonly CONNECTION_SUCCESS = 'connectionSuccess';
    static readonly CONNECTION_FAILURE = 'connectionFailure';
    static readonly DISCONNECTION = 'disconnection';
    static readonly STOPPED = 'stopped';
    static readonly MESSAGE_RECEIVED = 'messageReceived';

    #native: NativeMqtt5Client | undefined;
    // start() was called and 'stopped' has not been emitted since.
    #started = false;
    #transform: WebsocketHandshakeTransform | undefined;
    readonly #pending = new Map<number, Pending>();
    // Held here so the native side can keep only a weak reference while the client is stopped.
    readonly #sink: (events: NativeEvent[]) => void;

    /**
     * @param config the client configuration; checked synchronously (TypeError/RangeError name the field)
     */
    constructor(config: Mqtt5ClientConfig) {
        super();
        requireObject(config, 'config');
        const connect = config.connectProperties;
        if (connect !== undefined) requireObject(connect, 'config.connectProperties');
        if (typeof config.hostName === 'string' && config.hostName.length === 0) {
            throw new RangeError('config.hostName must not be empty');
        }
        validate.checkReconnect(config);
        if (connect) validate.checkConnect(connect, 'config.connectProperties');
        const {
            disableMetrics,
            metrics,
            clientBootstrap,
            tlsCtx,
            websocketHandshakeTransform,
            httpProxyOptions,
            ...rest
        } = config;
        if (disableMetrics !== undefined && typeof disableMetrics !== 'boolean') {
            throw new TypeError('config.disableMetrics must be a boolean');
        }
        const nativeConfig: Record<string, unknown> = {
            ...rest,
            connectProperties: {
                ...connect,
                keepAliveIntervalSeconds: connect?.keepAliveIntervalSeconds ?? DEFAULT_KEEP_ALIVE_SECONDS,
            },
        };
        if (!disableMetrics) nativeConfig.metrics = normaliseMetrics(metrics);
        if (tlsCtx !== undefined) {
            if (!(tlsCtx instanceof ClientTlsContext)) throw new TypeError('config.tlsCtx must be an io.ClientTlsContext');
            nativeConfig.tlsCtx = tlsCtx.native;
        }
        if (httpProxyOptions !== undefined) nativeConfig.httpProxyOptions = nativeProxyOptions(httpProxyOptions);
        if (websocketHandshakeTransform !== undefined) {
            if (typeof websocketHandshakeTransform !== 'function') {
                throw new TypeError('config.websocketHandshakeTransform must be a function (request, done) => void');
            }
            const sigv4 = (websocketHandshakeTransform as { [SIGV4_TRANSFORM]?: Sigv4Setup })[SIGV4_TRANSFORM];
            nativeConfig.websocket = sigv4
                ? { sigv4: { region: sigv4.region, service: sigv4.service, credentialsProvider: sigv4.credentialsProvider.native } }
                : { transform: true };
            this.#transform = websocketHandshakeTransform;
        }
        if (connect?.will !== undefined) {
            requireObject(connect.will, 'config.connectProperties.will');
            (nativeConfig.connectProperties as ConnectPacket).will = normalisePublish(
                connect.will,
                'config.connectProperties.will',
            );
        }
        this.#sink = (events) => this.#onEvents(events);
        this.#native = new binding.NativeMqtt5Client(nativeConfig, this.#sink);
    }

    /** Starts connecting; the client reconnects by itself until {@link stop}. */
    start(): void {
        this.#live().start();
        this.#started = true;
    }

    /**
     * Stops the client: sends the DISCONNECT (if given) and closes the connection. Every incomplete
     * operation fails; `stopped` is emitted when done. A later `start()` begins a new session.
     */
    stop(disconnectPacket?: DisconnectPacket): void {
        const native = this.#live();
        if (disconnectPacket !== undefined) {
            requireObject(disconnectPacket, 'disconnect');
            validate.checkDisconnect(disconnectPacket);
        }
        native.stop(disconnectPacket);
    }

    /**
     * Publishes a message. Resolves with the PUBACK for QoS 1 (check its `reasonCode`), or
     * `undefined` for QoS 0 once written to the socket. Rejects with a {@link CrtError} on failure.
     */
    publish(packet: PublishPacket): Promise<PublishCompletionResult> {
        const native = this.#live();
        requireObject(packet, 'publish');
        return this.#track(native.publish(normalisePublish(packet, 'publish')));
    }

    /** Subscribes. Resolves with the SUBACK, whose `reasonCodes` tell per subscription what was granted. */
    subscribe(packet: SubscribePacket): Promise<SubackPacket> {
        const native = this.#live();
        requireObject(packet, 'subscribe');
        validate.checkSubscribe(packet);
        return this.#track(native.subscribe(packet));
    }

    /** Unsubscribes. Resolves with the UNSUBACK. */
    unsubscribe(packet: UnsubscribePacket): Promise<UnsubackPacket> {
        const native = this.#live();
        requireObject(packet, 'unsubscribe');
        validate.checkUnsubscribe(packet);
        return this.#track(native.unsubscribe(packet));
    }

    /** The counts and sizes of incomplete and unacknowledged operations. */
    getOperationalStatistics(): ClientStatistics {
        return this.#live().getOperationalStatistics();
    }

    /** @deprecated use {@link getOperationalStatistics} */
    getQueueStatistics(): ClientStatistics {
        return this.getOperationalStatistics();
    }

    /** C++ name (`GetOperationStatistics`) of {@link getOperationalStatistics}. */
    getOperationStatistics(): ClientStatistics {
        return this.getOperationalStatistics();
    }

    /** C++ `InvokePublishAcknowledgement(handle)`: sends a PUBACK taken over earlier. */
    invokePublishAcknowledgement(handle: PublishAcknowledgementHandle): void {
        this.#live();
        handle.invokeAcknowledgement();
    }

    /**
     * C++ `Mqtt5Client::NewMqtt5Client(options)`: builds a client from {@link Mqtt5ClientOptions}
     * (the builder) or from a plain config.
     */
    static newMqtt5Client(options: { build(): Mqtt5Client } | Mqtt5ClientConfig): Mqtt5Client {
        if (options && typeof (options as { build?: unknown }).build === 'function') {
            return (options as { build(): Mqtt5Client }).build();
        }
        return new Mqtt5Client(options as Mqtt5ClientConfig);
    }

    /**
     * For `await using client = ...`: stops the client if it runs (sending DISCONNECT, waiting at
     * most 5 s for `stopped`), then {@link close}s it.
     */
    async [Symbol.asyncDispose](): Promise<void> {
        if (this.#native && this.#started) {
            await new Promise<void>((resolve) => {
                const timer = setTimeout(done, 5000);
                function done() {
                    clearTimeout(timer);
                    resolve();
                }
                this.once('stopped', done);
                try {
                    this.stop();
                } catch {
                    done();
                }
            });
        }
        this.close();
    }

    /**
     * Releases the native client now. Idempotent. Every pending operation rejects with
     * `AWS_ERROR_MQTT5_CLIENT_TERMINATED`; afterwards every method throws.
     */
    close(): void {
        const native = this.#native;
        if (!native) return;
        this.#native = undefined;
        native.close();
        const pending = [...this.#pending.values()];
        this.#pending.clear();
        for (const p of pending) p.reject(new CrtError(ErrorCodes.MQTT5_CLIENT_TERMINATED, 'the client was closed'));
    }

    #live(): NativeMqtt5Client {
        const native = this.#native;
        if (!native) throw new CrtError(ErrorCodes.MQTT5_CLIENT_TERMINATED, 'the client is closed');
        return native;
    }

    #track<T>(id: number): Promise<T> {
        return new Promise<T>((resolve, reject) => {
            this.#pending.set(id, { resolve, reject });
        });
    }

    #settle(event: NativeEvent, value: unknown): void {
        const pending = this.#pending.get(event.id!);
        if (!pending) return;
        this.#pending.delete(event.id!);
        if (event.errorCode) pending.reject(new CrtError(event.errorCode));
        else pending.resolve(value);
    }

    #onEvents(events: NativeEvent[]): void {
        const native = this.#native;
        if (!native) return; // closed: everything pending was rejected already
        let thrown: unknown;
        let hasThrown = false;
        const autoAck: number[] = [];
        for (const ev of events) {
            try {
                if (ev.type === NativeEventType.MessageReceived) this.#deliver(ev, autoAck);
                else this.#dispatch(ev);
            } catch (err) {
                // A throwing listener must not cost the rest of the batch; surface the first one
                // afterwards as an uncaught exception, as EventEmitter would have.
                if (!hasThrown) {
                    hasThrown = true;
                    thrown = err;
                }
            }
        }
        // The PUBACKs nobody took over go out together, in one call per batch.
        if (autoAck.length > 0 && this.#native) this.#native.acknowledge(autoAck);
        if (hasThrown) {
            process.nextTick(() => {
                throw thrown;
            });
        }
    }

    #deliver(ev: NativeEvent, autoAck: number[]): void {
        const ackId = ev.ackId;
        if (ackId === undefined) {
            this.emit('messageReceived', { message: ev.packet });
            return;
        }
        const wrapper = new PublishAcknowledgementHandleWrapper(
            new PublishAcknowledgementHandle(() => this.#native?.acknowledge([ackId])),
        );
        try {
            this.emit('messageReceived', { message: ev.packet, acknowledgementControl: wrapper });
        } finally {
            if (wrapper.release()) autoAck.push(ackId);
        }
    }

    #runTransform(id: number, snapshot: { method: string; path: string; headers: Array<[string, string]> }): void {
        const request = new HttpRequest(snapshot.method, snapshot.path, new HttpHeaders(snapshot.headers));
        let settled = false;
        const done = (errorCode?: number) => {
            if (settled) return;
            settled = true;
            const code = typeof errorCode === 'number' && errorCode !== 0 ? errorCode : 0;
            this.#native?.completeWebsocketTransform(id, code, { path: request.path, headers: request.headers._pairs() });
        };
        try {
            this.#transform!(request, done);
        } catch (err) {
            // A throwing transform fails this connection attempt (and the error surfaces).
            done(ErrorCodes.INVALID_ARGUMENT);
            throw err;
        }
    }

    #dispatch(ev: NativeEvent): void {
        switch (ev.type) {
            case NativeEventType.PublishComplete:
                this.#settle(ev, ev.packet);
                break;
            case NativeEventType.SubscribeComplete:
            case NativeEventType.UnsubscribeComplete:
                this.#settle(ev, ev.packet);
                break;
            case NativeEventType.AttemptingConnect:
                this.emit('attemptingConnect', {});
                break;
            case NativeEventType.ConnectionSuccess:
                this.emit('connectionSuccess', { connack: ev.packet, settings: ev.settings });
                break;
            case NativeEventType.ConnectionFailure: {
                const event: ConnectionFailureEvent = { error: new CrtError(ev.errorCode ?? 0) };
                if (ev.packet) event.connack = ev.packet;
                this.emit('connectionFailure', event);
                break;
            }
            case NativeEventType.Disconnection: {
                const event: DisconnectionEvent = { error: new CrtError(ev.errorCode ?? 0) };
                if (ev.packet) event.disconnect = ev.packet;
                this.emit('disconnection', event);
                break;
            }
            case NativeEventType.WebsocketTransform:
                this.#runTransform(ev.id!, ev.packet);
                break;
            case NativeEventType.Stopped:
                this.#started = false;
                this.emit('stopped', {});
                break;
        }
    }
}

/**
 * Returns the packet to hand to the native side, without touching the caller's object: payloads
 * that are plain objects are JSON-encoded (as aws-crt does) into a copy.
 */
function normalisePublish(packet: PublishPacket, what: string): PublishPacket {
    validate.checkPublish(packet, what);
    const payload = packet.payload as unknown;
    if (payload === undefined || payload === null || typeof payload === 'string' || isBinary(payload)) {
        return packet;
    }
    if (typeof payload === 'object') {
        return { ...packet, payload: JSON.stringify(payload) };
    }
    throw new TypeError(
        `${what}.payload must be a Buffer, TypedArray, DataView, ArrayBuffer, string or JSON-serialisable object (got ${typeof payload})`,
    );
}

function normaliseMetrics(metrics: AWSIoTMetrics | undefined): object {
    if (metrics === undefined) return { libraryName: DEFAULT_METRICS_LIBRARY };
    requireObject(metrics, 'config.metrics');
    const out: { libraryName: unknown; metadata?: Array<{ name: unknown; value: unknown }> } = {
        libraryName: metrics.libraryName ?? DEFAULT_METRICS_LIBRARY,
    };
    if (metrics.metadata !== undefined) {
        if (!Array.isArray(metrics.metadata)) throw new TypeError('config.metrics.metadata must be an array of [key, value] pairs');
        out.metadata = metrics.metadata.map((entry, i) => {
            if (!Array.isArray(entry) || entry.length !== 2) {
                throw new TypeError(`config.metrics.metadata[${i}] must be a [key, value] pair`);
            }
            return { name: entry[0], value: entry[1] };
        });
    }
    return out;
}

function nativeProxyOptions(p: HttpProxyOptions): object {
    requireObject(p, 'config.httpProxyOptions');
    const out: Record<string, unknown> = {
        host_name: p.host_name,
        port: p.port,
        auth_method: p.auth_method,
        auth_username: p.auth_username,
        auth_password: p.auth_password,
        connection_type: p.connection_type,
    };
    if (p.tls_opts !== undefined) {
        const ctx = (p.tls_opts as { tls_ctx?: unknown }).tls_ctx;
        if (!(ctx instanceof ClientTlsContext)) {
            throw new TypeError('config.httpProxyOptions.tls_opts.tls_ctx must be an io.ClientTlsContext');
        }
        out.tls_ctx = ctx.native;
    }
    return out;
}
