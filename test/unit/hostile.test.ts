// Hostile input, property-based (fast-check): every public entry point — the constructor and each
// config field, publish/subscribe/unsubscribe/stop and each packet field, the builder, SocketOptions,
// the packet classes, TLS contexts, credentials providers, the native class itself — either throws
// synchronously a TypeError/RangeError whose message names the field (a CrtError where the CRT
// itself rejects), or accepts. Nothing may crash the process, throw a plain Error, or leave a
// promise pending once the client is closed.
//
// Inputs that crash the process when the library is wrong (re-entrant close(), huge sparse arrays,
// ALPN lists), and user callbacks that misbehave (handshake transforms, credentials delegates,
// throwing listeners), run in child processes, so that a crash or a hang is reported as a failed
// test instead of killing this worker. The messageReceived listener test uses the broker.
import { EventEmitter } from 'node:events';
import fc from 'fast-check';
import { describe, expect, it, type ExpectStatic } from 'vitest';
import { auth, CrtError, io, Mqtt5, Mqtt5Client, Mqtt5ClientBuilder, QoS } from '../../dist/index.js';
import { binding } from '../../dist/native.js';
import { distIndex, distNative, runNode, type ChildResult } from '../helpers/child';
import { brokerPort, uniqueTopic } from '../helpers/client';

// Put the failing check's own message in the report (not only as the error's cause).
fc.configureGlobal({ includeErrorInReport: true });

const RUNS = 150; // per property; there are many properties (one per field)
const CONFIG = { hostName: '127.0.0.1', port: 1 };
const MAX_SAFE = Number.MAX_SAFE_INTEGER;

// ---- Recipes: hostile values built fresh for every run, printed by their label ------------------

interface Recipe {
    label: string;
    make(): unknown;
}
function recipe(label: string, make: () => unknown): Recipe {
    return { label, make, [fc.toStringMethod]: () => label } as Recipe;
}
const of = (label: string, value: unknown) => recipe(label, () => value);

