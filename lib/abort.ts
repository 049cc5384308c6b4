// Cancellation with AbortSignal: reading an `options.signal`, the AbortError that aborted
// operations reject with, and racing an operation's promise against its signal.
//
// An abort rejects the promise at once and removes its listener, and asks the native client to
// withdraw the operation (patches/aws-c-mqtt/0013): one not yet written to the socket (queued
// while offline, or behind others) is then never sent, and fails inside the client with
// AWS_ERROR_IO_OPERATION_CANCELLED, freeing its copy of the packet. One already written cannot be
// unsent: it completes (or fails) inside the client, which drops the outcome. An operation whose
// signal is already aborted is never submitted.

/** Options accepted by `publish`, `subscribe`, `unsubscribe` and `connected`. */
export interface OperationOptions {
    /**
     * Aborting it rejects the returned promise with an `AbortError` (a `DOMException` whose
     * `cause` is the signal's reason). `AbortSignal.timeout(ms)` gives a deadline.
     */
    signal?: AbortSignal;
}

/** The error an aborted operation rejects with: what Node's own APIs use (`name` 'AbortError', `code` 20). */
export function abortError(signal: AbortSignal): DOMException {
    return new DOMException('The operation was aborted', { name: 'AbortError', cause: signal.reason });
}

/**
 * Reads `options` once: undefined, or an object whose `signal` is undefined or an AbortSignal.
 * Throws a TypeError naming the field otherwise.
 */
export function readSignal(options: unknown, what: string): AbortSignal | undefined {
    if (options === undefined) return undefined;
    if (typeof options !== 'object' || options === null) {
        throw new TypeError(`${what} must be an object (got ${options === null ? 'null' : typeof options})`);
    }
    let signal: unknown;
    try {
        signal = (options as OperationOptions).signal;
    } catch (e) {
        throw new TypeError(`${what}.signal could not be read: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (signal !== undefined && !(signal instanceof AbortSignal)) {
        const got =
            signal === null ? 'null' : typeof signal === 'object' ? (signal.constructor?.name ?? 'object') : typeof signal;
        throw new TypeError(`${what}.signal must be an AbortSignal (got ${got})`);
    }
    return signal as AbortSignal | undefined;
}

/**
 * `promise`, or an AbortError as soon as `signal` aborts, whichever comes first. The abort
 * listener is removed when either happens, and `promise`'s own later outcome is consumed (no
 * unhandled rejection). `onAbort` runs once, on abort, to release what the operation holds; it
 * is best effort (what it throws is dropped: the operation then completes as if not withdrawn).
 */
export function raceSignal<T>(promise: Promise<T>, signal: AbortSignal, onAbort?: () => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
        const abort = () => {
            reject(abortError(signal));
            try {
                onAbort?.();
            } catch {
                // Only an allocation failure in the addon: nothing to report to anyone.
            }
        };
        signal.addEventListener('abort', abort, { once: true });
        promise.then(
            (value) => {
                signal.removeEventListener('abort', abort);
                resolve(value);
            },
            (error) => {
                signal.removeEventListener('abort', abort);
                reject(error);
            },
        );
    });
}
