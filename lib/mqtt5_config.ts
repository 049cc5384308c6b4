// Reading an Mqtt5ClientConfig, once, into the plain object the native constructor takes:
// every field read once, checked, defaults applied where the JS layer owns them.
import type { HttpProxyOptions } from './http';
import { ClientBootstrap, ClientTlsContext } from './io';
import { levenshtein, nearestName } from './nearest_name';
import { encodedFeatures, sdkMetrics } from './sdk_metrics';
import type { AWSIoTMetrics, Mqtt5ClientConfig } from './mqtt5_types';
import { binding } from './native';
import * as validate from './validate';

/** The fields of each part of the config, as the native tables (binding/packets.cc) convert them. */
const KEYS = binding.tableKeys;

const DEFAULT_KEEP_ALIVE_SECONDS = 1200;

/**
 * The caller's SDK metrics (or none) read and merged with the CRT's `features` into what the native
 * side appends to the username; for both protocols (each encodes its own features).
 */
export function normaliseMetrics(metrics: AWSIoTMetrics | undefined, features: string): object {
    if (metrics === undefined) return sdkMetrics(undefined, undefined, features);
    validate.requireObject(metrics, 'config.metrics');
    const m = validate.snapshot(metrics, KEYS.metrics, 'config.metrics');
    let metadata: Array<{ name: unknown; value: unknown }> | undefined;
    if (m.metadata !== undefined) {
        metadata = validate.readList(m.metadata, 'config.metrics.metadata').map((entry, i) => {
            const f = `config.metrics.metadata[${i}]`;
            let isPair: boolean;
            try {
                isPair = Array.isArray(entry) && entry.length === 2;
            } catch (e) {
                throw validate.unreadable(f, e);
            }
            if (!isPair) throw new TypeError(`${f} must be a [key, value] pair`);
            const pair = validate.readList(entry, f, 2);
            // Checked here: the native side sees them after the metadata the metrics add first.
            for (const k of [0, 1]) {
                if (typeof pair[k] !== 'string') throw new TypeError(`${f}[${k}] must be a string (got ${typeof pair[k]})`);
            }
            return { name: pair[0], value: pair[1] };
        });
    }
    return sdkMetrics(m.libraryName, metadata, features);
}

/** An http.HttpProxyOptions read into the plain object the native layer takes (both client kinds). */
export function nativeProxyOptions(proxy: HttpProxyOptions): object {
    validate.requireObject(proxy, 'config.httpProxyOptions');
    const path = 'config.httpProxyOptions';
    const p = validate.snapshot(proxy, PROXY_KEYS, path);
    const { tls_opts, ...out } = p;
    if (tls_opts !== undefined && tls_opts !== null) {
        validate.requireObject(tls_opts, `${path}.tls_opts`);
        const opts = validate.snapshot(tls_opts, ['tls_ctx', 'server_name'], `${path}.tls_opts`);
        const ctx = opts.tls_ctx;
        if (opts.server_name !== undefined) out.tls_server_name = opts.server_name;
        if (!validate.isInstance(ctx, ClientTlsContext, `${path}.tls_opts.tls_ctx`)) {
            throw new TypeError('config.httpProxyOptions.tls_opts.tls_ctx must be an io.ClientTlsContext');
        }
        out.tls_ctx = (ctx as ClientTlsContext).native;
    }
    return out;
}

// The native table's keys, less `websocket` (made here from websocketHandshakeTransform), and the
// keys only this layer reads.
const CONFIG_KEYS = [
    ...KEYS.config.filter((key) => key !== 'websocket'),
    'clientBootstrap',
    'disableMetrics',
    'websocketHandshakeTransform',
    'zeroCopyPayloads',
];
// aws-crt's HttpProxyOptions carry TLS as tls_opts, which becomes the native tls_ctx and tls_server_name.
const PROXY_KEYS = [...KEYS.httpProxyOptions.filter((key) => key !== 'tls_ctx' && key !== 'tls_server_name'), 'tls_opts'];

/** CONNECT fields people put at the top of the config: where they belong. */
const CONNECT_FIELDS: Record<string, string> = {
    clientId: 'clientId',
    keepAlive: 'keepAliveIntervalSeconds',
    keepAliveIntervalSeconds: 'keepAliveIntervalSeconds',
    keepalive: 'keepAliveIntervalSeconds',
    username: 'username',
    password: 'password',
    will: 'will',
    sessionExpiryIntervalSeconds: 'sessionExpiryIntervalSeconds',
    clean: 'sessionExpiryIntervalSeconds',
};

/** Where a key that is not a config field probably belongs, for the error. */
function didYouMean(key: string): string {
    if (Object.hasOwn(CONNECT_FIELDS, key)) return ` (did you mean config.connectProperties.${CONNECT_FIELDS[key]}?)`;
    const best = nearestName(key, CONFIG_KEYS, caseBlindDistance);
    return best === undefined ? '' : ` (did you mean config.${best}?)`;
}

/** Case aside, 1 for a prefix either way (a key cut short or run on), else the edit distance. */
function caseBlindDistance(key: string, candidate: string): number {
    const lower = key.toLowerCase();
    const c = candidate.toLowerCase();
    return c.startsWith(lower) || lower.startsWith(c) ? 1 : levenshtein(lower, c);
}

