// The SDK metrics appended to the CONNECT username (unless `disableMetrics`), as aws-crt 1.33 sends
// them: library name `IoTDeviceSDK/JS`, and metadata CRTVersion, IoTSDKFeature (the client's
// settings, encoded feature by feature) and IoTSDKMetricsVersion. The CRT turns them into the
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

/** aws-crt's feature list of an MQTT 5 client config (read from the config snapshot). */
export function encodedFeatures(c: Record<string, unknown>): string {
    const features: string[] = [];
    const add = (id: string, table: Record<number, string>, value: unknown) => {
        const letter = typeof value === 'number' ? table[value] : undefined;
        if (letter) features.push(`${id}/${letter}`);
    };
    add('A', JITTER, c.retryJitterMode);
    add('B', SESSION, c.sessionBehavior);
    add('C', QUEUE, c.offlineQueueBehavior);
    add('D', OUTBOUND_ALIAS, get(c.topicAliasingOptions, 'outboundBehavior'));
    add('E', INBOUND_ALIAS, get(c.topicAliasingOptions, 'inboundBehavior'));
    features.push('F/5', `G/${process.platform === 'win32' ? 'B' : 'A'}`);
    if (c.httpProxyOptions) features.push(`H/${get(c.httpProxyOptions, 'tls_opts') ? 'B' : 'A'}`);
    add('I', CERTIFICATE_SOURCE, get(c.tlsCtx, 'certificate_source'));
    add('J', CIPHER, get(c.tlsCtx, 'tls_cipher_preference'));
    add('K', MIN_TLS, get(c.tlsCtx, 'min_tls_version'));
    return features.join(',');
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
