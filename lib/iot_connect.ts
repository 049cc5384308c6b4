// The one path from "how do I reach AWS IoT Core" to the client config fields that say it: port,
// ALPN, TLS context, custom-auth username and password, websocket signing. aws-crt's config
// builder (iot.ts), the C++ SDK's builder (builder.ts) and the command-line tool (cli/) all call
// awsIotConnection(); none of them works these out on its own.
import { AwsCredentialsProvider } from './auth';
import { ClientTlsContext, is_alpn_available, type TlsContextOptions } from './io';
import type { BinaryData, ConnectPacket } from './mqtt5_packet';
import { SIGV4_TRANSFORM, type Sigv4Setup, type WebsocketHandshakeTransform } from './mqtt5_types';

/** IoT Core's keep-alive default, as the SDKs use. */
export const DEFAULT_IOT_KEEP_ALIVE_SECONDS = 1200;
/** Port for MQTT over TLS (mTLS) to AWS IoT Core. */
export const DIRECT_MQTT_PORT = 8883;
/** Port for MQTT over TLS selected by ALPN (custom authorizers, or mTLS on 443). */
export const DIRECT_MQTT_ALPN_PORT = 443;
/** Port for MQTT over secure websockets (wss). */
export const WEBSOCKET_MQTT_PORT = 443;
/** ALPN that lets mTLS MQTT run on port 443. */
export const MTLS_ALPN_ON_443 = 'x-amzn-mqtt-ca';
/** ALPN for custom authentication on port 443. */
export const CUSTOM_AUTH_ALPN = 'mqtt';
/** Service name used when SigV4-signing the websocket handshake for AWS IoT Core. */
export const IOT_SIGNING_SERVICE = 'iotdevicegateway';

/** Custom authorizer settings (aws-crt's `MqttConnectCustomAuthConfig`). */
export interface MqttConnectCustomAuthConfig {
    /** The authorizer's name; absent means the account's default authorizer. */
    authorizerName?: string;
    /** The username your authorizer's Lambda receives. */
    username?: string;
    /** The password your authorizer's Lambda receives. */
    password?: BinaryData | string;
    /** Query-parameter name of the token (signed authorizers). */
    tokenKeyName?: string;
    /** The token (signed authorizers). */
    tokenValue?: string;
    /** Signature of the token (base64); URI-encoded here unless it already is. */
    tokenSignature?: string;
}

/** SigV4 signing of the websocket handshake. */
export interface IotSigv4Options {
    /** Default: parsed from the endpoint. */
    region?: string;
    /** Default: the default credentials chain. */
    credentialsProvider?: AwsCredentialsProvider;
    /** Default: {@link IOT_SIGNING_SERVICE}. */
    service?: string;
}

/** How a client reaches AWS IoT Core (or a broker set up like it). */
export interface IotConnectionOptions {
    /** MQTT over websockets instead of MQTT over TCP. */
    websocket?: boolean;
    /** The TLS options (client certificate, trust store, ALPN); absent means no TLS. */
    tls?: TlsContextOptions;
    /** The client proves itself with its certificate: ALPN `x-amzn-mqtt-ca` is offered (port 443 needs it). */
    mtls?: boolean;
    /** A custom authorizer: its settings become the CONNECT username and password. */
    customAuth?: MqttConnectCustomAuthConfig;
    /** Sign the websocket handshake with SigV4 (implies `websocket`). */
    sigv4?: IotSigv4Options;
    /** The port; default: 443 for websockets over TLS and custom authorizers, 8883 for TLS, else 80 (ws) or 1883. */
    port?: number;
}

/** The client config fields that {@link awsIotConnection} works out. */
export interface IotConnection {
    port: number;
    /** Made from `tls` (with the ALPN list completed); absent without TLS. */
    tlsCtx?: ClientTlsContext;
    /** Present for websockets: SigV4 presigning, or a transform that changes nothing. */
    websocketHandshakeTransform?: WebsocketHandshakeTransform;
    /**
     * A copy of the CONNECT packet given, with the custom authorizer's username and password put
     * in (with none given: keep-alive 1200 s). Absent when neither a packet nor an authorizer is.
     */
    connectProperties?: ConnectPacket;
    /** The ALPN protocols offered. */
    alpn: string[];
}

/** The port a connection uses unless told otherwise. */
export function iotDefaultPort(o: IotConnectionOptions): number {
    const websocket = o.websocket || o.sigv4 !== undefined;
    if (websocket) return o.tls ? WEBSOCKET_MQTT_PORT : 80;
    if (o.customAuth) return DIRECT_MQTT_ALPN_PORT;
    return o.tls ? DIRECT_MQTT_PORT : 1883;
}

/**
 * SigV4 settings with the defaults filled in: the region from the endpoint, the default
 * credentials chain, the IoT service name. Throws a TypeError when no region is given or found.
 */
export function resolveSigv4(hostName: string, s: IotSigv4Options): Required<IotSigv4Options> {
    const region = s.region ?? regionFromEndpoint(hostName) ?? '';
    if (!region) throw new TypeError('SigV4 websockets need a signing region (none given or found in the endpoint)');
    return {
        region,
        credentialsProvider: s.credentialsProvider ?? AwsCredentialsProvider.newDefault(),
        service: s.service ?? IOT_SIGNING_SERVICE,
    };
}

