// The promises of operations in flight, by operation id. Ids come from the addon in increasing
// order, so a ring indexed by the id's low bits finds each in one step, with no hashing and no
// entry object; an operation still pending when its slot comes round again (a subscribe that
// waits long, publishes queued while offline) moves to a Map.

const RING = 4096; // a power of two, above the operations usually in flight

interface Settlers {
    resolve: (value: any) => void;
    reject: (error: Error) => void;
}

/** @internal */
export class PendingOperations {
    readonly #ids = new Float64Array(RING);
    readonly #resolve: Array<((value: any) => void) | undefined> = new Array(RING).fill(undefined);
    readonly #reject: Array<((error: Error) => void) | undefined> = new Array(RING).fill(undefined);
    readonly #overflow = new Map<number, Settlers>();
    // The executor hands each promise's functions over through these (no closure per operation).
    #nextResolve: ((value: any) => void) | undefined;
    #nextReject: ((error: Error) => void) | undefined;
    readonly #executor = (resolve: (value: any) => void, reject: (error: Error) => void): void => {
        this.#nextResolve = resolve;
        this.#nextReject = reject;
    };

    /** A promise for operation `id` (ids increase), settled by resolve()/reject() below. */
    add<T>(id: number): Promise<T> {
        const promise = new Promise<T>(this.#executor);
        const k = id & (RING - 1);
        const old = this.#ids[k];
        if (old !== 0) this.#overflow.set(old, { resolve: this.#resolve[k]!, reject: this.#reject[k]! });
        this.#ids[k] = id;
        this.#resolve[k] = this.#nextResolve;
        this.#reject[k] = this.#nextReject;
        this.#nextResolve = this.#nextReject = undefined;
        return promise;
    }

    /** Resolves operation `id` if it is pending. */
    resolve(id: number, value: unknown): void {
        const k = id & (RING - 1);
        if (this.#ids[k] === id) {
            const f = this.#resolve[k]!;
            this.#clear(k);
            f(value);
        } else if (this.#overflow.size > 0) {
            const s = this.#overflow.get(id);
            if (s) {
                this.#overflow.delete(id);
                s.resolve(value);
            }
        }
    }

    /** Rejects operation `id` if it is pending. */
    reject(id: number, error: Error): void {
        const k = id & (RING - 1);
        if (this.#ids[k] === id) {
            const f = this.#reject[k]!;
            this.#clear(k);
            f(error);
        } else if (this.#overflow.size > 0) {
            const s = this.#overflow.get(id);
            if (s) {
                this.#overflow.delete(id);
                s.reject(error);
            }
        }
    }

    /** Rejects every pending operation with an error from `make()`. */
    rejectAll(make: () => Error): void {
        const rejects: Array<(error: Error) => void> = [];
        for (let k = 0; k < RING; k++) {
            if (this.#ids[k] !== 0) {
                rejects.push(this.#reject[k]!);
                this.#clear(k);
            }
        }
        for (const s of this.#overflow.values()) rejects.push(s.reject);
        this.#overflow.clear();
        for (const r of rejects) r(make());
    }

    #clear(k: number): void {
        this.#ids[k] = 0;
        this.#resolve[k] = undefined;
        this.#reject[k] = undefined;
    }
}
