// Reading and checking what callers pass, before anything reaches the native layer.
//
// Every caller object is read exactly once, field by field, into a plain snapshot: a getter or
// proxy trap that throws becomes a TypeError naming the field, and nothing the caller controls
// runs while the native layer converts. Types and ranges of each field are checked (again, with
// the same wording) by the native table walker; here come the rules that need more than a type:
// topic syntax, UTF-8, list sizes, QoS 2, subscription identifier range.

import { binding } from './native';

/**
 * The fields of each packet, as the native tables (binding/packets.cc) convert them: what is read
 * here is exactly what the native side will look at.
 */
const KEYS = binding.tableKeys;

const MAX_UTF8_STRING = 65535;
const MAX_SUBSCRIPTION_IDENTIFIER = 268435455;
/** The CRT's limits on user properties, subscriptions and topic filters per packet. */
export const MAX_LIST_LENGTH = 1024;

export function unreadable(field: string, cause: unknown): TypeError {
    const message = cause instanceof Error ? cause.message : String(cause);
    return new TypeError(`${field} could not be read: ${message}`);
}

export function requireObject(value: unknown, what: string): asserts value is object {
    if (typeof value !== 'object' || value === null) {
        throw new TypeError(`${what} must be an object (got ${value === null ? 'null' : typeof value})`);
    }
}

/** Reads `keys` of `obj` once each into a plain object (absent/undefined keys left out). */
export function snapshot(obj: object, keys: readonly string[], path: string): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    let key = '';
    try {
        for (key of keys) {
            const v = (obj as Record<string, unknown>)[key];
            if (v !== undefined) out[key] = v;
        }
    } catch (e) {
        throw unreadable(`${path}.${key}`, e);
    }
    return out;
}

/** A copy of an array-valued field, with its length checked before anything is iterated. */
export function readList(value: unknown, path: string, max = MAX_LIST_LENGTH): unknown[] {
    let isArray: boolean;
    try {
        isArray = Array.isArray(value);
    } catch (e) {
        throw unreadable(path, e); // a revoked proxy
    }
    if (!isArray) throw new TypeError(`${path} must be an array`);
    const list = value as unknown[];
    let length: number;
    try {
        length = list.length;
    } catch (e) {
        throw unreadable(`${path}.length`, e);
    }
    if (length > max) throw new RangeError(`${path} must have at most ${max} entries (got ${length})`);
    const out = new Array<unknown>(length);
    let i = 0;
    try {
        for (; i < length; i++) out[i] = list[i];
    } catch (e) {
        throw unreadable(`${path}[${i}]`, e);
    }
    return out;
}

/** A string the CRT sends as an MQTT UTF-8 string: well-formed, no U+0000, at most 65535 bytes. */
export function utf8String(value: unknown, field: string): void {
    if (typeof value !== 'string') return; // wrong types are reported by the native walker
    if (!value.isWellFormed()) throw new RangeError(`${field} must be well-formed UTF-16 (it has a lone surrogate)`);
    if (value.includes('\u0000')) throw new RangeError(`${field} must not contain the null character U+0000`);
    if (value.length * 3 > MAX_UTF8_STRING && Buffer.byteLength(value, 'utf8') > MAX_UTF8_STRING) {
        throw new RangeError(`${field} must be at most ${MAX_UTF8_STRING} bytes of UTF-8`);
    }
}

/** A topic name a message is published to: no wildcards, not empty. */
export function checkTopicName(topic: unknown, field: string): void {
    if (typeof topic !== 'string') return;
    if (topic.length === 0) throw new RangeError(`${field} must not be empty`);
    if (topic.includes('+') || topic.includes('#')) {
        throw new RangeError(`${field} must not contain the wildcards '+' or '#' (got '${topic}')`);
    }
    utf8String(topic, field);
}

