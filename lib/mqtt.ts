/**
 * The MQTT 3.1.1 client, as aws-crt's `mqtt` module: {@link MqttClient} makes
 * {@link MqttClientConnection}s over aws-c-mqtt's 3.1.1 connection. Events and completions come
 * from the addon in batches, as for the MQTT 5 client (no thread-safe function per operation).
 *
 * @module mqtt
 */
import { EventEmitter } from 'node:events';
import { CrtError, ErrorCodes } from './error';
import type { HttpProxyOptions, HttpRequest } from './http';
import { type ClientBootstrap, ClientTlsContext, type SocketOptions } from './io';
import { nativeProxyOptions } from './mqtt5_config';
import { SIGV4_TRANSFORM, type Sigv4Setup, type WebsocketHandshakeTransform } from './mqtt5_types';
import {
    binding,
    type NativeEvent,
    NativeEventType,
    NativeMessageBits,
    type NativeMqtt311Connection,
    type NativeMqtt311Info,
    NativeRecord,
    type NativeSink,
} from './native';
import { nativeHandles } from './native_handles';
import { PendingOperations } from './pending';
import * as validate from './validate';
import { runHandshakeTransform } from './handshake_transform';

export { HttpProxyOptions } from './http';

/** Quality of service (aws-crt's `mqtt.QoS`). */
export enum QoS {
    AtMostOnce = 0,
    AtLeastOnce = 1,
    ExactlyOnce = 2,
}

/** A payload: a string, a JSON-serialisable object, or binary data. */
export type Payload = string | Record<string, unknown> | ArrayBuffer | ArrayBufferView;

/** Called for each received message (the payload as an ArrayBuffer of its own). */
export type OnMessageCallback = (topic: string, payload: ArrayBuffer, dup: boolean, qos: QoS, retain: boolean) => void;

/** The result of an operation: the packet id it used (absent for QoS 0 publishes in some brokers' terms). */
export interface MqttRequest {
    packet_id?: number;
}

/** The result of a subscribe: the SUBACK's granted QoS (128 = refused). */
export interface MqttSubscribeRequest extends MqttRequest {
    topic: string;
    qos: QoS;
    error_code?: number;
}

/** Data of the `connection_success` event. */
export interface OnConnectionSuccessResult {
    session_present: boolean;
    reason_code?: number;
}

/** Data of the `connection_failure` event. */
export interface OnConnectionFailedResult {
    error: CrtError;
}

/** Data of the `closed` event (empty). */
export type OnConnectionClosedResult = Record<string, never>;

/** The last will: published by the server when the connection is lost unexpectedly. */
export class MqttWill {
    constructor(
        readonly topic: string,
        readonly qos: QoS,
        readonly payload: Payload,
        readonly retain = false,
    ) {}
}

export type MqttConnectionConnected = (session_present: boolean) => void;
export type MqttConnectionDisconnected = () => void;
export type MqttConnectionResumed = (return_code: number, session_present: boolean) => void;
export type MqttConnectionError = (error: CrtError) => void;
export type MqttConnectionInterrupted = (error: CrtError) => void;
export type MqttConnectionSucess = (callback_data: OnConnectionSuccessResult) => void;
export type MqttConnectionFailure = (callback_data: OnConnectionFailedResult) => void;
export type MqttConnectionClosed = (callback_data: OnConnectionClosedResult) => void;

/** Reconnect backoff bounds in seconds (aws-crt's defaults). */
export const DEFAULT_RECONNECT_MIN_SEC = 1;
export const DEFAULT_RECONNECT_MAX_SEC = 128;

/** The library name and metadata an SDK adds to the CONNECT username (accepted; see README). */
export interface AWSIoTMetrics {
    libraryName: string;
    metadata?: [string, string][];
}

