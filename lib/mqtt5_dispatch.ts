// The receiving side of an MQTT 5 client: the native layer's event batches (lib/native.ts) become
// settled promises and events. Messages, the hot path, are compact records decoded here without
// an object per record; everything else is a NativeEvent, dispatched by type.
import type { EventEmitter } from 'node:events';
// The event data classes, as the C++ SDK names them.
import * as eventData from './cpp/events';
import {
    adopt,
    ConnAckPacket,
    NegotiatedSettings,
    PubAckPacket,
    ReceivedPublishPacket,
    SubAckPacket,
    UnSubAckPacket,
} from './cpp/results';
import { CrtError } from './error';
import { runHandshakeTransform } from './handshake_transform';
import { PublishAcknowledgementHandleWrapper } from './mqtt5_ack';
import type { MetricsRecorder } from './metrics';
import { exactBytes, ownBinaries, withUserProperties } from './mqtt5_received';
import { connectionContext, disconnectionContext, type Endpoint, mqttErrorCode, packetLimitContext } from './mqtt5_errors';
import type { PublishPacket } from './mqtt5_packet';
import { PubackReasonCode } from './mqtt5_packet';
import type { Mqtt5ClientEvents, ReceivedBinary, WebsocketHandshakeTransform } from './mqtt5_types';
import { type NativeEvent, NativeEventType, NativeMessageBits, type NativeMqtt5Client, NativeRecord } from './native';
import type { NativeOwner } from './native_owner';
import { channels } from './tracing';
import { DisconnectPacket } from './packet_classes';
import { raiseUncaught } from './typed_emitter';

/** A packet the native layer built, as its C++ class (same object; its user properties [] when none, as aws-crt gives them). */
function received<T>(packet: object, cls: { prototype: T }): T {
    return adopt(withUserProperties(packet), cls);
}

/**
 * @internal One client's receiver of native event batches (its sink calls {@link onEvents}). It
 * holds the state the events change and the client reads: whether the client runs, and the
 * largest packet the server accepts.
 */
export class Mqtt5EventDispatcher {
    /** start() was called and 'stopped' has not been emitted since. */
    started = false;
    /** The largest packet the server accepts, from the last CONNACK (undefined before the first). */
    maxPacketSize: number | undefined;
    /** Sends one PUBACK (made on first use: most clients never need it). */
    #ackOne: ((ackId: number) => void) | undefined;
    readonly #client: EventEmitter;
    // The native client (nothing more is emitted once the client closed it) and the operations in flight.
    readonly #owner: NativeOwner<NativeMqtt5Client>;
    // State, counts and last error for metrics(), connected() and messages() (lib/metrics.ts).
    readonly #metrics: MetricsRecorder;
    // Received payloads as Buffers over shared memory (config.zeroCopyPayloads) instead of own ArrayBuffers.
    readonly #zeroCopy: boolean;
    // Where the client connects: named in connection errors.
    readonly #endpoint: Endpoint;
    readonly #transform: WebsocketHandshakeTransform | undefined;

    constructor(
        client: EventEmitter,
        owner: NativeOwner<NativeMqtt5Client>,
        metrics: MetricsRecorder,
        options: { zeroCopy: boolean; endpoint: Endpoint; transform: WebsocketHandshakeTransform | undefined },
    ) {
        this.#client = client;
        this.#owner = owner;
        this.#metrics = metrics;
        this.#zeroCopy = options.zeroCopy;
        this.#endpoint = options.endpoint;
        this.#transform = options.transform;
    }