/** A topic filter: '#' only as the whole last level, '+' only as a whole level; $share/<group>/<filter>. */
export function checkTopicFilter(filter: unknown, field: string): void {
    if (typeof filter !== 'string') return;
    if (filter.length === 0) throw new RangeError(`${field} must not be empty`);
    utf8String(filter, field);
    let levels = filter.split('/');
    if (levels[0] === '$share') {
        if (levels.length < 3 || levels[1].length === 0 || /[+#]/.test(levels[1]) || filter.endsWith(`$share/${levels[1]}/`)) {
            throw new RangeError(
                `${field} must have the form $share/<group>/<filter> with a group name without wildcards and a non-empty filter (got '${filter}')`,
            );
        }
        levels = levels.slice(2);
    }
    levels.forEach((level, i) => {
        if (level.includes('#') && (level !== '#' || i !== levels.length - 1)) {
            throw new RangeError(`${field}: '#' must be a whole level and the last one (got '${filter}')`);
        }
        if (level.includes('+') && level !== '+') {
            throw new RangeError(`${field}: '+' must be a whole level (got '${filter}')`);
        }
    });
}

/** User properties as plain {name, value} objects, checked. */
export function readUserProperties(value: unknown, field: string): Array<{ name: unknown; value: unknown }> {
    return readList(value, field).map((p, i) => {
        const f = `${field}[${i}]`;
        if (typeof p !== 'object' || p === null) {
            throw new TypeError(`${f} must be an object {name: string, value: string}`);
        }
        const s = snapshot(p, ['name', 'value'], f);
        utf8String(s.name, `${f}.name`);
        utf8String(s.value, `${f}.value`);
        return { name: s.name, value: s.value };
    });
}

function positive(value: unknown, field: string, max: number): void {
    if (typeof value === 'number' && Number.isInteger(value) && (value < 1 || value > max)) {
        throw new RangeError(`${field} must be an integer from 1 to ${max} (got ${value})`);
    }
}

/**
 * Binary data as the native layer takes it: Buffer/TypedArray/DataView/ArrayBuffer/string pass
 * through (borrowed, never copied here), shared memory is copied, plain objects become JSON
 * (as aws-crt does for payloads).
 */
export function binary(value: unknown, field: string, json: boolean): unknown {
    try {
        return binaryUnguarded(value, field, json);
    } catch (e) {
        // Our own errors name the field; anything else came from a proxy's traps while the value
        // was classified.
        if ((e instanceof TypeError || e instanceof RangeError) && e.message.startsWith(field)) throw e;
        throw unreadable(field, e);
    }
}

/**
 * Whether an ArrayBuffer's memory was transferred away (structuredClone/postMessage transfer):
 * its byteLength reads 0 and the native layer would send 0 bytes. `detached` is missing before
 * Node 22; there only an empty buffer can be detached, and making a view of it then throws.
 */
function isDetached(buffer: ArrayBuffer): boolean {
    const detached = (buffer as { detached?: unknown }).detached;
    if (typeof detached === 'boolean') return detached;
    if (buffer.byteLength !== 0) return false;
    try {
        new Uint8Array(buffer);
        return false;
    } catch {
        return true;
    }
}

function detachedError(field: string): TypeError {
    return new TypeError(
        `${field} is a detached ArrayBuffer (or a view of one): its memory was transferred, there are no bytes to send`,
    );
}

function binaryUnguarded(value: unknown, field: string, json: boolean): unknown {
    if (typeof value === 'string') return value;
    if (value instanceof ArrayBuffer) {
        if (isDetached(value)) throw detachedError(field);
        return value;
    }
    // Shared memory can change under the native layer while it is sent: send a copy of its bytes.
    if (typeof SharedArrayBuffer === 'function' && value instanceof SharedArrayBuffer) {
        return Buffer.from(new Uint8Array(value));
    }
    if (ArrayBuffer.isView(value)) {
        const buffer = value.buffer;
        if (buffer instanceof SharedArrayBuffer) {
            return Buffer.from(new Uint8Array(buffer, value.byteOffset, value.byteLength));
        }
        // Before reading the view's length: a DataView's throws once its buffer is detached.
        if (isDetached(buffer)) throw detachedError(field);
        return value;
    }
    if (json && typeof value === 'object' && value !== null) {
        try {
            return JSON.stringify(value);
        } catch (e) {
            throw new TypeError(`${field} could not be encoded as JSON: ${(e as Error)?.message ?? e}`);
        }
    }
    throw new TypeError(
        `${field} must be a Buffer, TypedArray, DataView, ArrayBuffer or string${json ? ' or a JSON-serialisable object' : ''} (got ${typeof value})`,
    );
}

/** A PUBLISH read into a plain, checked object (the caller's object is never modified). */
export function readPublish(packet: unknown, field: string): Record<string, unknown> {
    requireObject(packet, field);
    const p = snapshot(packet, KEYS.publish, field);
    checkTopicName(p.topicName, `${field}.topicName`);
    if (p.qos === 2) throw new RangeError(`${field}.qos must be 0 (AtMostOnce) or 1 (AtLeastOnce): QoS 2 is not supported`);
    if (p.subscriptionIdentifiers !== undefined) {
        throw new TypeError(`${field}.subscriptionIdentifiers must not be set: the server adds them to messages it delivers`);
    }
    if (p.payload !== undefined && p.payload !== null) p.payload = binary(p.payload, `${field}.payload`, true);
    else delete p.payload;
    if (p.correlationData !== undefined) p.correlationData = binary(p.correlationData, `${field}.correlationData`, false);
    if (p.topicAlias !== undefined) positive(p.topicAlias, `${field}.topicAlias`, 65535);
    if (p.responseTopic !== undefined) checkTopicName(p.responseTopic, `${field}.responseTopic`);
    if (p.contentType !== undefined) utf8String(p.contentType, `${field}.contentType`);
    if (p.userProperties !== undefined) p.userProperties = readUserProperties(p.userProperties, `${field}.userProperties`);
    return p;
}

export function readSubscribe(packet: unknown): Record<string, unknown> {
    requireObject(packet, 'subscribe');
    const p = snapshot(packet, KEYS.subscribe, 'subscribe');
    if (p.subscriptions !== undefined) {
        const subs = readList(p.subscriptions, 'subscribe.subscriptions');
        if (subs.length === 0) throw new RangeError('subscribe.subscriptions must not be empty');
        p.subscriptions = subs.map((s, i) => {
            const f = `subscribe.subscriptions[${i}]`;
            if (typeof s !== 'object' || s === null) throw new TypeError(`${f} must be an object`);
            const sub = snapshot(s, KEYS.subscription, f);
            checkTopicFilter(sub.topicFilter, `${f}.topicFilter`);
            if (sub.qos === 2) throw new RangeError(`${f}.qos must be 0 (AtMostOnce) or 1 (AtLeastOnce): QoS 2 is not supported`);
            return sub;
        });
    }
    if (p.subscriptionIdentifier !== undefined) {
        positive(p.subscriptionIdentifier, 'subscribe.subscriptionIdentifier', MAX_SUBSCRIPTION_IDENTIFIER);
    }
    if (p.userProperties !== undefined) p.userProperties = readUserProperties(p.userProperties, 'subscribe.userProperties');
    return p;
}

export function readUnsubscribe(packet: unknown): Record<string, unknown> {
    requireObject(packet, 'unsubscribe');
    const p = snapshot(packet, KEYS.unsubscribe, 'unsubscribe');
    if (p.topicFilters !== undefined) {
        const filters = readList(p.topicFilters, 'unsubscribe.topicFilters');
        if (filters.length === 0) throw new RangeError('unsubscribe.topicFilters must not be empty');
        filters.forEach((f, i) => {
            checkTopicFilter(f, `unsubscribe.topicFilters[${i}]`);
        });
        p.topicFilters = filters;
    }
    if (p.userProperties !== undefined) p.userProperties = readUserProperties(p.userProperties, 'unsubscribe.userProperties');
    return p;
}

export function readDisconnect(packet: unknown): Record<string, unknown> {
    requireObject(packet, 'disconnect');
    const p = snapshot(packet, KEYS.disconnect, 'disconnect');
    if (p.reasonString !== undefined) utf8String(p.reasonString, 'disconnect.reasonString');
    if (p.serverReference !== undefined) utf8String(p.serverReference, 'disconnect.serverReference');
    if (p.userProperties !== undefined) p.userProperties = readUserProperties(p.userProperties, 'disconnect.userProperties');
    return p;
}

export function readConnect(packet: unknown, field: string): Record<string, unknown> {
    requireObject(packet, field);
    const c = snapshot(packet, KEYS.connectProperties, field);
    if (c.clientId !== undefined) utf8String(c.clientId, `${field}.clientId`);
    if (c.username !== undefined) utf8String(c.username, `${field}.username`);
    if (c.password !== undefined) c.password = binary(c.password, `${field}.password`, false);
    if (c.receiveMaximum !== undefined) positive(c.receiveMaximum, `${field}.receiveMaximum`, 65535);
    if (c.maximumPacketSizeBytes !== undefined) positive(c.maximumPacketSizeBytes, `${field}.maximumPacketSizeBytes`, 268435460);
    if (c.will !== undefined) c.will = readPublish(c.will, `${field}.will`);
    if (c.userProperties !== undefined) c.userProperties = readUserProperties(c.userProperties, `${field}.userProperties`);
    return c;
}

/** `value instanceof cls`, where a hostile proxy's getPrototypeOf trap becomes a TypeError naming the field. */
export function isInstance(value: unknown, cls: abstract new (...args: never[]) => unknown, field: string): boolean {
    try {
        return value instanceof cls;
    } catch (e) {
        throw unreadable(field, e);
    }
}
