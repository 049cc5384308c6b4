// The promises of operations in flight, by operation id. Ids come from the addon in increasing
// order, so a ring indexed by the id's low bits finds each in one step, with no hashing and no
// entry object. The ring starts small (an idle client costs nearly nothing) and doubles, up to
// 4096 slots, when a slot it needs is taken; an operation still pending when its slot is needed
// at full size (a subscribe that waits long, publishes queued while offline) moves to a Map.

const INITIAL = 16;
const MAX = 4096;

interface Settlers {
    resolve: (value: any) => void;
    reject: (error: Error) => void;
}

/** @internal */
export class PendingOperations {
    #ids: Float64Array | undefined;
    #resolve: Array<((value: any) => void) | undefined> = [];
    #reject: Array<((error: Error) => void) | undefined> = [];
    #mask = -1;
    #overflow: Map<number, Settlers> | undefined;
    // The executor hands each promise's functions over through these (no closure per operation).
    #nextResolve: ((value: any) => void) | undefined;
    #nextReject: ((error: Error) => void) | undefined;
    readonly #executor = (resolve: (value: any) => void, reject: (error: Error) => void): void => {
        this.#nextResolve = resolve;
        this.#nextReject = reject;
    };

    readonly #onReject: ((error: Error) => void) | undefined;

    /** @param onReject called with the error of every operation it rejects, before the rejection */
    constructor(onReject?: (error: Error) => void) {
        this.#onReject = onReject;
    }

    /** A promise for operation `id` (ids increase, from 1), settled by resolve()/reject() below. */
    add<T>(id: number): Promise<T> {
        const promise = new Promise<T>(this.#executor);
        if (this.#ids === undefined) this.#resize(INITIAL);
        let k = id & this.#mask;
        if (this.#ids![k] !== 0 && this.#mask + 1 < MAX) {
            this.#resize((this.#mask + 1) * 2);
            k = id & this.#mask;
        }
        const ids = this.#ids!;
        if (ids[k] !== 0) this.#spill(k);
        ids[k] = id;
        this.#resolve[k] = this.#nextResolve;
        this.#reject[k] = this.#nextReject;
        this.#nextResolve = this.#nextReject = undefined;
        return promise;
    }

    /** Resolves operation `id` if it is pending. */
    resolve(id: number, value: unknown): void {
        this.#settle(id, true, value);
    }

    /** Rejects operation `id` if it is pending. */
    reject(id: number, error: Error): void {
        this.#settle(id, false, error);
    }

    #settle(id: number, ok: boolean, outcome: unknown): void {
        const k = id & this.#mask;
        let settle: ((outcome: any) => void) | undefined;
        if (this.#ids !== undefined && this.#ids[k] === id) {
            settle = ok ? this.#resolve[k] : this.#reject[k];
            this.#clear(k);
        } else {
            const s = this.#overflow?.get(id);
            if (s === undefined) return;
            this.#overflow!.delete(id);
            settle = ok ? s.resolve : s.reject;
        }
        if (!ok) this.#onReject?.(outcome as Error);
        settle!(outcome);
    }

    /** Rejects every pending operation with an error from `make()`. */
    rejectAll(make: () => Error): void {
        const rejects: Array<(error: Error) => void> = [];
        const ids = this.#ids;
        if (ids !== undefined) {
            for (let k = 0; k < ids.length; k++) {
                if (ids[k] !== 0) {
                    rejects.push(this.#reject[k]!);
                    this.#clear(k);
                }
            }
        }
        if (this.#overflow !== undefined) {
            for (const s of this.#overflow.values()) rejects.push(s.reject);
            this.#overflow.clear();
        }
        for (const r of rejects) {
            const error = make();
            this.#onReject?.(error);
            r(error);
        }
    }

    #clear(k: number): void {
        this.#ids![k] = 0;
        this.#resolve[k] = undefined;
        this.#reject[k] = undefined;
    }

    /** Moves slot k's operation to the Map. */
    #spill(k: number): void {
        (this.#overflow ??= new Map()).set(this.#ids![k], { resolve: this.#resolve[k]!, reject: this.#reject[k]! });
        this.#clear(k);
    }

    #resize(size: number): void {
        const ids = this.#ids;
        const resolve = this.#resolve;
        const reject = this.#reject;
        this.#ids = new Float64Array(size);
        this.#resolve = new Array(size).fill(undefined);
        this.#reject = new Array(size).fill(undefined);
        this.#mask = size - 1;
        if (ids === undefined) return;
        for (let k = 0; k < ids.length; k++) {
            if (ids[k] === 0) continue;
            const j = ids[k] & this.#mask;
            if (this.#ids[j] !== 0) this.#spill(j); // two live ids for one slot: one waits in the Map
            this.#ids[j] = ids[k];
            this.#resolve[j] = resolve[k];
            this.#reject[j] = reject[k];
        }
    }
}
