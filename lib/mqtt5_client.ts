// The MQTT 5 client: checks what callers pass and hands it to the native client. Its receiving
// side (the native event batches to settled promises and listeners) is lib/mqtt5_dispatch.ts; the
// options and callback forms of its operations are lib/operation.ts.
import type {
    CppSuback,
    CppUnsuback,
    OnPublishCompletionHandler,
    OnSubscribeCompletionHandler,
    OnUnsubscribeCompletionHandler,
} from './cpp/completion';
import type { OperationOptions } from './abort';
import { ErrorCodes } from './error';
import { websocketConfigOf } from './handshake_transform';
import type { PublishAcknowledgementHandle } from './mqtt5_ack';
import { MessageStream, type MessagesOptions } from './messages';
import { type ClientMetrics, MetricsRecorder } from './metrics';
import { readConfig, withWhatItGot } from './mqtt5_config';
import { Mqtt5EventDispatcher } from './mqtt5_dispatch';
import { endpointOf, oversizedPayload } from './mqtt5_errors';
import type { DisconnectPacket, PublishPacket, SubscribePacket, UnsubscribePacket } from './mqtt5_packet';
import type {
    ClientStatistics,
    ConnectionSuccessEvent,
    IMqtt5Client,
    Mqtt5ClientConfig,
    Mqtt5ClientEvents,
    PublishCompletionResult,
    ReceivedBinary,
    WebsocketHandshakeTransform,
} from './mqtt5_types';
import { binding, type NativeMqtt5Client, type NativeSink } from './native';
import { nativeHandles } from './native_handles';
import { NativeOwner } from './native_owner';
import { submitInOtherForm } from './operation';
import { channels } from './tracing';
import { TypedEventEmitter } from './typed_emitter';
import * as validate from './validate';

/**
 * An MQTT 5 client over aws-c-mqtt. Create it, add listeners, `start()` it; it connects and keeps
 * reconnecting until `stop()`. Operations return promises settled by the server's acknowledgement.
 * A started client keeps the process alive (like a socket); a stopped or closed one does not.
 */
