// Reading an MQTT 3.1.1 connection's configuration (aws-crt's snake_case `MqttConnectionConfig`):
// checks every field (TypeError/RangeError naming it) and makes the native connection's options
// and the CONNECT settings. The checks publish and subscribe share are here too.
import type { HttpProxyOptions } from './http';
import { ClientTlsContext } from './io';
import { nativeProxyOptions, normaliseMetrics } from './mqtt5_config';
import { SIGV4_TRANSFORM, type Sigv4Setup, type WebsocketHandshakeTransform } from './mqtt5_types';
import {
    type AWSIoTMetrics,
    DEFAULT_RECONNECT_MAX_SEC,
    DEFAULT_RECONNECT_MIN_SEC,
    type MqttConnectionConfig,
} from './mqtt_types';
import { encodedFeatures311 } from './sdk_metrics';
import * as validate from './validate';

/** aws-crt's normalize_payload: binary data as bytes, strings as UTF-8, other objects as JSON. */
export function payloadBytes(payload: unknown, field: string): unknown {
    if (payload === undefined || payload === null) return undefined;
    return validate.binary(payload, field, true);
}

function checkSeconds(value: unknown, field: string): number | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'number') throw new TypeError(`${field} must be a number (got ${typeof value})`);
    if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
        throw new RangeError(`${field} must be an integer from 0 to 4294967295 (got ${value})`);
    }
    return value;
}

const CONFIG_KEYS = [
    'client_id',
    'host_name',
    'port',
    'clean_session',
    'keep_alive',
    'ping_timeout',
    'protocol_operation_timeout',
    'reconnect_min_sec',
    'reconnect_max_sec',
    'will',
    'username',
    'password',
    'disable_metrics',
    'metrics',
    'socket_options',
    'use_websocket',
    'tls_ctx',
    'proxy_options',
    'websocket_handshake_transform',
] as const;

const SOCKET_KEYS = [
    'type',
    'domain',
    'connect_timeout_ms',
    'keepalive',
    'keep_alive_interval_sec',
    'keep_alive_timeout_sec',
    'keep_alive_max_failed_probes',
    'tcp_nodelay',
];

export function checkQos(qos: unknown, field: string): void {
    if (typeof qos !== 'number') throw new TypeError(`${field} must be a number (got ${typeof qos})`);
    if (qos !== 0 && qos !== 1 && qos !== 2) throw new RangeError(`${field} must be 0, 1 or 2 (got ${qos})`);
}

function checkBoolean(value: unknown, field: string): void {
    if (value !== undefined && value !== null && typeof value !== 'boolean') {
        throw new TypeError(`${field} must be a boolean (got ${typeof value})`);
    }
}

/** The CRT's defaults when 0 or absent: keep-alive 1200 s, ping timeout 3000 ms. */
const CRT_KEEP_ALIVE_SECS = 1200;
const CRT_PING_TIMEOUT_MS = 3000;

/**
 * aws-c-mqtt aborts the process (a fatal assertion at connect) unless the keep-alive is longer
 * than the ping timeout: refuse such a config here, naming both.
 */
function checkKeepAliveAgainstPing(keepAliveSecs: number | undefined, pingTimeoutMs: number | undefined): void {
    const keepAliveMs = (keepAliveSecs || CRT_KEEP_ALIVE_SECS) * 1000;
    const pingMs = pingTimeoutMs || CRT_PING_TIMEOUT_MS;
    if (keepAliveMs <= pingMs) {
        throw new RangeError(
            `config.keep_alive (${keepAliveSecs || CRT_KEEP_ALIVE_SECS} s) must be longer than config.ping_timeout (${pingMs} ms${pingTimeoutMs ? '' : ', the default'})`,
        );
    }
}

