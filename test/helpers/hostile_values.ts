// Hostile values for the property-based tests (test/unit/hostile_*.test.ts): recipes that build
// a fresh hostile value per run (odd objects, throwing proxies, nasty numbers, strings and bytes),
// printed by their label.
import fc from 'fast-check';

// Put the failing check's own message in the report (not only as the error's cause).
fc.configureGlobal({ includeErrorInReport: true });

export const RUNS = 150; // per property; there are many properties (one per field)
export const CONFIG = { hostName: '127.0.0.1', port: 1 };
export const MAX_SAFE = Number.MAX_SAFE_INTEGER;

// ---- Recipes: hostile values built fresh for every run, printed by their label ------------------

export interface Recipe {
    label: string;
    make(): unknown;
}
export function recipe(label: string, make: () => unknown): Recipe {
    return { label, make, [fc.toStringMethod]: () => label } as Recipe;
}
export const of = (label: string, value: unknown) => recipe(label, () => value);

export function show(v: unknown): string {
    try {
        if (typeof v === 'string')
            return v.length > 60 ? `string(${v.length}) ${JSON.stringify(v.slice(0, 40))}...` : JSON.stringify(v);
        if (typeof v === 'bigint') return `${v}n`;
        if (typeof v === 'symbol') return v.toString();
        if (v instanceof Error) return `${v.constructor?.name ?? 'Error'}(${JSON.stringify(v.message)})`;
        return fc.stringify(v).slice(0, 200);
    } catch {
        return `<${typeof v}>`;
    }
}

export class Boom extends Error {}
export const thrownValues: Recipe[] = [
    recipe('new Error("boom")', () => new Boom('boom')),
    recipe('new TypeError("boom")', () => new TypeError('boom')),
    of('"a thrown string"', 'a thrown string'),
    of('undefined', undefined),
    of('null', null),
    of('42', 42),
    recipe('Symbol()', () => Symbol('thrown')),
    recipe('{}', () => ({})),
    recipe('error with throwing message getter', () => ({
        get message() {
            throw new Error('message getter');
        },
    })),
];
export const thrown = fc.constantFrom(...thrownValues);

/** Objects whose every read through the given trap throws. */
export function trapProxy(
    trap: 'get' | 'has' | 'ownKeys' | 'getOwnPropertyDescriptor' | 'getPrototypeOf',
    target: object = {},
): object {
    return new Proxy(target, {
        [trap]() {
            throw new Boom(`${trap} trap`);
        },
    });
}
export function revoked(): object {
    const r = Proxy.revocable({}, {});
    r.revoke();
    return r.proxy;
}
export function detached(): ArrayBuffer {
    const b = new ArrayBuffer(8);
    structuredClone(b, { transfer: [b] });
    return b;
}

