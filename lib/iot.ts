/**
 * Connecting to AWS IoT Core, in aws-crt's shape (`iot.AwsIotMqtt5ClientConfigBuilder`, which
 * builds a config) — the C++ SDK's shape lives on {@link Mqtt5ClientBuilder} (builder.ts) and
 * uses the same helpers from here.
 */
import { AwsCredentialsProvider } from './auth';
import type { HttpProxyOptions } from './http';
import {
    ClientTlsContext,
    is_alpn_available,
    type Pkcs11Options,
    type SocketOptions,
    type TlsCipherPreference,
    TlsContextOptions,
} from './io';
import {
    ClientExtendedValidationAndFlowControl,
    type ClientOperationQueueBehavior,
    type ClientSessionBehavior,
    type Mqtt5ClientConfig,
    type RetryJitterType,
    SIGV4_TRANSFORM,
    type Sigv4Setup,
    type TopicAliasingOptions,
    type WebsocketHandshakeTransform,
} from './mqtt5';
import type { BinaryData, ConnectPacket } from './mqtt5_packet';

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

/** Options for SigV4 websockets (aws-crt's `WebsocketSigv4Config`). */
export interface WebsocketSigv4Config {
    /** Default: the default credentials chain. */
    credentialsProvider?: AwsCredentialsProvider;
    /** Default: parsed from the endpoint. */
    region?: string;
}

/**
 * Builds an {@link Mqtt5ClientConfig} for AWS IoT Core (aws-crt's `AwsIotMqtt5ClientConfigBuilder`):
 * keep-alive 1200 s, AwsIotCoreDefaults validation and flow control, the right port and ALPN,
 * SDK metrics in the username unless disabled.
 */
export class AwsIotMqtt5ClientConfigBuilder {
    private config: Mqtt5ClientConfig;
    private connectProperties: ConnectPacket = { keepAliveIntervalSeconds: DEFAULT_IOT_KEEP_ALIVE_SECONDS };
    private customAuth?: MqttConnectCustomAuthConfig;

    private constructor(
        hostName: string,
        port: number,
        private tlsOptions: TlsContextOptions,
    ) {
        if (typeof hostName !== 'string' || hostName.length === 0) throw new TypeError('hostName must be a non-empty string');
        this.config = {
            hostName,
            port,
            extendedValidationAndFlowControlOptions: ClientExtendedValidationAndFlowControl.AwsIotCoreDefaults,
        };
    }

    private static mtls(hostName: string, tls: TlsContextOptions): AwsIotMqtt5ClientConfigBuilder {
        // Offer the ALPN that makes port 443 work too; harmless on 8883.
        if (is_alpn_available()) tls.alpn_list.unshift(MTLS_ALPN_ON_443);
        return new AwsIotMqtt5ClientConfigBuilder(hostName, DIRECT_MQTT_PORT, tls);
    }

    /** mTLS with certificate and key files. */
    static newDirectMqttBuilderWithMtlsFromPath(
        hostName: string,
        certPath: string,
        keyPath: string,
    ): AwsIotMqtt5ClientConfigBuilder {
        return this.mtls(hostName, TlsContextOptions.create_client_with_mtls_from_path(certPath, keyPath));
    }
    /** mTLS with certificate and key in memory (PEM). */
    static newDirectMqttBuilderWithMtlsFromMemory(hostName: string, cert: string, key: string): AwsIotMqtt5ClientConfigBuilder {
        return this.mtls(hostName, TlsContextOptions.create_client_with_mtls(cert, key));
    }
    /** mTLS with the key in a PKCS#11 token. */
    static newDirectMqttBuilderWithMtlsFromPkcs11(hostName: string, options: Pkcs11Options): AwsIotMqtt5ClientConfigBuilder {
        return this.mtls(hostName, TlsContextOptions.create_client_with_mtls_pkcs11(options));
    }
    /** A custom authorizer over TLS on port 443 (ALPN mqtt). */
    static newDirectMqttBuilderWithCustomAuth(
        hostName: string,
        customAuth: MqttConnectCustomAuthConfig,
    ): AwsIotMqtt5ClientConfigBuilder {
        const tls = new TlsContextOptions();
        tls.alpn_list = [CUSTOM_AUTH_ALPN];
        const b = new AwsIotMqtt5ClientConfigBuilder(hostName, DIRECT_MQTT_ALPN_PORT, tls);
        b.customAuth = customAuth;
        return b;
    }
    /** Websockets on port 443, the handshake presigned with SigV4. */
    static newWebsocketMqttBuilderWithSigv4Auth(
        hostName: string,
        options: WebsocketSigv4Config = {},
    ): AwsIotMqtt5ClientConfigBuilder {
        const b = new AwsIotMqtt5ClientConfigBuilder(hostName, WEBSOCKET_MQTT_PORT, new TlsContextOptions());
        const region = options.region ?? regionFromEndpoint(hostName) ?? '';
        b.config.websocketHandshakeTransform = sigv4HandshakeTransform(
            region,
            options.credentialsProvider ?? AwsCredentialsProvider.newDefault(),
        );
        return b;
    }
    /** A custom authorizer over websockets on port 443. */
    static newWebsocketMqttBuilderWithCustomAuth(
        hostName: string,
        customAuth: MqttConnectCustomAuthConfig,
    ): AwsIotMqtt5ClientConfigBuilder {
        const b = new AwsIotMqtt5ClientConfigBuilder(hostName, WEBSOCKET_MQTT_PORT, new TlsContextOptions());
        b.config.websocketHandshakeTransform = noopHandshakeTransform;
        b.customAuth = customAuth;
        return b;
    }