    #settle(event: NativeEvent, value: unknown, kind: 'publish' | 'subscribe' | 'unsubscribe'): void {
        if (event.errorCode) {
            // A packet the CRT refused as invalid: say which limits were in force.
            const context =
                event.errorCode === mqttErrorCode('AWS_ERROR_MQTT5_PACKET_VALIDATION')
                    ? packetLimitContext(this.maxPacketSize)
                    : undefined;
            const error = new CrtError(event.errorCode, context);
            this.#metrics.onOperationError(kind, error);
            this.#owner.pending.reject(event.id!, error);
        } else {
            this.#metrics.countsOf(kind).succeeded++;
            this.#owner.pending.resolve(event.id!, value);
        }
    }

    onEvents(objects: unknown[], records: Float64Array, count: number): void {
        const owner = this.#owner;
        if (!owner.native) return; // closed: everything pending was rejected already
        const pending = owner.pending;
        const autoAck: number[] = [];
        const metrics = this.#metrics;
        // Someone listens on mqtt5-crt:message (asked once per batch).
        const observe = channels.message.hasSubscribers;
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
                    let payload: ReceivedBinary;
                    if (bits & NativeMessageBits.External) {
                        const own = objects[k++] as Buffer;
                        payload = this.#zeroCopy ? own : exactBytes(own);
                    } else {
                        // The arena holds the whole batch: a view would show the other messages.
                        payload = this.#zeroCopy ? Buffer.from(arena!, offset, length) : arena!.slice(offset, offset + length);
                    }
                    // A C++ PublishPacket too (its getters are on the prototype).
                    const message: PublishPacket = new ReceivedPublishPacket(
                        payload,
                        bits & NativeMessageBits.QosMask,
                        (bits & NativeMessageBits.Retain) !== 0,
                        topic,
                    );
                    metrics.messages++;
                    if (observe) channels.message.publish({ client: this.#client, message });
                    if (ackId === 0) this.#emitSafely('messageReceived', new eventData.PublishReceivedEventData(message));
                    else this.#deliverAcked(message, ackId, autoAck);
                } else if (kind === NativeRecord.Done || kind === NativeRecord.Puback) {
                    const id = records[j + 1];
                    j += 2;
                    metrics.publishes.succeeded++;
                    pending.resolve(id, kind === NativeRecord.Done ? undefined : new PubAckPacket(PubackReasonCode.Success));
                } else if (kind === NativeRecord.PubackReason) {
                    const id = records[j + 1];
                    const reasonCode = records[j + 2];
                    j += 3;
                    metrics.publishes.succeeded++;
                    pending.resolve(id, new PubAckPacket(reasonCode));
                } else if (kind === NativeRecord.Arena) {
                    j += 1;
                    arena = objects[k++] as ArrayBuffer;
                } else {
                    j += 1;
                    const ev = objects[k++] as NativeEvent;
                    if (ev.event !== NativeEventType.MessageReceived) this.#dispatch(ev);
                    else {
                        metrics.messages++;
                        if (!this.#zeroCopy) ownBinaries(ev.packet);
                        if (observe) channels.message.publish({ client: this.#client, message: ev.packet });
                        if (ev.ackId === undefined)
                            this.#emitSafely('messageReceived', new eventData.PublishReceivedEventData(ev.packet));
                        else this.#deliverAcked(ev.packet, ev.ackId, autoAck);
                    }
                }
            } catch (err) {
                raiseUncaught(err);
            }
            // A listener closed the client: nothing more may be emitted (its pending operations
            // were rejected by close()), so the rest of the batch is dropped.
            if (!owner.native) return;
        }
        // The PUBACKs nobody took over go out together, in one call per batch.
        if (autoAck.length > 0 && owner.native) owner.native.acknowledge(autoAck);
    }

    /** emit() that runs every listener even when one throws (each error is raised separately). */
    #emitSafely(event: keyof Mqtt5ClientEvents & string, payload: unknown): void {
        const listeners = this.#client.rawListeners(event) as Array<(arg: unknown) => void>;
        for (let i = 0; i < listeners.length; i++) {
            // A listener closed the client: the later ones are not called (nothing is emitted
            // after close() returns).
            if (i > 0 && !this.#owner.native) return;
            try {
                listeners[i].call(this.#client, payload);
            } catch (err) {
                raiseUncaught(err);
            }
        }
    }

    /** A QoS 1 message: listeners may take over its PUBACK; otherwise it joins this batch's. */
    #deliverAcked(message: PublishPacket, ackId: number, autoAck: number[]): void {
        const wrapper = new PublishAcknowledgementHandleWrapper(
            (this.#ackOne ??= (id: number) => this.#owner.native?.acknowledge([id])),
            ackId,
        );
        try {
            this.#emitSafely('messageReceived', new eventData.PublishReceivedEventData(message, wrapper));
        } finally {
            if (wrapper.release()) autoAck.push(ackId);
        }
    }

    #dispatch(ev: NativeEvent): void {
        switch (ev.event) {
            // The packets the native layer builds become the C++ classes (same objects, getters added).
            case NativeEventType.PublishComplete:
                this.#settle(ev, ev.packet ? received(ev.packet, PubAckPacket) : ev.packet, 'publish');
                break;
            case NativeEventType.SubscribeComplete:
                this.#settle(ev, ev.packet ? received(ev.packet, SubAckPacket) : ev.packet, 'subscribe');
                break;
            case NativeEventType.UnsubscribeComplete:
                this.#settle(ev, ev.packet ? received(ev.packet, UnSubAckPacket) : ev.packet, 'unsubscribe');
                break;
            case NativeEventType.AttemptingConnect:
                this.#metrics.onAttempt();
                this.#emitSafely('attemptingConnect', new eventData.OnAttemptingConnectEventData());
                break;
            case NativeEventType.ConnectionSuccess: {
                this.maxPacketSize = ev.settings?.maximumPacketSizeToServer;
                const data = new eventData.OnConnectionSuccessEventData(
                    received(ev.packet, ConnAckPacket),
                    adopt(ev.settings, NegotiatedSettings),
                );
                this.#metrics.onSuccess(data);
                this.#emitSafely('connectionSuccess', data);
                break;
            }
            case NativeEventType.ConnectionFailure: {
                const code = ev.errorCode ?? 0;
                const data = new eventData.OnConnectionFailureEventData(
                    new CrtError(code, connectionContext(this.#endpoint, code)),
                    ev.packet ? received(ev.packet, ConnAckPacket) : undefined,
                );
                this.#metrics.onFailure(data.error, data.connack);
                this.#emitSafely('connectionFailure', data);
                break;
            }
            case NativeEventType.TlsHandshakeFailed: {
                const code = ev.errorCode ?? 0;
                // The same error the delayed connectionFailure of this attempt will carry.
                const error = new CrtError(code, connectionContext(this.#endpoint, code));
                this.#emitSafely('tlsHandshakeFailed', { error });
                break;
            }
            case NativeEventType.Disconnection: {
                const data = new eventData.OnDisconnectionEventData(
                    new CrtError(ev.errorCode ?? 0, disconnectionContext(this.#endpoint)),
                    ev.packet ? received(ev.packet, DisconnectPacket) : undefined,
                );
                this.#metrics.onDisconnection(data.error, data.disconnect);
                this.#emitSafely('disconnection', data);
                break;
            }
            case NativeEventType.SlowConsumer:
                this.#emitSafely('slowConsumer', ev.packet);
                break;
            case NativeEventType.WebsocketTransform:
                runHandshakeTransform(this.#transform!, ev.packet, (code, rewritten) =>
                    this.#owner.native?.completeWebsocketTransform(ev.id!, code, rewritten),
                );
                break;
            case NativeEventType.Stopped:
                this.started = false;
                this.#metrics.onStopped();
                this.#emitSafely('stopped', new eventData.OnStoppedEventData());
                break;
        }
    }
}
