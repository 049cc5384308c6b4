/**
 * The request-response client, as aws-crt's `mqtt_request_response` module: aws-c-mqtt's
 * request-response engine (subscription budget, correlation tokens, timeouts, streaming
 * subscriptions that survive reconnects) over this package's {@link Mqtt5Client} or
 * {@link MqttClientConnection}. The AWS IoT Device SDK's Shadow, Jobs and Identity v2 clients are
 * built on it.
 *
 * @module mqtt_request_response
 */
import { EventEmitter } from 'node:events';
import { CrtError, ErrorCodes } from './error';
import { MqttClientConnection } from './mqtt';
import { Mqtt5Client } from './mqtt5_client';
import {
    binding,
    type NativeEvent,
    NativeEventType,
    NativeRecord,
    type NativeRequestResponseClient,
    type NativeSink,
} from './native';
import { nativeHandles } from './native_handles';
import { NativeOwner } from './native_owner';
import { raiseUncaught } from './typed_emitter';
import * as validate from './validate';

export type RequestPayload = ArrayBuffer;
export type ResponsePayload = ArrayBuffer;
export type StreamingPayload = ArrayBuffer;

/** What happened to a streaming operation's subscription. */
export enum SubscriptionStatusEventType {
    /** Subscribed: messages on the topic filter now arrive. */
    SubscriptionEstablished = 0,
    /** The subscription was lost (e.g. a reconnect without a session); the client re-subscribes. */
    SubscriptionLost = 1,
    /** The client gave up subscribing (a bad topic filter, a refused subscription). */
    SubscriptionHalted = 2,
}

export interface SubscriptionStatusEvent {
    type: SubscriptionStatusEventType;
    error?: CrtError;
}

export interface IncomingPublishEvent {
    topic: string;
    payload: StreamingPayload;
}

export type SubscriptionStatusListener = (eventData: SubscriptionStatusEvent) => void;
export type IncomingPublishListener = (eventData: IncomingPublishEvent) => void;

/** The response to a request: the topic it arrived on and its payload. */
export interface Response {
    payload: ResponsePayload;
    topic: string;
}

/** A topic a response may arrive on, and where its correlation token is in the JSON payload. */
export interface ResponsePath {
    topic: string;
    correlationTokenJsonPath?: string;
}

export interface RequestResponseOperationOptions {
    /** Topic filters to subscribe to so every response path is covered. */
    subscriptionTopicFilters: Array<string>;
    /** Every topic a response may arrive on. */
    responsePaths: Array<ResponsePath>;
    /** Where the request is published, once the subscriptions are in place. */
    publishTopic: string;
    /** The request. */
    payload: RequestPayload;
    /** The token the request carries and a response must carry back (absent: one request at a time). */
    correlationToken?: string;
}

export interface StreamingOperationOptions {
    subscriptionTopicFilter: string;
}

export interface IStreamingOperation {
    open(): void;
    close(): void;
}

export interface RequestResponseClientOptions {
    /** Subscriptions the client may use at once for requests (at least 2). */
    maxRequestResponseSubscriptions: number;
    /** Subscriptions the client may use at once for streaming operations. */
    maxStreamingSubscriptions: number;
    /** How long a request waits for its response (default 60 s). */
    operationTimeoutInSeconds?: number;
}

export interface IRequestResponseClient {
    close(): void;
    createStream(streamOptions: StreamingOperationOptions): IStreamingOperation;
    submitRequest(requestOptions: RequestResponseOperationOptions): Promise<Response>;
}

/** How long a request waits for its response unless told otherwise (aws-crt's default). */
const DEFAULT_OPERATION_TIMEOUT_SECONDS = 60;

interface NativeRrInfo {
    topic?: string;
    payload?: Buffer;
    status?: number;
}

function arrayBufferOf(b: Buffer | undefined): ArrayBuffer {
    if (!b) return new ArrayBuffer(0);
    const ab = b.buffer as ArrayBuffer;
    if (b.byteOffset === 0 && b.byteLength === ab.byteLength) return ab;
    return ab.slice(b.byteOffset, b.byteOffset + b.byteLength);
}

function checkCount(value: unknown, field: string, max: number, required: boolean): number | undefined {
    if (value === undefined || value === null) {
        if (required) throw new TypeError(`${field} is required`);
        return undefined;
    }
    if (typeof value !== 'number') throw new TypeError(`${field} must be a number (got ${typeof value})`);
    if (!Number.isInteger(value) || value < 0 || value > max) {
        throw new RangeError(`${field} must be an integer from 0 to ${max} (got ${value})`);
    }
    return value;
}

