import { CrtError, ErrorCodes } from './error';
import {
    binding,
    type NativeEvent,
    NativeEventType,
    NativeMessageBits,
    type NativeMqtt5Client,
    NativeRecord,
    type NativeSink,
} from './native';
import { PacketType, PubackReasonCode } from './mqtt5_packet';
import { PendingOperations } from './pending';
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
import { HttpHeaders, type HttpProxyOptions, HttpRequest } from './http';
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
/** Payload of `disconnection`. */
export interface DisconnectionEvent {
    /** Why the connection ended. */
    error: CrtError;
    /** The DISCONNECT, when the server sent one. */
    disconnect?: DisconnectPacket;
}
/** Payload of `stopped`. */
export type StoppedEvent = {};
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
    #send: ((ackId: number) => void) | undefined;
    readonly #ackId: number;
    /** @internal */
    constructor(send: (ackId: number) => void, ackId: number) {
        this.#send = send;
        this.#ackId = ackId;
    }
    /** Sends the PUBACK now. Later calls do nothing. */
    invokeAcknowledgement(): void {
        const send = this.#send;
        this.#send = undefined;
        send?.(this.#ackId);
    }
}

/** Holds the acknowledgement handle of a received QoS 1 message until a listener takes it. */
export class PublishAcknowledgementHandleWrapper {
    // The handle is only made when taken: most messages are acknowledged by the client.
    #send: ((ackId: number) => void) | null;
    readonly #ackId: number;
    /** @internal */
    constructor(send: (ackId: number) => void, ackId: number) {
        this.#send = send;
        this.#ackId = ackId;
    }
    /**
     * Takes the handle: the caller now owns sending the PUBACK. Only the first call, made
     * synchronously inside a `messageReceived` listener, gets it; every other call gets null.
     */
    acquireHandle(): PublishAcknowledgementHandle | null {
        const send = this.#send;
        this.#send = null;
        return send === null ? null : new PublishAcknowledgementHandle(send, this.#ackId);
    }
    /** @internal closes the window: what was not taken is acknowledged by the client. */
    release(): boolean {
        const untaken = this.#send !== null;
        this.#send = null;
        return untaken;
    }
}

/** The client's events and their listener signatures. */
export interface Mqtt5ClientEvents {
    /** Declared for aws-crt compatibility; the client does not currently emit it (failures arrive via other events and rejected promises). */
    error: (error: CrtError) => void;
    /** Emitted at the start of each connection attempt. */
    attemptingConnect: (event: AttemptingConnectEvent) => void;
    /** Emitted when a connection attempt succeeds. */
    connectionSuccess: (event: ConnectionSuccessEvent) => void;
    /** Emitted when a connection attempt fails. */
    connectionFailure: (event: ConnectionFailureEvent) => void;
    /** Emitted when an established connection is lost or closed. */
    disconnection: (event: DisconnectionEvent) => void;
    /** Emitted once the client has stopped after `stop()`. */
    stopped: (event: StoppedEvent) => void;
    /** Emitted for each message received from the server. */
    messageReceived: (event: MessageReceivedEvent) => void;
}

/** What `publish()` resolves to: the PUBACK for QoS 1, `undefined` for QoS 0 (once written). */
export type PublishCompletionResult = PubackPacket | undefined;

const DEFAULT_KEEP_ALIVE_SECONDS = 1200;
/** The SDK name the metrics appended to the username carry (see `disableMetrics`). */
const DEFAULT_METRICS_LIBRARY = 'IoTDeviceSDK/NodeJS';

/**
 * An MQTT 5 client over aws-c-mqtt. Create it, add listeners, `start()` it; it connects and keeps
 * reconnecting until `stop()`. Operations return promises settled by the server's acknowledgement.
 * A started client keeps the process alive (like a socket); a stopped or closed one does not.
 */
export class Mqtt5Client extends TypedEventEmitter<Mqtt5ClientEvents> {
    /** Event name `error`. */
    static readonly ERROR = 'error';
    /** Event name `attemptingConnect`. */
    static readonly ATTEMPTING_CONNECT = 'attemptingConnect';
    /** Event name `connectionSuccess`. */
    static readonly CONNECTION_SUCCESS = 'connectionSuccess';
    /** Event name `connectionFailure`. */
    static readonly CONNECTION_FAILURE = 'connectionFailure';
    /** Event name `disconnection`. */
    static readonly DISCONNECTION = 'disconnection';
    /** Event name `stopped`. */
    static readonly STOPPED = 'stopped';
    /** Event name `messageReceived`. */
    static readonly MESSAGE_RECEIVED = 'messageReceived';

