// The field specifications of every packet and config, the oracle that says what each hostile
// value must give (accept, TypeError, RangeError), the input builders and the promise tracker of the
// hostile tests (test/unit/hostile_*.test.ts).
import fc from 'fast-check';
import { expect } from 'vitest';
import { CrtError, io, Mqtt5Client, QoS } from '../../dist/index.js';
import {
    CONFIG,
    hugeStrings,
    MAX_SAFE,
    nastyBytes,
    nastyNumber,
    nastyString,
    NUMBERS,
    oddObjects,
    of,
    plainHostile,
    type Recipe,
    recipe,
    show,
} from './hostile_values';

// ---- Field specifications and the oracle ---------------------------------------------------------

export type Kind =
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

export type Key = string | number;
export interface Field {
    path: Key[];
    kind: Kind;
    required?: boolean;
    /** What the error message must contain, when not the path itself. */
    names?: string;
}

export const int = (min: number, max: number): Kind => ({ t: 'int', min, max });
export const U16 = int(0, 65535);
export const U32 = int(0, 4294967295);
export const U64 = int(0, MAX_SAFE);
export const BOOL: Kind = { t: 'bool' };
export const STR: Kind = { t: 'string', checked: true };
export const RAW_STR: Kind = { t: 'string', checked: false };
export const BYTES: Kind = { t: 'bytes' };
export const LIST: Kind = { t: 'list' };
export const OBJECT: Kind = { t: 'object' };

export function userPropertyFields(prefix: Key[]): Field[] {
    return [
        { path: [...prefix, 'userProperties'], kind: LIST },
        { path: [...prefix, 'userProperties', 0], kind: { t: 'entry' }, required: true },
        { path: [...prefix, 'userProperties', 0, 'name'], kind: STR, required: true },
        { path: [...prefix, 'userProperties', 0, 'value'], kind: STR, required: true },
    ];
}

