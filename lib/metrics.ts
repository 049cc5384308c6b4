// What the client records about itself for operators: connection state and history, operation
// counts, the last error; `client.metrics()` copies it into a snapshot. Recording is a few
// counter increments on paths that already run (no timers, no allocation per operation).
import { abortError, readSignal } from './abort';
import { CrtError, ErrorCodes } from './error';
import type { ConnackPacket, DisconnectPacket } from './mqtt5_packet';
import type { ClientStatistics, ConnectionSuccessEvent, NegotiatedSettings } from './mqtt5_types';
import { channels, type ConnectionChannelMessage } from './tracing';

/**
 * The client's connection state:
 * - `stopped`: not started, or stopped (`stopped` was emitted);
 * - `connecting`: started and not connected (attempting, or waiting to retry);
 * - `connected`: a connection is up (since `connectionSuccess`);
 * - `stopping`: `stop()` was called and `stopped` has not been emitted yet;
 * - `closed`: `close()` was called; the client is unusable.
 */
export type ConnectionState = 'stopped' | 'connecting' | 'connected' | 'stopping' | 'closed';

/** Counts for one kind of operation. `started` = `succeeded` + `failed` + those in progress. */
export interface OperationCounts {
    /** Submitted to the client (calls that passed the input checks). */
    started: number;
    /** Completed: written (QoS 0) or acknowledged by the server, whatever the ACK's reason code. */
    succeeded: number;
    /** Failed inside the client (timeout, offline queue policy, stop, close, ...). */
    failed: number;
}

/** The last failure the client saw. */
export interface LastError {
    /** Where: a connection attempt, a lost connection, or an operation. */
    source: 'connectionFailure' | 'disconnection' | 'publish' | 'subscribe' | 'unsubscribe';
    /** The CRT error name, e.g. `AWS_IO_SOCKET_CONNECTION_REFUSED`. */
    code: string;
    /** The CRT error number. */
    errorCode: number;
    /** The error's message. */
    message: string;
    /** When, in ms since the epoch. */
    at: number;
}

/** One snapshot of a client's state and history, from `client.metrics()`. Counts are since the client was made. */
export interface ClientMetrics {
    /** The connection state now. */
    state: ConnectionState;
    /** When the current connection was established (ms since the epoch); absent unless `connected`. */
    connectedSince?: number;
    /** The settings of the current connection; absent unless `connected`. */
    negotiatedSettings?: NegotiatedSettings;
    /** Connection attempts begun (`attemptingConnect`). */
    connectionAttempts: number;
    /** Attempts that succeeded (`connectionSuccess`). */
    connectionSuccesses: number;
    /** Attempts that failed (`connectionFailure`). */
    connectionFailures: number;
    /** Established connections that ended (`disconnection`), for any reason including `stop()`. */
    disconnections: number;
    /** Successful connections after the first: how often the client reconnected. */
    reconnects: number;
    /** The last connection, disconnection or operation error; absent if none yet. */
    lastError?: LastError;
    /** Publishes. */
    publishes: OperationCounts;
    /** Subscribes. */
    subscribes: OperationCounts;
    /** Unsubscribes. */
    unsubscribes: OperationCounts;
    /** Messages received from the server (each counted once, before listeners run). */
    messagesReceived: number;
    /**
     * The queue: operations the client holds, from the native client
     * ({@link ClientStatistics}; all 0 once closed).
     */
    operations: ClientStatistics;
}

function counts(): OperationCounts {
    return { started: 0, succeeded: 0, failed: 0 };
}

/** @internal the client's record of itself; it calls the on* methods from the paths they name. */
export class MetricsRecorder {
    state: ConnectionState = 'stopped';
    connectedSince: number | undefined;
    current: ConnectionSuccessEvent | undefined;
    attempts = 0;
    successes = 0;
    failures = 0;
    disconnections = 0;
    lastError: LastError | undefined;
    readonly publishes = counts();
    readonly subscribes = counts();
    readonly unsubscribes = counts();
    messages = 0;
    /** Run by onClose (message streams end with the client). */
    readonly closeHooks = new Set<() => void>();
    // connected() calls waiting for a connection.
    #waiters: Set<{ resolve: (e: ConnectionSuccessEvent) => void; reject: (e: unknown) => void }> | undefined;
    readonly #client: object;

    constructor(client: object) {
        this.#client = client;
    }