/** Hostile objects that are not built from getters or proxies (those are tested separately). */
export const oddObjects: Recipe[] = [
    recipe('new Date(0)', () => new Date(0)),
    recipe('/re/g', () => /re/g),
    recipe('new Map([[1,2]])', () => new Map([[1, 2]])),
    recipe('new Set([1])', () => new Set([1])),
    recipe('new WeakMap()', () => new WeakMap()),
    recipe('Promise.resolve(1)', () => Promise.resolve(1)),
    recipe('new Error("e")', () => new Error('e')),
    recipe('Object.create(null)', () => Object.create(null)),
    recipe('new String("s")', () => new String('s')),
    recipe('new Number(1)', () => new Number(1)),
    recipe('new Boolean(false)', () => new Boolean(false)),
    recipe('Buffer.from("buf")', () => Buffer.from('buf')),
    recipe('new ArrayBuffer(3)', () => new ArrayBuffer(3)),
    recipe('new DataView(new ArrayBuffer(2))', () => new DataView(new ArrayBuffer(2))),
    recipe('new Float64Array([NaN])', () => new Float64Array([NaN])),
    recipe('new BigInt64Array(2)', () => new BigInt64Array(2)),
    recipe('detached ArrayBuffer', detached),
    recipe('Uint8Array whose ArrayBuffer was detached', () => {
        const u = new Uint8Array(8);
        structuredClone(u.buffer, { transfer: [u.buffer] });
        return u;
    }),
    recipe('new SharedArrayBuffer(3)', () => new SharedArrayBuffer(3)),
    recipe('{length: 3}', () => ({ length: 3 })),
    recipe('sparse array of length 5', () => new Array(5)),
    recipe('[[]]', () => [[]]),
    recipe('[1, "a", null]', () => [1, 'a', null]),
    recipe('function', () => function f() {}),
    recipe('class', () => class C {}),
    recipe('arrow function', () => () => 1),
    recipe('{toString(){throw}, valueOf(){throw}}', () => ({
        toString() {
            throw new Boom('toString');
        },
        valueOf() {
            throw new Boom('valueOf');
        },
    })),
    recipe('{[Symbol.toPrimitive](){throw}}', () => ({
        [Symbol.toPrimitive]() {
            throw new Boom('toPrimitive');
        },
    })),
    recipe('{toJSON(){throw}}', () => ({
        toJSON() {
            throw new Boom('toJSON');
        },
    })),
    recipe('circular object', () => {
        const o: any = { a: 1 };
        o.self = o;
        return o;
    }),
    recipe('{a: 1n}', () => ({ a: 1n })),
    // biome-ignore lint/suspicious/noThenProperty: a thenable packet is one of the hostile inputs under test
    recipe('{then(){}}', () => ({ then() {} })),
];

/** Proxies and objects whose reads throw: the value handed over for a field. */
export const trappedObjects: Recipe[] = [
    recipe('Proxy({}, get throws)', () => trapProxy('get')),
    recipe('Proxy({}, has throws)', () => trapProxy('has')),
    recipe('Proxy({}, ownKeys throws)', () => trapProxy('ownKeys')),
    recipe('Proxy({}, getOwnPropertyDescriptor throws)', () => trapProxy('getOwnPropertyDescriptor')),
    recipe('Proxy({}, getPrototypeOf throws)', () => trapProxy('getPrototypeOf')),
    recipe('Proxy([], get throws)', () => trapProxy('get', [])),
    recipe('Proxy([{name,value}], get throws)', () => trapProxy('get', [{ name: 'n', value: 'v' }])),
    recipe('Proxy(function, get throws)', () => trapProxy('get', function f() {})),
    recipe('revoked Proxy', revoked),
    recipe(
        'object whose every property getter throws',
        () =>
            new Proxy(
                {},
                {
                    get(_t, key) {
                        if (key === Symbol.toPrimitive || key === 'toJSON') return undefined;
                        throw new Boom(`get ${String(key)}`);
                    },
                },
            ),
    ),
    recipe('[element getter throws]', () =>
        Object.defineProperty([], 0, {
            enumerable: true,
            get() {
                throw new Boom('element');
            },
        }),
    ),
];

export const symbols = fc.string({ maxLength: 4 }).map((s) => recipe(`Symbol(${JSON.stringify(s)})`, () => Symbol(s)));
export const primitives: fc.Arbitrary<Recipe> = fc.oneof(
    fc.integer().map((n) => of(String(n), n)),
    fc.double().map((n) => of(Object.is(n, -0) ? '-0' : String(n), n)),
    fc.string({ maxLength: 8 }).map((s) => of(JSON.stringify(s), s)),
    fc.boolean().map((b) => of(String(b), b)),
    fc.constant(of('null', null)),
    fc.constant(of('undefined', undefined)),
    fc.bigInt().map((b) => of(`${b}n`, b)),
    symbols,
);
export const anything = fc
    .anything({
        maxDepth: 2,
        withBigInt: true,
        withBoxedValues: true,
        withMap: true,
        withSet: true,
        withObjectString: true,
        withNullPrototype: true,
        withDate: true,
        withTypedArray: true,
        withSparseArray: true,
    })
    .map((v) => of(`anything ${show(v)}`, v));
