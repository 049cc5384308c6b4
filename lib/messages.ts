// client.messages(filter): a subscription read with `for await`.
//
// Backpressure rides on manual PUBACK control (mqtt5_ack.ts): the stream takes the acknowledgement
// handle of each QoS 1 message it queues and sends the PUBACK only once the loop is done with the
// message (when it asks for the next one, or ends). The broker sends at most receiveMaximum QoS 1
// messages unacknowledged, so a loop that falls behind holds at most that many, and the rest wait
// at the broker. QoS 0 messages cannot be held back: at most `highWaterMark` wait, the oldest
// dropped first (counted in `dropped`).
import { abortError, readSignal } from './abort';
import { CrtError, ErrorCodes } from './error';
import type { PublishAcknowledgementHandle } from './mqtt5_ack';
import {
    QoS,
    type SupportedQoS,
    type RetainHandlingType,
    type SubackPacket,
    SubackReasonCode,
    type PublishPacket,
    type SubscribePacket,
    type Subscription,
} from './mqtt5_packet';
import type { MessageReceivedEvent } from './mqtt5_types';
import type { MetricsRecorder } from './metrics';
import * as validate from './validate';

/** Options of `client.messages(filter, options)`. */
export interface MessagesOptions {
    /** The subscription's QoS; default 1 (AtLeastOnce), which is what gives backpressure. */
    qos?: QoS;
    /** Subscription option: do not deliver this client's own publishes. */
    noLocal?: boolean;
    /** Subscription option: keep the retain flag as published. */
    retainAsPublished?: boolean;
    /** Subscription option: when retained messages are sent. */
    retainHandlingType?: RetainHandlingType;
    /** Most messages without a held PUBACK (QoS 0) kept waiting for the loop; default 1000. */
    highWaterMark?: number;
    /** Aborting it ends the stream: a waiting `next()` rejects with an AbortError, then it is done. */
    signal?: AbortSignal;
}

/** The structural part of the client the stream uses. */
interface StreamClient {
    subscribe(packet: SubscribePacket): Promise<SubackPacket>;
    unsubscribe(packet: { topicFilters: string[] }): Promise<unknown>;
    on(event: 'messageReceived', listener: (e: MessageReceivedEvent) => void): unknown;
    on(event: 'connectionSuccess', listener: (e: { settings: { rejoinedSession: boolean } }) => void): unknown;
    once(event: 'disconnection', listener: () => void): unknown;
    off(event: string, listener: (...args: never[]) => void): unknown;
}

// Subscription identifiers given to streams count down from the largest MQTT allows, away from
// the small numbers applications pick for their own subscriptions.
const MAX_SUBSCRIPTION_IDENTIFIER = 268435455;

/** One broker subscription per client and filter, shared by the streams on that filter. */
interface Shared {
    filter: string;
    subscriptionIdentifier: number | undefined;
    streams: number;
    subscribed: Promise<SubackPacket>;
    /** Removes its connectionSuccess listener. */
    dispose(): void;
}

function subscribeSafely(client: StreamClient, packet: SubscribePacket): Promise<SubackPacket> {
    try {
        return client.subscribe(packet);
    } catch (e) {
        return Promise.reject(e);
    }
}

/**
 * Subscribes, and again on each later connection that did not resume the session (a new session
 * starts with no subscriptions). Not before the first SUBACK: until then the first SUBSCRIBE is
 * still in the client's queue and goes out on the new connection by itself.
 */
function share(client: StreamClient, filter: string, packet: SubscribePacket): Shared {
    let acknowledged = false;
    const onConnection = (e: { settings: { rejoinedSession: boolean } }) => {
        if (acknowledged && !e.settings.rejoinedSession) subscribeSafely(client, packet).catch(() => {});
    };
    const subscribed = subscribeSafely(client, packet);
    subscribed.then(
        () => {
            acknowledged = true;
        },
        () => {},
    );
    client.on('connectionSuccess', onConnection);
    return {
        filter,
        subscriptionIdentifier: packet.subscriptionIdentifier,
        streams: 0,
        subscribed,
        dispose: () => client.off('connectionSuccess', onConnection),
    };
}