    #native: NativeMqtt5Client | undefined;
    // start() was called and 'stopped' has not been emitted since.
    #started = false;
    #transform: WebsocketHandshakeTransform | undefined;
    readonly #pending = new PendingOperations();
    // Held here so the native side can keep only a weak reference while the client is stopped.
    readonly #sink: NativeSink;
    // The last topic that passed the topic checks: publishers mostly reuse a few topics.
    #checkedTopic: string | undefined;

    /**
     * @param config the client configuration; checked synchronously (TypeError/RangeError name the field)
     */
    constructor(config: Mqtt5ClientConfig) {
        super();
        const nativeConfig = readConfig(config);
        const transform = nativeConfig.websocketHandshakeTransform as WebsocketHandshakeTransform | undefined;
        delete nativeConfig.websocketHandshakeTransform;
        if (transform !== undefined) {
            if (typeof transform !== 'function') {
                throw new TypeError('config.websocketHandshakeTransform must be a function (request, done) => void');
            }
            let sigv4: Sigv4Setup | undefined;
            try {
                sigv4 = (transform as { [SIGV4_TRANSFORM]?: Sigv4Setup })[SIGV4_TRANSFORM];
            } catch (e) {
                throw validate.unreadable('config.websocketHandshakeTransform', e);
            }
            nativeConfig.websocket = sigv4
                ? {
                      sigv4: {
                          region: sigv4.region,
                          service: sigv4.service,
                          credentialsProvider: sigv4.credentialsProvider.native,
                      },
                  }
                : { transform: true };
            this.#transform = transform;
        }
        this.#sink = (objects, records, count) => this.#onEvents(objects, records, count);
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
        this.#live();
        const disconnect = disconnectPacket === undefined ? undefined : validate.readDisconnect(disconnectPacket);
        this.#live().stop(disconnect);
    }

    /**
     * Publishes a message. Resolves with the PUBACK for QoS 1 (check its `reasonCode`), or
     * `undefined` for QoS 0 once written to the socket. Rejects with a {@link CrtError} on failure.
     */
    publish(packet: PublishPacket): Promise<PublishCompletionResult> {
        const native = this.#live();
        if (typeof packet !== 'object' || packet === null) validate.requireObject(packet, 'publish');
        // The common PUBLISH (topic, payload, QoS, retain and nothing else) goes positionally to
        // the native fast path; anything else is read into a checked snapshot first.
        let topic: unknown, payload: unknown, qos: unknown, retain: unknown, plain: boolean;
        let field = 'topicName';
        try {
            topic = packet.topicName;
            field = 'payload';
            payload = packet.payload;
            field = 'qos';
            qos = packet.qos;
            field = 'retain';
            retain = packet.retain;
            // Named reads (not a loop over names): they stay monomorphic on the hot path.
            field = 'userProperties';
            plain = packet.userProperties === undefined;
            field = 'payloadFormat';
            plain = plain && packet.payloadFormat === undefined;
            field = 'messageExpiryIntervalSeconds';
            plain = plain && packet.messageExpiryIntervalSeconds === undefined;
            field = 'topicAlias';
            plain = plain && packet.topicAlias === undefined;
            field = 'responseTopic';
            plain = plain && packet.responseTopic === undefined;
            field = 'correlationData';
            plain = plain && packet.correlationData === undefined;
            field = 'contentType';
            plain = plain && packet.contentType === undefined;
            field = 'subscriptionIdentifiers';
            plain = plain && packet.subscriptionIdentifiers === undefined;
        } catch (e) {
            throw validate.unreadable(`publish.${field}`, e);
        }
        if (
            plain &&
            typeof topic === 'string' &&
            (qos === 0 || qos === 1) &&
            (retain === undefined || typeof retain === 'boolean') &&
            (payload === undefined ||
                typeof payload === 'string' ||
                (ArrayBuffer.isView(payload) && !(payload.buffer instanceof SharedArrayBuffer)))
        ) {
            if (topic !== this.#checkedTopic) {
                validate.checkTopicName(topic, 'publish.topicName');
                this.#checkedTopic = topic;
            }
            const id = native.publishFast(topic, payload, qos, retain === true);
            // The addon queues these; once per turn they go to the CRT's thread together.
            if (!this.#flushQueued) {
                this.#flushQueued = true;
                queueMicrotask(this.#flushPublishes);
            }
            return this.#track(id);
        }
        const p = validate.readPublish(packet, 'publish');
        // Reading the packet ran the caller's getters, which may have closed the client.
        return this.#track(this.#live().publish(p));
    }

    /** Subscribes. Resolves with the SUBACK, whose `reasonCodes` tell per subscription what was granted. */
    subscribe(packet: SubscribePacket): Promise<SubackPacket> {
        this.#live();
        const p = validate.readSubscribe(packet);
        return this.#track(this.#live().subscribe(p));
    }

    /** Unsubscribes. Resolves with the UNSUBACK. */
    unsubscribe(packet: UnsubscribePacket): Promise<UnsubackPacket> {
        this.#live();
        const p = validate.readUnsubscribe(packet);
        return this.#track(this.#live().unsubscribe(p));
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
        this.#pending.rejectAll(() => new CrtError(ErrorCodes.MQTT5_CLIENT_TERMINATED, 'the client was closed'));
    }

    #live(): NativeMqtt5Client {
        const native = this.#native;
        if (!native) throw new CrtError(ErrorCodes.MQTT5_CLIENT_TERMINATED, 'the client is closed');
        return native;
    }