export function publishFields(prefix: Key[] = []): Field[] {
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
export const basePublish = () => ({
    topicName: 'hostile/t',
    qos: QoS.AtLeastOnce,
    payload: 'p',
    userProperties: [{ name: 'n', value: 'v' }],
});

export const SUBSCRIBE_FIELDS: Field[] = [
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
export const baseSubscribe = () => ({
    subscriptions: [{ topicFilter: 'hostile/+/t', qos: QoS.AtLeastOnce }],
    userProperties: [{ name: 'n', value: 'v' }],
});

export const UNSUBSCRIBE_FIELDS: Field[] = [
    { path: ['topicFilters'], kind: LIST, required: true },
    { path: ['topicFilters', 0], kind: { t: 'topicFilter' }, required: true },
    ...userPropertyFields([]),
];
export const baseUnsubscribe = () => ({ topicFilters: ['hostile/#'], userProperties: [{ name: 'n', value: 'v' }] });

export const DISCONNECT_FIELDS: Field[] = [
    { path: ['reasonCode'], kind: int(0, 255) },
    { path: ['sessionExpiryIntervalSeconds'], kind: U32 },
    { path: ['reasonString'], kind: STR },
    { path: ['serverReference'], kind: STR },
    ...userPropertyFields([]),
];
export const baseDisconnect = () => ({ reasonCode: 0, reasonString: 'bye', userProperties: [{ name: 'n', value: 'v' }] });

export const CONFIG_FIELDS: Field[] = [
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
export const baseConfig = () => ({
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
export const baseNativeConfig = () => {
    const c: any = baseConfig();
    c.metrics.metadata = [{ name: 'k', value: 'v' }];
    return c;
};

export function display(root: string, path: Key[]): string {
    return root + path.map((k) => (typeof k === 'number' ? `[${k}]` : `.${k}`)).join('');
}

export function badUtf8(s: string): boolean {
    return !(s as any).isWellFormed() || s.includes('\u0000') || Buffer.byteLength(s, 'utf8') > 65535;
}

/** MQTT 5 topic filter rules (4.7.1, 4.7.3, 4.8.2). */
export function validTopicFilter(f: string): boolean {
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
export const validTopicName = (t: string) => t.length > 0 && !/[+#]/.test(t);

export function isBinary(v: unknown): boolean {
    // Shared memory is binary too: its bytes are sent (a copy of them).
    return ArrayBuffer.isView(v) || v instanceof ArrayBuffer || v instanceof SharedArrayBuffer;
}

/**
 * What the library must do with `v` in this field:
 *   ok     accept it, or throw a TypeError/RangeError naming the field, or a CrtError
 *   type   throw a TypeError naming the field
 *   range  throw a RangeError naming the field
 *   reject throw a RangeError naming the field or a CrtError
 */
export type Expect = 'ok' | 'type' | 'range' | 'reject';
export function expectation(f: Field, v: unknown): Expect {
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
export function safeExpectation(f: Field, v: unknown): Expect {
    try {
        return expectation(f, v);
    } catch {
        return 'ok';
    }
}

export type Outcome = { threw: false; value: unknown } | { threw: true; error: unknown };
export function attempt(f: () => unknown): Outcome {
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

/**
 * Calls an operation (publish/subscribe/unsubscribe return promises that report bad input by
 * rejecting at once, as aws-crt's do): a throw, or a rejection before the next macrotask, is the
 * outcome's error; a promise still pending then (the operation was accepted) is its value.
 */
export async function attemptOp(f: () => unknown): Promise<Outcome> {
    const out = attempt(f);
    if (out.threw || !(out.value instanceof Promise)) return out;
    const early = await Promise.race([
        out.value.then(
            () => undefined,
            (error: unknown) => ({ error }),
        ),
        new Promise<undefined>((r) => setImmediate(() => r(undefined))),
    ]);
    return early ? { threw: true, error: early.error } : out;
}

/** Throws (failing the property) unless `out` is what `exp` allows, with errors naming `names`. */
export function judge(names: string | null, exp: Expect, out: Outcome, input: string): void {
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

export function clone<T>(v: T): T {
    return structuredClone(v);
}

/** The object holding the last key of `path` (created when absent). */
export function parentOf(root: any, path: Key[]): any {
    let o = root;
    for (let i = 0; i < path.length - 1; i++) {
        const k = path[i];
        if (o[k] === undefined || o[k] === null || typeof o[k] !== 'object') o[k] = typeof path[i + 1] === 'number' ? [] : {};
        o = o[k];
    }
    return o;
}

export function withValue(base: any, path: Key[], value: unknown): any {
    const root = clone(base);
    parentOf(root, path)[path[path.length - 1]] = value;
    return root;
}

/** Replaces the object at `path` (the root when empty) by `make(old)`. */
export function replaceAt(root: any, path: Key[], make: (old: any) => any): any {
    if (path.length === 0) return make(root);
    const parent = parentOf(root, path);
    const key = path[path.length - 1];
    parent[key] = make(parent[key]);
    return root;
}

export type Style = 'accessor' | 'proxy-get';
/** The field at `path` cannot be read: an accessor or the containing object's Proxy throws. */
export function withThrowingRead(base: any, path: Key[], style: Style, thrownValue: () => unknown): any {
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
export function withChangingValue(base: any, path: Key[], first: unknown, later: () => unknown): any {
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

export function valueAt(root: any, path: Key[]): unknown {
    return path.reduce((o, k) => (o == null ? undefined : o[k]), root);
}

export const nullish = fc.constantFrom(of('null', null), of('undefined', undefined));

export function valuesFor(f: Field): fc.Arbitrary<Recipe> {
    return fc.oneof({ weight: 1, arbitrary: nullish }, { weight: 12, arbitrary: valuesOfKind(f) });
}

export function valuesOfKind(f: Field): fc.Arbitrary<Recipe> {
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
export function mustTry(f: Field): [Recipe][] {
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

export let tlsContext: io.ClientTlsContext | undefined;
/** One TLS context for every test that needs a valid one (making one loads the trust store). */
export function sharedTlsContext(): io.ClientTlsContext {
    return (tlsContext ??= new io.ClientTlsContext());
}

// ---- Clients and promise tracking ----------------------------------------------------------------

/** Every promise a call returned; all of them must settle once the client is closed. */
export class Tracker {
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

/**
 * Runs `body` with a fresh client (made by `make`) and a Tracker, closes the client whatever
 * happened, then expects every promise the body tracked to have settled.
 */
export async function withClosed<C extends { close(): void }>(
    make: () => C,
    body: (client: C, tracker: Tracker) => void | Promise<void>,
): Promise<void> {
    const client = make();
    const tracker = new Tracker();
    try {
        await body(client, tracker);
    } finally {
        client.close();
    }
    await tracker.expectAllSettled();
}

export function withClient(body: (client: Mqtt5Client, tracker: Tracker) => void | Promise<void>): Promise<void> {
    return withClosed(() => new Mqtt5Client(CONFIG), body);
}

export interface Root {
    name: string;
    fields: Field[];
    base: () => any;
    /** Calls the method under test; returns what it returned. */
    call: (client: Mqtt5Client, input: any) => unknown;
}
export const ROOTS: Root[] = [
    { name: 'publish', fields: publishFields(), base: basePublish, call: (c, p) => c.publish(p) },
    { name: 'subscribe', fields: SUBSCRIBE_FIELDS, base: baseSubscribe, call: (c, p) => c.subscribe(p) },
    { name: 'unsubscribe', fields: UNSUBSCRIBE_FIELDS, base: baseUnsubscribe, call: (c, p) => c.unsubscribe(p) },
    { name: 'disconnect', fields: DISCONNECT_FIELDS, base: baseDisconnect, call: (c, p) => c.stop(p) },
];

/** new Mqtt5Client(config), closing what was made; returns the outcome. */
export function construct(config: unknown): Outcome {
    const out = attempt(() => new Mqtt5Client(config as any));
    if (!out.threw) (out.value as Mqtt5Client).close();
    return out;
}