function checkTimeout(value: unknown): number {
    const field = 'options.operationTimeoutInSeconds';
    const seconds = checkCount(value, field, 0xffffffff, false);
    if (seconds === undefined) return DEFAULT_OPERATION_TIMEOUT_SECONDS;
    // The CRT refuses 0 with an anonymous error: say which field and why.
    if (seconds === 0) throw new RangeError(`${field} must be an integer from 1 to 4294967295 (got 0)`);
    return seconds;
}

/** What a refused value was, for an error message. */
function describe(value: unknown): string {
    if (value === null) return 'null';
    if (typeof value !== 'object') return typeof value;
    try {
        return value.constructor?.name ? `an instance of ${value.constructor.name}` : 'an object';
    } catch {
        return 'an object';
    }
}

// Clients with an open streaming operation. The native side holds a client's event sink weakly
// (a forgotten client must be collectable), so an open stream, whose events may come at any time,
// keeps its client reachable from here until it is closed.
const withOpenStreams = new Set<RequestResponseClient>();

enum StreamState {
    None,
    Open,
    Closed,
}

/**
 * A streaming operation: a subscription the client keeps (re-subscribing after reconnects) and
 * whose messages it emits as `incomingPublish`; `subscriptionStatus` tells how it stands.
 * Created by {@link RequestResponseClient.createStream}; nothing happens until {@link open}.
 */
export class StreamingOperationBase extends EventEmitter implements IStreamingOperation {
    static readonly SUBSCRIPTION_STATUS = 'subscriptionStatus';
    static readonly INCOMING_PUBLISH = 'incomingPublish';

    #state = StreamState.None;

    /** @internal */
    constructor(
        private readonly client: RequestResponseClient,
        /** @internal */ readonly id: number,
    ) {
        super();
    }

    /** aws-crt's factory (use {@link RequestResponseClient.createStream}). */
    static new(options: StreamingOperationOptions, client: RequestResponseClient): StreamingOperationBase {
        // (Its constructor is private: validate.isInstance cannot take the class.)
        let isClient: boolean;
        try {
            isClient = client instanceof RequestResponseClient;
        } catch (e) {
            throw validate.unreadable('client', e);
        }
        if (!isClient) {
            throw new TypeError(`client must be an mqtt_request_response.RequestResponseClient (got ${describe(client)})`);
        }
        return client.createStream(options);
    }

