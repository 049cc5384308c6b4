// The SDK metrics appended to the CONNECT username (unless `disableMetrics` / `disable_metrics`), as
// aws-crt 1.33 sends them: library name `IoTDeviceSDK/JS`, and metadata CRTVersion, IoTSDKFeature
// (the client's settings, encoded feature by feature: the MQTT 5 client's, or the MQTT 3.1.1
// connection's protocol and transport) and IoTSDKMetricsVersion. The CRT turns them into the
// username's `?SDK=...&Platform=...&Metadata=(...)` suffix.
import fs from 'node:fs';
import path from 'node:path';

/** The library name aws-crt sends by default. */
export const SDK_NAME = 'IoTDeviceSDK/JS';
/** The version of the feature encoding. */
export const IOT_SDK_METRICS_FEATURE_VERSION = 1;

let version: string | undefined;
/** This package's version: sent as CRTVersion, the version of the CRT binding. */
function packageVersion(): string {
    if (version === undefined) {
        try {
            version = String(JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')).version);
        } catch {
            version = 'UNKNOWN';
        }
    }
    return version;
}

// One letter per setting value, as aws-crt encodes them (undefined: not sent).
const JITTER: Record<number, string> = { 1: 'A', 2: 'B', 3: 'C' };
const SESSION: Record<number, string> = { 1: 'A', 2: 'B', 3: 'C' };
const QUEUE: Record<number, string> = { 1: 'A', 2: 'B', 3: 'C' };
const OUTBOUND_ALIAS: Record<number, string> = { 1: 'A', 2: 'B', 3: 'C' };
const INBOUND_ALIAS: Record<number, string> = { 1: 'A', 2: 'B' };
const CERTIFICATE_SOURCE: Record<number, string> = { 0: 'A', 1: 'B', 2: 'C', 4: 'E' };
const CIPHER: Record<number, string> = { 6: 'F', 8: 'H', 9: 'I' };
const MIN_TLS: Record<number, string> = { 0: 'A', 1: 'B', 2: 'C', 3: 'D', 4: 'E' };

/** A field of a caller's object, or undefined (the config's own checks report what cannot be read). */
function get(o: unknown, key: string): unknown {
    try {
        return o !== null && typeof o === 'object' ? (o as Record<string, unknown>)[key] : undefined;
    } catch {
        return undefined;
    }
}

/** Adds `id/letter` when `value` is a setting the table encodes (aws-crt leaves the others out). */
function addFeature(features: string[], id: string, table: Record<number, string>, value: unknown): void {
    const letter = typeof value === 'number' ? table[value] : undefined;
    if (letter) features.push(`${id}/${letter}`);
}

/** aws-crt's feature list of an MQTT 5 client config (read from the config snapshot). */
export function encodedFeatures(c: Record<string, unknown>): string {
    const features: string[] = [];
    addFeature(features, 'A', JITTER, c.retryJitterMode);
    addFeature(features, 'B', SESSION, c.sessionBehavior);
    addFeature(features, 'C', QUEUE, c.offlineQueueBehavior);
    addFeature(features, 'D', OUTBOUND_ALIAS, get(c.topicAliasingOptions, 'outboundBehavior'));
    addFeature(features, 'E', INBOUND_ALIAS, get(c.topicAliasingOptions, 'inboundBehavior'));
    features.push('F/5');
    addTransportFeatures(features, c.httpProxyOptions, c.tlsCtx);
    return features.join(',');
}

/** aws-crt's feature list of an MQTT 3.1.1 connection config: the protocol and the transport only. */
export function encodedFeatures311(c: Record<string, unknown>): string {
    const features = ['F/3'];
    addTransportFeatures(features, c.proxy_options, c.tls_ctx);
    return features.join(',');
}

/** What both protocols report after the protocol (F): socket implementation, proxy type, TLS settings. */
function addTransportFeatures(features: string[], proxy: unknown, tlsCtx: unknown): void {
    features.push(`G/${process.platform === 'win32' ? 'B' : 'A'}`);
    if (proxy) features.push(`H/${get(proxy, 'tls_opts') ? 'B' : 'A'}`);
    addFeature(features, 'I', CERTIFICATE_SOURCE, get(tlsCtx, 'certificate_source'));
    addFeature(features, 'J', CIPHER, get(tlsCtx, 'tls_cipher_preference'));
    addFeature(features, 'K', MIN_TLS, get(tlsCtx, 'min_tls_version'));
}

/** "A/x,B/y" lists merged key by key, the later winning (aws-crt's merge_feature_lists). */
function merge(crt: string, user: string): string {
    const merged = new Map<string, string>();
    for (const list of [crt, user]) {
        for (const pair of list ? list.split(',') : []) {
            const i = pair.indexOf('/');
            if (i > 0) merged.set(pair.slice(0, i), pair.slice(i + 1));
        }
    }
    return Array.from(merged, ([k, v]) => `${k}/${v}`).join(',');
}

/**
 * The metrics the native client sends: the user's library name (default `IoTDeviceSDK/JS`) and
 * metadata, CRTVersion, IoTSDKFeature and IoTSDKMetricsVersion, as aws-crt's create_metrics.
 */
export function sdkMetrics(
    libraryName: unknown,
    userMetadata: Array<{ name: unknown; value: unknown }> | undefined,
    features: string,
): { libraryName: unknown; metadata: Array<{ name: unknown; value: unknown }> } {
    const metadata = new Map<unknown, unknown>([['CRTVersion', packageVersion()]]);
    let userVersion: unknown;
    let userFeatures = '';
    for (const { name, value } of userMetadata ?? []) {
        if (name === 'IoTSDKMetricsVersion') userVersion = value;
        else if (name === 'IoTSDKFeature') userFeatures = String(value);
        else if (name !== 'CRTVersion') metadata.set(name, value);
    }
    const withUser = userVersion !== undefined && Number(userVersion) === IOT_SDK_METRICS_FEATURE_VERSION;
    metadata.set('IoTSDKFeature', merge(features, withUser ? userFeatures : ''));
    metadata.set('IoTSDKMetricsVersion', String(IOT_SDK_METRICS_FEATURE_VERSION));
    return { libraryName: libraryName ?? SDK_NAME, metadata: Array.from(metadata, ([name, value]) => ({ name, value })) };
}