/** The socket options, read once and checked here (the native layer reads them at connect()). */
function readSocketOptions(options: object): Record<string, unknown> {
    const o = validate.snapshot(options, SOCKET_KEYS, 'config.socket_options');
    const limits: Record<string, number> = {
        type: 1,
        domain: 2,
        connect_timeout_ms: 0xffffffff,
        keep_alive_interval_sec: 65535,
        keep_alive_timeout_sec: 65535,
        keep_alive_max_failed_probes: 65535,
        tcp_nodelay: 2,
    };
    for (const [key, max] of Object.entries(limits)) checkRange(o[key], `config.socket_options.${key}`, max);
    checkBoolean(o.keepalive, 'config.socket_options.keepalive');
    return o;
}

function checkRange(value: unknown, field: string, max: number): number | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'number') throw new TypeError(`${field} must be a number (got ${typeof value})`);
    if (!Number.isInteger(value) || value < 0 || value > max) {
        throw new RangeError(`${field} must be an integer from 0 to ${max} (got ${value})`);
    }
    return value;
}

/** What a connection is made from: the native connection's options, the CONNECT settings, and what JS keeps. */
export interface ConnectionSetup {
    /** The native connection's options (reconnect bounds, will, credentials, proxy, websocket). */
    native: Record<string, unknown>;
    /** The settings each connect() passes. */
    connect: Record<string, unknown>;
    /** The websocket handshake transform JS runs (only with use_websocket). */
    transform: WebsocketHandshakeTransform | undefined;
    /** The TLS context, if any. */
    tlsCtx: ClientTlsContext | undefined;
}

/** Checks a connection's configuration (TypeError/RangeError naming the field) and reads it. */
export function readConnectionConfig(config: MqttConnectionConfig): ConnectionSetup {
    validate.requireObject(config, 'config');
    const c = validate.snapshot(config, CONFIG_KEYS, 'config');
    if (typeof c.client_id !== 'string') throw new TypeError(`config.client_id must be a string (got ${typeof c.client_id})`);
    validate.utf8String(c.client_id, 'config.client_id');
    if (typeof c.host_name !== 'string' || c.host_name.length === 0) {
        throw new TypeError(
            `config.host_name must be a non-empty string (got ${typeof c.host_name === 'string' ? "''" : typeof c.host_name})`,
        );
    }
    if (typeof c.port !== 'number') throw new TypeError(`config.port must be a number (got ${typeof c.port})`);
    if (!Number.isInteger(c.port) || c.port < 1 || c.port > 65535) {
        throw new RangeError(`config.port must be an integer from 1 to 65535 (got ${String(c.port)})`);
    }
    if (c.socket_options === undefined || c.socket_options === null) {
        throw new TypeError('config.socket_options is required (an io.SocketOptions)');
    }
    validate.requireObject(c.socket_options, 'config.socket_options');
    const socketOptions = readSocketOptions(c.socket_options);
    for (const key of ['clean_session', 'use_websocket', 'disable_metrics'] as const) checkBoolean(c[key], `config.${key}`);

    const { minSec, maxSec } = reconnectBounds(c);

    const native: Record<string, unknown> = { reconnectMinSec: minSec, reconnectMaxSec: maxSec };
    if (c.will !== undefined && c.will !== null) native.will = nativeWill(c.will);
    for (const key of ['username', 'password'] as const) {
        const v = c[key];
        if (v === undefined || v === null) continue;
        if (typeof v !== 'string') throw new TypeError(`config.${key} must be a string (got ${typeof v})`);
        validate.utf8String(v, `config.${key}`);
        native[key] = v;
    }
    if (c.proxy_options !== undefined && c.proxy_options !== null) {
        native.httpProxyOptions = nativeProxyOptions(c.proxy_options as HttpProxyOptions);
    }
    const transform = c.websocket_handshake_transform;
    if (transform !== undefined && transform !== null && typeof transform !== 'function') {
        throw new TypeError('config.websocket_handshake_transform must be a function (request, done) => void');
    }
    let websocketTransform: WebsocketHandshakeTransform | undefined;
    if (c.use_websocket === true) {
        native.websocket = nativeWebsocket(transform);
        websocketTransform = transform as WebsocketHandshakeTransform | undefined;
    }
    let tlsCtx: ClientTlsContext | undefined;
    let tlsNative: object | undefined;
    if (c.tls_ctx !== undefined && c.tls_ctx !== null) {
        if (!validate.isInstance(c.tls_ctx, ClientTlsContext, 'config.tls_ctx')) {
            throw new TypeError('config.tls_ctx must be an io.ClientTlsContext');
        }
        tlsCtx = c.tls_ctx as ClientTlsContext;
        tlsNative = tlsCtx.native;
    }
    const keepAliveSecs = checkRange(c.keep_alive, 'config.keep_alive', 65535);
    const pingTimeoutMs = checkSeconds(c.ping_timeout, 'config.ping_timeout');
    checkKeepAliveAgainstPing(keepAliveSecs, pingTimeoutMs);
    // SDK metrics in the username unless disabled, with the connection's features (as aws-crt).
    const metrics = (c.metrics ?? undefined) as AWSIoTMetrics | undefined;
    if (c.disable_metrics !== true) native.metrics = normaliseMetrics(metrics, encodedFeatures311(c));
    const connect = {
        clientId: c.client_id,
        hostName: c.host_name,
        port: c.port,
        socketOptions,
        keepAliveSecs,
        pingTimeoutMs,
        protocolOperationTimeoutMs: checkSeconds(c.protocol_operation_timeout, 'config.protocol_operation_timeout'),
        cleanSession: c.clean_session === true,
        tlsCtx: tlsNative,
    };
    return { native, connect, transform: websocketTransform, tlsCtx };
}