    #track<T>(id: number): Promise<T> {
        return this.#pending.add<T>(id);
    }

    #settle(event: NativeEvent, value: unknown): void {
        if (event.errorCode) this.#pending.reject(event.id!, new CrtError(event.errorCode));
        else this.#pending.resolve(event.id!, value);
    }

    #onEvents(objects: unknown[], records: Float64Array, count: number): void {
        if (!this.#native) return; // closed: everything pending was rejected already
        const pending = this.#pending;
        const autoAck: number[] = [];
        let k = 0;
        let arena: ArrayBuffer | undefined;
        let topic = '';
        for (let j = 0; j < count; ) {
            const kind = records[j];
            try {
                if (kind === NativeRecord.Message) {
                    const bits = records[j + 1];
                    const ackId = records[j + 2];
                    const offset = records[j + 3];
                    const length = records[j + 4];
                    j += 5;
                    if (bits & NativeMessageBits.NewTopic) topic = objects[k++] as string;
                    const payload =
                        bits & NativeMessageBits.External ? (objects[k++] as Buffer) : Buffer.from(arena!, offset, length);
                    const message: PublishPacket = {
                        type: PacketType.Publish,
                        payload,
                        qos: bits & NativeMessageBits.QosMask,
                        retain: (bits & NativeMessageBits.Retain) !== 0,
                        topicName: topic,
                    };
                    if (ackId === 0) this.#emitSafely('messageReceived', { message });
                    else this.#deliverAcked(message, ackId, autoAck);
                } else if (kind === NativeRecord.Done || kind === NativeRecord.Puback) {
                    const id = records[j + 1];
                    j += 2;
                    pending.resolve(
                        id,
                        kind === NativeRecord.Done
                            ? undefined
                            : { type: PacketType.Puback, reasonCode: PubackReasonCode.Success },
                    );
                } else if (kind === NativeRecord.Arena) {
                    j += 1;
                    arena = objects[k++] as ArrayBuffer;
                } else {
                    j += 1;
                    const ev = objects[k++] as NativeEvent;
                    if (ev.event !== NativeEventType.MessageReceived) this.#dispatch(ev);
                    else if (ev.ackId === undefined) this.#emitSafely('messageReceived', { message: ev.packet });
                    else this.#deliverAcked(ev.packet, ev.ackId, autoAck);
                }
            } catch (err) {
                this.#raise(err);
            }
        }
        // The PUBACKs nobody took over go out together, in one call per batch.
        if (autoAck.length > 0 && this.#native) this.#native.acknowledge(autoAck);
    }

    /**
     * An error from a listener (or a transform): reported as an uncaught exception on the next
     * tick, as EventEmitter would, without costing the rest of the batch or the other listeners.
     */
    #raise(err: unknown): void {
        process.nextTick(() => {
            throw err;
        });
    }

    /** emit() that runs every listener even when one throws (each error is raised separately). */
    #emitSafely(event: keyof Mqtt5ClientEvents & string, payload: unknown): void {
        const listeners = this.rawListeners(event) as Array<(arg: unknown) => void>;
        for (let i = 0; i < listeners.length; i++) {
            try {
                listeners[i].call(this, payload);
            } catch (err) {
                this.#raise(err);
            }
        }
    }

    /** A QoS 1 message: listeners may take over its PUBACK; otherwise it joins this batch's. */
    #deliverAcked(message: PublishPacket, ackId: number, autoAck: number[]): void {
        const wrapper = new PublishAcknowledgementHandleWrapper(
            (this.#ackOne ??= (id: number) => this.#native?.acknowledge([id])),
            ackId,
        );
        try {
            this.#emitSafely('messageReceived', { message, acknowledgementControl: wrapper });
        } finally {
            if (wrapper.release()) autoAck.push(ackId);
        }
    }

    #flushQueued = false;
    readonly #flushPublishes = (): void => {
        this.#flushQueued = false;
        this.#native?.flushPublishes();
    };

    /** Sends one PUBACK (made on first use: most clients never need it). */
    #ackOne: ((ackId: number) => void) | undefined;

    #runTransform(id: number, snapshot: { method: string; path: string; headers: Array<[string, string]> }): void {
        const request = new HttpRequest(snapshot.method, snapshot.path, new HttpHeaders(snapshot.headers));
        let settled = false;
        const finish = (code: number, rewritten?: { path: string; headers: Array<[string, string]> }) => {
            settled = true;
            this.#native?.completeWebsocketTransform(id, code, rewritten);
        };
        const done = (errorCode?: number) => {
            if (settled) return;
            if (typeof errorCode === 'number' && errorCode !== 0) return finish(errorCode);
            // Whatever the transform did to the request, the handshake must go on or fail now.
            let rewritten: { path: string; headers: Array<[string, string]> };
            try {
                const headers = request.headers;
                if (!(headers instanceof HttpHeaders)) throw new TypeError('request.headers must be an http.HttpHeaders');
                if (typeof request.path !== 'string') throw new TypeError('request.path must be a string');
                rewritten = { path: request.path, headers: headers._pairs() };
                for (const [name, value] of rewritten.headers) {
                    if (typeof name !== 'string' || typeof value !== 'string') {
                        throw new TypeError('request.headers must hold string names and values');
                    }
                }
            } catch (err) {
                finish(ErrorCodes.INVALID_ARGUMENT);
                throw err;
            }
            finish(0, rewritten);
        };
        try {
            this.#transform!(request, done);
        } catch (err) {
            // A throwing transform fails this connection attempt (and the error surfaces).
            if (!settled) finish(ErrorCodes.INVALID_ARGUMENT);
            throw err;
        }
    }

    #dispatch(ev: NativeEvent): void {
        switch (ev.event) {
            case NativeEventType.PublishComplete:
                this.#settle(ev, ev.packet);
                break;
            case NativeEventType.SubscribeComplete:
            case NativeEventType.UnsubscribeComplete:
                this.#settle(ev, ev.packet);
                break;
            case NativeEventType.AttemptingConnect:
                this.#emitSafely('attemptingConnect', {});
                break;
            case NativeEventType.ConnectionSuccess:
                this.#emitSafely('connectionSuccess', { connack: ev.packet, settings: ev.settings });
                break;
            case NativeEventType.ConnectionFailure: {
                const event: ConnectionFailureEvent = { error: new CrtError(ev.errorCode ?? 0) };
                if (ev.packet) event.connack = ev.packet;
                this.#emitSafely('connectionFailure', event);
                break;
            }
            case NativeEventType.Disconnection: {
                const event: DisconnectionEvent = { error: new CrtError(ev.errorCode ?? 0) };
                if (ev.packet) event.disconnect = ev.packet;
                this.#emitSafely('disconnection', event);
                break;
            }
            case NativeEventType.WebsocketTransform:
                this.#runTransform(ev.id!, ev.packet);
                break;
            case NativeEventType.Stopped:
                this.#started = false;
                this.#emitSafely('stopped', {});
                break;
        }
    }
}