/** The options of `client.messages(filter, options)`, checked, and the subscription they ask for. */
function readOptions(
    filter: string,
    options: MessagesOptions | undefined,
): { signal: AbortSignal | undefined; highWaterMark: number; subscription: Subscription } {
    if (options !== undefined) validate.requireObject(options, 'messages options');
    const o = options === undefined ? {} : validate.snapshot(options, OPTION_KEYS, 'messages options');
    // From the snapshot: the caller's getter runs once.
    const signal = readSignal(options === undefined ? undefined : { signal: o.signal }, 'messages options');
    const qos = o.qos === undefined ? QoS.AtLeastOnce : o.qos;
    if (qos !== 0 && qos !== 1) {
        throw new RangeError(`messages options.qos must be 0 (AtMostOnce) or 1 (AtLeastOnce) (got ${String(qos)})`);
    }
    const hwm = o.highWaterMark === undefined ? 1000 : o.highWaterMark;
    if (typeof hwm !== 'number' || !Number.isInteger(hwm) || hwm < 1) {
        throw new RangeError(`messages options.highWaterMark must be an integer >= 1 (got ${String(hwm)})`);
    }
    for (const key of ['noLocal', 'retainAsPublished'] as const) {
        if (o[key] !== undefined && typeof o[key] !== 'boolean') {
            throw new TypeError(`messages options.${key} must be a boolean (got ${typeof o[key]})`);
        }
    }
    if (
        o.retainHandlingType !== undefined &&
        o.retainHandlingType !== 0 &&
        o.retainHandlingType !== 1 &&
        o.retainHandlingType !== 2
    ) {
        throw new RangeError(`messages options.retainHandlingType must be 0, 1 or 2 (got ${String(o.retainHandlingType)})`);
    }
    return {
        signal,
        highWaterMark: hwm,
        subscription: {
            topicFilter: filter,
            qos: qos as SupportedQoS,
            ...(o.noLocal !== undefined && { noLocal: o.noLocal as boolean }),
            ...(o.retainAsPublished !== undefined && { retainAsPublished: o.retainAsPublished as boolean }),
            ...(o.retainHandlingType !== undefined && {
                retainHandlingType: o.retainHandlingType as RetainHandlingType,
            }),
        },
    };
}

interface ClientRegistry {
    byFilter: Map<string, Shared>;
    nextIdentifier: number;
}

const registries = new WeakMap<object, ClientRegistry>();

/**
 * Whether `topic` matches the MQTT topic filter `filter` (`+`: one level, `#`: the rest, a
 * `$share/<group>/` prefix ignored, and topics starting with `$` not matched by a leading wildcard).
 */
export function topicMatches(filter: string, topic: string): boolean {
    if (filter.startsWith('$share/')) {
        const slash = filter.indexOf('/', 7);
        if (slash < 0) return false;
        filter = filter.slice(slash + 1);
    }
    if (topic.startsWith('$') && (filter[0] === '+' || filter[0] === '#')) return false;
    const f = filter.split('/');
    const t = topic.split('/');
    for (let i = 0; i < f.length; i++) {
        if (f[i] === '#') return true; // also matches the parent level: 'a/#' matches 'a'
        if (i >= t.length) return false;
        if (f[i] !== '+' && f[i] !== t[i]) return false;
    }
    return f.length === t.length;
}

interface Entry {
    message: PublishPacket;
    handle: PublishAcknowledgementHandle | null;
}

/**
 * The messages of one subscription, as an async iterator. Made by `client.messages()`; it
 * subscribes at once and unsubscribes when it ends (`return()`, `throw()`, the signal, or the
 * client closing). Each QoS 1 message is acknowledged when the loop asks for the next one.
 */
export class MessageStream implements AsyncIterableIterator<PublishPacket> {
    /** The topic filter. */
    readonly filter: string;
    /**
     * Settles with the SUBACK (or the subscribe's failure, which also ends the stream). Never an
     * unhandled rejection: the stream observes it itself.
     */
    readonly subscribed: Promise<SubackPacket>;
    /** QoS 0 messages dropped because `highWaterMark` were already waiting. */
    dropped = 0;

