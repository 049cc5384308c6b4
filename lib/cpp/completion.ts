// The C++ SDK's callback forms on the promise-based client:
//  - completion callbacks, `publish(packet, (client, errorCode, result) => ...)` and likewise for
//    subscribe/unsubscribe (C++ `OnPublishCompletionHandler`, ...);
//  - the (client, eventData) form of the builder's lifecycle and publish-received callbacks.
import type { Mqtt5Client } from '../mqtt5_client';
import type { PubackPacket, SubackPacket, UnsubackPacket } from '../mqtt5_packet';
import { raiseUncaught } from '../typed_emitter';
import { errorCodeOf } from './errors';
import { type PubAckPacket, PublishResult, type SubAckPacket, type UnSubAckPacket } from './results';

/** C++ `OnPublishCompletionHandler`: `result` is never null (`getAck()` is null for QoS 0 and failures). */
export type OnPublishCompletionHandler = (client: Mqtt5Client, errorCode: number, result: PublishResult) => void;
/** C++ `OnSubscribeCompletionHandler`: `suback` is null when the subscribe failed without a SUBACK. */
export type OnSubscribeCompletionHandler = (client: Mqtt5Client, errorCode: number, suback: SubAckPacket | null) => void;
/** C++ `OnUnsubscribeCompletionHandler`: `unsuback` is null when the unsubscribe failed without an UNSUBACK. */
export type OnUnsubscribeCompletionHandler = (client: Mqtt5Client, errorCode: number, unsuback: UnSubAckPacket | null) => void;

type Operation = 'publish' | 'subscribe' | 'unsubscribe';

// What C++'s Publish/Subscribe/Unsubscribe report for a packet the CRT refuses to send: the JS
// layer checks first and throws a TypeError/RangeError naming the field, which the callback gets
// as `result.error`, with the C++ error code next to it.
const VALIDATION_ERROR: Record<Operation, string> = {
    publish: 'AWS_ERROR_MQTT5_PUBLISH_OPTIONS_VALIDATION',
    subscribe: 'AWS_ERROR_MQTT5_SUBSCRIBE_OPTIONS_VALIDATION',
    unsubscribe: 'AWS_ERROR_MQTT5_UNSUBSCRIBE_OPTIONS_VALIDATION',
};

function codeOf(error: unknown, op: Operation): number {
    const code = (error as { errorCode?: unknown } | null)?.errorCode;
    if (typeof code === 'number' && code !== 0) return code;
    return errorCodeOf(VALIDATION_ERROR[op]);
}

function asError(error: unknown): Error {
    return error instanceof Error ? error : new Error(String(error));
}

// biome-ignore lint/suspicious/noExplicitAny: each operation's callback has its own result type
function call(fn: (...args: any[]) => void, ...args: unknown[]): void {
    try {
        fn(...args);
    } catch (err) {
        raiseUncaught(err);
    }
}

function publishOutcome(value: unknown, errorCode: number, error?: Error): PublishResult {
    // A QoS 0 publish resolves with undefined, a QoS 1 one with its PUBACK (already a PubAckPacket).
    const ack = value === undefined || value === null ? null : (value as PubAckPacket);
    return new PublishResult(ack, errorCode, error);
}

/**
 * Runs an operation in its C++ callback form. `submit` is the client's own submission (called
 * with the client as `this` and `packet`), which throws when the operation is refused before it
 * is queued (bad packet, closed client).
 *
 * - Accepted: returns the operation's promise (truthy, as C++ returns true; `await` still works),
 *   with a rejection handler attached, so a failure never becomes an unhandled rejection; the
 *   callback gets the outcome, success or failure, exactly once.
 * - Refused: returns false (C++ returns false) and the callback still gets the outcome, once, on
 *   a microtask (never inside the call): the error code and, in the result, the error itself.
 *
 * @internal
 */
export function completeOperation<T, P>(
    client: Mqtt5Client,
    op: Operation,
    submit: (this: Mqtt5Client, packet: P) => Promise<T>,
    packet: P,
    // biome-ignore lint/suspicious/noExplicitAny: PublishResult, SubAckPacket or UnSubAckPacket, by operation
    onComplete: (client: Mqtt5Client, errorCode: number, result: any) => void,
): Promise<T> | false {
    if (typeof onComplete !== 'function') {
        throw new TypeError(
            `${op}(packet, onComplete): onComplete must be a function (client, errorCode, result) => void; got ${typeof onComplete}`,
        );
    }
    let promise: Promise<T>;
    try {
        promise = submit.call(client, packet);
    } catch (error) {
        const e = asError(error);
        const code = codeOf(error, op);
        queueMicrotask(() => call(onComplete, client, code, op === 'publish' ? publishOutcome(undefined, code, e) : null));
        return false;
    }
    promise.then(
        (value) => call(onComplete, client, 0, op === 'publish' ? publishOutcome(value, 0) : value),
        (error) => {
            const code = codeOf(error, op);
            call(onComplete, client, code, op === 'publish' ? publishOutcome(undefined, code, asError(error)) : null);
        },
    );
    return promise;
}

/** The result types the promise form resolves with, as the C++ classes they are. */
export type CppPuback = PubackPacket & PubAckPacket;
/** @see CppPuback */
export type CppSuback = SubackPacket & SubAckPacket;
/** @see CppPuback */
export type CppUnsuback = UnsubackPacket & UnSubAckPacket;

/**
 * A builder callback as an event listener. The rule: a function that declares two or more
 * parameters (its `length`, which counts parameters before the first one with a default value or
 * `...rest`) is the C++ form `(client, eventData)`; any other is called with `(eventData)` alone.
 * @internal
 */
export function lifecycleListener(
    client: Mqtt5Client,
    callback: (...args: never[]) => void,
    what: string,
): (eventData: unknown) => void {
    if (typeof callback !== 'function') {
        throw new TypeError(`${what}: the callback must be a function (client, eventData) => void or (eventData) => void`);
    }
    // Each callback takes its own event data type; the client emits the matching one.
    const cb = callback as (...args: unknown[]) => void;
    if (cb.length >= 2) return (eventData: unknown) => cb(client, eventData);
    return cb;
}