function normaliseMetrics(metrics: AWSIoTMetrics | undefined): object {
    if (metrics === undefined) return { libraryName: DEFAULT_METRICS_LIBRARY };
    validate.requireObject(metrics, 'config.metrics');
    const m = validate.snapshot(metrics, ['libraryName', 'metadata'], 'config.metrics');
    const out: { libraryName: unknown; metadata?: Array<{ name: unknown; value: unknown }> } = {
        libraryName: m.libraryName ?? DEFAULT_METRICS_LIBRARY,
    };
    if (m.metadata !== undefined) {
        out.metadata = validate.readList(m.metadata, 'config.metrics.metadata').map((entry, i) => {
            const f = `config.metrics.metadata[${i}]`;
            let isPair: boolean;
            try {
                isPair = Array.isArray(entry) && entry.length === 2;
            } catch (e) {
                throw validate.unreadable(f, e);
            }
            if (!isPair) throw new TypeError(`${f} must be a [key, value] pair`);
            const pair = validate.readList(entry, f, 2);
            return { name: pair[0], value: pair[1] };
        });
    }
    return out;
}

function nativeProxyOptions(proxy: HttpProxyOptions): object {
    validate.requireObject(proxy, 'config.httpProxyOptions');
    const path = 'config.httpProxyOptions';
    const p = validate.snapshot(
        proxy,
        ['host_name', 'port', 'auth_method', 'auth_username', 'auth_password', 'connection_type', 'tls_opts'],
        path,
    );
    const { tls_opts, ...out } = p;
    if (tls_opts !== undefined && tls_opts !== null) {
        validate.requireObject(tls_opts, `${path}.tls_opts`);
        const opts = validate.snapshot(tls_opts, ['tls_ctx', 'server_name'], `${path}.tls_opts`);
        const ctx = opts.tls_ctx;
        if (opts.server_name !== undefined) out.tls_server_name = opts.server_name;
        if (!validate.isInstance(ctx, ClientTlsContext, `${path}.tls_opts.tls_ctx`)) {
            throw new TypeError('config.httpProxyOptions.tls_opts.tls_ctx must be an io.ClientTlsContext');
        }
        out.tls_ctx = (ctx as ClientTlsContext).native;
    }
    return out;
}

