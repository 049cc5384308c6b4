import { EventEmitter } from 'node:events';

/** An EventEmitter whose event names and listener arguments are checked against an event map. */
export class TypedEventEmitter<Events extends { [K in keyof Events]: (...args: any[]) => void }> extends EventEmitter {
    override on<K extends keyof Events & string>(event: K, listener: Events[K]): this {
        return super.on(event, listener);
    }
    override once<K extends keyof Events & string>(event: K, listener: Events[K]): this {
        return super.once(event, listener);
    }
    override off<K extends keyof Events & string>(event: K, listener: Events[K]): this {
        return super.off(event, listener);
    }
    override addListener<K extends keyof Events & string>(event: K, listener: Events[K]): this {
        return super.addListener(event, listener);
    }
    override removeListener<K extends keyof Events & string>(event: K, listener: Events[K]): this {
        return super.removeListener(event, listener);
    }
    override prependListener<K extends keyof Events & string>(event: K, listener: Events[K]): this {
        return super.prependListener(event, listener);
    }
    override emit<K extends keyof Events & string>(event: K, ...args: Parameters<Events[K]>): boolean {
        return super.emit(event, ...args);
    }
}

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