    readonly #client: StreamClient;
    readonly #registry: ClientRegistry;
    readonly #shared: Shared;
    readonly #highWaterMark: number;
    readonly #signal: AbortSignal | undefined;
    readonly #queue: Entry[] = [];
    // The message the loop is working on: its PUBACK goes when the loop asks for the next one.
    #current: PublishAcknowledgementHandle | null = null;
    readonly #waiting: Array<{ resolve: (r: IteratorResult<PublishPacket>) => void; reject: (e: unknown) => void }> = [];
    #ended = false;
    // An error the next next() rejects with (the abort, a failed subscribe, the client closing).
    #failure: unknown;
    #ending: Promise<void> | undefined;
    readonly #onMessage = (e: MessageReceivedEvent) => this.#receive(e);
    readonly #onAbort = () => this.#fail(abortError(this.#signal!));
    readonly #onClose = () => this.#fail(new CrtError(ErrorCodes.MQTT5_CLIENT_TERMINATED, 'the client was closed'));
    readonly #recorder: MetricsRecorder;

    /** @internal made by `client.messages()`. */
    constructor(client: StreamClient, recorder: MetricsRecorder, filter: string, options?: MessagesOptions) {
        if (typeof filter !== 'string')
            throw new TypeError(`messages.filter must be a string (got ${filter === null ? 'null' : typeof filter})`);
        validate.checkTopicFilter(filter, 'messages.filter');
        const { signal, highWaterMark: hwm, subscription } = readOptions(filter, options);
        if (recorder.state === 'closed') throw new CrtError(ErrorCodes.MQTT5_CLIENT_TERMINATED, 'the client is closed');
        this.filter = filter;
        this.#client = client;
        this.#recorder = recorder;
        this.#highWaterMark = hwm;
        this.#signal = signal;
        let registry = registries.get(client);
        if (registry === undefined) {
            registry = { byFilter: new Map(), nextIdentifier: MAX_SUBSCRIPTION_IDENTIFIER };
            registries.set(client, registry);
        }
        this.#registry = registry;
        // Listening before subscribing: retained messages may come right after the SUBACK.
        client.on('messageReceived', this.#onMessage);
        let shared = registry.byFilter.get(filter);
        if (shared === undefined) {
            // Identifiers only when the current connection says the broker takes them; otherwise
            // (not connected yet, or not granted) messages are matched by topic.
            const ids = recorder.current?.settings.subscriptionIdentifiersAvailable === true;
            const packet: SubscribePacket = { subscriptions: [subscription] };
            if (ids) packet.subscriptionIdentifier = registry.nextIdentifier--;
            shared = share(client, filter, packet);
            registry.byFilter.set(filter, shared);
        }
        shared.streams++;
        this.#shared = shared;
        this.subscribed = shared.subscribed.then((suback) => {
            const code = suback.reasonCodes[0];
            if (
                code !== SubackReasonCode.GrantedQoS0 &&
                code !== SubackReasonCode.GrantedQoS1 &&
                code !== SubackReasonCode.GrantedQoS2
            ) {
                throw new Error(`the broker refused the subscription to ${filter} (SUBACK reason code ${code})`);
            }
            return suback;
        });
        this.subscribed.catch((e) => this.#fail(e));
        recorder.closeHooks.add(this.#onClose);
        signal?.addEventListener('abort', this.#onAbort, { once: true });
        if (signal?.aborted) this.#fail(abortError(signal));
    }

    [Symbol.asyncIterator](): this {
        return this;
    }

    /** The next message; acknowledges the previous one first. */
    next(): Promise<IteratorResult<PublishPacket>> {
        this.#acknowledgeCurrent();
        const entry = this.#queue.shift();
        if (entry !== undefined) {
            this.#current = entry.handle;
            return Promise.resolve({ value: entry.message, done: false });
        }
        if (this.#failure !== undefined) {
            const failure = this.#failure;
            this.#failure = undefined;
            return Promise.reject(failure);
        }
        if (this.#ended) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve, reject) => this.#waiting.push({ resolve, reject }));
    }

    /**
     * Ends the stream (what `break` and `return` in a `for await` call): acknowledges what it
     * holds, and unsubscribes if no other stream of this client uses the filter. Resolves once
     * the UNSUBACK (or the unsubscribe's failure) arrived, at once if the client is not connected.
     */
    async return(): Promise<IteratorResult<PublishPacket>> {
        this.#failure = undefined;
        await this.#end();
        return { value: undefined, done: true };
    }

    /** Ends the stream as {@link return} does (a `throw` inside `for await` calls return(), not this). */
    async throw(error?: unknown): Promise<IteratorResult<PublishPacket>> {
        await this.return();
        throw error;
    }

    /** For `await using`: {@link return}. */
    async [Symbol.asyncDispose](): Promise<void> {
        await this.return();
    }

    #receive(e: MessageReceivedEvent): void {
        if (this.#ended) return;
        const message = e.message;
        const id = this.#shared.subscriptionIdentifier;
        if (id !== undefined ? !message.subscriptionIdentifiers?.includes(id) : !topicMatches(this.filter, message.topicName))
            return;
        // Take over the PUBACK (null if a listener before this one took it, or at QoS 0).
        const handle = e.acknowledgementControl?.acquireHandle() ?? null;
        const waiter = this.#waiting.shift();
        if (waiter !== undefined) {
            // Concurrent next() calls: the loop has moved past the one it held.
            this.#acknowledgeCurrent();
            this.#current = handle;
            waiter.resolve({ value: message, done: false });
            return;
        }
        this.#queue.push({ message, handle });
        if (handle === null) this.#dropOver();
    }

    /** Keeps at most highWaterMark messages without a held PUBACK, dropping the oldest. */
    #dropOver(): void {
        let unheld = 0;
        for (const entry of this.#queue) if (entry.handle === null) unheld++;
        for (let i = 0; unheld > this.#highWaterMark && i < this.#queue.length; ) {
            if (this.#queue[i].handle === null) {
                this.#queue.splice(i, 1);
                unheld--;
                this.dropped++;
            } else i++;
        }
    }

    #acknowledgeCurrent(): void {
        const current = this.#current;
        this.#current = null;
        current?.invokeAcknowledgement();
    }

    /** Ends with an error: a waiting next() rejects with it; otherwise the next call does. */
    #fail(error: unknown): void {
        if (this.#ended) return;
        const waiter = this.#waiting.shift();
        if (waiter !== undefined) waiter.reject(error);
        else this.#failure = error;
        void this.#end();
    }

    #end(): Promise<void> {
        if (this.#ending) return this.#ending;
        this.#ended = true;
        this.#client.off('messageReceived', this.#onMessage);
        this.#recorder.closeHooks.delete(this.#onClose);
        this.#signal?.removeEventListener('abort', this.#onAbort);
        // The broker counts unacknowledged messages against receiveMaximum for the whole
        // connection: what this stream held must not keep other subscriptions waiting.
        this.#acknowledgeCurrent();
        for (const entry of this.#queue.splice(0)) entry.handle?.invokeAcknowledgement();
        for (const waiter of this.#waiting.splice(0)) waiter.resolve({ value: undefined, done: true });
        this.#ending = this.#release();
        return this.#ending;
    }

    async #release(): Promise<void> {
        const shared = this.#shared;
        if (--shared.streams > 0) return;
        this.#registry.byFilter.delete(shared.filter);
        shared.dispose();
        if (this.#recorder.state === 'closed') return;
        let unsubscribed: Promise<unknown>;
        try {
            unsubscribed = this.#client.unsubscribe({ topicFilters: [shared.filter] });
        } catch {
            return; // the client closed: the subscription went with it
        }
        const done = unsubscribed.then(
            () => {},
            () => {},
        );
        // Offline, the UNSUBSCRIBE waits in the client's queue: ending does not wait for it, nor
        // past the loss of the connection it was sent on.
        if (this.#recorder.state !== 'connected') return;
        let lost: (() => void) | undefined;
        await Promise.race([done, new Promise<void>((resolve) => this.#client.once('disconnection', (lost = resolve)))]);
        this.#client.off('disconnection', lost!);
    }
}

const OPTION_KEYS = ['qos', 'noLocal', 'retainAsPublished', 'retainHandlingType', 'highWaterMark', 'signal'] as const;
