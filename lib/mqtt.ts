/**
 * The MQTT 3.1.1 client, as aws-crt's `mqtt` module: {@link MqttClient} makes
 * {@link MqttClientConnection}s over aws-c-mqtt's 3.1.1 connection. Events and completions come
 * from the addon in batches, as for the MQTT 5 client (no thread-safe function per operation).
 *
 * @module mqtt
 */
import { EventEmitter } from 'node:events';
import { CrtError, ErrorCodes } from './error';
import type { HttpRequest } from './http';
import { ClientBootstrap, type ClientTlsContext } from './io';
import { connectionContext, type Endpoint, endpointOf } from './mqtt5_errors';
import type { WebsocketHandshakeTransform } from './mqtt5_types';
import { exactBytes } from './mqtt5_received';
import { checkQos, payloadBytes, readConnectionConfig } from './mqtt_config';
import type {
    ConnectionStatistics,
    MqttConnectionClosed,
    MqttConnectionConfig,
    MqttConnectionConnected,
    MqttConnectionDisconnected,
    MqttConnectionError,
    MqttConnectionFailure,
    MqttConnectionInterrupted,
    MqttConnectionResumed,
    MqttConnectionSucess,
    MqttRequest,
    MqttSubscribeRequest,
    OnMessageCallback,
    Payload,
    QoS,
} from './mqtt_types';
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
import { NativeOwner } from './native_owner';
import { raiseUncaught } from './typed_emitter';
import * as validate from './validate';
import { runHandshakeTransform } from './handshake_transform';

// The types (QoS, payloads, results, callbacks, the configuration) are in mqtt_types.ts.
export * from './mqtt_types';

/** Makes connections (aws-crt's `mqtt.MqttClient`). */
export class MqttClient {
    /**
     * @param bootstrap where its connections run: an `io.ClientBootstrap` over an `io.EventLoopGroup`
     * puts them on that group's threads; omitted, without a group, or aws-crt's own: the process-wide group
     */
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

/** publish/subscribe/unsubscribe: the native call returns id * 65536 + packet id. */
function operationId(idAndPacket: number): number {
    return (idAndPacket - (idAndPacket % 65536)) / 65536;
}

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