/**
 * The ALPN list as the SDKs set it: a custom authorizer over direct TLS offers `mqtt` (the C++
 * SDK's build step does this whatever the factory); mTLS offers `x-amzn-mqtt-ca` (harmless on
 * 8883, needed on 443) where the platform has ALPN. Websockets offer none. A list the caller set
 * is kept.
 */
function completeAlpn(o: IotConnectionOptions, tls: TlsContextOptions): string[] {
    const websocket = o.websocket || o.sigv4 !== undefined;
    if (!websocket && tls.alpn_list.length === 0) {
        if (o.customAuth) tls.alpn_list = [CUSTOM_AUTH_ALPN];
        else if (o.mtls && is_alpn_available()) tls.alpn_list = [MTLS_ALPN_ON_443];
    }
    return [...tls.alpn_list];
}

/**
 * Port, TLS context, websocket handshake transform and CONNECT packet for a connection to AWS IoT
 * Core. Creates the TLS context (which reads certificate files: call it when the client is built).
 * @param hostName the endpoint, e.g. `abc-ats.iot.us-east-1.amazonaws.com`; its region is the SigV4 default
 * @param connect the CONNECT packet to start from (not changed: a copy is returned)
 */
export function awsIotConnection(hostName: string, o: IotConnectionOptions, connect?: ConnectPacket): IotConnection {
    const out: IotConnection = { port: o.port ?? iotDefaultPort(o), alpn: [] };
    if (connect !== undefined) out.connectProperties = { ...connect };
    if (o.customAuth !== undefined) {
        out.connectProperties ??= { keepAliveIntervalSeconds: DEFAULT_IOT_KEEP_ALIVE_SECONDS };
        applyCustomAuth(out.connectProperties, o.customAuth);
    }
    if (o.sigv4 !== undefined) {
        const s = resolveSigv4(hostName, o.sigv4);
        out.websocketHandshakeTransform = sigv4HandshakeTransform(s.region, s.credentialsProvider, s.service);
    } else if (o.websocket) {
        out.websocketHandshakeTransform = noopHandshakeTransform;
    }
    if (o.tls) {
        out.alpn = completeAlpn(o, o.tls);
        out.tlsCtx = new ClientTlsContext(o.tls);
    }
    return out;
}

/**
 * The CONNECT username for a custom authorizer: the user's username, then a query string with
 * `x-amz-customauthorizer-name`, the token key/value and the URI-encoded
 * `x-amz-customauthorizer-signature`, each only when given (token fields all or none).
 */
export function buildCustomAuthUsername(cfg: MqttConnectCustomAuthConfig): string {
    const token = [cfg.tokenKeyName, cfg.tokenValue, cfg.tokenSignature];
    const given = token.filter((t) => t !== undefined && t !== '').length;
    if (given !== 0 && given !== 3) {
        throw new TypeError('customAuth: tokenKeyName, tokenValue and tokenSignature must be given together (or none)');
    }
    const params: string[] = [];
    if (cfg.authorizerName) params.push(`x-amz-customauthorizer-name=${cfg.authorizerName}`);
    if (given === 3) {
        params.push(`${cfg.tokenKeyName}=${cfg.tokenValue}`);
        const sig = cfg.tokenSignature!;
        params.push(`x-amz-customauthorizer-signature=${sig.includes('%') ? sig : encodeURIComponent(sig)}`);
    }
    const username = cfg.username ?? '';
    if (params.length === 0) return username;
    return username + (username.includes('?') ? '&' : '?') + params.join('&');
}

/** Sets the CONNECT username/password for a custom authorizer. */
export function applyCustomAuth(connect: ConnectPacket, cfg: MqttConnectCustomAuthConfig): void {
    if (typeof cfg !== 'object' || cfg === null) throw new TypeError('customAuth must be an object');
    connect.username = buildCustomAuthUsername(cfg);
    if (cfg.password !== undefined) connect.password = cfg.password;
}

/** The region of an IoT Core endpoint such as `abc-ats.iot.us-east-1.amazonaws.com`. */
export function regionFromEndpoint(endpoint: string): string | undefined {
    const m = /\.iot\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$/i.exec(endpoint);
    return m?.[1];
}

/**
 * A websocket handshake transform that presigns the request with SigV4 (query parameters,
 * service iotdevicegateway). The native layer recognises it and signs on its own threads.
 */
export function sigv4HandshakeTransform(
    region: string,
    credentialsProvider: AwsCredentialsProvider,
    service = IOT_SIGNING_SERVICE,
): WebsocketHandshakeTransform {
    if (!region) throw new TypeError('SigV4 websockets need a signing region (none given or found in the endpoint)');
    if (!(credentialsProvider instanceof AwsCredentialsProvider)) {
        throw new TypeError('credentialsProvider must be an auth.AwsCredentialsProvider');
    }
    const transform = ((_request, done) => done(0)) as WebsocketHandshakeTransform & { [SIGV4_TRANSFORM]?: Sigv4Setup };
    transform[SIGV4_TRANSFORM] = { region, service, credentialsProvider };
    return transform;
}

/** A handshake transform that changes nothing: plain websockets (custom auth over wss). */
export const noopHandshakeTransform: WebsocketHandshakeTransform = (_request, done) => done();
