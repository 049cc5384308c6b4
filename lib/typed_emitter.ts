import { EventEmitter } from 'node:events';

/**
 * An EventEmitter whose event names and listener arguments are checked against an event map. The
 * checks are the compiler's: at run time it is EventEmitter itself (no wrapper per call).
 */
export interface TypedEventEmitter<Events extends { [K in keyof Events]: (...args: any[]) => void }> extends EventEmitter {
    on<K extends keyof Events & string>(event: K, listener: Events[K]): this;
    once<K extends keyof Events & string>(event: K, listener: Events[K]): this;
    off<K extends keyof Events & string>(event: K, listener: Events[K]): this;
    addListener<K extends keyof Events & string>(event: K, listener: Events[K]): this;
    removeListener<K extends keyof Events & string>(event: K, listener: Events[K]): this;
    prependListener<K extends keyof Events & string>(event: K, listener: Events[K]): this;
    emit<K extends keyof Events & string>(event: K, ...args: Parameters<Events[K]>): boolean;
}

/** EventEmitter, with its statics, as the constructor of a {@link TypedEventEmitter} for `Events`. */
export const TypedEventEmitter = EventEmitter as Omit<typeof EventEmitter, 'prototype'> &
    (new <Events extends { [K in keyof Events]: (...args: any[]) => void }>() => TypedEventEmitter<Events>);

/**
 * An error from a listener or a user callback: reported as an uncaught exception on the next
 * tick, as an EventEmitter listener's would be, without costing the caller the rest of its work
 * (the other listeners, the rest of a batch) and never as a rejected promise nobody handles.
 */
export function raiseUncaught(err: unknown): void {
    process.nextTick(() => {
        throw err;
    });
}
