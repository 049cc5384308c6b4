// Reading an Mqtt5ClientConfig, once, into the plain object the native constructor takes:
// every field read once, checked, defaults applied where the JS layer owns them.
import type { HttpProxyOptions } from './http';
import { ClientTlsContext } from './io';
import type { AWSIoTMetrics, Mqtt5ClientConfig } from './mqtt5_types';
import { binding } from './native';
import * as validate from './validate';

/** The fields of each part of the config, as the native tables (binding/packets.cc) convert them. */
const KEYS = binding.tableKeys;

const DEFAULT_KEEP_ALIVE_SECONDS = 1200;
/** The SDK name the metrics appended to the username carry (see `disableMetrics`). */
const DEFAULT_METRICS_LIBRARY = 'IoTDeviceSDK/NodeJS';

function normaliseMetrics(metrics: AWSIoTMetrics | undefined): object {
    if (metrics === undefined) return { libraryName: DEFAULT_METRICS_LIBRARY };
    validate.requireObject(metrics, 'config.metrics');
    const m = validate.snapshot(metrics, KEYS.metrics, 'config.metrics');
    const out: { libraryName: unknown; metadata?: Array<{ name: unknown; value: unknown }> } = {
        libraryName: m.libraryName ?? DEFAULT_METRICS_LIBRARY,
    };
    if (m.metadata !== undefined) {
        out.metadata = validate.readList(m.metadata, 'config.metrics.metadata').map((entry, i) => {
            const f = `config.metrics.metadata[${i}]`;
            let isPair: boolean;
            try {
                isPair = Array.isArray(entry) && entry.length === 2;
            } catch (e) {
                throw validate.unreadable(f, e);
            }
            if (!isPair) throw new TypeError(`${f} must be a [key, value] pair`);
            const pair = validate.readList(entry, f, 2);
            return { name: pair[0], value: pair[1] };
        });
    }
    return out;
}

function nativeProxyOptions(proxy: HttpProxyOptions): object {
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
];
// aws-crt's HttpProxyOptions carry TLS as tls_opts, which becomes the native tls_ctx and tls_server_name.
const PROXY_KEYS = [...KEYS.httpProxyOptions.filter((key) => key !== 'tls_ctx' && key !== 'tls_server_name'), 'tls_opts'];

/** The config read once into the plain object the native constructor takes. */
export function readConfig(config: Mqtt5ClientConfig): Record<string, unknown> {
    validate.requireObject(config, 'config');
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
    if (!c.disableMetrics) c.metrics = normaliseMetrics(c.metrics as AWSIoTMetrics | undefined);
    else delete c.metrics;
    delete c.disableMetrics;
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
