// The paths publish/subscribe/unsubscribe take when given options or a C++ completion callback,
// or watched through diagnostics_channel; the plain call never comes here. With options it reads
// the signal, runs the client's own submission inside the tracing channel, and races the outcome
// against the signal; an abort withdraws the operation from the native client if it has not been
// written yet.
import { abortError, raceSignal, readSignal } from './abort';
import { completeOperation } from './cpp/completion';
import type { Mqtt5Client } from './mqtt5_client';
import { channels, type OperationTraceContext } from './tracing';

type Kind = 'publish' | 'subscribe' | 'unsubscribe';

/**
 * @internal An operation not in its plain form: `onComplete` is options (an object), or nothing
 * while someone watches through diagnostics_channel (then {@link runOperation}), or else the C++
 * completion callback. `submit` is the client's own submission, called with the client as `this`
 * (no closure: one capturing `packet` in the client's method would cost the plain form a context
 * allocation on every call).
 */
export function submitInOtherForm<T, P>(
    client: Mqtt5Client,
    kind: Kind,
    submit: (this: Mqtt5Client, packet: P) => Promise<T>,
    packet: P,
    onComplete: unknown,
    withdrawerOfLast: () => () => void,
): Promise<T> | false {
    if (onComplete == null || typeof onComplete === 'object') {
        return runOperation(client, kind, submit, packet, onComplete, withdrawerOfLast);
    }
    // biome-ignore lint/suspicious/noExplicitAny: each operation's callback has its own result type
    return completeOperation(client, kind, tracedSubmit(kind, submit), packet, onComplete as (...args: any[]) => void);
}

/**
 * @internal `submit` is the client's own submission (called with `client` as `this`), which
 * throws when the operation is refused (bad input, closed client): that becomes a rejection here,
 * as in the plain call. `withdrawerOfLast`, called right after a submission, returns what
 * withdraws that operation (see lib/abort.ts).
 */
export function runOperation<C extends object, P, T>(
    client: C,
    kind: Kind,
    submit: (this: C, packet: P) => Promise<unknown>,
    packet: P,
    options: unknown,
    withdrawerOfLast: () => () => void,
): Promise<T> {
    let signal: AbortSignal | undefined;
    try {
        signal = readSignal(options, `${kind} options`);
    } catch (e) {
        return Promise.reject(e);
    }
    const run = (): Promise<unknown> => {
        // Already aborted: nothing is submitted.
        if (signal?.aborted) return Promise.reject(abortError(signal));
        let promise: Promise<unknown>;
        try {
            promise = submit.call(client, packet);
        } catch (e) {
            return Promise.reject(e);
        }
        return signal ? raceSignal(promise, signal, withdrawerOfLast()) : promise;
    };
    const channel = channels[kind];
    if (!channel.hasSubscribers) return run() as Promise<T>;
    const context: OperationTraceContext = { client, operation: kind, packet };
    return channel.tracePromise(run, context) as Promise<T>;
}

/**
 * @internal The C++ callback form's submission, inside the tracing channel when someone listens
 * (otherwise `submit` itself: no allocation). It still throws when the operation is refused (the
 * callback form returns false then): a TracingChannel publishes `error` and `end` for that.
 */
export function tracedSubmit<C extends object, P, T>(
    kind: Kind,
    submit: (this: C, packet: P) => Promise<T>,
): (this: C, packet: P) => Promise<T> {
    const channel = channels[kind];
    if (!channel.hasSubscribers) return submit;
    return function (this: C, packet: P): Promise<T> {
        return channel.tracePromise(submit, { client: this, operation: kind, packet }, this, packet) as Promise<T>;
    };
}