/** A key of the config that is not a field is a mistake (a misspelling, a CONNECT field at the top): say so. */
function checkKeys(config: object): void {
    let keys: string[];
    try {
        keys = Object.keys(config);
    } catch (e) {
        throw validate.unreadable('config', e);
    }
    const known = new Set<string>(CONFIG_KEYS);
    for (const key of keys) {
        if (!known.has(key)) throw new TypeError(`config.${key} is not a config field${didYouMean(key)}`);
    }
}

/** The config read once into the plain object the native constructor takes. */
export function readConfig(config: Mqtt5ClientConfig): Record<string, unknown> {
    validate.requireObject(config, 'config');
    checkKeys(config);
    const c = validate.snapshot(config, CONFIG_KEYS, 'config');
    if (typeof c.hostName === 'string' && c.hostName.length === 0) throw new RangeError('config.hostName must not be empty');
    const min = c.minReconnectDelayMs;
    const max = c.maxReconnectDelayMs;
    if (typeof min === 'number' && typeof max === 'number' && min > max) {
        throw new RangeError(`config.minReconnectDelayMs (${min}) must not exceed config.maxReconnectDelayMs (${max})`);
    }
    const connect =
        c.connectProperties === undefined ? {} : validate.readConnect(c.connectProperties, 'config.connectProperties');
    connect.keepAliveIntervalSeconds ??= DEFAULT_KEEP_ALIVE_SECONDS;
    c.connectProperties = connect;
    for (const key of ['topicAliasingOptions', 'socketOptions'] as const) {
        if (c[key] !== undefined) {
            validate.requireObject(c[key], `config.${key}`);
            c[key] = validate.snapshot(c[key] as object, KEYS[key], `config.${key}`);
        }
    }
    if (c.slowConsumer !== undefined) {
        validate.requireObject(c.slowConsumer, 'config.slowConsumer');
        c.slowConsumer = validate.snapshot(c.slowConsumer as object, KEYS.slowConsumer, 'config.slowConsumer');
    }
    if (c.disableMetrics !== undefined && typeof c.disableMetrics !== 'boolean') {
        throw new TypeError('config.disableMetrics must be a boolean');
    }
    if (c.zeroCopyPayloads !== undefined && typeof c.zeroCopyPayloads !== 'boolean') {
        throw new TypeError(`config.zeroCopyPayloads must be a boolean (got ${typeof c.zeroCopyPayloads})`);
    }
    if (!c.disableMetrics) c.metrics = normaliseMetrics(c.metrics as AWSIoTMetrics | undefined, encodedFeatures(c));
    else delete c.metrics;
    delete c.disableMetrics;
    // Only this library's bootstrap can name other threads; anything else (aws-crt's own, for code
    // moved over from it) means the process-wide group, as it always did.
    if (c.clientBootstrap !== undefined && validate.isInstance(c.clientBootstrap, ClientBootstrap, 'config.clientBootstrap')) {
        const group = (c.clientBootstrap as ClientBootstrap).eventLoopGroup;
        if (group) c.eventLoopGroup = group.native;
    }
    delete c.clientBootstrap;
    if (c.tlsCtx !== undefined) {
        if (!validate.isInstance(c.tlsCtx, ClientTlsContext, 'config.tlsCtx')) {
            throw new TypeError('config.tlsCtx must be an io.ClientTlsContext');
        }
        c.tlsCtx = (c.tlsCtx as ClientTlsContext).native;
    }
    if (c.httpProxyOptions !== undefined) c.httpProxyOptions = nativeProxyOptions(c.httpProxyOptions as HttpProxyOptions);
    return c;
}

/** A value as an error shows what it got. */
function shown(v: unknown): string {
    if (v === null) return 'null';
    try {
        if (Array.isArray(v)) return 'an array';
    } catch {
        return 'a revoked Proxy';
    }
    switch (typeof v) {
        case 'number':
        case 'boolean':
        case 'bigint':
            return String(v);
        case 'string':
            return v.length > 40 ? `a string of ${v.length} characters` : JSON.stringify(v);
        case 'object':
            return 'an object';
        default:
            return typeof v;
    }
}

/**
 * The native checks of a config say which field breaks which rule; this adds what the field held
 * (read from the snapshot the native side got): `config.port must be an integer from 1 to 65535
 * (got 70000)`.
 */
export function withWhatItGot(err: unknown, snapshot: Record<string, unknown>): unknown {
    if (!(err instanceof TypeError || err instanceof RangeError) || err.message.includes('(got ')) return err;
    const m = /^config((?:\.[\w$]+|\[\d+\])+) must /.exec(err.message);
    if (!m) return err;
    let v: unknown = snapshot;
    for (const part of m[1].match(/[\w$]+/g) ?? []) {
        if (v === null || typeof v !== 'object') return err;
        v = (v as Record<string, unknown>)[part];
    }
    if (v === undefined) return err;
    const Ctor = err instanceof RangeError ? RangeError : TypeError;
    return new Ctor(`${err.message} (got ${shown(v)})`);
}