    // The native connection until close(), and the operations in flight; a failed operation
    // also emits 'error' (aws-crt does), however it fails.
    readonly #owner = new NativeOwner<NativeMqtt311Connection>(
        ErrorCodes.MQTT_CONNECTION_DESTROYED,
        'the connection is closed',
        'the connection was closed',
        (err) => this.#emitError(err),
    );
    readonly #connect: Record<string, unknown>;
    readonly #sink: NativeSink;
    // Operation id -> what it resolves with (connect: the session flag; others: packet id and more).
    readonly #kinds = new Map<number, 'connect' | 'disconnect'>();
    // Subscriptions' callbacks by topic filter: the CRT's topic tree is mirrored here, so each
    // message crosses to JS once and is dispatched to every matching subscription.
    readonly #subscriptions = new Map<string, OnMessageCallback | undefined>();
    // How many of them have a callback: without any, a message skips the topic matching.
    #callbacks = 0;
    // The last topic publish() checked (the same topic is not checked again).
    #checkedTopic: string | undefined;
    #transform: WebsocketHandshakeTransform | undefined;
    /** Where it connects, for the context of connection errors. */
    readonly #endpoint: Endpoint;

    /**
     * @param client the {@link MqttClient} that made it
     * @param config the configuration; checked now (TypeError/RangeError naming the field)
     */
    constructor(
        readonly client: MqttClient,
        config: MqttConnectionConfig,
    ) {
        super();
        if (!validate.isInstance(client, MqttClient, 'client')) {
            throw new TypeError(`client must be an mqtt.MqttClient (got ${client === null ? 'null' : typeof client})`);
        }
        const setup = readConnectionConfig(config);
        const bootstrap = client.bootstrap;
        if (validate.isInstance(bootstrap, ClientBootstrap, 'client.bootstrap') && bootstrap?.eventLoopGroup) {
            setup.native.eventLoopGroup = bootstrap.eventLoopGroup.native;
        }
        if (setup.tlsCtx) this.tls_ctx = setup.tlsCtx;
        this.#transform = setup.transform;
        this.#connect = setup.connect;
        this.#endpoint = endpointOf(
            { ...setup.connect, httpProxyOptions: setup.native.httpProxyOptions },
            setup.native.websocket !== undefined,
        );
        this.#sink = (objects, records, count) => this.#onEvents(objects, records, count);
        this.#owner.native = new binding.NativeMqtt311Connection(setup.native, this.#sink);
        nativeHandles.set(this, this.#owner.native);
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

    /**
     * @deprecated the connection reconnects by itself (events `interrupt`, `resume`). As in aws-crt
     * 1.33, the CRT no longer supports a reconnect on demand: this rejects with a CrtError
     * `AWS_ERROR_UNSUPPORTED_OPERATION` (and emits `error`); the connection carries on as it was.
     */
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
        // The hot path: one promise, settled with { packet_id } by the completion itself.
        let id: number;
        try {
            if (typeof topic !== 'string') throw new TypeError(`topic must be a string (got ${typeof topic})`);
            if (topic !== this.#checkedTopic) {
                validate.checkTopicName(topic, 'topic');
                this.#checkedTopic = topic;
            }
            checkQos(qos, 'qos');
            if (typeof retain !== 'boolean') throw new TypeError(`retain must be a boolean (got ${typeof retain})`);
            id = operationId(this.#live().publish(topic, payloadBytes(payload, 'payload'), qos, retain));
        } catch (err) {
            return this.#rejected(err);
        }
        return this.#owner.pending.add<MqttRequest>(id);
    }

    /**
     * Subscribes; `on_message` is called for each message matching `topic` (possibly before the
     * SUBACK). Resolves with the granted QoS (128: refused by the server).
     */
    subscribe(topic: string, qos: QoS, on_message?: OnMessageCallback): Promise<MqttSubscribeRequest> {
        return this.#submit<NativeMqtt311Info | undefined>(() => {
            if (typeof topic !== 'string') throw new TypeError(`topic must be a string (got ${typeof topic})`);
            validate.checkTopicFilter(topic, 'topic');
            checkQos(qos, 'qos');
            if (on_message !== undefined && on_message !== null && typeof on_message !== 'function') {
                throw new TypeError('on_message must be a function');
            }
            const id = operationId(this.#live().subscribe(topic, qos));
            this.#setSubscription(topic, on_message ?? undefined);
            return id;
        }).then((info) => ({
            packet_id: info?.packetId ?? 0,
            topic: info?.topic ?? topic,
            qos: info?.qos ?? qos,
            error_code: 0,
        }));
    }

    /** Unsubscribes; resolves on UNSUBACK with the packet id. */
    unsubscribe(topic: string): Promise<MqttRequest> {
        return this.#submit<MqttRequest>(() => {
            if (typeof topic !== 'string') throw new TypeError(`topic must be a string (got ${typeof topic})`);
            validate.checkTopicFilter(topic, 'topic');
            return operationId(this.#live().unsubscribe(topic));
        }).then((request) => {
            this.#setSubscription(topic, null);
            return request;
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
        this.#owner.close(() => this.#kinds.clear());
    }

    #live(): NativeMqtt311Connection {
        return this.#owner.live();
    }

    /** Runs a submission: a synchronous throw becomes the rejection (with 'error' for CRT errors). */
    #submit<T>(submit: () => number): Promise<T> {
        let id: number;
        try {
            id = submit();
        } catch (err) {
            return this.#rejected(err);
        }
        return this.#owner.pending.add<T>(id);
    }

    /** aws-crt emits every failed operation as an 'error' event too, on the next tick. */
    #rejected<T>(err: unknown): Promise<T> {
        this.#emitError(err);
        return Promise.reject(err);
    }

    #emitError(err: unknown): void {
        if (err instanceof CrtError) process.nextTick(() => this.emit('error', err));
    }

    /** Adds (a callback or undefined) or removes (null) a subscription's entry. */
    #setSubscription(filter: string, callback: OnMessageCallback | undefined | null): void {
        if (callback === null) this.#subscriptions.delete(filter);
        else this.#subscriptions.set(filter, callback);
        this.#callbacks = 0;
        for (const cb of this.#subscriptions.values()) if (cb) this.#callbacks++;
    }

    #onEvents(objects: unknown[], records: Float64Array, count: number): void {
        const pending = this.#owner.pending;
        let k = 0;
        let arena: ArrayBuffer | undefined;
        let topic = '';
        for (let j = 0; j < count; ) {
            // close() from a listener: nothing more is emitted (pending operations were rejected).
            if (this.#owner.native === undefined) return;
            const kind = records[j];
            try {
                if (kind === NativeRecord.Message) {
                    const bits = records[j + 1];
                    const offset = records[j + 3];
                    const length = records[j + 4];
                    j += 5;
                    if (bits & NativeMessageBits.NewTopic) topic = objects[k++] as string;
                    // Own ArrayBuffers: a large payload's block as it is, a small one copied out of the arena.
                    const payload =
                        bits & NativeMessageBits.External
                            ? exactBytes(objects[k++] as Buffer)
                            : arena!.slice(offset, offset + length);
                    this.#deliver(
                        topic,
                        payload,
                        (bits & NativeMessageBits.Dup) !== 0,
                        bits & NativeMessageBits.QosMask,
                        (bits & NativeMessageBits.Retain) !== 0,
                    );
                } else if (kind === NativeRecord.Done || kind === NativeRecord.Puback) {
                    // A completion: id * 65536 + packet id (0 for a disconnect).
                    const packetId = records[j + 1] % 65536;
                    const id = (records[j + 1] - packetId) / 65536;
                    j += 2;
                    if (this.#kinds.size !== 0 && this.#complete(id)) pending.resolve(id, undefined);
                    else pending.resolve(id, { packet_id: packetId });
                } else if (kind === NativeRecord.Arena) {
                    j += 1;
                    arena = objects[k++] as ArrayBuffer;
                } else {
                    j += 1;
                    const ev = objects[k++] as NativeEvent;
                    if (ev.event === NativeEventType.MessageReceived) {
                        // Out of memory for the compact path: the message came as a packet.
                        const p = ev.packet as { topicName: string; payload?: Buffer; qos: number; retain?: boolean };
                        const payload = p.payload ? exactBytes(p.payload) : new ArrayBuffer(0);
                        this.#deliver(p.topicName, payload, false, p.qos, p.retain === true);
                    } else {
                        this.#dispatch(ev);
                    }
                }
            } catch (err) {
                raiseUncaught(err);
            }
        }
    }

    /** A completed disconnect (true): the connection stops keeping the process alive. */
    #complete(id: number): boolean {
        const kind = this.#kinds.get(id);
        if (kind === undefined) return false;
        this.#kinds.delete(id);
        if (kind !== 'disconnect') return false;
        this.#owner.native?.setRunning(false);
        this.#emitSafely('disconnect');
        return true;
    }

    #deliver(topic: string, data: ArrayBuffer, dup: boolean, qos: number, retain: boolean): void {
        // The CRT's order: each matching subscription's callback, then the 'message' event.
        if (this.#callbacks !== 0) {
            for (const [filter, callback] of this.#subscriptions) {
                if (this.#owner.native === undefined) return; // closed by a callback
                if (callback && topicMatches(filter, topic)) {
                    try {
                        callback(topic, data, dup, qos, retain);
                    } catch (err) {
                        raiseUncaught(err);
                    }
                }
            }
        }
        if (this.#owner.native === undefined) return;
        // As #emitSafely, without its argument array per message.
        const listeners = this.rawListeners('message') as OnMessageCallback[];
        for (let i = 0; i < listeners.length; i++) {
            try {
                listeners[i].call(this, topic, data, dup, qos, retain);
            } catch (err) {
                raiseUncaught(err);
            }
        }
    }

    #dispatch(ev: NativeEvent): void {
        const info = ev.packet as NativeMqtt311Info | undefined;
        switch (ev.event) {
            case NativeEventType.Mqtt311ConnectComplete: {
                this.#kinds.delete(ev.id!);
                if (!ev.errorCode && info?.returnCode === 0) {
                    this.#owner.pending.resolve(ev.id!, info.sessionPresent === true);
                    this.#emitSafely('connect', info.sessionPresent === true);
                } else {
                    // A failed connect() does not retry: the connection no longer keeps the process alive.
                    this.#owner.native?.setRunning(false);
                    const code = ev.errorCode || ErrorCodes.MQTT_PROTOCOL_ERROR;
                    const context = ev.errorCode
                        ? `Failed to connect: ${connectionContext(this.#endpoint, code)}`
                        : `Server rejected connection (return code ${info?.returnCode})`;
                    this.#owner.pending.reject(ev.id!, new CrtError(code, context));
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
                this.#emitSafely('connection_failure', {
                    error: new CrtError(ev.errorCode ?? 0, connectionContext(this.#endpoint, ev.errorCode ?? 0)),
                });
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
                    this.#owner.pending.reject(ev.id!, new CrtError(ev.errorCode, 'the operation failed'));
                } else if (info?.qos === 128) {
                    // SUBACK failure return code: the server refused the subscription.
                    this.#setSubscription(info.topic ?? '', null);
                    this.#owner.pending.resolve(ev.id!, info);
                } else {
                    this.#owner.pending.resolve(ev.id!, info);
                }
                break;
            case NativeEventType.WebsocketTransform: {
                const id = ev.id!;
                const transform = this.#transform ?? ((_r: HttpRequest, done: (code?: number) => void) => done(0));
                runHandshakeTransform(
                    transform,
                    ev.packet as { method: string; path: string; headers: Array<[string, string]> },
                    (code, rewritten) => this.#owner.native?.completeWebsocketTransform(id, code, rewritten),
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
                raiseUncaught(err);
            }
        }
    }
}