    /** Subscribes; events follow. Throws once closed. */
    open(): void {
        if (this.#state === StreamState.Open) return;
        if (this.#state === StreamState.Closed) {
            throw new CrtError(ErrorCodes.INVALID_ARGUMENT, 'MQTT streaming operation already closed');
        }
        this.client._openStream(this);
        this.#state = StreamState.Open;
    }

    /** Stops the operation (unsubscribing when no other operation uses the filter). Idempotent. */
    close(): void {
        if (this.#state === StreamState.Closed) return;
        const wasOpen = this.#state === StreamState.Open;
        this.#state = StreamState.Closed;
        this.client._closeStream(this, wasOpen);
    }

    override on(event: 'subscriptionStatus', listener: SubscriptionStatusListener): this;
    override on(event: 'incomingPublish', listener: IncomingPublishListener): this;
    override on(event: string | symbol, listener: (...args: never[]) => void): this {
        return super.on(event, listener as (...args: unknown[]) => void);
    }

    /** @internal */
    _deliver(event: string, data: unknown): void {
        if (this.#state === StreamState.Closed) return;
        // aws-crt emits these on the next tick; listeners that throw are reported as uncaught. A
        // listener may close the stream meanwhile: nothing is emitted after close().
        process.nextTick(() => {
            if (this.#state !== StreamState.Closed) this.emit(event, data);
        });
    }
}

/**
 * The request-response client (aws-crt's `mqtt_request_response.RequestResponseClient`). Build it
 * with {@link newFromMqtt5} or {@link newFromMqtt311}; close it when done (its streaming
 * operations close with it). While requests are pending it keeps the process alive.
 */
export class RequestResponseClient extends EventEmitter implements IRequestResponseClient {
    // The native client until close(), and the requests in flight.
    readonly #owner = new NativeOwner<NativeRequestResponseClient>(
        ErrorCodes.MQTT_REQUEST_RESPONSE_CLIENT_SHUT_DOWN,
        'MQTT request-response client has already been closed',
        'MQTT request-response client was closed',
    );
    #pendingCount = 0;
    #openStreams = 0;
    readonly #streams = new Map<number, StreamingOperationBase>();
    // Held here: the native side keeps only a weak reference to it (so a forgotten client can be
    // collected), and the events of a live one must find it.
    readonly #sink: NativeSink = (objects, records, count) => this.#onEvents(objects, records, count);

    private constructor(kind: 5 | 311, protocolClient: object, options: RequestResponseClientOptions) {
        super();
        const native = nativeHandles.get(protocolClient);
        if (native === undefined) {
            throw new TypeError(
                `protocolClient must be ${kind === 5 ? 'an mqtt5.Mqtt5Client' : 'an mqtt.MqttClientConnection'} of this package (got ${describe(protocolClient)})`,
            );
        }
        validate.requireObject(options, 'options');
        const o = validate.snapshot(
            options,
            ['maxRequestResponseSubscriptions', 'maxStreamingSubscriptions', 'operationTimeoutInSeconds'],
            'options',
        );
        const maxRr = checkCount(o.maxRequestResponseSubscriptions, 'options.maxRequestResponseSubscriptions', 65535, true)!;
        if (maxRr < 2) {
            throw new RangeError(`options.maxRequestResponseSubscriptions must be at least 2 (got ${maxRr})`);
        }
        const nativeOptions = {
            maxRequestResponseSubscriptions: maxRr,
            maxStreamingSubscriptions: checkCount(o.maxStreamingSubscriptions, 'options.maxStreamingSubscriptions', 65535, true),
            // aws-crt's default; the CRT itself refuses 0.
            operationTimeoutInSeconds: checkTimeout(o.operationTimeoutInSeconds),
        };
        this.#owner.native = new binding.NativeRequestResponseClient(kind, native, nativeOptions, this.#sink);
    }

    /** A request-response client over an MQTT 5 client. */
    static newFromMqtt5(protocolClient: Mqtt5Client, options: RequestResponseClientOptions): RequestResponseClient {
        if (!validate.isInstance(protocolClient, Mqtt5Client, 'protocolClient')) {
            throw new TypeError(`protocolClient must be an mqtt5.Mqtt5Client (got ${describe(protocolClient)})`);
        }
        return new RequestResponseClient(5, protocolClient, options);
    }

    /** A request-response client over an MQTT 3.1.1 connection. */
    static newFromMqtt311(protocolClient: MqttClientConnection, options: RequestResponseClientOptions): RequestResponseClient {
        if (!validate.isInstance(protocolClient, MqttClientConnection, 'protocolClient')) {
            throw new TypeError(`protocolClient must be an mqtt.MqttClientConnection (got ${describe(protocolClient)})`);
        }
        return new RequestResponseClient(311, protocolClient, options);
    }

    /** Releases the client: pending requests reject, streaming operations close. Idempotent. */
    close(): void {
        if (!this.#owner.native) return;
        for (const stream of [...this.#streams.values()]) stream.close();
        withOpenStreams.delete(this);
        this.#owner.close();
        this.#pendingCount = 0;
    }

    /** A streaming operation on a topic filter (call its `open()` to subscribe). */
    createStream(streamOptions: StreamingOperationOptions): StreamingOperationBase {
        const native = this.#live();
        validate.requireObject(streamOptions, 'streamOptions');
        const { subscriptionTopicFilter: filter } = validate.snapshot(
            streamOptions,
            ['subscriptionTopicFilter'],
            'streamOptions',
        );
        if (typeof filter !== 'string') {
            throw new TypeError(`streamOptions.subscriptionTopicFilter must be a string (got ${typeof filter})`);
        }
        validate.checkTopicFilter(filter, 'streamOptions.subscriptionTopicFilter');
        const stream = new StreamingOperationBase(this, native.createStream(filter));
        this.#streams.set(stream.id, stream);
        return stream;
    }

    /**
     * Subscribes as needed, publishes the request and resolves with the first response whose
     * correlation token matches (or rejects with a CrtError: timeout, refused subscription...).
     */
    submitRequest(requestOptions: RequestResponseOperationOptions): Promise<Response> {
        let id: number;
        try {
            const native = this.#live();
            id = native.submitRequest(readRequest(requestOptions));
        } catch (err) {
            return Promise.reject(err);
        }
        if (this.#pendingCount++ === 0) this.#owner.native?.setRunning(true);
        return this.#owner.pending.add<Response>(id);
    }

    /** @internal */
    _openStream(stream: StreamingOperationBase): void {
        this.#live().openStream(stream.id);
        this.#openStreams++;
        withOpenStreams.add(this);
    }

    /** @internal */
    _closeStream(stream: StreamingOperationBase, wasOpen: boolean): void {
        this.#streams.delete(stream.id);
        this.#owner.native?.closeStream(stream.id);
        if (wasOpen && --this.#openStreams === 0) withOpenStreams.delete(this);
    }

    #live(): NativeRequestResponseClient {
        return this.#owner.live();
    }

    #onEvents(objects: unknown[], records: Float64Array, count: number): void {
        let k = 0;
        for (let j = 0; j < count; ) {
            const kind = records[j];
            if (kind === NativeRecord.Event) {
                j += 1;
                try {
                    this.#dispatch(objects[k++] as NativeEvent);
                } catch (err) {
                    raiseUncaught(err);
                }
            } else {
                // The request-response client sends only full events; skip anything else whole.
                j += kind === NativeRecord.Message ? 5 : kind === NativeRecord.Arena ? 1 : 2;
            }
        }
    }

    #dispatch(ev: NativeEvent): void {
        const info = ev.packet as NativeRrInfo | undefined;
        switch (ev.event) {
            case NativeEventType.RrRequestComplete: {
                const native = this.#owner.native;
                if (!native) return;
                if (ev.errorCode) this.#owner.pending.reject(ev.id!, new CrtError(ev.errorCode, 'request failed'));
                else this.#owner.pending.resolve(ev.id!, { topic: info?.topic ?? '', payload: arrayBufferOf(info?.payload) });
                if (--this.#pendingCount === 0) native.setRunning(false);
                break;
            }
            case NativeEventType.RrStreamStatus: {
                const event: SubscriptionStatusEvent = { type: info?.status as SubscriptionStatusEventType };
                if (ev.errorCode) event.error = new CrtError(ev.errorCode);
                this.#streams.get(ev.id!)?._deliver(StreamingOperationBase.SUBSCRIPTION_STATUS, event);
                break;
            }
            case NativeEventType.RrStreamPublish:
                this.#streams.get(ev.id!)?._deliver(StreamingOperationBase.INCOMING_PUBLISH, {
                    topic: info?.topic ?? '',
                    payload: arrayBufferOf(info?.payload),
                });
                break;
        }
    }
}

const REQUEST_KEYS = ['subscriptionTopicFilters', 'responsePaths', 'publishTopic', 'payload', 'correlationToken'] as const;

/** The request read once into a plain, checked object for the native layer. */
function readRequest(options: RequestResponseOperationOptions): Record<string, unknown> {
    validate.requireObject(options, 'requestOptions');
    const o = validate.snapshot(options, REQUEST_KEYS, 'requestOptions');
    const filters = validate.readList(o.subscriptionTopicFilters, 'requestOptions.subscriptionTopicFilters');
    if (filters.length === 0) throw new RangeError('requestOptions.subscriptionTopicFilters must not be empty');
    filters.forEach((f, i) => {
        const field = `requestOptions.subscriptionTopicFilters[${i}]`;
        if (typeof f !== 'string') throw new TypeError(`${field} must be a string (got ${typeof f})`);
        validate.checkTopicFilter(f, field);
    });
    const paths = validate.readList(o.responsePaths, 'requestOptions.responsePaths');
    if (paths.length === 0) throw new RangeError('requestOptions.responsePaths must not be empty');
    const responsePaths = paths.map((p, i) => {
        const field = `requestOptions.responsePaths[${i}]`;
        validate.requireObject(p, field);
        const path = validate.snapshot(p, ['topic', 'correlationTokenJsonPath'], field);
        if (typeof path.topic !== 'string') throw new TypeError(`${field}.topic must be a string (got ${typeof path.topic})`);
        validate.checkTopicName(path.topic, `${field}.topic`);
        if (path.correlationTokenJsonPath !== undefined && path.correlationTokenJsonPath !== null) {
            if (typeof path.correlationTokenJsonPath !== 'string') {
                throw new TypeError(
                    `${field}.correlationTokenJsonPath must be a string (got ${typeof path.correlationTokenJsonPath})`,
                );
            }
            validate.utf8String(path.correlationTokenJsonPath, `${field}.correlationTokenJsonPath`);
        }
        return path;
    });
    if (typeof o.publishTopic !== 'string') {
        throw new TypeError(`requestOptions.publishTopic must be a string (got ${typeof o.publishTopic})`);
    }
    validate.checkTopicName(o.publishTopic, 'requestOptions.publishTopic');
    if (o.correlationToken !== undefined && o.correlationToken !== null) {
        if (typeof o.correlationToken !== 'string') {
            throw new TypeError(`requestOptions.correlationToken must be a string (got ${typeof o.correlationToken})`);
        }
        validate.utf8String(o.correlationToken, 'requestOptions.correlationToken');
    }
    if (o.payload === undefined || o.payload === null) throw new TypeError('requestOptions.payload is required');
    return {
        subscriptionTopicFilters: filters,
        responsePaths,
        publishTopic: o.publishTopic,
        payload: validate.binary(o.payload, 'requestOptions.payload', false),
        correlationToken: o.correlationToken,
    };
}
