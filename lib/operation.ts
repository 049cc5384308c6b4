// The path publish/subscribe/unsubscribe take when given options or watched through
// diagnostics_channel; the plain call never comes here. It reads the signal, runs the client's own
// submission inside the tracing channel, and races the outcome against the signal.
import { abortError, raceSignal, readSignal } from './abort';
import { channels, type OperationTraceContext } from './tracing';

type Kind = 'publish' | 'subscribe' | 'unsubscribe';

/**
 * @internal `submit` is the client's own submission, which throws when the operation is refused
 * (bad input, closed client): that becomes a rejection here, as in the plain call.
 */
export function runOperation<T>(
    client: object,
    kind: Kind,
    submit: (packet: unknown) => Promise<unknown>,
    packet: unknown,
    options: unknown,
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
            promise = submit(packet);
        } catch (e) {
            return Promise.reject(e);
        }
        return signal ? raceSignal(promise, signal) : promise;
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