/** Options shared with aws-crt's browser connection. */
export interface MqttConnectionConfigBase {
    /** Client id of the CONNECT packet. */
    client_id: string;
    /** Broker host. */
    host_name: string;
    /** Broker port. */
    port: number;
    /** Start a clean session on every connect (default true in the CONNECT sense: see aws-crt). */
    clean_session?: boolean;
    /** Keep-alive in seconds (CRT default 1200). */
    keep_alive?: number;
    /** Milliseconds to wait for a PINGRESP (CRT default 3000). */
    ping_timeout?: number;
    /** Milliseconds to wait for an acknowledgement; 0 = no timeout. */
    protocol_operation_timeout?: number;
    /** Minimum reconnect delay, seconds (default 1). */
    reconnect_min_sec?: number;
    /** Maximum reconnect delay, seconds (default 128). */
    reconnect_max_sec?: number;
    /** The last will. */
    will?: MqttWill;
    /** CONNECT username. */
    username?: string;
    /** CONNECT password. */
    password?: string;
    /** Leave SDK metrics out of the username. */
    disable_metrics?: boolean;
    /** SDK metrics. */
    metrics?: AWSIoTMetrics;
}

/** A connection's configuration (aws-crt's `MqttConnectionConfig`). */
export interface MqttConnectionConfig extends MqttConnectionConfigBase {
    /** Socket options (required, as in aws-crt). */
    socket_options: SocketOptions;
    /** MQTT over websockets. */
    use_websocket?: boolean;
    /** TLS to the broker. */
    tls_ctx?: ClientTlsContext;
    /** An HTTP proxy. */
    proxy_options?: HttpProxyOptions;
    /** Changes the websocket handshake request (e.g. signs it) and calls `done`. */
    websocket_handshake_transform?: (request: HttpRequest, done: (error_code?: number) => void) => void;
}

/** Counts and sizes of incomplete and unacknowledged operations. */
export interface ConnectionStatistics {
    incompleteOperationCount: number;
    incompleteOperationSize: number;
    unackedOperationCount: number;
    unackedOperationSize: number;
}

/** Makes connections (aws-crt's `mqtt.MqttClient`). */
export class MqttClient {
    /** @param bootstrap kept for aws-crt compatibility: every client uses the process-wide bootstrap */
    constructor(readonly bootstrap: ClientBootstrap | undefined = undefined) {}

    /** A new connection with this configuration. */
    new_connection(config: MqttConnectionConfig): MqttClientConnection {
        return new MqttClientConnection(this, config);
    }
}

interface MqttConnectionEvents {
    connect: MqttConnectionConnected;
    disconnect: MqttConnectionDisconnected;
    error: MqttConnectionError;
    interrupt: MqttConnectionInterrupted;
    resume: MqttConnectionResumed;
    message: OnMessageCallback;
    connection_success: MqttConnectionSucess;
    connection_failure: MqttConnectionFailure;
    closed: MqttConnectionClosed;
}

/** Whether MQTT topic filter `filter` matches topic `topic` (spec rules, including `$` topics). */
export function topicMatches(filter: string, topic: string): boolean {
    if (filter === topic) return true;
    if (topic.startsWith('$') && (filter.startsWith('+') || filter.startsWith('#'))) return false;
    const f = filter.split('/');
    const t = topic.split('/');
    for (let i = 0; i < f.length; i++) {
        if (f[i] === '#') return true;
        if (i >= t.length) return false;
        if (f[i] !== '+' && f[i] !== t[i]) return false;
    }
    return f.length === t.length;
}

/** aws-crt's normalize_payload: binary data as bytes, strings as UTF-8, other objects as JSON. */
function payloadBytes(payload: unknown, field: string): unknown {
    if (payload === undefined || payload === null) return undefined;
    return validate.binary(payload, field, true);
}

/** The bytes of a received payload as an ArrayBuffer of its own, as aws-crt delivers them. */
function ownArrayBuffer(b: Buffer): ArrayBuffer {
    const ab = b.buffer as ArrayBuffer;
    if (b.byteOffset === 0 && b.byteLength === ab.byteLength) return ab;
    return ab.slice(b.byteOffset, b.byteOffset + b.byteLength);
}