    /** Trust these CAs (directory and/or file) instead of the system's. */
    withCertificateAuthorityFromPath(caDirpath?: string, caFilepath?: string): this {
        this.tlsOptions.override_default_trust_store_from_path(caDirpath, caFilepath);
        return this;
    }
    /** Trust these CAs (PEM text) instead of the system's. */
    withCertificateAuthority(ca: string): this {
        this.tlsOptions.override_default_trust_store(ca);
        return this;
    }
    /** Sets the TLS cipher preference. */
    withTlsCipherPreference(pref: TlsCipherPreference): this {
        this.tlsOptions.tls_cipher_preference = pref;
        return this;
    }
    /** Overrides the port chosen by the factory. */
    withPort(port: number): this {
        this.config.port = port;
        return this;
    }
    /** Sets the CONNECT packet (default: keep-alive 1200 s); custom auth fills in its username/password. */
    withConnectProperties(connect: ConnectPacket): this {
        this.connectProperties = connect;
        return this;
    }
    /** Sets how session state is treated across connections (default Clean). */
    withSessionBehavior(b: ClientSessionBehavior): this {
        this.config.sessionBehavior = b;
        return this;
    }
    /** Sets the jitter of the reconnect backoff (default Full). */
    withRetryJitterMode(m: RetryJitterType): this {
        this.config.retryJitterMode = m;
        return this;
    }
    /** Sets the shortest reconnect delay, in ms (default 1000). */
    withMinReconnectDelayMs(ms: number): this {
        this.config.minReconnectDelayMs = ms;
        return this;
    }
    /** Sets the longest reconnect delay, in ms (default 120000). */
    withMaxReconnectDelayMs(ms: number): this {
        this.config.maxReconnectDelayMs = ms;
        return this;
    }
    /** Sets how long, in ms, a connection must last before the reconnect delay resets (default 30000). */
    withMinConnectedTimeToResetReconnectDelayMs(ms: number): this {
        this.config.minConnectedTimeToResetReconnectDelayMs = ms;
        return this;
    }
    /** Sets how long, in ms, to wait for the CONNACK (default 20000). */
    withConnackTimeoutMs(ms: number): this {
        this.config.connackTimeoutMs = ms;
        return this;
    }
    /** Sets what happens to queued operations on disconnection (default FailQos0PublishOnDisconnect). */
    withOfflineQueueBehavior(b: ClientOperationQueueBehavior): this {
        this.config.offlineQueueBehavior = b;
        return this;
    }
    /** Sets how long, in ms, to wait for a PINGRESP before dropping the connection (default 30000). */
    withPingTimeoutMs(ms: number): this {
        this.config.pingTimeoutMs = ms;
        return this;
    }
    /** Sets how long, in seconds, to wait for an acknowledgement before failing an operation (default 0: no timeout). */
    withAckTimeoutSeconds(s: number): this {
        this.config.ackTimeoutSeconds = s;
        return this;
    }
    /** Sets the socket options (connect timeout, TCP keep-alive, TCP_NODELAY). */
    withSocketOptions(o: SocketOptions): this {
        this.config.socketOptions = o;
        return this;
    }
    /** Connects to the broker through this HTTP proxy. */
    withHttpProxyOptions(o: HttpProxyOptions): this {
        this.config.httpProxyOptions = o;
        return this;
    }
    /** Sets the extra validation and flow control (default here: AwsIotCoreDefaults). */
    withExtendedValidationAndFlowControlOptions(o: ClientExtendedValidationAndFlowControl): this {
        this.config.extendedValidationAndFlowControlOptions = o;
        return this;
    }
    /** Sets the inbound and outbound topic aliasing behaviour (default: disabled both ways). */
    withTopicAliasingOptions(o: TopicAliasingOptions): this {
        this.config.topicAliasingOptions = o;
        return this;
    }
    /** false sends no SDK metrics in the username. */
    withMetricsCollection(enabled: boolean): this {
        this.config.disableMetrics = !enabled;
        return this;
    }

    /** The finished config; creates the TLS context. */
    build(): Mqtt5ClientConfig {
        const connect: ConnectPacket = { ...this.connectProperties };
        if (this.customAuth) applyCustomAuth(connect, this.customAuth);
        return { ...this.config, connectProperties: connect, tlsCtx: new ClientTlsContext(this.tlsOptions) };
    }
}

/** Sets the CONNECT username/password for a custom authorizer. */
export function applyCustomAuth(connect: ConnectPacket, cfg: MqttConnectCustomAuthConfig): void {
    if (typeof cfg !== 'object' || cfg === null) throw new TypeError('customAuth must be an object');
    connect.username = buildCustomAuthUsername(cfg);
    if (cfg.password !== undefined) connect.password = cfg.password;
}