    onStart(): void {
        if (this.state === 'stopped' || this.state === 'stopping') this.state = 'connecting';
        if (channels.connection.hasSubscribers) channels.connection.publish({ client: this.#client, event: 'start' });
    }

    onStop(): void {
        this.state = 'stopping';
        // At the call, not at 'stopped': the CRT emits no 'stopped' for a stop() that follows
        // start() before the client got going, and a waiter must not wait for it.
        this.#rejectWaiters(() => new CrtError(ErrorCodes.MQTT5_USER_REQUESTED_STOP, 'the client was stopped before connecting'));
        if (channels.connection.hasSubscribers) channels.connection.publish({ client: this.#client, event: 'stop' });
    }

    onAttempt(): void {
        this.attempts++;
        if (this.state !== 'stopping') this.state = 'connecting';
        if (channels.connection.hasSubscribers) channels.connection.publish({ client: this.#client, event: 'attemptingConnect' });
    }

    onSuccess(event: ConnectionSuccessEvent): void {
        this.successes++;
        if (this.state !== 'stopping') this.state = 'connected';
        this.connectedSince = Date.now();
        this.current = event;
        if (channels.connection.hasSubscribers)
            channels.connection.publish({
                client: this.#client,
                event: 'connectionSuccess',
                connack: event.connack,
                settings: event.settings,
            });
        const waiters = this.#waiters;
        if (waiters === undefined) return;
        this.#waiters = undefined;
        for (const w of waiters) w.resolve(event);
    }

    onFailure(error: CrtError, connack?: ConnackPacket): void {
        this.failures++;
        this.#error('connectionFailure', error);
        if (channels.connection.hasSubscribers) {
            const message: ConnectionChannelMessage = { client: this.#client, event: 'connectionFailure', error };
            if (connack) message.connack = connack;
            channels.connection.publish(message);
        }
    }

    onDisconnection(error: CrtError, disconnect?: DisconnectPacket): void {
        this.disconnections++;
        if (this.state === 'connected') this.state = 'connecting';
        this.connectedSince = undefined;
        this.current = undefined;
        // A stop() ends the connection with "user requested stop": not a failure worth reporting.
        if (error.errorCode !== ErrorCodes.MQTT5_USER_REQUESTED_STOP) this.#error('disconnection', error);
        if (channels.connection.hasSubscribers) {
            const message: ConnectionChannelMessage = { client: this.#client, event: 'disconnection', error };
            if (disconnect) message.disconnect = disconnect;
            channels.connection.publish(message);
        }
    }

    onStopped(): void {
        this.state = 'stopped';
        this.connectedSince = undefined;
        this.current = undefined;
        if (channels.connection.hasSubscribers) channels.connection.publish({ client: this.#client, event: 'stopped' });
    }

    onClose(): void {
        this.state = 'closed';
        this.connectedSince = undefined;
        this.current = undefined;
        // Whatever was in progress failed with the client.
        for (const c of [this.publishes, this.subscribes, this.unsubscribes]) c.failed = c.started - c.succeeded;
        if (channels.connection.hasSubscribers) channels.connection.publish({ client: this.#client, event: 'close' });
        this.#rejectWaiters(() => new CrtError(ErrorCodes.MQTT5_CLIENT_TERMINATED, 'the client was closed'));
        for (const hook of [...this.closeHooks]) hook();
        this.closeHooks.clear();
    }

    /** An operation failed inside the client with this CRT error. */
    onOperationError(kind: 'publish' | 'subscribe' | 'unsubscribe', error: CrtError): void {
        this.countsOf(kind).failed++;
        // One withdrawn on abort failed by the caller's wish, not by an error.
        if (error.errorCode !== ErrorCodes.IO_OPERATION_CANCELLED) this.#error(kind, error);
    }

    countsOf(kind: 'publish' | 'subscribe' | 'unsubscribe'): OperationCounts {
        return kind === 'publish' ? this.publishes : kind === 'subscribe' ? this.subscribes : this.unsubscribes;
    }

    snapshot(operations: ClientStatistics): ClientMetrics {
        const m: ClientMetrics = {
            state: this.state,
            connectionAttempts: this.attempts,
            connectionSuccesses: this.successes,
            connectionFailures: this.failures,
            disconnections: this.disconnections,
            reconnects: Math.max(0, this.successes - 1),
            publishes: { ...this.publishes },
            subscribes: { ...this.subscribes },
            unsubscribes: { ...this.unsubscribes },
            messagesReceived: this.messages,
            operations,
        };
        if (this.connectedSince !== undefined) m.connectedSince = this.connectedSince;
        if (this.current !== undefined) m.negotiatedSettings = { ...this.current.settings };
        if (this.lastError !== undefined) m.lastError = { ...this.lastError };
        return m;
    }

    /** `client.connected(options)`: the current connection, or the next one. */
    waitConnected(options: unknown): Promise<ConnectionSuccessEvent> {
        let signal: AbortSignal | undefined;
        try {
            signal = readSignal(options, 'connected options');
        } catch (e) {
            return Promise.reject(e);
        }
        if (this.state === 'closed') {
            return Promise.reject(new CrtError(ErrorCodes.MQTT5_CLIENT_TERMINATED, 'the client is closed'));
        }
        if (signal?.aborted) return Promise.reject(abortError(signal));
        if (this.state === 'connected' && this.current) return Promise.resolve(this.current);
        return new Promise<ConnectionSuccessEvent>((resolve, reject) => {
            const waiter = {
                resolve: (e: ConnectionSuccessEvent) => {
                    signal?.removeEventListener('abort', abort);
                    resolve(e);
                },
                reject: (e: unknown) => {
                    signal?.removeEventListener('abort', abort);
                    reject(e);
                },
            };
            const abort = () => {
                this.#waiters?.delete(waiter);
                reject(abortError(signal!));
            };
            signal?.addEventListener('abort', abort, { once: true });
            (this.#waiters ??= new Set()).add(waiter);
        });
    }

    #rejectWaiters(make: () => Error): void {
        const waiters = this.#waiters;
        if (waiters === undefined) return;
        this.#waiters = undefined;
        for (const w of waiters) w.reject(make());
    }

    #error(source: LastError['source'], error: CrtError): void {
        this.lastError = { source, code: error.code, errorCode: error.errorCode, message: error.message, at: Date.now() };
    }
}