function checkSeconds(value: unknown, field: string): number | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'number') throw new TypeError(`${field} must be a number (got ${typeof value})`);
    if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
        throw new RangeError(`${field} must be an integer from 0 to 4294967295 (got ${value})`);
    }
    return value;
}

const CONFIG_KEYS = [
    'client_id',
    'host_name',
    'port',
    'clean_session',
    'keep_alive',
    'ping_timeout',
    'protocol_operation_timeout',
    'reconnect_min_sec',
    'reconnect_max_sec',
    'will',
    'username',
    'password',
    'disable_metrics',
    'metrics',
    'socket_options',
    'use_websocket',
    'tls_ctx',
    'proxy_options',
    'websocket_handshake_transform',
] as const;

const SOCKET_KEYS = [
    'type',
    'domain',
    'connect_timeout_ms',
    'keepalive',
    'keep_alive_interval_sec',
    'keep_alive_timeout_sec',
    'keep_alive_max_failed_probes',
    'tcp_nodelay',
];

/**
 * An MQTT 3.1.1 connection (aws-crt's `mqtt.MqttClientConnection`). `connect()` it; once
 * connected it reconnects by itself (events `interrupt`, `resume`) until `disconnect()`, after
 * which it is closed (`closed`) and cannot be used again. A connection keeps the process alive
 * from `connect()` until it is disconnected or its first connect failed.
 */
export class MqttClientConnection extends EventEmitter {
    static readonly CONNECT = 'connect';
    static readonly DISCONNECT = 'disconnect';
    static readonly ERROR = 'error';
    static readonly INTERRUPT = 'interrupt';
    static readonly RESUME = 'resume';
    static readonly MESSAGE = 'message';
    static readonly CONNECTION_SUCCESS = 'connection_success';
    static readonly CONNECTION_FAILURE = 'connection_failure';
    static readonly CLOSED = 'closed';

    /** The TLS context the connection uses, if any. */
    readonly tls_ctx?: ClientTlsContext;

    #native: NativeMqtt311Connection | undefined;
    readonly #connect: Record<string, unknown>;
    readonly #sink: NativeSink;
    readonly #pending = new PendingOperations();
    // Operation id -> what it resolves with (connect: the session flag; others: packet id and more).
    readonly #kinds = new Map<number, 'connect' | 'disconnect'>();
    // Subscriptions' callbacks by topic filter: the CRT's topic tree is mirrored here, so each
    // message crosses to JS once and is dispatched to every matching subscription.
    readonly #subscriptions = new Map<string, OnMessageCallback | undefined>();
    #transform: WebsocketHandshakeTransform | undefined;