function show(v: unknown): string {
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

class Boom extends Error {}
const thrownValues: Recipe[] = [
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
const thrown = fc.constantFrom(...thrownValues);

/** Objects whose every read through the given trap throws. */
function trapProxy(trap: 'get' | 'has' | 'ownKeys' | 'getOwnPropertyDescriptor' | 'getPrototypeOf', target: object = {}): object {
    return new Proxy(target, {
        [trap]() {
            throw new Boom(`${trap} trap`);
        },
    });
}
function revoked(): object {
    const r = Proxy.revocable({}, {});
    r.revoke();
    return r.proxy;
}
function detached(): ArrayBuffer {
    const b = new ArrayBuffer(8);
    structuredClone(b, { transfer: [b] });
    return b;
}

/** Hostile objects that are not built from getters or proxies (those are tested separately). */
const oddObjects: Recipe[] = [
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
const trappedObjects: Recipe[] = [
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

const symbols = fc.string({ maxLength: 4 }).map((s) => recipe(`Symbol(${JSON.stringify(s)})`, () => Symbol(s)));
const primitives: fc.Arbitrary<Recipe> = fc.oneof(
    fc.integer().map((n) => of(String(n), n)),
    fc.double().map((n) => of(Object.is(n, -0) ? '-0' : String(n), n)),
    fc.string({ maxLength: 8 }).map((s) => of(JSON.stringify(s), s)),
    fc.boolean().map((b) => of(String(b), b)),
    fc.constant(of('null', null)),
    fc.constant(of('undefined', undefined)),
    fc.bigInt().map((b) => of(`${b}n`, b)),
    symbols,
);
const anything = fc
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
const plainHostile: fc.Arbitrary<Recipe> = fc.oneof(primitives, fc.constantFrom(...oddObjects), anything);

const NUMBERS = [
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
const nastyNumber: fc.Arbitrary<Recipe> = fc
    .oneof(
        fc.constantFrom(...NUMBERS),
        fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
        fc.integer({ min: -5, max: 300 }),
        fc.maxSafeInteger(),
        fc.double(),
    )
    .map((n) => of(Object.is(n, -0) ? '-0' : String(n), n));

const STRING_UNITS = [
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
const hugeStrings: Recipe[] = [
    recipe("'a' x 65535 (65535 bytes)", () => 'a'.repeat(65535)),
    recipe("'a' x 65536", () => 'a'.repeat(65536)),
    recipe("'a' x 70000", () => 'a'.repeat(70000)),
    recipe("'€' x 21845 (65535 bytes)", () => '€'.repeat(21845)),
    recipe("'€' x 21846 (65538 bytes, 21846 UTF-16 units)", () => '€'.repeat(21846)),
    recipe("'😀' x 16384 (65536 bytes)", () => '😀'.repeat(16384)),
    recipe("'a' x 70000 + lone surrogate", () => 'a'.repeat(70000) + '\uD800'),
    recipe("'a' x 1,000,000", () => 'a'.repeat(1_000_000)),
];
const nastyString: fc.Arbitrary<Recipe> = fc.oneof(
    {
        weight: 3,
        arbitrary: fc.string({ unit: fc.constantFrom(...STRING_UNITS), maxLength: 10 }).map((s) => of(JSON.stringify(s), s)),
    },
    { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 10 }).map((s) => of(JSON.stringify(s), s)) },
    { weight: 1, arbitrary: fc.constantFrom(...hugeStrings) },
);
const nastyBytes: fc.Arbitrary<Recipe> = fc.oneof(
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

// ---- Field specifications and the oracle ---------------------------------------------------------

type Kind =
    | { t: 'int'; min: number; max: number }
    | { t: 'bool' }
    | { t: 'string'; checked: boolean } // checked: the JS layer rejects lone surrogates, U+0000, > 65535 bytes
    | { t: 'topicName' }
    | { t: 'topicFilter' }
    | { t: 'bytes' }
    | { t: 'payload' }
    | { t: 'list' }
    | { t: 'entry' } // an array element that must be an object
    | { t: 'pair' } // a [key, value] pair (metrics metadata)
    | { t: 'object' }
    | { t: 'forbidden' } // any value other than undefined is a TypeError
    | { t: 'tlsContext' } // an io.ClientTlsContext
    | { t: 'function' }
    | { t: 'any' }; // ignored by the library

type Key = string | number;
interface Field {
    path: Key[];
    kind: Kind;
    required?: boolean;
    /** What the error message must contain, when not the path itself. */
    names?: string;
}

const int = (min: number, max: number): Kind => ({ t: 'int', min, max });
const U16 = int(0, 65535);
const U32 = int(0, 4294967295);
const U64 = int(0, MAX_SAFE);
const BOOL: Kind = { t: 'bool' };
const STR: Kind = { t: 'string', checked: true };
const RAW_STR: Kind = { t: 'string', checked: false };
const BYTES: Kind = { t: 'bytes' };
const LIST: Kind = { t: 'list' };
const OBJECT: Kind = { t: 'object' };

function userPropertyFields(prefix: Key[]): Field[] {
    return [
        { path: [...prefix, 'userProperties'], kind: LIST },
        { path: [...prefix, 'userProperties', 0], kind: { t: 'entry' }, required: true },
        { path: [...prefix, 'userProperties', 0, 'name'], kind: STR, required: true },
        { path: [...prefix, 'userProperties', 0, 'value'], kind: STR, required: true },
    ];
}

function publishFields(prefix: Key[] = []): Field[] {
    return [
        { path: [...prefix, 'topicName'], kind: { t: 'topicName' }, required: true },
        { path: [...prefix, 'qos'], kind: int(0, 1), required: true }, // QoS 2 is not supported
        { path: [...prefix, 'payload'], kind: { t: 'payload' } },
        { path: [...prefix, 'retain'], kind: BOOL },
        { path: [...prefix, 'payloadFormat'], kind: int(0, 1) },
        { path: [...prefix, 'messageExpiryIntervalSeconds'], kind: U32 },
        { path: [...prefix, 'topicAlias'], kind: int(1, 65535) },
        { path: [...prefix, 'responseTopic'], kind: { t: 'topicName' } },
        { path: [...prefix, 'correlationData'], kind: BYTES },
        { path: [...prefix, 'contentType'], kind: STR },
        { path: [...prefix, 'subscriptionIdentifiers'], kind: { t: 'forbidden' } },
        ...userPropertyFields(prefix),
    ];
}
const basePublish = () => ({
    topicName: 'hostile/t',
    qos: QoS.AtLeastOnce,
    payload: 'p',
    userProperties: [{ name: 'n', value: 'v' }],
});

const SUBSCRIBE_FIELDS: Field[] = [
    { path: ['subscriptions'], kind: LIST, required: true },
    { path: ['subscriptions', 0], kind: { t: 'entry' }, required: true },
    { path: ['subscriptions', 0, 'topicFilter'], kind: { t: 'topicFilter' }, required: true },
    // QoS 2 subscriptions are not supported by the CRT: the library must say so, naming the field.
    { path: ['subscriptions', 0, 'qos'], kind: int(0, 1), required: true },
    { path: ['subscriptions', 0, 'noLocal'], kind: BOOL },
    { path: ['subscriptions', 0, 'retainAsPublished'], kind: BOOL },
    { path: ['subscriptions', 0, 'retainHandlingType'], kind: int(0, 2) },
    { path: ['subscriptionIdentifier'], kind: int(1, 268435455) },
    ...userPropertyFields([]),
];
const baseSubscribe = () => ({
    subscriptions: [{ topicFilter: 'hostile/+/t', qos: QoS.AtLeastOnce }],
    userProperties: [{ name: 'n', value: 'v' }],
});

const UNSUBSCRIBE_FIELDS: Field[] = [
    { path: ['topicFilters'], kind: LIST, required: true },
    { path: ['topicFilters', 0], kind: { t: 'topicFilter' }, required: true },
    ...userPropertyFields([]),
];
const baseUnsubscribe = () => ({ topicFilters: ['hostile/#'], userProperties: [{ name: 'n', value: 'v' }] });

const DISCONNECT_FIELDS: Field[] = [
    { path: ['reasonCode'], kind: int(0, 255) },
    { path: ['sessionExpiryIntervalSeconds'], kind: U32 },
    { path: ['reasonString'], kind: STR },
    { path: ['serverReference'], kind: STR },
    ...userPropertyFields([]),
];
const baseDisconnect = () => ({ reasonCode: 0, reasonString: 'bye', userProperties: [{ name: 'n', value: 'v' }] });

const CONFIG_FIELDS: Field[] = [
    { path: ['hostName'], kind: RAW_STR, required: true },
    { path: ['port'], kind: int(0, 65535), required: true },
    { path: ['sessionBehavior'], kind: int(0, 3) },
    { path: ['retryJitterMode'], kind: int(0, 3) },
    { path: ['offlineQueueBehavior'], kind: int(0, 3) },
    { path: ['extendedValidationAndFlowControlOptions'], kind: int(0, 1) },
    { path: ['minReconnectDelayMs'], kind: U64 },
    { path: ['maxReconnectDelayMs'], kind: U64 },
    { path: ['minConnectedTimeToResetReconnectDelayMs'], kind: U64 },
    { path: ['pingTimeoutMs'], kind: U32 },
    { path: ['connackTimeoutMs'], kind: U32 },
    { path: ['ackTimeoutSeconds'], kind: U32 },
    { path: ['disableMetrics'], kind: BOOL },
    { path: ['clientBootstrap'], kind: { t: 'any' } },
    { path: ['tlsCtx'], kind: { t: 'tlsContext' } },
    { path: ['websocketHandshakeTransform'], kind: { t: 'function' } },
    { path: ['httpProxyOptions'], kind: OBJECT },
    { path: ['httpProxyOptions', 'host_name'], kind: RAW_STR, required: true },
    { path: ['httpProxyOptions', 'port'], kind: int(0, 65535) },
    { path: ['httpProxyOptions', 'auth_method'], kind: int(0, 1) },
    { path: ['httpProxyOptions', 'auth_username'], kind: RAW_STR },
    { path: ['httpProxyOptions', 'auth_password'], kind: RAW_STR },
    { path: ['httpProxyOptions', 'connection_type'], kind: int(0, 2) },
    { path: ['httpProxyOptions', 'tls_opts'], kind: OBJECT },
    { path: ['httpProxyOptions', 'tls_opts', 'tls_ctx'], kind: { t: 'tlsContext' }, required: true },
    { path: ['connectProperties'], kind: OBJECT },
    { path: ['connectProperties', 'keepAliveIntervalSeconds'], kind: U16 },
    { path: ['connectProperties', 'clientId'], kind: STR },
    { path: ['connectProperties', 'username'], kind: STR },
    { path: ['connectProperties', 'password'], kind: BYTES },
    { path: ['connectProperties', 'sessionExpiryIntervalSeconds'], kind: U32 },
    { path: ['connectProperties', 'requestResponseInformation'], kind: BOOL },
    { path: ['connectProperties', 'requestProblemInformation'], kind: BOOL },
    { path: ['connectProperties', 'receiveMaximum'], kind: int(1, 65535) },
    { path: ['connectProperties', 'maximumPacketSizeBytes'], kind: int(1, 268435460) },
    { path: ['connectProperties', 'willDelayIntervalSeconds'], kind: U32 },
    ...userPropertyFields(['connectProperties']),
    { path: ['connectProperties', 'will'], kind: OBJECT },
    ...publishFields(['connectProperties', 'will']),
    { path: ['topicAliasingOptions'], kind: OBJECT },
    { path: ['topicAliasingOptions', 'outboundBehavior'], kind: int(0, 3) },
    { path: ['topicAliasingOptions', 'outboundCacheMaxSize'], kind: U16 },
    { path: ['topicAliasingOptions', 'inboundBehavior'], kind: int(0, 2) },
    { path: ['topicAliasingOptions', 'inboundCacheMaxSize'], kind: U16 },
    { path: ['socketOptions'], kind: OBJECT },
    { path: ['socketOptions', 'type'], kind: int(0, 1) },
    { path: ['socketOptions', 'domain'], kind: int(0, 2) },
    { path: ['socketOptions', 'connect_timeout_ms'], kind: U32 },
    { path: ['socketOptions', 'keepalive'], kind: BOOL },
    { path: ['socketOptions', 'keep_alive_interval_sec'], kind: U16 },
    { path: ['socketOptions', 'keep_alive_timeout_sec'], kind: U16 },
    { path: ['socketOptions', 'keep_alive_max_failed_probes'], kind: U16 },
    { path: ['socketOptions', 'tcp_nodelay'], kind: int(0, 2) },
    { path: ['metrics'], kind: OBJECT },
    { path: ['metrics', 'libraryName'], kind: RAW_STR },
    { path: ['metrics', 'metadata'], kind: LIST },
    { path: ['metrics', 'metadata', 0], kind: { t: 'pair' }, required: true },
    { path: ['metrics', 'metadata', 0, 0], kind: RAW_STR, required: true, names: 'config.metrics.metadata[0]' },
    { path: ['metrics', 'metadata', 0, 1], kind: RAW_STR, required: true, names: 'config.metrics.metadata[0]' },
];
const baseConfig = () => ({
    hostName: '127.0.0.1',
    port: 1,
    connectProperties: {
        keepAliveIntervalSeconds: 60,
        clientId: 'hostile',
        will: { topicName: 'hostile/will', qos: QoS.AtMostOnce, payload: 'w', userProperties: [{ name: 'n', value: 'v' }] },
        userProperties: [{ name: 'n', value: 'v' }],
    },
    topicAliasingOptions: { outboundBehavior: 0, inboundBehavior: 0 },
    socketOptions: { type: 0, domain: 0, connect_timeout_ms: 1000 },
    metrics: { libraryName: 'hostile-lib', metadata: [['k', 'v']] },
    httpProxyOptions: { host_name: 'proxy.invalid', port: 3128 },
});
/** The same config in the shape the native class reads (metadata as {name, value}). */
const baseNativeConfig = () => {
    const c: any = baseConfig();
    c.metrics.metadata = [{ name: 'k', value: 'v' }];
    return c;
};

function display(root: string, path: Key[]): string {
    return root + path.map((k) => (typeof k === 'number' ? `[${k}]` : `.${k}`)).join('');
}

function badUtf8(s: string): boolean {
    return !(s as any).isWellFormed() || s.includes('\u0000') || Buffer.byteLength(s, 'utf8') > 65535;
}

/** MQTT 5 topic filter rules (4.7.1, 4.7.3, 4.8.2). */
function validTopicFilter(f: string): boolean {
    if (f.length === 0) return false;
    let levels = f.split('/');
    if (f.startsWith('$share/')) {
        // $share/<non-empty group without / + #>/<non-empty topic filter>
        if (levels.length < 3 || levels[1].length === 0 || /[+#]/.test(levels[1])) return false;
        if (levels.slice(2).join('/').length === 0) return false;
        levels = levels.slice(2);
    }
    return levels.every((level, i) => {
        if (level.includes('#') && (level !== '#' || i !== levels.length - 1)) return false;
        if (level.includes('+') && level !== '+') return false;
        return true;
    });
}
const validTopicName = (t: string) => t.length > 0 && !/[+#]/.test(t);

function isBinary(v: unknown): boolean {
    return ArrayBuffer.isView(v) || v instanceof ArrayBuffer;
}

/**
 * What the library must do with `v` in this field:
 *   ok     accept it, or throw a TypeError/RangeError naming the field, or a CrtError
 *   type   throw a TypeError naming the field
 *   range  throw a RangeError naming the field
 *   reject throw a RangeError naming the field or a CrtError
 */
type Expect = 'ok' | 'type' | 'range' | 'reject';
function expectation(f: Field, v: unknown): Expect {
    if (v === undefined || v === null) {
        if (f.required || f.kind.t === 'entry' || f.kind.t === 'pair') return 'type';
        return 'ok';
    }
    const k = f.kind;
    switch (k.t) {
        case 'int':
            if (typeof v !== 'number') return 'type';
            return Number.isInteger(v) && v >= k.min && v <= k.max ? 'ok' : 'range';
        case 'bool':
            return typeof v === 'boolean' ? 'ok' : 'type';
        case 'string':
            if (typeof v !== 'string') return 'type';
            return k.checked && badUtf8(v) ? 'range' : 'ok';
        case 'topicName':
            if (typeof v !== 'string') return 'type';
            return !validTopicName(v) || badUtf8(v) ? 'range' : 'ok';
        case 'topicFilter':
            if (typeof v !== 'string') return 'type';
            if (badUtf8(v)) return 'range';
            return validTopicFilter(v) ? 'ok' : 'reject';
        case 'bytes':
            return isBinary(v) || typeof v === 'string' ? 'ok' : 'type';
        case 'payload':
            // binary and strings are sent as they are; other objects are JSON-encoded
            return isBinary(v) || typeof v === 'string' || typeof v === 'object' ? 'ok' : 'type';
        case 'list':
            return Array.isArray(v) ? 'ok' : 'type';
        case 'entry':
            return typeof v === 'object' ? 'ok' : 'type';
        case 'pair':
            return Array.isArray(v) && v.length === 2 ? 'ok' : 'type';
        case 'object':
            return typeof v === 'object' || typeof v === 'function' ? 'ok' : 'type';
        case 'forbidden':
            return 'type';
        case 'tlsContext':
            return v instanceof io.ClientTlsContext ? 'ok' : 'type';
        case 'function':
            return typeof v === 'function' ? 'ok' : 'type';
        case 'any':
            return 'ok';
    }
}

/** The oracle for values it cannot inspect itself (a Proxy whose traps throw): anything clean. */
function safeExpectation(f: Field, v: unknown): Expect {
    try {
        return expectation(f, v);
    } catch {
        return 'ok';
    }
}

type Outcome = { threw: false; value: unknown } | { threw: true; error: unknown };
function attempt(f: () => unknown): Outcome {
    let value: unknown;
    try {
        value = f();
    } catch (error) {
        return { threw: true, error };
    }
    // Marked as handled at once: a property that fails before tracking it must not also leave an
    // unhandled rejection behind when the client is closed. (Tracker still sees how it settles.)
    if (value instanceof Promise) value.catch(() => {});
    return { threw: false, value };
}

/** Throws (failing the property) unless `out` is what `exp` allows, with errors naming `names`. */
function judge(names: string | null, exp: Expect, out: Outcome, input: string): void {
    const where = `${names ?? '(receiver)'} = ${input}`;
    if (!out.threw) {
        if (exp !== 'ok')
            throw new Error(`${where}: accepted, but it must throw a ${exp === 'type' ? 'TypeError' : 'RangeError'}`);
        return;
    }
    const e = out.error;
    if (e instanceof CrtError) {
        if (exp === 'type' || exp === 'range') {
            throw new Error(
                `${where}: threw a CrtError ("${e.message}") where a ${exp === 'type' ? 'TypeError' : 'RangeError'} naming ${names} belongs`,
            );
        }
        return;
    }
    if (!(e instanceof TypeError) && !(e instanceof RangeError)) {
        throw new Error(`${where}: threw ${show(e)}, which is neither a TypeError, a RangeError nor a CrtError`);
    }
    if (names !== null && !e.message.includes(names)) {
        throw new Error(`${where}: ${e.constructor.name} "${e.message}" does not name ${names}`);
    }
    if (exp === 'type' && !(e instanceof TypeError))
        throw new Error(`${where}: ${e.constructor.name} "${e.message}" instead of a TypeError`);
    if (exp === 'range' && !(e instanceof RangeError))
        throw new Error(`${where}: ${e.constructor.name} "${e.message}" instead of a RangeError`);
}

// ---- Building inputs --------------------------------------------------------------------------

function clone<T>(v: T): T {
    return structuredClone(v);
}

/** The object holding the last key of `path` (created when absent). */
function parentOf(root: any, path: Key[]): any {
    let o = root;
    for (let i = 0; i < path.length - 1; i++) {
        const k = path[i];
        if (o[k] === undefined || o[k] === null || typeof o[k] !== 'object') o[k] = typeof path[i + 1] === 'number' ? [] : {};
        o = o[k];
    }
    return o;
}

function withValue(base: any, path: Key[], value: unknown): any {
    const root = clone(base);
    parentOf(root, path)[path[path.length - 1]] = value;
    return root;
}

/** Replaces the object at `path` (the root when empty) by `make(old)`. */
function replaceAt(root: any, path: Key[], make: (old: any) => any): any {
    if (path.length === 0) return make(root);
    const parent = parentOf(root, path);
    const key = path[path.length - 1];
    parent[key] = make(parent[key]);
    return root;
}

type Style = 'accessor' | 'proxy-get';
/** The field at `path` cannot be read: an accessor or the containing object's Proxy throws. */
function withThrowingRead(base: any, path: Key[], style: Style, thrownValue: () => unknown): any {
    const root = clone(base);
    const key = path[path.length - 1];
    const parentPath = path.slice(0, -1);
    if (style === 'accessor') {
        Object.defineProperty(parentOf(root, path), key, {
            enumerable: true,
            configurable: true,
            get() {
                throw thrownValue();
            },
        });
        return root;
    }
    return replaceAt(root, parentPath, (parent) => {
        parent ??= {};
        return new Proxy(parent, {
            get(t, k, r) {
                if (k === String(key)) throw thrownValue();
                return Reflect.get(t, k, r);
            },
        });
    });
}

/** A field that reads as `first` the first time and as `later` every time after. */
function withChangingValue(base: any, path: Key[], first: unknown, later: () => unknown): any {
    const root = clone(base);
    let reads = 0;
    Object.defineProperty(parentOf(root, path), path[path.length - 1], {
        enumerable: true,
        configurable: true,
        get() {
            return reads++ === 0 ? first : later();
        },
    });
    return root;
}

function valueAt(root: any, path: Key[]): unknown {
    return path.reduce((o, k) => (o == null ? undefined : o[k]), root);
}

const nullish = fc.constantFrom(of('null', null), of('undefined', undefined));

function valuesFor(f: Field): fc.Arbitrary<Recipe> {
    return fc.oneof({ weight: 1, arbitrary: nullish }, { weight: 12, arbitrary: valuesOfKind(f) });
}

function valuesOfKind(f: Field): fc.Arbitrary<Recipe> {
    const k = f.kind;
    switch (k.t) {
        case 'int': {
            const edges = [k.min - 1, k.min, k.max, k.max + 1, k.max + 0.5, k.min + 0.5].map((n) => of(String(n), n));
            return fc.oneof(
                { weight: 4, arbitrary: nastyNumber },
                { weight: 2, arbitrary: fc.constantFrom(...edges) },
                { weight: 2, arbitrary: plainHostile },
            );
        }
        case 'string':
        case 'topicName':
        case 'topicFilter':
            return fc.oneof({ weight: 3, arbitrary: nastyString }, { weight: 2, arbitrary: plainHostile });
        case 'bytes':
        case 'payload':
            return fc.oneof(nastyBytes, nastyString, plainHostile);
        case 'list':
            return fc.oneof(
                fc
                    .array(plainHostile, { maxLength: 4 })
                    .map((rs) => recipe(`[${rs.map((r) => r.label).join(', ')}]`, () => rs.map((r) => r.make()))),
                plainHostile,
            );
        case 'pair':
            return fc.oneof(
                fc
                    .array(plainHostile, { maxLength: 3 })
                    .map((rs) => recipe(`[${rs.map((r) => r.label).join(', ')}]`, () => rs.map((r) => r.make()))),
                plainHostile,
            );
        case 'tlsContext':
        case 'function':
            return fc.oneof(
                fc.constantFrom(
                    recipe('a ClientTlsContext', sharedTlsContext),
                    recipe("a ClientTlsContext's native object", () => (sharedTlsContext() as any).native),
                    recipe('Object.create(ClientTlsContext.prototype)', () => Object.create(io.ClientTlsContext.prototype)),
                    recipe('(req, done) => done()', () => (_req: unknown, done: () => void) => done()),
                ),
                plainHostile,
            );
        default:
            return fc.oneof(fc.constantFrom(...NUMBERS.slice(0, 3).map((n) => of(String(n), n))), plainHostile);
    }
}

/** Inputs every per-field property tries first, so that what they find does not depend on the seed. */
function mustTry(f: Field): [Recipe][] {
    const byLabel = (label: string) => oddObjects.find((r) => r.label === label)!;
    const common = [
        of('null', null),
        of('undefined', undefined),
        recipe('Symbol()', () => Symbol('s')),
        of('1n', 1n),
        recipe('() => 1', () => () => 1),
        byLabel('new Date(0)'),
    ];
    const k = f.kind;
    const extra: Recipe[] =
        k.t === 'int'
            ? [NaN, Infinity, -1, -0, 1.5, 2 ** 53, 1e300, k.min - 1, k.max + 1].map((n) =>
                  of(Object.is(n, -0) ? '-0' : String(n), n),
              )
            : k.t === 'payload'
              ? [byLabel('{a: 1n}'), byLabel('circular object'), byLabel('{toJSON(){throw}}')]
              : k.t === 'string' || k.t === 'topicName' || k.t === 'topicFilter'
                ? [of('""', ''), of('"\\uD800"', '\uD800'), of('"a\\u0000b"', 'a\u0000b'), hugeStrings[2]]
                : [];
    return [...common, ...extra].map((r) => [r]);
}

let tlsContext: io.ClientTlsContext | undefined;
/** One TLS context for every test that needs a valid one (making one loads the trust store). */
function sharedTlsContext(): io.ClientTlsContext {
    return (tlsContext ??= new io.ClientTlsContext());
}

// ---- Clients and promise tracking ----------------------------------------------------------------

/** Every promise a call returned; all of them must settle once the client is closed. */
class Tracker {
    readonly states: { label: string; state: string }[] = [];
    track(value: unknown, label: string): void {
        if (!(value instanceof Promise)) return;
        const s = { label, state: 'pending' };
        this.states.push(s);
        value.then(
            () => (s.state = 'resolved'),
            (e) => (s.state = e instanceof CrtError ? 'rejected' : `rejected with ${show(e)}`),
        );
    }
    async expectAllSettled(): Promise<void> {
        for (let i = 0; i < 200 && this.states.some((s) => s.state === 'pending'); i++)
            await new Promise((r) => setTimeout(r, 10));
        const bad = this.states.filter((s) => s.state === 'pending' || s.state.startsWith('rejected with'));
        expect(
            bad.slice(0, 5),
            `${bad.length} of ${this.states.length} promises pending or rejected with a non-CrtError after close()`,
        ).toEqual([]);
    }
}

async function withClient(body: (client: Mqtt5Client, tracker: Tracker) => void | Promise<void>): Promise<void> {
    const client = new Mqtt5Client(CONFIG);
    const tracker = new Tracker();
    try {
        await body(client, tracker);
    } finally {
        client.close();
    }
    await tracker.expectAllSettled();
}

interface Root {
    name: string;
    fields: Field[];
    base: () => any;
    /** Calls the method under test; returns what it returned. */
    call: (client: Mqtt5Client, input: any) => unknown;
}
const ROOTS: Root[] = [
    { name: 'publish', fields: publishFields(), base: basePublish, call: (c, p) => c.publish(p) },
    { name: 'subscribe', fields: SUBSCRIBE_FIELDS, base: baseSubscribe, call: (c, p) => c.subscribe(p) },
    { name: 'unsubscribe', fields: UNSUBSCRIBE_FIELDS, base: baseUnsubscribe, call: (c, p) => c.unsubscribe(p) },
    { name: 'disconnect', fields: DISCONNECT_FIELDS, base: baseDisconnect, call: (c, p) => c.stop(p) },
];

/** new Mqtt5Client(config), closing what was made; returns the outcome. */
function construct(config: unknown): Outcome {
    const out = attempt(() => new Mqtt5Client(config as any));
    if (!out.threw) (out.value as Mqtt5Client).close();
    return out;
}

// ==================================================================================================

describe('sanity of the bases the properties mutate', () => {
    it('every base input is accepted', async () => {
        const c = construct(baseConfig());
        expect(c.threw ? show(c.error) : 'accepted').toBe('accepted');
        await withClient((client, tracker) => {
            for (const root of ROOTS) {
                const out = attempt(() => root.call(client, root.base()));
                expect(out.threw ? show(out.error) : 'accepted', root.name).toBe('accepted');
                if (!out.threw) tracker.track(out.value, root.name);
            }
        });
    });
});

describe('the constructor', () => {
    it('rejects a config that is not an object with a TypeError naming config', () => {
        fc.assert(
            fc.property(plainHostile, (r) => {
                const v = r.make();
                const exp: Expect = typeof v === 'object' && v !== null ? 'ok' : 'type';
                judge('config', exp, construct(v), r.label);
            }),
            { numRuns: 300 },
        );
    });

    for (const f of CONFIG_FIELDS) {
        const names = f.names ?? display('config', f.path);
        it(`${display('config', f.path)}: wrong types, out-of-range numbers, odd strings and objects`, () => {
            fc.assert(
                fc.property(valuesFor(f), (r) => {
                    const v = r.make();
                    judge(names, expectation(f, v), construct(withValue(baseConfig(), f.path, v)), r.label);
                }),
                { numRuns: RUNS, examples: mustTry(f) },
            );
        });
    }
});

describe('config.port', () => {
    it('out-of-range ports are a RangeError stating the range 1-65535', () => {
        fc.assert(
            fc.property(
                fc.oneof(
                    fc.integer({ min: 65536, max: 2 ** 31 - 1 }),
                    fc.constantFrom(2 ** 32 - 1, 2 ** 32, 2 ** 40, MAX_SAFE, 1e300, -1, -(2 ** 32), 0),
                ),
                (port) => {
                    const out = construct({ ...CONFIG, port });
                    judge('config.port', 'range', out, String(port));
                    const msg = (out as { error: Error }).error.message;
                    if (!msg.includes('1 to 65535'))
                        throw new Error(`port ${port}: "${msg}" does not state the range 1 to 65535`);
                },
            ),
            { numRuns: 100 },
        );
    });

    it('port 0 is a RangeError naming config.port (not an anonymous CrtError)', () => {
        judge('config.port', 'range', construct({ ...CONFIG, port: 0 }), '0');
        const out = construct({ ...CONFIG, port: 0 });
        if (out.threw) expect(out.error, 'port 0').toBeInstanceOf(RangeError);
    });
});

describe('binary fields backed by a SharedArrayBuffer', () => {
    const sab: Recipe[] = [
        recipe('Uint8Array over a SharedArrayBuffer', () => new Uint8Array(new SharedArrayBuffer(4))),
        recipe('Buffer over a SharedArrayBuffer', () => Buffer.from(new SharedArrayBuffer(4))),
        recipe('DataView over a SharedArrayBuffer', () => new DataView(new SharedArrayBuffer(4))),
        recipe('Float32Array over a SharedArrayBuffer', () => new Float32Array(new SharedArrayBuffer(8))),
        recipe('SharedArrayBuffer', () => new SharedArrayBuffer(4)),
    ];
    it('are sent or rejected with a TypeError naming the field, never a plain Error', async () => {
        const binaryFields = [
            ...CONFIG_FIELDS.filter((f) => f.kind.t === 'bytes' || f.kind.t === 'payload').map((f) => ({ root: 'config', f })),
            ...ROOTS.flatMap((r) =>
                r.fields.filter((f) => f.kind.t === 'bytes' || f.kind.t === 'payload').map((f) => ({ root: r.name, f })),
            ),
        ];
        expect(binaryFields.length).toBeGreaterThanOrEqual(5);
        await withClient((client, tracker) => {
            fc.assert(
                fc.property(fc.constantFrom(...binaryFields), fc.constantFrom(...sab), ({ root: rootName, f }, r) => {
                    const root = ROOTS.find((x) => x.name === rootName);
                    const input = withValue(root ? root.base() : baseConfig(), f.path, r.make());
                    const out = root ? attempt(() => root.call(client, input)) : construct(input);
                    judge(display(rootName, f.path), 'ok', out, r.label);
                    if (!out.threw) tracker.track(out.value, r.label);
                }),
                { numRuns: 60 },
            );
        });
    });
});

describe('operations: every field of every packet', () => {
    for (const root of ROOTS) {
        it(`${root.name} itself: anything that is not an object is a TypeError naming ${root.name}`, async () => {
            await withClient((client, tracker) => {
                fc.assert(
                    fc.property(plainHostile, (r) => {
                        const v = r.make();
                        let exp: Expect = typeof v === 'object' && v !== null ? 'ok' : 'type';
                        if (root.name === 'disconnect' && v === undefined) exp = 'ok'; // stop() without a packet
                        const out = attempt(() => root.call(client, v));
                        judge(root.name, exp, out, r.label);
                        if (!out.threw) tracker.track(out.value, r.label);
                    }),
                    { numRuns: 300 },
                );
            });
        });

        for (const f of root.fields) {
            const names = f.names ?? display(root.name, f.path);
            it(`${names}: wrong types, out-of-range numbers, odd strings and objects`, async () => {
                await withClient((client, tracker) => {
                    fc.assert(
                        fc.property(valuesFor(f), (r) => {
                            const v = r.make();
                            const out = attempt(() => root.call(client, withValue(root.base(), f.path, v)));
                            judge(names, expectation(f, v), out, r.label);
                            if (!out.threw) tracker.track(out.value, r.label);
                        }),
                        { numRuns: RUNS, examples: mustTry(f) },
                    );
                });
            });
        }
    }
});

// A getter that throws, a Proxy whose trap throws, a revoked Proxy: the library must report which
// field could not be read (binding/convert.cc words it `<field> could not be read: <message>`),
// never let the raw exception through.
describe('fields that cannot be read', () => {
    const styles = fc.constantFrom<Style>('accessor', 'proxy-get');

    function readFailureProperty(
        rootName: string,
        fields: Field[],
        base: () => any,
        call: (input: any) => unknown,
        tracker?: Tracker,
    ) {
        for (const f of fields) {
            const names = f.names ?? display(rootName, f.path);
            const parentIsArray = typeof f.path[f.path.length - 1] === 'number';
            it(`${names}: a throwing getter or Proxy get trap is a TypeError naming the field`, () => {
                fc.assert(
                    fc.property(parentIsArray ? fc.constant<Style>('accessor') : styles, thrown, (style, t) => {
                        const input = withThrowingRead(base(), f.path, style, t.make);
                        const out = attempt(() => call(input));
                        judge(names, 'type', out, `${style} throwing ${t.label}`);
                    }),
                    { numRuns: 40 },
                );
            });
            it(`${names}: a Proxy or revoked Proxy as the value is accepted or rejected naming the field`, () => {
                fc.assert(
                    fc.property(fc.constantFrom(...trappedObjects), (r) => {
                        const v = r.make();
                        const out = attempt(() => call(withValue(base(), f.path, v)));
                        judge(names, safeExpectation(f, v), out, r.label);
                        if (!out.threw) tracker?.track(out.value, r.label);
                    }),
                    // every one of them, then some more at random
                    { numRuns: trappedObjects.length + 10, examples: trappedObjects.map((r) => [r] as [Recipe]) },
                );
            });
        }
    }

    describe('config', () => {
        readFailureProperty('config', CONFIG_FIELDS, baseConfig, (input) => {
            const out = new Mqtt5Client(input);
            out.close();
            return undefined;
        });
    });
    for (const root of ROOTS) {
        describe(root.name, () => {
            const client = new Mqtt5Client(CONFIG);
            const tracker = new Tracker();
            readFailureProperty(root.name, root.fields, root.base, (input) => root.call(client, input), tracker);
            it('every accepted operation settles once the client is closed', async () => {
                client.close();
                await tracker.expectAllSettled();
            });
        });
    }

    it('a config or packet that is itself a throwing Proxy: TypeError naming it, or accepted', async () => {
        const traps = ['get', 'has', 'ownKeys', 'getOwnPropertyDescriptor', 'getPrototypeOf', 'revoked'] as const;
        await withClient((client, tracker) => {
            fc.assert(
                fc.property(
                    fc.constantFrom(...traps),
                    fc.constantFrom('config', ...ROOTS.map((r) => r.name)),
                    (trap, rootName) => {
                        const root = ROOTS.find((r) => r.name === rootName);
                        const base = root ? root.base() : baseConfig();
                        const input = trap === 'revoked' ? revoked() : trapProxy(trap, base);
                        const out = root ? attempt(() => root.call(client, input)) : construct(input);
                        // Reads through get must fail; other traps may not be used at all.
                        judge(rootName, trap === 'get' || trap === 'revoked' ? 'type' : 'ok', out, `Proxy(${trap} throws)`);
                        if (!out.threw) tracker.track(out.value, trap);
                    },
                ),
                { numRuns: 100 },
            );
        });
    });

    it('getters that throw for reads other than the first (the native walker reads after the JS checks)', async () => {
        await withClient((client, tracker) => {
            const all = [
                ...CONFIG_FIELDS.map((f) => ({ root: 'config', f })),
                ...ROOTS.flatMap((r) => r.fields.map((f) => ({ root: r.name, f }))),
            ];
            fc.assert(
                fc.property(fc.constantFrom(...all), thrown, ({ root: rootName, f }, t) => {
                    const root = ROOTS.find((r) => r.name === rootName);
                    const base = root ? root.base() : baseConfig();
                    const input = withChangingValue(base, f.path, valueAt(base, f.path), () => {
                        throw t.make();
                    });
                    const out = root ? attempt(() => root.call(client, input)) : construct(input);
                    judge(f.names ?? display(rootName, f.path), 'ok', out, `getter valid once, then throwing ${t.label}`);
                    if (!out.threw) tracker.track(out.value, display(rootName, f.path));
                }),
                { numRuns: 300 },
            );
        });
    });
});

// A getter that returns a valid value when the JS layer checks it and a hostile one when the native
// layer reads it: whatever the native layer gets must still be type- and range-checked.
describe('values that change between reads', () => {
    it('valid on the first read, hostile afterwards: still a clean outcome', async () => {
        await withClient((client, tracker) => {
            const all = [
                ...CONFIG_FIELDS.map((f) => ({ root: 'config', f })),
                ...ROOTS.flatMap((r) => r.fields.map((f) => ({ root: r.name, f }))),
            ];
            fc.assert(
                fc.property(
                    fc.constantFrom(...all).chain((x) => fc.tuple(fc.constant(x), valuesFor(x.f))),
                    ([{ root: rootName, f }, r]: [{ root: string; f: Field }, Recipe]) => {
                        const root = ROOTS.find((x) => x.name === rootName);
                        const base = root ? root.base() : baseConfig();
                        const input = withChangingValue(base, f.path, valueAt(base, f.path), r.make);
                        const out = root ? attempt(() => root.call(client, input)) : construct(input);
                        judge(f.names ?? display(rootName, f.path), 'ok', out, `valid, then ${r.label}`);
                        if (!out.threw) tracker.track(out.value, display(rootName, f.path));
                    },
                ),
                {
                    numRuns: 400,
                    // The JS checks read subscribe.subscriptions three times (isArray, length, forEach).
                    examples: [[[{ root: 'subscribe', f: SUBSCRIBE_FIELDS[0] }, oddObjects[0]]]],
                },
            );
        });
    });
});

describe('topics and topic filters', () => {
    const topicArb = fc.string({
        unit: fc.constantFrom('a', 'b', '/', '+', '#', '$share', '$', '\u0000', '\uD800', '€', ' '),
        maxLength: 8,
    });

    it('wildcards in a topic name are a RangeError naming the field (publish, responseTopic, will)', async () => {
        await withClient((client, tracker) => {
            fc.assert(
                fc.property(topicArb, fc.constantFrom('topicName', 'responseTopic', 'will'), (topic, where) => {
                    const f: Field = { path: [], kind: { t: 'topicName' }, required: true };
                    const exp = expectation(f, topic);
                    if (where === 'will') {
                        const cfg = {
                            ...CONFIG,
                            connectProperties: { keepAliveIntervalSeconds: 60, will: { topicName: topic, qos: 0 } },
                        };
                        judge('config.connectProperties.will.topicName', exp, construct(cfg), JSON.stringify(topic));
                        return;
                    }
                    const packet =
                        where === 'topicName' ? { topicName: topic, qos: 0 } : { topicName: 'a', qos: 0, responseTopic: topic };
                    const out = attempt(() => client.publish(packet));
                    judge(`publish.${where}`, exp, out, JSON.stringify(topic));
                    if (!out.threw) tracker.track(out.value, topic);
                }),
                { numRuns: 400 },
            );
        });
    });

    it('misplaced wildcards and malformed shared subscriptions in a filter are rejected naming it', async () => {
        await withClient((client, tracker) => {
            fc.assert(
                fc.property(
                    fc.oneof(
                        topicArb,
                        fc.constantFrom(
                            'a/#/b',
                            'a+',
                            '#a',
                            '+a',
                            'a/b#',
                            'a/#/',
                            '##',
                            '++',
                            'a/++',
                            '$share',
                            '$share/',
                            '$share/g',
                            '$share//a',
                            '$share/+/a',
                            '$share/g#/a',
                            '$share/g/',
                            '$share/g/a/#/b',
                        ),
                    ),
                    fc.integer({ min: 0, max: 3 }),
                    fc.boolean(),
                    (filter, index, viaUnsubscribe) => {
                        const f: Field = { path: [], kind: { t: 'topicFilter' }, required: true };
                        const filters = Array.from({ length: 4 }, (_, i) => (i === index ? filter : `ok/${i}/+`));
                        const out = viaUnsubscribe
                            ? attempt(() => client.unsubscribe({ topicFilters: filters }))
                            : attempt(() =>
                                  client.subscribe({ subscriptions: filters.map((topicFilter) => ({ topicFilter, qos: 1 })) }),
                              );
                        const names = viaUnsubscribe
                            ? `unsubscribe.topicFilters[${index}]`
                            : `subscribe.subscriptions[${index}].topicFilter`;
                        judge(names, expectation(f, filter), out, JSON.stringify(filter));
                        if (!out.threw) tracker.track(out.value, filter);
                    },
                ),
                { numRuns: 400 },
            );
        });
    });
});

describe('huge inputs', () => {
    const BIG_PROPS = 1000; // the CRT allows at most 1024 per packet
    const props = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `n${i}`, value: 'v' }));
    const badEntries: [Recipe, Expect][] = [
        [of('null', null), 'type'],
        [of('42', 42), 'type'],
        [recipe('{name: 1, value: "v"}', () => ({ name: 1, value: 'v' })), 'type'],
        [recipe('{name: "n"}', () => ({ name: 'n' })), 'type'],
        [recipe('{name: "n", value: Symbol()}', () => ({ name: 'n', value: Symbol('v') })), 'type'],
        [recipe('{name: "\\uD800", value: "v"}', () => ({ name: '\uD800', value: 'v' })), 'range'],
        [recipe('{name: "n", value: "a\\u0000b"}', () => ({ name: 'n', value: 'a\u0000b' })), 'range'],
    ];
    const sites = [
        'publish',
        'subscribe',
        'unsubscribe',
        'disconnect',
        'config.connectProperties',
        'config.connectProperties.will',
    ] as const;

    function withProps(
        site: (typeof sites)[number],
        userProperties: unknown[],
        client: Mqtt5Client,
    ): { names: string; out: Outcome } {
        const root = ROOTS.find((r) => r.name === site);
        if (root)
            return { names: `${site}.userProperties`, out: attempt(() => root.call(client, { ...root.base(), userProperties })) };
        const cfg: any = baseConfig();
        if (site === 'config.connectProperties') cfg.connectProperties.userProperties = userProperties;
        else cfg.connectProperties.will.userProperties = userProperties;
        return { names: `${site}.userProperties`, out: construct(cfg) };
    }

    it(`${BIG_PROPS} user properties, one of them bad at a random index: the error names that index`, async () => {
        await withClient((client, tracker) => {
            fc.assert(
                fc.property(
                    fc.constantFrom(...sites),
                    fc.integer({ min: 0, max: BIG_PROPS - 1 }),
                    fc.constantFrom(...badEntries),
                    (site, index, [bad, exp]) => {
                        const list: unknown[] = props(BIG_PROPS);
                        list[index] = bad.make();
                        const { names, out } = withProps(site, list, client);
                        judge(`${names}[${index}]`, exp, out, `${bad.label} at ${index}`);
                        if (!out.threw) tracker.track(out.value, site);
                    },
                ),
                { numRuns: 60 },
            );
        });
    });

    it(`${BIG_PROPS} valid user properties anywhere: a CrtError (the CRT's limit) or accepted`, async () => {
        await withClient((client, tracker) => {
            for (const site of sites) {
                const { names, out } = withProps(site, props(BIG_PROPS), client);
                judge(names, 'ok', out, `${BIG_PROPS} user properties`);
                if (!out.threw) tracker.track(out.value, site);
            }
        });
    });

    it('lists over the CRT limit of 1024 entries are a RangeError naming the list', async () => {
        await withClient((client) => {
            const subs = Array.from({ length: 2000 }, (_, i) => ({ topicFilter: `big/${i}/+`, qos: 1 }));
            judge(
                'subscribe.subscriptions',
                'range',
                attempt(() => client.subscribe({ subscriptions: subs })),
                '2000 subscriptions',
            );
            judge(
                'unsubscribe.topicFilters',
                'range',
                attempt(() => client.unsubscribe({ topicFilters: subs.map((s) => s.topicFilter) })),
                '2000 filters',
            );
            const props = Array.from({ length: 5000 }, (_, i) => ({ name: `n${i}`, value: 'v' }));
            judge(
                'publish.userProperties',
                'range',
                attempt(() => client.publish({ topicName: 't', qos: 0, userProperties: props })),
                '5000 properties',
            );
            const metadata = Array.from({ length: 5000 }, (_, i) => [`k${i}`, 'v']);
            judge(
                'config.metrics.metadata',
                'range',
                construct({ ...CONFIG, metrics: { libraryName: 'x', metadata } } as any),
                '5000 metadata pairs',
            );
        });
    });

    it('1,000 subscriptions, 1,000 topic filters, 1,000 metadata pairs, 70,000-character strings everywhere', async () => {
        await withClient((client, tracker) => {
            const subs = Array.from({ length: 1000 }, (_, i) => ({ topicFilter: `big/${i}/+`, qos: 1 }));
            let out = attempt(() => client.subscribe({ subscriptions: subs }));
            judge('subscribe', 'ok', out, '1000 subscriptions');
            if (!out.threw) tracker.track(out.value, 'subs');
            out = attempt(() => client.unsubscribe({ topicFilters: subs.map((s) => s.topicFilter) }));
            judge('unsubscribe', 'ok', out, '1000 topic filters');
            if (!out.threw) tracker.track(out.value, 'unsubs');
            const metadata = Array.from({ length: 1000 }, (_, i) => [`k${i}`, 'v']);
            judge(
                'config.metrics',
                'ok',
                construct({ ...CONFIG, metrics: { libraryName: 'x', metadata } } as any),
                '1000 metadata pairs',
            );
            // A bad subscription at the end of a long list is named by its index.
            const bad = [...subs, { topicFilter: 'x', qos: 'one' }];
            judge(
                'subscribe.subscriptions[1000].qos',
                'type',
                attempt(() => client.subscribe({ subscriptions: bad as any })),
                'qos "one" at 1000',
            );
            const badFilters = [...subs.map((s) => s.topicFilter), 7];
            judge(
                'unsubscribe.topicFilters[1000]',
                'type',
                attempt(() => client.unsubscribe({ topicFilters: badFilters as any })),
                '7 at 1000',
            );
        });
        const huge = 'h'.repeat(70_000);
        await withClient((client, tracker) => {
            const allStrings = [
                ...CONFIG_FIELDS.filter((f) => ['string', 'topicName', 'topicFilter', 'bytes', 'payload'].includes(f.kind.t)).map(
                    (f) => ({ root: 'config', f }),
                ),
                ...ROOTS.flatMap((r) =>
                    r.fields
                        .filter((f) => ['string', 'topicName', 'topicFilter', 'bytes', 'payload'].includes(f.kind.t))
                        .map((f) => ({ root: r.name, f })),
                ),
            ];
            for (const { root: rootName, f } of allStrings) {
                const root = ROOTS.find((r) => r.name === rootName);
                const input = withValue(root ? root.base() : baseConfig(), f.path, huge);
                const out = root ? attempt(() => root.call(client, input)) : construct(input);
                judge(f.names ?? display(rootName, f.path), expectation(f, huge), out, '70,000 characters');
                if (!out.threw) tracker.track(out.value, display(rootName, f.path));
            }
        });
    });
});

describe('wrong receivers and calls without new', () => {
    const receivers: Recipe[] = [
        of('undefined', undefined),
        of('null', null),
        of('1', 1),
        of('"client"', 'client'),
        recipe('{}', () => ({})),
        recipe('Object.create(Mqtt5Client.prototype)', () => Object.create(Mqtt5Client.prototype)),
        recipe('new EventEmitter()', () => new EventEmitter()),
        recipe('a native client', () => new binding.NativeMqtt5Client(CONFIG, () => {})),
        // Objects wrapped by the addon's other classes: their wrapped pointer is not a client's.
        recipe("a ClientTlsContext's native object", () => (sharedTlsContext() as any).native),
        recipe(
            "a credentials provider's native object",
            () => (auth.AwsCredentialsProvider.newStatic('AKID', 'SECRET') as any).native,
        ),
        recipe('Object.create(NativeMqtt5Client.prototype)', () => Object.create((binding.NativeMqtt5Client as any).prototype)),
        recipe('Proxy(get throws)', () => trapProxy('get')),
        recipe('Proxy of a client', () => new Proxy(new Mqtt5Client(CONFIG), {})),
        recipe('a builder', () => new Mqtt5ClientBuilder('h', 1)),
        recipe('Mqtt5Client (the class)', () => Mqtt5Client),
    ];
    const argsArb = fc.array(fc.oneof(plainHostile, fc.constant(recipe('a valid publish', basePublish))), { maxLength: 2 });

    it('Mqtt5Client.prototype methods called on anything but a client throw a TypeError', async () => {
        const proto = Mqtt5Client.prototype as any;
        const methods: (string | symbol)[] = [
            ...Object.getOwnPropertyNames(proto).filter(
                (n) => n !== 'constructor' && typeof Object.getOwnPropertyDescriptor(proto, n)?.value === 'function',
            ),
            Symbol.asyncDispose,
        ];
        const asyncResults: Promise<unknown>[] = [];
        fc.assert(
            fc.property(fc.constantFrom(...methods), fc.constantFrom(...receivers), argsArb, (m, rr, args) => {
                const receiver = rr.make();
                const out = attempt(() =>
                    proto[m].apply(
                        receiver,
                        args.map((a) => a.make()),
                    ),
                );
                if (!out.threw && out.value instanceof Promise) {
                    // async methods report through the promise
                    asyncResults.push(
                        out.value.then(
                            () => {
                                throw new Error(`${String(m)} on ${rr.label}: resolved`);
                            },
                            (e) => {
                                if (!(e instanceof TypeError))
                                    throw new Error(`${String(m)} on ${rr.label}: rejected with ${show(e)}`);
                            },
                        ),
                    );
                    return;
                }
                // getQueueStatistics/getOperationStatistics call this.getOperationalStatistics(): any
                // receiver that has one (a native client) answers; a receiver's own throwing trap
                // throws its own error.
                const delegates = m === 'getQueueStatistics' || m === 'getOperationStatistics';
                if (!out.threw && delegates && typeof (receiver as any)?.getOperationalStatistics === 'function') return;
                if (out.threw && out.error instanceof Boom) return;
                if (!out.threw) throw new Error(`${String(m)} on ${rr.label}: returned ${show(out.value)} instead of throwing`);
                if (!(out.error instanceof TypeError))
                    throw new Error(`${String(m)} on ${rr.label}: threw ${show(out.error)}, not a TypeError`);
            }),
            { numRuns: 300 },
        );
        await Promise.all(asyncResults);
    });

    it('NativeMqtt5Client.prototype methods on anything but a native client, and the class without new, throw a TypeError', () => {
        const Native = binding.NativeMqtt5Client as any;
        const methods = Object.getOwnPropertyNames(Native.prototype).filter((n) => n !== 'constructor');
        expect(methods.length).toBeGreaterThanOrEqual(8);
        const nativeReceivers = receivers.filter((r) => r.label !== 'a native client');
        fc.assert(
            fc.property(fc.constantFrom(...methods), fc.constantFrom(...nativeReceivers), argsArb, (m, rr, args) => {
                const out = attempt(() =>
                    Native.prototype[m].apply(
                        rr.make(),
                        args.map((a) => a.make()),
                    ),
                );
                if (!out.threw || !(out.error instanceof TypeError)) {
                    throw new Error(
                        `native ${m} on ${rr.label}: ${out.threw ? `threw ${show(out.error)}` : 'returned'} instead of a TypeError`,
                    );
                }
            }),
            { numRuns: 300 },
        );
        fc.assert(
            fc.property(fc.array(plainHostile, { maxLength: 3 }), fc.constantFrom('call', 'apply', 'bind'), (args, how) => {
                const a = args.map((r) => r.make());
                const out = attempt(() =>
                    how === 'call'
                        ? Native(...a)
                        : how === 'apply'
                          ? Reflect.apply(Native, undefined, a)
                          : Native.bind(null, ...a)(),
                );
                if (!out.threw || !(out.error instanceof TypeError)) {
                    throw new Error(`NativeMqtt5Client() without new (${how}): ${out.threw ? show(out.error) : 'returned'}`);
                }
            }),
            { numRuns: 100 },
        );
        // And the JS class without new.
        expect(() => (Mqtt5Client as any)(CONFIG)).toThrow(TypeError);
    });
});

describe('the native class called directly', () => {
    const Native = binding.NativeMqtt5Client as any;

    const fieldAt = (fields: Field[], path: string) => fields.find((f) => display('', f.path) === path)!;
    const trapped = (label: string) => trappedObjects.find((r) => r.label === label)!;
    const noopSink = recipe('() => {}', () => () => {});

    it('new NativeMqtt5Client(hostile config, hostile sink): clean error naming the field, or a client', () => {
        fc.assert(
            fc.property(
                fc
                    .constantFrom(...CONFIG_FIELDS)
                    .chain((f) => fc.tuple(fc.constant(f), fc.oneof(valuesFor(f), fc.constantFrom(...trappedObjects)))),
                fc.oneof(fc.constant(noopSink), plainHostile),
                ([f, r]: [Field, Recipe], sink: Recipe) => {
                    const cfg = withValue(baseNativeConfig(), f.path, r.make());
                    const s = sink.make();
                    const out = attempt(() => new Native(cfg, s));
                    const names = typeof s === 'function' ? (f.names ?? display('config', f.path)) : null;
                    judge(names, 'ok', out, `${r.label}, sink ${sink.label}`);
                    if (!out.threw) (out.value as any).close();
                },
            ),
            {
                numRuns: 400,
                // the native walker reads array elements and user properties without try/catch
                examples: [
                    [[fieldAt(CONFIG_FIELDS, '.connectProperties.userProperties'), trapped('[element getter throws]')], noopSink],
                    [
                        [fieldAt(CONFIG_FIELDS, '.connectProperties.userProperties[0]'), trapped('Proxy({}, get throws)')],
                        noopSink,
                    ],
                ],
            },
        );
    });

    it('native methods with hostile arguments: clean errors or operation ids, never a crash', () => {
        const nc = new Native(CONFIG, () => {});
        try {
            const packetArb = fc.oneof(
                ...ROOTS.map((root) =>
                    fc.constantFrom(...root.fields).chain((f) =>
                        fc.oneof(valuesFor(f), fc.constantFrom(...trappedObjects)).map((r) => ({
                            root,
                            f,
                            r,
                            [fc.toStringMethod]: () => `${display(root.name, f.path)} = ${r.label}`,
                        })),
                    ),
                ),
            );
            fc.assert(
                fc.property(packetArb, ({ root, f, r }) => {
                    const method = root.name === 'disconnect' ? 'stop' : root.name;
                    const out = attempt(() => nc[method](withValue(root.base(), f.path, r.make())));
                    judge(f.names ?? display(root.name, f.path), 'ok', out, r.label);
                }),
                {
                    numRuns: 400,
                    examples: [
                        [
                            {
                                root: ROOTS[0],
                                f: fieldAt(ROOTS[0].fields, '.userProperties[0]'),
                                r: trapped('Proxy({}, get throws)'),
                            },
                        ],
                        [{ root: ROOTS[2], f: fieldAt(ROOTS[2].fields, '.topicFilters'), r: trapped('[element getter throws]') }],
                    ] as any,
                },
            );
            fc.assert(
                fc.property(
                    fc.oneof(
                        fc
                            .array(nastyNumber, { maxLength: 5 })
                            .map((rs) => recipe(`[${rs.map((x) => x.label)}]`, () => rs.map((x) => x.make()))),
                        plainHostile,
                    ),
                    (r) => {
                        const out = attempt(() => nc.acknowledge(r.make()));
                        judge('controlIds', 'ok', out, r.label);
                    },
                ),
                { numRuns: 200 },
            );
            fc.assert(
                fc.property(fc.array(plainHostile, { maxLength: 3 }), (args) => {
                    const out = attempt(() => nc.getOperationalStatistics(...args.map((a) => a.make())));
                    expect(out.threw).toBe(false);
                }),
                { numRuns: 50 },
            );
        } finally {
            nc.close();
        }
        expect(() => nc.publish(basePublish())).toThrow(CrtError);
        expect(() => nc.close()).not.toThrow();
    });
});

describe('builder, SocketOptions and packet classes', () => {
    const setters: [string, string][] = [
        ['withHostName', 'config.hostName'],
        ['withPort', 'config.port'],
        ['withBootstrap', 'config'],
        ['withSocketOptions', 'config.socketOptions'],
        ['withConnectOptions', 'config.connectProperties'],
        ['withSessionBehavior', 'config.sessionBehavior'],
        ['withClientExtendedValidationAndFlowControl', 'config.extendedValidationAndFlowControlOptions'],
        ['withOfflineQueueBehavior', 'config.offlineQueueBehavior'],
        ['withReconnectOptions', 'config'],
        ['withMinConnectedTimeToResetReconnectDelayMs', 'config.minConnectedTimeToResetReconnectDelayMs'],
        ['withTopicAliasingOptions', 'config.topicAliasingOptions'],
        ['withPingTimeoutMs', 'config.pingTimeoutMs'],
        ['withConnackTimeoutMs', 'config.connackTimeoutMs'],
        ['withAckTimeoutSeconds', 'config.ackTimeoutSeconds'],
        ['withAckTimeoutSec', 'config.ackTimeoutSeconds'],
        ['withMetricsCollection', 'config'],
    ];

    it('Mqtt5ClientBuilder setters with hostile values: build() throws naming the field, or builds', () => {
        fc.assert(
            fc.property(
                fc.array(fc.tuple(fc.constantFrom(...setters), fc.oneof(plainHostile, nastyNumber, nastyString)), {
                    minLength: 1,
                    maxLength: 3,
                }),
                (calls) => {
                    const b: any = new Mqtt5ClientBuilder('127.0.0.1', 1);
                    for (const [[setter], r] of calls) {
                        const out = attempt(() => b[setter](r.make()));
                        // a setter may refuse at once (TypeError/RangeError), without knowing the config path
                        if (out.threw) {
                            judge(null, 'ok', out, `${setter}(${r.label})`);
                            return;
                        }
                    }
                    const out = attempt(() => b.build());
                    const names = calls.length === 1 ? calls[0][0][1] : 'config';
                    judge(names, 'ok', out, calls.map(([[s], r]) => `${s}(${r.label})`).join('.'));
                    if (!out.threw) (out.value as Mqtt5Client).close();
                },
            ),
            { numRuns: 300 },
        );
        // newMqtt5Client with anything
        fc.assert(
            fc.property(plainHostile, (r) => {
                const v = r.make();
                const out = attempt(() => Mqtt5Client.newMqtt5Client(v as any));
                judge(null, 'ok', out, r.label);
                if (!out.threw) (out.value as Mqtt5Client).close();
            }),
            { numRuns: 200 },
        );
    });

    it('io.SocketOptions with hostile constructor arguments: the client names config.socketOptions.<field>', () => {
        const so = [
            'type',
            'domain',
            'connect_timeout_ms',
            'keepalive',
            'keep_alive_interval_sec',
            'keep_alive_timeout_sec',
            'keep_alive_max_failed_probes',
            'tcp_nodelay',
        ];
        fc.assert(
            fc.property(fc.integer({ min: 0, max: so.length - 1 }), fc.oneof(plainHostile, nastyNumber), (i, r) => {
                const args: unknown[] = [0, 0, 1000, false, 0, 0, 0, 0];
                args[i] = r.make();
                const options = new (io.SocketOptions as any)(...args);
                const f = CONFIG_FIELDS.find((x) => x.path[0] === 'socketOptions' && x.path[1] === so[i])!;
                // undefined means "the default" for a constructor parameter
                const exp = args[i] === undefined ? 'ok' : expectation(f, args[i]);
                judge(`config.socketOptions.${so[i]}`, exp, construct({ ...CONFIG, socketOptions: options }), r.label);
            }),
            { numRuns: 300 },
        );
    });

    it('Mqtt5 packet classes filled with hostile values: the operation names the field', async () => {
        await withClient((client, tracker) => {
            const hostile = fc.oneof(plainHostile, nastyNumber, nastyString);
            fc.assert(
                fc.property(
                    fc.constantFrom('publish', 'subscribe', 'unsubscribe', 'disconnect'),
                    fc.tuple(hostile, fc.oneof(nastyBytes, nastyString, primitives), hostile),
                    (which, rs) => {
                        const [a, b, c] = rs.map((r) => r.make()) as any[];
                        const label = `${which}(${rs.map((r) => r.label).join(', ')})`;
                        const build = attempt((): unknown => {
                            switch (which) {
                                case 'publish':
                                    return new Mqtt5.PublishPacket(a, b, c);
                                case 'subscribe':
                                    return new Mqtt5.SubscribePacket().withSubscription(
                                        new Mqtt5.Subscription(a, b).withNoLocal(c),
                                    );
                                case 'unsubscribe':
                                    return new Mqtt5.UnsubscribePacket()
                                        .withTopicFilter(a)
                                        .withUserProperty(new Mqtt5.UserProperty(b, c));
                                default:
                                    return new Mqtt5.DisconnectPacket()
                                        .withReasonCode(a)
                                        .withReasonString(b)
                                        .withSessionExpiryIntervalSec(c);
                            }
                        });
                        if (build.threw) return judge(null, 'ok', build, label);
                        const out = attempt(() =>
                            which === 'publish'
                                ? client.publish(build.value as any)
                                : which === 'subscribe'
                                  ? client.subscribe(build.value as any)
                                  : which === 'unsubscribe'
                                    ? client.unsubscribe(build.value as any)
                                    : client.stop(build.value as any),
                        );
                        judge(which, 'ok', out, label);
                        if (!out.threw) tracker.track(out.value, label);
                    },
                ),
                { numRuns: 300 },
            );
        });
    });

    it('CrtError with any error code constructs or throws a TypeError', () => {
        fc.assert(
            fc.property(fc.oneof(nastyNumber, plainHostile), (r) => {
                const v = r.make();
                const out = attempt(() => new CrtError(v as any));
                if (out.threw) judge(null, 'type', out, r.label);
                else expect(typeof (out.value as CrtError).code).toBe('string');
            }),
            { numRuns: 200 },
        );
    });
});

describe('io.ClientTlsContext options', () => {
    const strings = [
        'ca_filepath',
        'ca_dirpath',
        'certificate_authority',
        'certificate_filepath',
        'certificate',
        'private_key_filepath',
        'private_key',
        'pkcs12_filepath',
        'pkcs12_password',
    ];
    const oracle: Record<string, (v: unknown) => Expect> = {
        min_tls_version: (v) =>
            v == null ? 'ok' : typeof v !== 'number' ? 'type' : [0, 1, 2, 3, 4, 128].includes(v) ? 'ok' : 'range',
        tls_cipher_preference: (v) =>
            v == null ? 'ok' : typeof v !== 'number' ? 'type' : Number.isInteger(v) && v >= 0 && v <= 255 ? 'ok' : 'range',
        alpn_list: (v) => (v == null ? 'ok' : Array.isArray(v) && v.every((x) => typeof x === 'string') ? 'ok' : 'type'),
        verify_peer: () => 'ok',
        pkcs11_options: () => 'ok',
        ...Object.fromEntries(
            strings.map((k) => [k, (v: unknown) => (v == null || typeof v === 'string' ? 'ok' : 'type') as Expect]),
        ),
    };
    // ALPN lists made only of strings reach the CRT, and some of them crash it: those are the
    // child-process cases below, not this worker's.
    const notAllStrings = (r: Recipe) => {
        const v = r.make();
        return !(Array.isArray(v) && v.every((x) => typeof x === 'string'));
    };
    const valueFor = (field: string): fc.Arbitrary<Recipe> =>
        field === 'alpn_list'
            ? plainHostile.filter(notAllStrings)
            : field === 'min_tls_version' || field === 'tls_cipher_preference'
              ? fc.oneof(nastyNumber, plainHostile)
              : fc.oneof(nastyString, plainHostile);

    it('hostile values in any field: a clean error or a context, never a plain Error', () => {
        fc.assert(
            fc.property(
                fc.constantFrom(...Object.keys(oracle)).chain((field) => fc.tuple(fc.constant(field), valueFor(field))),
                ([field, r]) => {
                    const v = r.make();
                    const options = Object.assign(new io.TlsContextOptions(), { [field]: v });
                    judge(
                        'tlsContextOptions',
                        oracle[field](v),
                        attempt(() => new io.ClientTlsContext(options)),
                        `${field} = ${r.label}`,
                    );
                },
            ),
            { numRuns: 250 },
        );
    });

    it('a field that cannot be read is a TypeError naming it', () => {
        fc.assert(
            fc.property(fc.constantFrom(...Object.keys(oracle)), thrown, (field, t) => {
                const options = withThrowingRead(new io.TlsContextOptions(), [field], 'accessor', t.make);
                judge(
                    `tlsContextOptions.${field}`,
                    'type',
                    attempt(() => new io.ClientTlsContext(options)),
                    `throwing ${t.label}`,
                );
            }),
            { numRuns: 40 },
        );
    });
});

describe('close() settles everything', () => {
    const op = fc.oneof(
        fc.constant('publish0'),
        fc.constant('publish1'),
        fc.constant('subscribe'),
        fc.constant('unsubscribe'),
        fc.constant('stats'),
        fc.constant('stop'),
        fc.constant('start'),
        fc.constant('hostile'),
    );

    it('any sequence of operations (started or not), then close(): every promise settles, every method then throws a CrtError', async () => {
        await fc.assert(
            fc.asyncProperty(
                fc.array(fc.tuple(op, plainHostile), { minLength: 1, maxLength: 25 }),
                fc.integer({ min: 0, max: 20 }),
                async (ops, waitMs) => {
                    const client = new Mqtt5Client({ ...CONFIG, minReconnectDelayMs: 10, maxReconnectDelayMs: 20 });
                    const tracker = new Tracker();
                    for (const [name, r] of ops) {
                        const out = attempt((): unknown => {
                            switch (name) {
                                case 'publish0':
                                    return client.publish({ topicName: 'a/b', qos: 0, payload: 'x' });
                                case 'publish1':
                                    return client.publish({ topicName: 'a/b', qos: 1, payload: Buffer.alloc(100) });
                                case 'subscribe':
                                    return client.subscribe({ subscriptions: [{ topicFilter: 'a/#', qos: 1 }] });
                                case 'unsubscribe':
                                    return client.unsubscribe({ topicFilters: ['a/#'] });
                                case 'stats':
                                    return client.getOperationalStatistics();
                                case 'stop':
                                    return client.stop();
                                case 'start':
                                    return client.start();
                                default:
                                    return client.publish(r.make() as any);
                            }
                        });
                        judge(null, 'ok', out, `${name} ${r.label}`);
                        if (!out.threw) tracker.track(out.value, name);
                    }
                    if (waitMs) await new Promise((res) => setTimeout(res, waitMs));
                    client.close();
                    await tracker.expectAllSettled();
                    for (const call of [
                        () => client.start(),
                        () => client.stop(),
                        () => client.publish(basePublish()),
                        () => client.subscribe(baseSubscribe()),
                        () => client.unsubscribe(baseUnsubscribe()),
                        () => client.getOperationalStatistics(),
                    ]) {
                        expect(call).toThrow(CrtError);
                    }
                    client.close();
                },
            ),
            { numRuns: 60 },
        );
    });
});

describe('credentials providers', () => {
    it('the provider factories with hostile arguments: a clean error or a provider', async () => {
        const settled: Promise<void>[] = [];
        fc.assert(
            fc.property(
                fc.constantFrom('newStatic', 'newProfile', 'newCached', 'newDelegate', 'newEnvironment', 'constructor'),
                fc.array(fc.oneof(plainHostile, nastyString, nastyNumber), { maxLength: 3 }),
                (factory, rs) => {
                    const args = rs.map((r) => r.make()) as any[];
                    const label = `${factory}(${rs.map((r) => r.label).join(', ')})`;
                    const A = auth.AwsCredentialsProvider as any;
                    const out = attempt(() => {
                        if (factory === 'constructor') return new A(...args);
                        if (factory === 'newCached') return A.newCached(A.newStatic('a', 'b'), args[0]);
                        return A[factory](...args);
                    });
                    judge(null, 'ok', out, label);
                    // Only providers that answer without the network or user code are asked.
                    if (!out.threw && factory !== 'newDelegate' && factory !== 'constructor') {
                        settled.push(
                            Promise.race([
                                (out.value as any).getCredentials().then(
                                    () => {},
                                    (e: unknown) => {
                                        if (!(e instanceof CrtError))
                                            throw new Error(`${label}: getCredentials rejected with ${show(e)}`);
                                    },
                                ),
                                new Promise((_, reject) =>
                                    setTimeout(
                                        () => reject(new Error(`${label}: getCredentials still pending after 5 s`)),
                                        5000,
                                    ).unref(),
                                ),
                            ]) as Promise<void>,
                        );
                    }
                },
            ),
            { numRuns: 150 },
        );
        await Promise.all(settled);
    });
});

// ---- Child processes: inputs that have crashed the process ----------------------------------------

const childPrelude = `
const { Mqtt5Client, CrtError, QoS, io, auth } = require(${JSON.stringify(distIndex)});
const { binding } = require(${JSON.stringify(distNative)});
const config = { hostName: '127.0.0.1', port: 1 };
const report = (o) => console.log('RESULT ' + JSON.stringify(o));
const describeError = (e) => ({ threw: true, name: e && e.constructor && e.constructor.name, message: String(e && e.message),
    clean: e instanceof CrtError || e instanceof TypeError || e instanceof RangeError });
async function outcome(f) {
    let v;
    try { v = f(); } catch (e) { return describeError(e); }
    if (v && typeof v.then === 'function') {
        const s = await Promise.race([
            v.then(() => 'resolved', (e) => (e instanceof CrtError ? 'rejected' : 'rejected with ' + String(e))),
            new Promise((r) => setTimeout(() => r('pending'), 1500)),
        ]);
        return { threw: false, settled: s };
    }
    return { threw: false };
}
const huge = () => { const a = []; a.length = 2 ** 32 - 1; return a; };
`;

async function childCase(body: string, timeoutMs = 60_000): Promise<{ r: ChildResult; result: any }> {
    const r = await runNode(`${childPrelude}(async () => { report(await outcome(() => { ${body} })); })();`, { timeoutMs });
    const line = r.stdout.split('\n').find((l) => l.startsWith('RESULT '));
    return { r, result: line ? JSON.parse(line.slice('RESULT '.length)) : undefined };
}

function expectCleanChild(expect: ExpectStatic, label: string, { r, result }: { r: ChildResult; result: any }): void {
    const died = r.timedOut
        ? 'did not exit (killed after the timeout)'
        : r.signal
          ? `was killed by ${r.signal}`
          : r.code !== 0
            ? `exited with code ${r.code}`
            : '';
    expect(died, `${label}: the process ${died}; result: ${JSON.stringify(result)}\n${r.stderr.slice(0, 600)}`).toBe('');
    expect(result, `${label}: no result\n${r.stdout}\n${r.stderr}`).toBeDefined();
    if (result.threw) expect(result.clean, `${label}: threw ${result.name}: ${result.message}`).toBe(true);
    else expect(result.settled ?? 'not a promise', label).not.toMatch(/^(pending|rejected with)/);
}

// A getter (or Proxy trap) on a packet may call back into the client. Closing the client from there
// must not leave the native call holding a released CRT client.
describe.concurrent('re-entrant close() from inside a packet getter (child processes)', () => {
    const cases: [string, string][] = [
        [
            'publish: retain getter calls client.close()',
            `const c = new Mqtt5Client(config); return c.publish({ topicName: 't', qos: 1, get retain() { c.close(); return false; } });`,
        ],
        [
            'publish on a started client: correlationData getter calls client.close()',
            `const c = new Mqtt5Client(config); c.start(); return c.publish({ topicName: 't', qos: 1, get correlationData() { c.close(); return 'x'; } });`,
        ],
        [
            'subscribe: subscriptions[0].qos getter calls client.close()',
            `const c = new Mqtt5Client(config); return c.subscribe({ subscriptions: [{ topicFilter: 'a', get qos() { c.close(); return 1; } }] });`,
        ],
        [
            'stop: disconnect.reasonCode getter calls client.close()',
            `const c = new Mqtt5Client(config); return c.stop({ get reasonCode() { c.close(); return 0; } });`,
        ],
        [
            'publish: Proxy get trap calls client.close()',
            `const c = new Mqtt5Client(config); return c.publish(new Proxy({ topicName: 't', qos: 1 }, { get(t, k) { if (k === 'messageExpiryIntervalSeconds') c.close(); return t[k]; } }));`,
        ],
        [
            'native publish: retain getter calls nativeClient.close()',
            `const n = new binding.NativeMqtt5Client(config, () => {}); return n.publish({ topicName: 't', qos: 1, get retain() { n.close(); return false; } });`,
        ],
    ];
    for (const [label, body] of cases) {
        it.concurrent(label, async ({ expect }) => {
            expectCleanChild(expect, label, await childCase(body));
        }, 90_000);
    }
});

// A sparse array's length is up to 2^32-1 while it holds nothing: the native walker must not size
// an allocation by the length before it has looked at the elements (std::bad_alloc aborts the process).
describe.concurrent('huge sparse arrays (child processes)', () => {
    const cases: [string, string][] = [
        [
            'native publish: userProperties of length 2^32-1',
            `const n = new binding.NativeMqtt5Client(config, () => {}); return n.publish({ topicName: 't', qos: 0, userProperties: huge() });`,
        ],
        [
            'native subscribe: subscriptions of length 2^32-1',
            `const n = new binding.NativeMqtt5Client(config, () => {}); return n.subscribe({ subscriptions: huge() });`,
        ],
        [
            'native unsubscribe: topicFilters of length 2^32-1',
            `const n = new binding.NativeMqtt5Client(config, () => {}); return n.unsubscribe({ topicFilters: huge() });`,
        ],
        [
            'native constructor: metrics.metadata of length 2^32-1',
            `return new binding.NativeMqtt5Client({ ...config, metrics: { libraryName: 'x', metadata: huge() } }, () => {});`,
        ],
        [
            'unsubscribe: topicFilters of length 2^32-1 with its own forEach',
            `const c = new Mqtt5Client(config); const a = huge(); a.forEach = () => {}; return c.unsubscribe({ topicFilters: a });`,
        ],
        [
            'subscribe: subscriptions of length 2^32-1 with its own forEach',
            `const c = new Mqtt5Client(config); const a = huge(); a.forEach = () => {}; return c.subscribe({ subscriptions: a });`,
        ],
    ];
    for (const [label, body] of cases) {
        it.concurrent(label, async ({ expect }) => {
            expectCleanChild(expect, label, await childCase(body));
        }, 90_000);
    }
});

// The ALPN list is handed to the CRT joined with ';': entries that contain ';', are empty, or are
// longer than a protocol name may be (255 bytes) must be refused, not passed on.
describe.concurrent('TLS ALPN lists (child processes)', () => {
    const alpn = (list: string) =>
        `return new io.ClientTlsContext(Object.assign(new io.TlsContextOptions(), { alpn_list: ${list} }));`;
    const cases: [string, string][] = [
        ["alpn_list ['h2', 'a;b'] (separator inside an entry)", alpn(`['h2', 'a;b']`)],
        ["alpn_list ['h2', ''] (an empty entry)", alpn(`['h2', '']`)],
        ["alpn_list ['x' * 600] (longer than 255 bytes)", alpn(`['x'.repeat(600)]`)],
        ["alpn_list ['x' * 70000]", alpn(`['x'.repeat(70000)]`)],
    ];
    for (const [label, body] of cases) {
        it.concurrent(label, async ({ expect }) => {
            expectCleanChild(expect, label, await childCase(body));
        }, 90_000);
    }
});

// The websocket handshake transform is user code: whatever it does to the request, a connection
// attempt must end (fail) and stop() must still stop the client.
describe.concurrent('hostile websocket handshake transforms (child processes)', () => {
    const run = (transform: string) =>
        runNode(
            `${childPrelude}
            const errors = [];
            process.on('uncaughtException', (e) => errors.push(String(e && e.message)));
            const c = new Mqtt5Client({ ...config, minReconnectDelayMs: 50, maxReconnectDelayMs: 100, websocketHandshakeTransform: ${transform} });
            const events = [];
            for (const e of ['attemptingConnect', 'connectionFailure', 'stopped']) c.on(e, (x) => events.push(e + (x && x.error ? ':' + x.error.code : '')));
            const pending = c.publish({ topicName: 'a', qos: 1 });
            c.start();
            setTimeout(async () => {
                const stopped = new Promise((r) => c.once('stopped', () => r(true)));
                c.stop();
                const ok = await Promise.race([stopped, new Promise((r) => setTimeout(() => r(false), 1000))]);
                c.close();
                const publish = await outcome(() => pending);
                report({ stopped: ok, publish, events: events.slice(0, 4), errors: errors.slice(0, 2) });
            }, 300);`,
            { timeoutMs: 15_000 },
        );
    const cases: [string, string][] = [
        ['replaces request.headers with a number, then calls done()', `(req, done) => { req.headers = 5; done(); }`],
        ['sets request.path to a number, then calls done()', `(req, done) => { req.path = 5; done(); }`],
        ['adds a header with a symbol value, then calls done()', `(req, done) => { req.headers.add('x', Symbol('v')); done(); }`],
        ['never calls done()', `(req, done) => {}`],
    ];
    for (const [label, transform] of cases) {
        it.concurrent(`a transform that ${label}: stop() still stops the client`, async ({ expect }) => {
            const r = await run(transform);
            expect(r.signal, r.stderr).toBeNull();
            expect(r.timedOut).toBe(false);
            const line = r.stdout.split('\n').find((l) => l.startsWith('RESULT '));
            expect(line, `${r.stdout}\n${r.stderr}`).toBeDefined();
            const result = JSON.parse(line!.slice('RESULT '.length));
            expect(
                result.stopped,
                `no 'stopped' within 1 s of stop(); events: ${JSON.stringify(result.events)}, uncaught: ${JSON.stringify(result.errors)}`,
            ).toBe(true);
            expect(result.publish.settled).not.toMatch(/^(pending|rejected with)/);
        });
    }
});

// A delegate is user code: whatever it returns, getCredentials() must settle (and not keep the
// process alive forever).
describe.concurrent('credentials delegates returning hostile values (child processes)', () => {
    const cases: [string, string][] = [
        [
            'an object whose accessKeyId getter throws',
            `({ get accessKeyId() { throw new Error('getter'); }, secretAccessKey: 's' })`,
        ],
        ['a Proxy whose get trap throws', `new Proxy({}, { get() { throw new Error('trap'); } })`],
        [
            'a promise of an object whose getter throws',
            `Promise.resolve({ get aws_access_key_id() { throw new Error('getter'); } })`,
        ],
    ];
    for (const [label, value] of cases) {
        it.concurrent(`a delegate returning ${label}: getCredentials() settles`, async ({ expect }) => {
            const body = `return auth.AwsCredentialsProvider.newDelegate(() => ${value}).getCredentials();`;
            expectCleanChild(expect, label, await childCase(body, 4000));
        });
    }
});

// ---- Listeners that throw ------------------------------------------------------------------------

describe.concurrent('a throwing messageReceived listener (broker, child process)', () => {
    const script = (handler: boolean) => `
        const { Mqtt5Client, QoS } = require(${JSON.stringify(distIndex)});
        const topic = ${JSON.stringify(uniqueTopic('hostile-listener'))};
        const errors = [];
        ${handler ? "process.on('uncaughtException', (e) => errors.push(String(e && e.message)));" : ''}
        (async () => {
            const c = new Mqtt5Client({ hostName: '127.0.0.1', port: ${brokerPort()},
                connectProperties: { keepAliveIntervalSeconds: 30, clientId: 'hostile-listener-' + process.pid } });
            const connected = new Promise((r) => c.once('connectionSuccess', r));
            c.start();
            await connected;
            let first = 0;
            const seen = [];
            c.on('messageReceived', () => { if (++first === 3) throw new Error('listener boom on message 3'); });
            c.on('messageReceived', (e) => seen.push(Buffer.from(e.message.payload).toString()));
            await c.subscribe({ subscriptions: [{ topicFilter: topic, qos: QoS.AtLeastOnce }] });
            await Promise.all(Array.from({ length: 50 }, (_, i) => c.publish({ topicName: topic, qos: QoS.AtLeastOnce, payload: String(i) })));
            for (let i = 0; i < 250 && first < 50; i++) await new Promise((r) => setTimeout(r, 20));
            // the client still works afterwards
            await c.publish({ topicName: topic, qos: QoS.AtLeastOnce, payload: 'after' });
            for (let i = 0; i < 250 && first < 51; i++) await new Promise((r) => setTimeout(r, 20));
            await new Promise((r) => setTimeout(r, 50));
            const stopped = new Promise((r) => c.once('stopped', r));
            c.stop();
            await stopped;
            c.close();
            console.log('RESULT ' + JSON.stringify({ seen, first, errors }));
        })();`;

    it.concurrent('the other listener still gets all 50 messages, the client keeps working, and the error surfaces once as uncaught', async ({
        expect,
    }) => {
        const r = await runNode(script(true), { timeoutMs: 20_000 });
        expect(r.signal, r.stderr).toBeNull();
        expect(r.timedOut, r.stderr).toBe(false);
        const line = r.stdout.split('\n').find((l) => l.startsWith('RESULT '));
        expect(line, `${r.stdout}\n${r.stderr}`).toBeDefined();
        const { seen, first, errors } = JSON.parse(line!.slice('RESULT '.length));
        expect(errors).toEqual(['listener boom on message 3']);
        expect(first).toBe(51);
        expect(seen.includes('after'), 'the client delivered nothing after the throw').toBe(true);
        const missing = Array.from({ length: 50 }, (_, i) => String(i)).filter((m) => !seen.includes(m));
        expect(missing, 'messages the second listener never saw').toEqual([]);
        expect(seen).toEqual([...Array.from({ length: 50 }, (_, i) => String(i)), 'after']);
        expect(r.code).toBe(0);
    });

    it.concurrent('without an uncaughtException handler the error is not swallowed: the process dies of it, not of a signal', async ({
        expect,
    }) => {
        const r = await runNode(script(false), { timeoutMs: 20_000 });
        expect(r.signal, r.stderr).toBeNull();
        expect(r.timedOut).toBe(false);
        expect(r.code).toBe(1);
        expect(r.stderr).toContain('listener boom on message 3');
    });

    it.concurrent('a sink handed to the native class that throws: the error surfaces as uncaught and later batches still arrive', async ({
        expect,
    }) => {
        const r = await runNode(
            `const { binding } = require(${JSON.stringify(distNative)});
             const errors = [];
             let batches = 0;
             process.on('uncaughtException', (e) => errors.push(String(e && e.message)));
             const n = new binding.NativeMqtt5Client({ hostName: '127.0.0.1', port: 1, minReconnectDelayMs: 20, maxReconnectDelayMs: 40 },
                 () => { if (++batches === 1) throw new Error('sink boom'); });
             n.start();
             setTimeout(() => { n.stop(); n.close(); console.log('RESULT ' + JSON.stringify({ batches, errors })); }, 800);`,
            { timeoutMs: 10_000 },
        );
        expect(r.signal, r.stderr).toBeNull();
        const line = r.stdout.split('\n').find((l) => l.startsWith('RESULT '));
        expect(line, `${r.stdout}\n${r.stderr}`).toBeDefined();
        const { batches, errors } = JSON.parse(line!.slice('RESULT '.length));
        expect(batches).toBeGreaterThan(1);
        expect(errors, `the sink's exception was swallowed; stderr: ${r.stderr.trim()}`).toEqual(['sink boom']);
    });
});
