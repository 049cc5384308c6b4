// The table of operations in flight: a ring by id, with a Map for operations that outlive their
// slot (the ring holds 4096).
import { describe, expect, it } from 'vitest';
import { PendingOperations } from '../../dist/pending.js';

/** Watches a promise from the start (so a rejection is handled); state() reads it a turn later. */
function watch(p: Promise<unknown>) {
    let state = 'pending';
    p.then(
        (v) => (state = `resolved ${JSON.stringify(v)}`),
        (e) => (state = `rejected ${e.message}`),
    );
    return async () => {
        await new Promise((r) => setImmediate(r));
        return state;
    };
}

describe('PendingOperations', () => {
    it('settles each id once, by value or error; unknown and settled ids are ignored', async () => {
        const t = new PendingOperations();
        const a = watch(t.add(1)),
            b = watch(t.add(2)),
            c = watch(t.add(3));
        t.resolve(1, 'one');
        t.reject(2, new Error('two'));
        t.resolve(2, 'late'); // settled already
        t.resolve(99, 'unknown');
        expect(await a()).toBe('resolved "one"');
        expect(await b()).toBe('rejected two');
        expect(await c()).toBe('pending');
        t.resolve(3, undefined);
        expect(await c()).toBe('resolved undefined');
    });

    it('keeps an operation that outlives its slot while 10,000 others come and go', async () => {
        const t = new PendingOperations();
        const slow = watch(t.add(1)); // e.g. a subscribe that waits
        const stuck = watch(t.add(2)); // e.g. a publish queued while offline
        for (let id = 3; id < 10_003; id++) {
            const p = watch(t.add(id));
            t.resolve(id, id);
            if (id % 1000 === 0) expect(await p()).toBe(`resolved ${id}`);
            if (id % 5000 === 0) expect(await slow()).toBe('pending');
        }
        t.resolve(1, 'late');
        expect(await slow()).toBe('resolved "late"');
        t.rejectAll(() => new Error('closed'));
        expect(await stuck()).toBe('rejected closed');
    });

    it('rejectAll reaches the ring and the overflow, each promise with its own error', async () => {
        const t = new PendingOperations();
        const ps = [t.add(1), t.add(4097), t.add(8193), t.add(5)].map(watch); // 1, 4097 and 8193 share a slot
        let n = 0;
        t.rejectAll(() => new Error(`closed ${++n}`));
        const states = await Promise.all(ps.map((state) => state()));
        expect(states.every((s) => /^rejected closed \d$/.test(s))).toBe(true);
        expect(new Set(states).size).toBe(4);
    });

    it('grows from its first slots with 3,000 in flight and settles each with its own value', async () => {
        const t = new PendingOperations();
        const states = Array.from({ length: 3000 }, (_, i) => watch(t.add(i + 1)));
        for (let id = 3000; id >= 1; id--) t.resolve(id, id * 2);
        const got = await Promise.all(states.map((s) => s()));
        expect(got.every((s, i) => s === `resolved ${(i + 1) * 2}`)).toBe(true);
    });
});