    /**
     * @param client the {@link MqttClient} that made it
     * @param config the configuration; checked now (TypeError/RangeError naming the field)
     */
    constructor(
        readonly client: MqttClient,
        config: MqttConnectionConfig,
    ) {
        super();
        if (client === undefined || client === null) throw new TypeError('client must be an mqtt.MqttClient');
        validate.requireObject(config, 'config');
        const c = validate.snapshot(config, CONFIG_KEYS, 'config');
        if (typeof c.client_id !== 'string') throw new TypeError(`config.client_id must be a string (got ${typeof c.client_id})`);
        if (typeof c.host_name !== 'string' || c.host_name.length === 0) {
            throw new TypeError('config.host_name must be a non-empty string');
        }
        if (typeof c.port !== 'number' || !Number.isInteger(c.port) || c.port < 1 || c.port > 65535) {
            throw new RangeError(`config.port must be an integer from 1 to 65535 (got ${String(c.port)})`);
        }
        if (c.socket_options === undefined || c.socket_options === null) {
            throw new TypeError('config.socket_options is required (an io.SocketOptions)');
        }
        validate.requireObject(c.socket_options, 'config.socket_options');
        const socketOptions = validate.snapshot(c.socket_options, SOCKET_KEYS, 'config.socket_options');

        // Reconnect bounds as aws-crt clamps them: a min above the default max raises the max,
        // a max below the default min lowers the min.
        let minSec = DEFAULT_RECONNECT_MIN_SEC;
        let maxSec = DEFAULT_RECONNECT_MAX_SEC;
        const minGiven = checkSeconds(c.reconnect_min_sec, 'config.reconnect_min_sec');
        const maxGiven = checkSeconds(c.reconnect_max_sec, 'config.reconnect_max_sec');
        if (minGiven) {
            minSec = minGiven;
            maxSec = Math.max(minSec, maxSec);
        }
        if (maxGiven) {
            maxSec = maxGiven;
            minSec = Math.min(minSec, maxSec);
        }

        const native: Record<string, unknown> = { reconnectMinSec: minSec, reconnectMaxSec: maxSec };
        if (c.will !== undefined && c.will !== null) {
            validate.requireObject(c.will, 'config.will');
            const w = validate.snapshot(c.will, ['topic', 'qos', 'payload', 'retain'], 'config.will');
            if (typeof w.topic !== 'string') throw new TypeError(`config.will.topic must be a string (got ${typeof w.topic})`);
            validate.checkTopicName(w.topic, 'config.will.topic');
            checkQos(w.qos, 'config.will.qos');
            native.will = {
                topic: w.topic,
                qos: w.qos,
                payload: payloadBytes(w.payload, 'config.will.payload'),
                retain: w.retain === true,
            };
        }
        for (const key of ['username', 'password'] as const) {
            const v = c[key];
            if (v === undefined || v === null) continue;
            if (typeof v !== 'string') throw new TypeError(`config.${key} must be a string (got ${typeof v})`);
            native[key] = v;
        }
        if (c.proxy_options !== undefined && c.proxy_options !== null) {
            native.httpProxyOptions = nativeProxyOptions(c.proxy_options as HttpProxyOptions);
        }
        const transform = c.websocket_handshake_transform;
        if (transform !== undefined && transform !== null && typeof transform !== 'function') {
            throw new TypeError('config.websocket_handshake_transform must be a function (request, done) => void');
        }
        if (c.use_websocket === true) {
            let sigv4: Sigv4Setup | undefined;
            if (typeof transform === 'function') {
                try {
                    sigv4 = (transform as { [SIGV4_TRANSFORM]?: Sigv4Setup })[SIGV4_TRANSFORM];
                } catch (e) {
                    throw validate.unreadable('config.websocket_handshake_transform', e);
                }
            }
            native.websocket = sigv4
                ? {
                      sigv4: {
                          region: sigv4.region,
                          service: sigv4.service,
                          credentialsProvider: sigv4.credentialsProvider.native,
                      },
                  }
                : { transform: typeof transform === 'function' };
            this.#transform = transform as WebsocketHandshakeTransform | undefined;
        }
        let tlsNative: object | undefined;
        if (c.tls_ctx !== undefined && c.tls_ctx !== null) {
            if (!validate.isInstance(c.tls_ctx, ClientTlsContext, 'config.tls_ctx')) {
                throw new TypeError('config.tls_ctx must be an io.ClientTlsContext');
            }
            this.tls_ctx = c.tls_ctx as ClientTlsContext;
            tlsNative = this.tls_ctx.native;
        }
        this.#connect = {
            clientId: c.client_id,
            hostName: c.host_name,
            port: c.port,
            socketOptions,
            keepAliveSecs: checkRange(c.keep_alive, 'config.keep_alive', 65535),
            pingTimeoutMs: checkSeconds(c.ping_timeout, 'config.ping_timeout'),
            protocolOperationTimeoutMs: checkSeconds(c.protocol_operation_timeout, 'config.protocol_operation_timeout'),
            cleanSession: c.clean_session === true,
            tlsCtx: tlsNative,
        };
        this.#sink = (objects, records, count) => this.#onEvents(objects, records, count);
        this.#native = new binding.NativeMqtt311Connection(native, this.#sink);
        nativeHandles.set(this, this.#native);
        // Failed operations also emit 'error' (as in aws-crt); this listener keeps that from
        // ending a program that did not add its own.
        this.on('error', () => {});
    }