/**
 * Reconnect bounds as aws-crt clamps them: a min above the default max raises the max, a max
 * below the default min lowers the min.
 */
function reconnectBounds(c: { reconnect_min_sec?: unknown; reconnect_max_sec?: unknown }): { minSec: number; maxSec: number } {
    let minSec = DEFAULT_RECONNECT_MIN_SEC;
    let maxSec = DEFAULT_RECONNECT_MAX_SEC;
    const minGiven = checkSeconds(c.reconnect_min_sec, 'config.reconnect_min_sec');
    const maxGiven = checkSeconds(c.reconnect_max_sec, 'config.reconnect_max_sec');
    if (minGiven) {
        minSec = minGiven;
        maxSec = Math.max(minSec, maxSec);
    }
    if (maxGiven) {
        maxSec = maxGiven;
        minSec = Math.min(minSec, maxSec);
    }
    return { minSec, maxSec };
}

/** The last will, checked, as the native connection takes it. */
function nativeWill(will: unknown): Record<string, unknown> {
    validate.requireObject(will, 'config.will');
    const w = validate.snapshot(will, ['topic', 'qos', 'payload', 'retain'], 'config.will');
    if (typeof w.topic !== 'string') throw new TypeError(`config.will.topic must be a string (got ${typeof w.topic})`);
    validate.checkTopicName(w.topic, 'config.will.topic');
    checkQos(w.qos, 'config.will.qos');
    checkBoolean(w.retain, 'config.will.retain');
    return {
        topic: w.topic,
        qos: w.qos,
        payload: payloadBytes(w.payload, 'config.will.payload'),
        retain: w.retain === true,
    };
}

/** The websocket setup: SigV4 signing in the native layer, or a transform JS runs. */
function nativeWebsocket(transform: unknown): Record<string, unknown> {
    let sigv4: Sigv4Setup | undefined;
    if (typeof transform === 'function') {
        try {
            sigv4 = (transform as { [SIGV4_TRANSFORM]?: Sigv4Setup })[SIGV4_TRANSFORM];
        } catch (e) {
            throw validate.unreadable('config.websocket_handshake_transform', e);
        }
    }
    return sigv4
        ? {
              sigv4: {
                  region: sigv4.region,
                  service: sigv4.service,
                  credentialsProvider: sigv4.credentialsProvider.native,
              },
          }
        : { transform: typeof transform === 'function' };
}