/** Wrong types of every sort, without getters or proxies. */
export const plainHostile: fc.Arbitrary<Recipe> = fc.oneof(primitives, fc.constantFrom(...oddObjects), anything);

export const NUMBERS = [
    -1,
    -0,
    0,
    1,
    0.5,
    -0.5,
    1.5,
    1 - Number.EPSILON,
    NaN,
    Infinity,
    -Infinity,
    2 ** 53,
    MAX_SAFE,
    2 ** 53 + 2,
    -(2 ** 53),
    1e300,
    -1e300,
    5e-324,
    2 ** 31,
    2 ** 31 - 1,
    2 ** 32 - 1,
    2 ** 32,
    2 ** 64,
    255,
    256,
    65535,
    65536,
    268435455,
    268435456,
    268435460,
    268435461,
    4294967295.5,
];
export const nastyNumber: fc.Arbitrary<Recipe> = fc
    .oneof(
        fc.constantFrom(...NUMBERS),
        fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
        fc.integer({ min: -5, max: 300 }),
        fc.maxSafeInteger(),
        fc.double(),
    )
    .map((n) => of(Object.is(n, -0) ? '-0' : String(n), n));

export const STRING_UNITS = [
    'a',
    'b',
    '/',
    '+',
    '#',
    '$',
    '$share',
    ' ',
    '\u0000',
    '\uD800',
    '\uDFFF',
    '\uD83D\uDE00',
    '€',
    '\uFFFF',
    '\n',
];
export const hugeStrings: Recipe[] = [
    recipe("'a' x 65535 (65535 bytes)", () => 'a'.repeat(65535)),
    recipe("'a' x 65536", () => 'a'.repeat(65536)),
    recipe("'a' x 70000", () => 'a'.repeat(70000)),
    recipe("'€' x 21845 (65535 bytes)", () => '€'.repeat(21845)),
    recipe("'€' x 21846 (65538 bytes, 21846 UTF-16 units)", () => '€'.repeat(21846)),
    recipe("'😀' x 16384 (65536 bytes)", () => '😀'.repeat(16384)),
    recipe("'a' x 70000 + lone surrogate", () => 'a'.repeat(70000) + '\uD800'),
    recipe("'a' x 1,000,000", () => 'a'.repeat(1_000_000)),
];
export const nastyString: fc.Arbitrary<Recipe> = fc.oneof(
    {
        weight: 3,
        arbitrary: fc.string({ unit: fc.constantFrom(...STRING_UNITS), maxLength: 10 }).map((s) => of(JSON.stringify(s), s)),
    },
    { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 10 }).map((s) => of(JSON.stringify(s), s)) },
    { weight: 1, arbitrary: fc.constantFrom(...hugeStrings) },
);
export const nastyBytes: fc.Arbitrary<Recipe> = fc.oneof(
    fc.constantFrom(
        recipe('Buffer.alloc(0)', () => Buffer.alloc(0)),
        recipe('Buffer.alloc(65535)', () => Buffer.alloc(65535)),
        recipe('Buffer.alloc(65536)', () => Buffer.alloc(65536)),
        recipe('Buffer.alloc(70000)', () => Buffer.alloc(70000)),
        recipe('new Uint16Array(40000)', () => new Uint16Array(40000)),
        recipe('subarray of a Buffer', () => Buffer.from('0123456789').subarray(3, 7)),
        recipe('new DataView(new ArrayBuffer(16), 4, 8)', () => new DataView(new ArrayBuffer(16), 4, 8)),
        recipe('new ArrayBuffer(0)', () => new ArrayBuffer(0)),
        recipe('resizable ArrayBuffer', () => new (ArrayBuffer as any)(4, { maxByteLength: 64 })),
    ),
    fc.uint8Array({ maxLength: 16 }).map((a) => of(`Uint8Array(${a.length})`, a)),
);