const CONFIG_KEYS = [
    'hostName',
    'port',
    'sessionBehavior',
    'retryJitterMode',
    'minReconnectDelayMs',
    'maxReconnectDelayMs',
    'minConnectedTimeToResetReconnectDelayMs',
    'connectProperties',
    'topicAliasingOptions',
    'connackTimeoutMs',
    'pingTimeoutMs',
    'ackTimeoutSeconds',
    'offlineQueueBehavior',
    'extendedValidationAndFlowControlOptions',
    'socketOptions',
    'clientBootstrap',
    'disableMetrics',
    'metrics',
    'tlsCtx',
    'websocketHandshakeTransform',
    'httpProxyOptions',
] as const;

/** The config read once into the plain object the native constructor takes. */
function readConfig(config: Mqtt5ClientConfig): Record<string, unknown> {
    validate.requireObject(config, 'config');
    const c = validate.snapshot(config, CONFIG_KEYS, 'config');
    if (typeof c.hostName === 'string' && c.hostName.length === 0) throw new RangeError('config.hostName must not be empty');
    const min = c.minReconnectDelayMs;
    const max = c.maxReconnectDelayMs;
    if (typeof min === 'number' && typeof max === 'number' && min > max) {
        throw new RangeError(`config.minReconnectDelayMs (${min}) must not exceed config.maxReconnectDelayMs (${max})`);
    }
    const connect =
        c.connectProperties === undefined ? {} : validate.readConnect(c.connectProperties, 'config.connectProperties');
    connect.keepAliveIntervalSeconds ??= DEFAULT_KEEP_ALIVE_SECONDS;
    c.connectProperties = connect;
    for (const key of ['topicAliasingOptions', 'socketOptions'] as const) {
        if (c[key] !== undefined) {
            validate.requireObject(c[key], `config.${key}`);
            c[key] = validate.snapshot(c[key] as object, key === 'socketOptions' ? SOCKET_KEYS : ALIAS_KEYS, `config.${key}`);
        }
    }
    if (c.disableMetrics !== undefined && typeof c.disableMetrics !== 'boolean') {
        throw new TypeError('config.disableMetrics must be a boolean');
    }
    if (!c.disableMetrics) c.metrics = normaliseMetrics(c.metrics as AWSIoTMetrics | undefined);
    else delete c.metrics;
    delete c.disableMetrics;
    delete c.clientBootstrap;
    if (c.tlsCtx !== undefined) {
        if (!validate.isInstance(c.tlsCtx, ClientTlsContext, 'config.tlsCtx')) {
            throw new TypeError('config.tlsCtx must be an io.ClientTlsContext');
        }
        c.tlsCtx = (c.tlsCtx as ClientTlsContext).native;
    }
    if (c.httpProxyOptions !== undefined) c.httpProxyOptions = nativeProxyOptions(c.httpProxyOptions as HttpProxyOptions);
    return c;
}

const SOCKET_KEYS = [
    'type',
    'domain',
    'connect_timeout_ms',
    'keepalive',
    'keep_alive_interval_sec',
    'keep_alive_timeout_sec',
    'keep_alive_max_failed_probes',
    'tcp_nodelay',
] as const;
const ALIAS_KEYS = ['outboundBehavior', 'outboundCacheMaxSize', 'inboundBehavior', 'inboundCacheMaxSize'] as const;