export class Mqtt5Client<Binary extends ReceivedBinary = ArrayBuffer>
    extends TypedEventEmitter<Mqtt5ClientEvents<Binary>>
    implements IMqtt5Client
{
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
    /** Event name `slowConsumer`. */
    static readonly SLOW_CONSUMER = 'slowConsumer';

    // The native client until close(), and the operations in flight.
    readonly #owner = new NativeOwner<NativeMqtt5Client>(
        ErrorCodes.MQTT5_CLIENT_TERMINATED,
        'the client is closed',
        'the client was closed',
    );
    // Held here so the native side can keep only a weak reference while the client is stopped.
    readonly #sink: NativeSink;
    // The receiving side: turns the native event batches into settled promises and events.
    readonly #events: Mqtt5EventDispatcher;
    // The last topic that passed the topic checks: publishers mostly reuse a few topics.
    #checkedTopic: string | undefined;
    // State, counts and last error for metrics(), connected() and messages() (lib/metrics.ts).
    readonly #metrics = new MetricsRecorder(this);

    /**
     * @param config the client configuration; checked synchronously (TypeError/RangeError name the field)
     */
    constructor(config: Mqtt5ClientConfig) {
        super();
        const nativeConfig = readConfig(config);
        const zeroCopy = nativeConfig.zeroCopyPayloads === true;
        delete nativeConfig.zeroCopyPayloads;
        const transform = nativeConfig.websocketHandshakeTransform as WebsocketHandshakeTransform | undefined;
        delete nativeConfig.websocketHandshakeTransform;
        if (transform !== undefined) nativeConfig.websocket = websocketConfigOf(transform);
        this.#sink = (objects, records, count) => this.#events.onEvents(objects, records, count);
        let native: NativeMqtt5Client;
        try {
            native = new binding.NativeMqtt5Client(nativeConfig, this.#sink);
        } catch (err) {
            throw withWhatItGot(err, nativeConfig);
        }
        this.#owner.native = native;
        // Read after the native checks: host and port are a string and a number by now.
        const endpoint = endpointOf(nativeConfig, transform !== undefined);
        this.#events = new Mqtt5EventDispatcher(this, this.#owner, this.#metrics, { zeroCopy, endpoint, transform });
        nativeHandles.set(this, native);
    }

    /**
     * Starts connecting; the client reconnects by itself until {@link stop}. Returns true (C++
     * `Start()` returns whether it was accepted, and guide code tests `if (!client.start())`).
     */
    start(): boolean {
        this.#live().start();
        this.#events.started = true;
        this.#metrics.onStart();
        return true;
    }

    /**
     * Stops the client: sends the DISCONNECT (if given) and closes the connection. Every incomplete
     * operation fails; `stopped` is emitted when done. A later `start()` begins a new session.
     * Messages the client received before the stop took effect may still be emitted until
     * `stopped`; to receive nothing more at once, call {@link close} (after `stop()`, or instead).
     * Returns true when accepted (as C++ `Stop()`).
     */
    stop(disconnectPacket?: DisconnectPacket): boolean {
        // A closed client has nothing to stop (false: not accepted): clean-up code calls stop()
        // and close() in any order.
        if (this.#owner.native === undefined) return false;
        const disconnect = disconnectPacket === undefined ? undefined : validate.readDisconnect(disconnectPacket);
        // Reading the packet ran the caller's getters, which may have closed the client.
        const native = this.#owner.native;
        if (native === undefined) return false;
        native.stop(disconnect);
        this.#metrics.onStop();
        return true;
    }

    /**
     * Publishes a message. Resolves with the PUBACK for QoS 1 (check its `reasonCode`), or
     * `undefined` for QoS 0 once written to the socket. Every failure rejects, as with aws-crt: a
     * TypeError/RangeError naming the field for bad input, a {@link CrtError} otherwise (also after
     * {@link close}).
     *
     * With `onComplete` (C++ `Publish(packet, callback)`): the callback gets every outcome as
     * `(client, errorCode, result)` with `result.wasSuccessful()`, `getErrorCode()`, `getAck()`;
     * the return value is the promise when the publish was accepted (truthy; its rejection is
     * handled) or `false` when it was refused (bad packet, closed client).
     *
     * With `options` instead: `options.signal` aborts the wait (see {@link OperationOptions}).
     */
    publish(packet: PublishPacket, options?: OperationOptions): Promise<PublishCompletionResult>;
    publish(packet: PublishPacket, onComplete: OnPublishCompletionHandler): Promise<PublishCompletionResult> | false;
    publish(
        packet: PublishPacket,
        onComplete?: OnPublishCompletionHandler | OperationOptions,
    ): Promise<PublishCompletionResult> | false {
        // The plain call (no options, no callback, nobody watching through diagnostics_channel).
        if (onComplete == null && !channels.publish.hasSubscribers) {
            try {
                return this.#publish(packet);
            } catch (err) {
                return Promise.reject(err);
            }
        }
        // Reading the private method checks the receiver: a wrong `this` throws here, not `false`.
        return submitInOtherForm(this, 'publish', this.#publish, packet, onComplete, this.#withdrawerOfLast);
    }

    // The submissions throw when an operation is refused: the promise forms turn that into a
    // rejection, the C++ callback forms into `false` (and the callback).
    #publish(packet: PublishPacket): Promise<PublishCompletionResult> {
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
                // Buffers and other Uint8Arrays; an empty one takes the checked path (a view of a
                // detached buffer is empty too), as do other views (a DataView's length throws then).
                (payload instanceof Uint8Array && payload.byteLength !== 0 && !(payload.buffer instanceof SharedArrayBuffer)))
        ) {
            if (topic !== this.#checkedTopic) {
                validate.checkTopicName(topic, 'publish.topicName');
                this.#checkedTopic = topic;
            }
            const oversized = oversizedPayload(payload, this.#events.maxPacketSize);
            if (oversized) throw oversized;
            const id = native.publishFast(topic, payload, qos, retain === true);
            this.#metrics.publishes.started++;
            // The addon queues these; once per turn they go to the CRT's thread together.
            if (!this.#flushQueued) {
                this.#flushQueued = true;
                queueMicrotask(this.#flushPublishes);
            }
            return this.#track(id);
        }
        const p = validate.readPublish(packet, 'publish');
        const oversized = oversizedPayload(p.payload, this.#events.maxPacketSize);
        if (oversized) throw oversized;
        // Reading the packet ran the caller's getters, which may have closed the client.
        const id = this.#live().publish(p);
        this.#metrics.publishes.started++;
        return this.#track(id);
    }

    /**
     * Subscribes. Resolves with the SUBACK, whose `reasonCodes` tell per subscription what was
     * granted. Every failure rejects: a TypeError/RangeError naming the field, or a {@link CrtError}.
     * With `onComplete`: the C++ form `(client, errorCode, suback)`, returning as {@link publish} does.
     * With `options`: `options.signal` aborts the wait.
     */
    subscribe(packet: SubscribePacket, options?: OperationOptions): Promise<CppSuback>;
    subscribe(packet: SubscribePacket, onComplete: OnSubscribeCompletionHandler): Promise<CppSuback> | false;
    subscribe(packet: SubscribePacket, onComplete?: OnSubscribeCompletionHandler | OperationOptions): Promise<CppSuback> | false {
        if (onComplete == null && !channels.subscribe.hasSubscribers) {
            try {
                return this.#subscribe(packet);
            } catch (err) {
                return Promise.reject(err);
            }
        }
        return submitInOtherForm(this, 'subscribe', this.#subscribe, packet, onComplete, this.#withdrawerOfLast);
    }

    #subscribe(packet: SubscribePacket): Promise<CppSuback> {
        this.#live();
        const p = validate.readSubscribe(packet);
        const id = this.#live().subscribe(p);
        this.#metrics.subscribes.started++;
        return this.#track(id);
    }

    /**
     * Unsubscribes. Resolves with the UNSUBACK. Failures reject, as for {@link subscribe}.
     * With `onComplete`: the C++ form `(client, errorCode, unsuback)`, returning as {@link publish} does.
     * With `options`: `options.signal` aborts the wait.
     */
    unsubscribe(packet: UnsubscribePacket, options?: OperationOptions): Promise<CppUnsuback>;
    unsubscribe(packet: UnsubscribePacket, onComplete: OnUnsubscribeCompletionHandler): Promise<CppUnsuback> | false;
    unsubscribe(
        packet: UnsubscribePacket,
        onComplete?: OnUnsubscribeCompletionHandler | OperationOptions,
    ): Promise<CppUnsuback> | false {
        if (onComplete == null && !channels.unsubscribe.hasSubscribers) {
            try {
                return this.#unsubscribe(packet);
            } catch (err) {
                return Promise.reject(err);
            }
        }
        return submitInOtherForm(this, 'unsubscribe', this.#unsubscribe, packet, onComplete, this.#withdrawerOfLast);
    }

    #unsubscribe(packet: UnsubscribePacket): Promise<CppUnsuback> {
        this.#live();
        const p = validate.readUnsubscribe(packet);
        const id = this.#live().unsubscribe(p);
        this.#metrics.unsubscribes.started++;
        return this.#track(id);
    }

    /**
     * Waits for a connection: resolves with the current one's {@link ConnectionSuccessEvent} at
     * once if connected, else with the next one's. Connection failures do not end the wait (the
     * client keeps retrying); it rejects if `stop()` or `close()` is called first, or with an
     * AbortError when `options.signal` aborts (`AbortSignal.timeout(ms)` for a deadline).
     */
    connected(options?: OperationOptions): Promise<ConnectionSuccessEvent> {
        return this.#metrics.waitConnected(options);
    }

    /**
     * The messages of a subscription to `filter`, for `for await`: subscribes now, yields each
     * matching message, and unsubscribes when the loop ends. QoS 1 messages are acknowledged when
     * the loop is done with them, so a slow loop holds back the broker (see {@link MessageStream}).
     */
    messages(filter: string, options?: MessagesOptions): MessageStream {
        this.#live();
        return new MessageStream(this, this.#metrics, filter, options);
    }

    /** A snapshot of the client's state, counts and last error (fields documented in {@link ClientMetrics}). */
    metrics(): ClientMetrics {
        const native = this.#owner.native;
        return this.#metrics.snapshot(
            native
                ? native.getOperationalStatistics()
                : { incompleteOperationCount: 0, incompleteOperationSize: 0, unackedOperationCount: 0, unackedOperationSize: 0 },
        );
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
        if (this.#owner.native && this.#events.started) {
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
     * `AWS_ERROR_MQTT5_CLIENT_TERMINATED`; afterwards `start()` and the statistics throw a CrtError,
     * publish/subscribe/unsubscribe reject with one, and `stop()` does nothing.
     */
    close(): void {
        this.#owner.close(() => this.#metrics.onClose());
    }

    #live(): NativeMqtt5Client {
        return this.#owner.live();
    }

    #track<T>(id: number): Promise<T> {
        this.#lastId = id;
        return this.#owner.pending.add<T>(id);
    }

    // The id of the operation submitted last: an aborted operation is withdrawn by its id.
    #lastId = 0;
    // For the signal path (lib/operation.ts), called right after a submission: a function that asks
    // the native client to withdraw that operation if it has not been written yet.
    readonly #withdrawerOfLast = (): (() => void) => {
        const id = this.#lastId;
        const owner = this.#owner;
        return () => owner.native?.withdraw(id);
    };

    #flushQueued = false;
    readonly #flushPublishes = (): void => {
        this.#flushQueued = false;
        this.#owner.native?.flushPublishes();
    };
}
