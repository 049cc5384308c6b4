/**
 * Cancellation, as aws-crt's `cancel` module: a {@link CancelController} and a promise for the
 * next emission of an event that a controller can cancel. The AWS IoT Device SDK's service
 * clients use it to wait for stream events.
 *
 * @module cancel
 */
import { EventEmitter } from 'node:events';

export type CancelListener = () => void;
/** Removes what a promise registered, once it settled. */
export type PromiseCleanupFunctor = () => void;

export interface ICancelController {
    cancel(): void;
    hasBeenCancelled(): boolean;
    /** Calls `listener` on cancel (at once if already cancelled); returns its remover. */
    addListener(listener: CancelListener): PromiseCleanupFunctor | undefined;
}

export const EVENT_NAME = 'cancelled';

export type EventEmitterFactory = () => EventEmitter;

export interface CancelControllerOptions {
    /** Makes the emitter the controller signals through (default: a new EventEmitter). */
    emitterFactory?: EventEmitterFactory;
}

/** Signals cancellation, once, to every listener. */
export class CancelController implements ICancelController {
    #cancelled = false;
    readonly #emitter: EventEmitter;

    constructor(options?: CancelControllerOptions) {
        this.#emitter = options?.emitterFactory ? options.emitterFactory() : new EventEmitter();
    }

    cancel(): void {
        if (this.#cancelled) return;
        this.#cancelled = true;
        this.#emitter.emit(EVENT_NAME);
        this.#emitter.removeAllListeners(EVENT_NAME);
    }

    hasBeenCancelled(): boolean {
        return this.#cancelled;
    }

    addListener(listener: CancelListener): PromiseCleanupFunctor | undefined {
        if (this.#cancelled) {
            listener();
            return undefined;
        }
        this.#emitter.on(EVENT_NAME, listener);
        return () => {
            this.#emitter.removeListener(EVENT_NAME, listener);
        };
    }
}

export interface CancellableNextEventPromiseOptions<ResultType> {
    cancelController?: ICancelController;
    emitter: EventEmitter;
    eventName: string;
    /** Turns the event's data into the result; a throw rejects the promise. */
    // biome-ignore lint/suspicious/noExplicitAny: aws-crt's signature (the data is whatever the event carries)
    eventDataTransformer?: (eventData: any) => ResultType;
    /** The rejection reason on cancel. */
    cancelMessage?: string;
}

/**
 * A promise for the next `eventName` from `emitter` (its data, transformed if asked), rejected
 * with `cancelMessage` if the controller cancels first. Its listeners are removed once it settles.
 */
export function newCancellablePromiseFromNextEvent<ResultType>(
    config: CancellableNextEventPromiseOptions<ResultType>,
): Promise<ResultType> {
    let resolve!: (value: ResultType) => void;
    let reject!: (reason: unknown) => void;
    const promise = new Promise<ResultType>((res, rej) => {
        resolve = res;
        reject = rej;
    });
    const onEvent = (eventData: unknown) => {
        try {
            resolve(config.eventDataTransformer ? config.eventDataTransformer(eventData) : (eventData as ResultType));
        } catch (err) {
            reject(err);
        }
    };
    config.emitter.addListener(config.eventName, onEvent);
    const removeCancel = config.cancelController?.addListener(() => reject(config.cancelMessage));
    return promise.finally(() => {
        config.emitter.removeListener(config.eventName, onEvent);
        removeCancel?.();
    });
}
