// Small waiting helpers shared by the integration tests.

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `cond` every 10 ms until it holds; fails after `ms` with `what()` in the message. */
export async function waitFor(cond: () => boolean, ms: number, what: () => string): Promise<void> {
    const deadline = Date.now() + ms;
    while (!cond()) {
        if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what()}`);
        await sleep(10);
    }
}

/** A promise whose outcome can be inspected synchronously (and whose rejection is never unhandled). */
export interface Tracked<T> {
    promise: Promise<T>;
    settled: boolean;
    status?: 'fulfilled' | 'rejected';
    value?: T;
    reason?: any;
    /** performance.now() when it settled. */
    at?: number;
}

export function track<T>(promise: Promise<T>): Tracked<T> {
    const t: Tracked<T> = { promise, settled: false };
    promise.then(
        (value) => Object.assign(t, { settled: true, status: 'fulfilled', value, at: performance.now() }),
        (reason) => Object.assign(t, { settled: true, status: 'rejected', reason, at: performance.now() }),
    );
    return t;
}