    /**
     * Connects. Resolves with whether the server resumed a session; rejects with a CrtError when
     * the attempt fails (the connection then stops; call connect() again to retry).
     */
    connect(): Promise<boolean> {
        return this.#submit(() => {
            const id = this.#live().connect(this.#connect);
            this.#kinds.set(id, 'connect');
            return id;
        });
    }

    /** @deprecated the connection reconnects by itself; this forces a new connect with the same settings. */
    reconnect(): Promise<boolean> {
        return this.#submit(() => {
            const id = this.#live().reconnect();
            this.#kinds.set(id, 'connect');
            return id;
        });
    }

    /**
     * Publishes. QoS 0 resolves once written, QoS 1 on PUBACK (with the packet id). Offline,
     * the PUBLISH waits for the connection.
     */
    publish(topic: string, payload: Payload, qos: QoS, retain = false): Promise<MqttRequest> {
        return this.#submitPacket(() => {
            if (typeof topic !== 'string') throw new TypeError(`topic must be a string (got ${typeof topic})`);
            validate.checkTopicName(topic, 'topic');
            checkQos(qos, 'qos');
            if (typeof retain !== 'boolean') throw new TypeError(`retain must be a boolean (got ${typeof retain})`);
            return this.#live().publish(topic, payloadBytes(payload, 'payload'), qos, retain);
        }).then(([packet_id]) => ({ packet_id }));
    }

    /**
     * Subscribes; `on_message` is called for each message matching `topic` (possibly before the
     * SUBACK). Resolves with the granted QoS (128: refused by the server).
     */
    subscribe(topic: string, qos: QoS, on_message?: OnMessageCallback): Promise<MqttSubscribeRequest> {
        return this.#submitPacket(() => {
            if (typeof topic !== 'string') throw new TypeError(`topic must be a string (got ${typeof topic})`);
            validate.checkTopicFilter(topic, 'topic');
            checkQos(qos, 'qos');
            if (on_message !== undefined && on_message !== null && typeof on_message !== 'function') {
                throw new TypeError('on_message must be a function');
            }
            const id = this.#live().subscribe(topic, qos);
            this.#subscriptions.set(topic, on_message ?? undefined);
            return id;
        }).then(([packet_id, info]) => ({
            packet_id,
            topic: info?.topic ?? topic,
            qos: info?.qos ?? qos,
            error_code: 0,
        }));
    }

    /** Unsubscribes; resolves on UNSUBACK with the packet id. */
    unsubscribe(topic: string): Promise<MqttRequest> {
        return this.#submitPacket(() => {
            if (typeof topic !== 'string') throw new TypeError(`topic must be a string (got ${typeof topic})`);
            validate.checkTopicFilter(topic, 'topic');
            return this.#live().unsubscribe(topic);
        }).then(([packet_id]) => {
            this.#subscriptions.delete(topic);
            return { packet_id };
        });
    }

    /**
     * Disconnects (sends DISCONNECT) and closes the connection: resolves once done, after which
     * `disconnect` and `closed` are emitted and the connection cannot be used again.
     */
    disconnect(): Promise<void> {
        return this.#submit(() => {
            const id = this.#live().disconnect();
            this.#kinds.set(id, 'disconnect');
            return id;
        });
    }

    /** The counts and sizes of incomplete and unacknowledged operations. */
    getOperationalStatistics(): ConnectionStatistics {
        return this.#live().getOperationalStatistics();
    }

    /** @deprecated use {@link getOperationalStatistics} */
    getQueueStatistics(): ConnectionStatistics {
        return this.getOperationalStatistics();
    }

    override on<K extends keyof MqttConnectionEvents>(event: K, listener: MqttConnectionEvents[K]): this {
        return super.on(event, listener);
    }

    /**
     * Releases the native connection now (disconnecting if connected). Idempotent; pending
     * operations reject with AWS_ERROR_MQTT_CONNECTION_DESTROYED. `disconnect()` does this too.
     */
    close(): void {
        const native = this.#native;
        if (!native) return;
        this.#native = undefined;
        native.close();
        this.#kinds.clear();
        this.#pending.rejectAll(() => new CrtError(ErrorCodes.MQTT_CONNECTION_DESTROYED, 'the connection was closed'));
    }

    #live(): NativeMqtt311Connection {
        const native = this.#native;
        if (!native) throw new CrtError(ErrorCodes.MQTT_CONNECTION_DESTROYED, 'the connection is closed');
        return native;
    }

    /** Runs a submission: a synchronous throw becomes the rejection (with 'error' for CRT errors). */
    #submit<T>(submit: () => number): Promise<T> {
        let id: number;
        try {
            id = submit();
        } catch (err) {
            return this.#rejected(err);
        }
        return this.#pending.add<T>(id).catch((err) => this.#rejected(err));
    }

    /** publish/subscribe/unsubscribe: the native call returns id * 65536 + packet id. */
    #submitPacket(submit: () => number): Promise<[number, NativeMqtt311Info | undefined]> {
        let packetId = 0;
        return this.#submit<NativeMqtt311Info | undefined>(() => {
            const both = submit();
            packetId = both % 65536;
            return (both - packetId) / 65536;
        }).then((info) => [packetId, info]);
    }

    /** aws-crt emits every failed operation as an 'error' event too, on the next tick. */
    #rejected<T>(err: unknown): Promise<T> {
        if (err instanceof CrtError) process.nextTick(() => this.emit('error', err));
        return Promise.reject(err);
    }

    #onEvents(objects: unknown[], records: Float64Array, count: number): void {
        const pending = this.#pending;
        let k = 0;
        let arena: ArrayBuffer | undefined;
        let topic = '';
        for (let j = 0; j < count; ) {
            const kind = records[j];
            try {
                if (kind === NativeRecord.Message) {
                    const bits = records[j + 1];
                    const offset = records[j + 3];
                    const length = records[j + 4];
                    j += 5;
                    if (bits & NativeMessageBits.NewTopic) topic = objects[k++] as string;
                    const payload =
                        bits & NativeMessageBits.External ? (objects[k++] as Buffer) : Buffer.from(arena!, offset, length);
                    this.#deliver(
                        topic,
                        payload,
                        (bits & NativeMessageBits.Dup) !== 0,
                        bits & NativeMessageBits.QosMask,
                        (bits & NativeMessageBits.Retain) !== 0,
                    );
                } else if (kind === NativeRecord.Done || kind === NativeRecord.Puback) {
                    const id = records[j + 1];
                    j += 2;
                    this.#complete(id);
                    pending.resolve(id, undefined);
                } else if (kind === NativeRecord.Arena) {
                    j += 1;
                    arena = objects[k++] as ArrayBuffer;
                } else {
                    j += 1;
                    const ev = objects[k++] as NativeEvent;
                    if (ev.event === NativeEventType.MessageReceived) {
                        // Out of memory for the compact path: the message came as a packet.
                        const p = ev.packet as { topicName: string; payload?: Buffer; qos: number; retain?: boolean };
                        this.#deliver(p.topicName, p.payload ?? Buffer.alloc(0), false, p.qos, p.retain === true);
                    } else {
                        this.#dispatch(ev);
                    }
                }
            } catch (err) {
                raise(err);
            }
        }
    }

    /** A completed disconnect: the connection stops keeping the process alive. */
    #complete(id: number): void {
        const kind = this.#kinds.get(id);
        if (kind === undefined) return;
        this.#kinds.delete(id);
        if (kind === 'disconnect') {
            this.#native?.setRunning(false);
            this.#emitSafely('disconnect');
        }
    }

    #deliver(topic: string, payload: Buffer, dup: boolean, qos: number, retain: boolean): void {
        const data = ownArrayBuffer(payload);
        // The CRT's order: each matching subscription's callback, then the 'message' event.
        for (const [filter, callback] of this.#subscriptions) {
            if (callback && topicMatches(filter, topic)) {
                try {
                    callback(topic, data, dup, qos, retain);
                } catch (err) {
                    raise(err);
                }
            }
        }
        this.#emitSafely('message', topic, data, dup, qos, retain);
    }

    #dispatch(ev: NativeEvent): void {
        const info = ev.packet as NativeMqtt311Info | undefined;
        switch (ev.event) {
            case NativeEventType.Mqtt311ConnectComplete: {
                this.#kinds.delete(ev.id!);
                if (!ev.errorCode && info?.returnCode === 0) {
                    this.#pending.resolve(ev.id!, info.sessionPresent === true);
                    this.#emitSafely('connect', info.sessionPresent === true);
                } else {
                    // A failed connect() does not retry: the connection no longer keeps the process alive.
                    this.#native?.setRunning(false);
                    const code = ev.errorCode || ErrorCodes.MQTT_PROTOCOL_ERROR;
                    const context = ev.errorCode
                        ? 'Failed to connect'
                        : `Server rejected connection (return code ${info?.returnCode})`;
                    this.#pending.reject(ev.id!, new CrtError(code, context));
                }
                break;
            }
            case NativeEventType.Mqtt311Success:
                this.#emitSafely('connection_success', {
                    session_present: info?.sessionPresent === true,
                    reason_code: info?.returnCode ?? 0,
                });
                break;
            case NativeEventType.Mqtt311Failure:
                this.#emitSafely('connection_failure', { error: new CrtError(ev.errorCode ?? 0) });
                break;
            case NativeEventType.Mqtt311Interrupted:
                this.#emitSafely('interrupt', new CrtError(ev.errorCode ?? 0));
                break;
            case NativeEventType.Mqtt311Resumed:
                this.#emitSafely('resume', info?.returnCode ?? 0, info?.sessionPresent === true);
                break;
            case NativeEventType.Mqtt311Closed:
                // After a disconnect: the connection is done (aws-crt closes it here too).
                this.#emitSafely('closed', {});
                this.close();
                break;
            case NativeEventType.Mqtt311OpComplete:
                if (ev.errorCode) {
                    this.#pending.reject(ev.id!, new CrtError(ev.errorCode, 'the operation failed'));
                } else if (info?.qos === 128) {
                    // SUBACK failure return code: the server refused the subscription.
                    this.#subscriptions.delete(info.topic ?? '');
                    this.#pending.resolve(ev.id!, info);
                } else {
                    this.#pending.resolve(ev.id!, info);
                }
                break;
            case NativeEventType.WebsocketTransform: {
                const id = ev.id!;
                const transform = this.#transform ?? ((_r: HttpRequest, done: (code?: number) => void) => done(0));
                runHandshakeTransform(
                    transform,
                    ev.packet as { method: string; path: string; headers: Array<[string, string]> },
                    (code, rewritten) => this.#native?.completeWebsocketTransform(id, code, rewritten),
                );
                break;
            }
        }
    }

    /** emit() that runs every listener even when one throws (each error is raised separately). */
    #emitSafely(event: string, ...args: unknown[]): void {
        const listeners = this.rawListeners(event) as Array<(...a: unknown[]) => void>;
        for (let i = 0; i < listeners.length; i++) {
            try {
                listeners[i].apply(this, args);
            } catch (err) {
                raise(err);
            }
        }
    }
}

function checkQos(qos: unknown, field: string): void {
    if (typeof qos !== 'number') throw new TypeError(`${field} must be a number (got ${typeof qos})`);
    if (qos !== 0 && qos !== 1 && qos !== 2) throw new RangeError(`${field} must be 0, 1 or 2 (got ${qos})`);
}

function checkRange(value: unknown, field: string, max: number): number | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'number') throw new TypeError(`${field} must be a number (got ${typeof value})`);
    if (!Number.isInteger(value) || value < 0 || value > max) {
        throw new RangeError(`${field} must be an integer from 0 to ${max} (got ${value})`);
    }
    return value;
}

/** An error from a listener: reported as an uncaught exception on the next tick, as EventEmitter would. */
function raise(err: unknown): void {
    process.nextTick(() => {
        throw err;
    });
}
