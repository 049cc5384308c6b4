/**
 * Connecting to AWS IoT Core, in aws-crt's shape (`iot.AwsIotMqtt5ClientConfigBuilder`, which
 * builds a config) — the C++ SDK's shape lives on {@link Mqtt5ClientBuilder} (builder.ts). Both, and
 * the command-line tool, work out port, ALPN, TLS, custom-auth username and websocket signing with
 * {@link awsIotConnection} (iot_connect.ts).
 */
import type { AwsCredentialsProvider } from './auth';
import { _buildSdkMetrics } from './compat/aws_iot_metrics';
import type { HttpProxyOptions } from './http';
import { type Pkcs11Options, type Pkcs12Options, type SocketOptions, type TlsCipherPreference, TlsContextOptions } from './io';
import {
    awsIotConnection,
    DEFAULT_IOT_KEEP_ALIVE_SECONDS,
    type IotConnectionOptions,
    iotDefaultPort,
    resolveSigv4,
} from './iot_connect';
import type { MqttConnectCustomAuthConfig } from './iot_connect';
import {
    ClientExtendedValidationAndFlowControl,
    type ClientOperationQueueBehavior,
    type ClientSessionBehavior,
    type Mqtt5ClientConfig,
    type RetryJitterType,
    type TopicAliasingOptions,
} from './mqtt5';
import type { ConnectPacket } from './mqtt5_packet';

export {
    applyCustomAuth,
    buildCustomAuthUsername,
    CUSTOM_AUTH_ALPN,
    DEFAULT_IOT_KEEP_ALIVE_SECONDS,
    DIRECT_MQTT_ALPN_PORT,
    DIRECT_MQTT_PORT,
    IOT_SIGNING_SERVICE,
    type MqttConnectCustomAuthConfig,
    MTLS_ALPN_ON_443,
    noopHandshakeTransform,
    regionFromEndpoint,
    sigv4HandshakeTransform,
    WEBSOCKET_MQTT_PORT,
} from './iot_connect';

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
    private readonly tls: TlsContextOptions;

    private constructor(
        hostName: string,
        private readonly connection: IotConnectionOptions & { tls: TlsContextOptions },
    ) {
        if (typeof hostName !== 'string' || hostName.length === 0) throw new TypeError('hostName must be a non-empty string');
        this.tls = connection.tls;
        this.config = {
            hostName,
            port: iotDefaultPort(connection),
            extendedValidationAndFlowControlOptions: ClientExtendedValidationAndFlowControl.AwsIotCoreDefaults,
        };
    }

    /** mTLS with certificate and key files. */
    static newDirectMqttBuilderWithMtlsFromPath(
        hostName: string,
        certPath: string,
        keyPath: string,
    ): AwsIotMqtt5ClientConfigBuilder {
        const tls = TlsContextOptions.create_client_with_mtls_from_path(certPath, keyPath);
        return new AwsIotMqtt5ClientConfigBuilder(hostName, { tls, mtls: true });
    }
    /** mTLS with certificate and key in memory (PEM). */
    static newDirectMqttBuilderWithMtlsFromMemory(hostName: string, cert: string, key: string): AwsIotMqtt5ClientConfigBuilder {
        return new AwsIotMqtt5ClientConfigBuilder(hostName, {
            tls: TlsContextOptions.create_client_with_mtls(cert, key),
            mtls: true,
        });
    }
    /** mTLS with the key in a PKCS#11 token. */
    static newDirectMqttBuilderWithMtlsFromPkcs11(hostName: string, options: Pkcs11Options): AwsIotMqtt5ClientConfigBuilder {
        const tls = TlsContextOptions.create_client_with_mtls_pkcs11(options);
        return new AwsIotMqtt5ClientConfigBuilder(hostName, { tls, mtls: true });
    }
    /** mTLS from a PKCS#12 file (the CRT supports it on macOS only; elsewhere build() fails with a CrtError). */
    static newDirectMqttBuilderWithMtlsFromPkcs12(
        hostName: string,
        pkcs12Options: Pkcs12Options,
    ): AwsIotMqtt5ClientConfigBuilder {
        const tls = TlsContextOptions.create_client_with_mtls_pkcs12_from_path(
            pkcs12Options.pkcs12_file,
            pkcs12Options.pkcs12_password,
        );
        return new AwsIotMqtt5ClientConfigBuilder(hostName, { tls, mtls: true });
    }
    /** mTLS from the Windows certificate store (Windows only; elsewhere build() fails with a CrtError). */
    static newDirectMqttBuilderWithMtlsFromWindowsCertStorePath(
        hostName: string,
        certificateStorePath: string,
    ): AwsIotMqtt5ClientConfigBuilder {
        const tls = TlsContextOptions.create_client_with_mtls_windows_cert_store_path(certificateStorePath);
        return new AwsIotMqtt5ClientConfigBuilder(hostName, { tls, mtls: true });
    }
    /** A custom authorizer over TLS on port 443 (ALPN mqtt). */
    static newDirectMqttBuilderWithCustomAuth(
        hostName: string,
        customAuth: MqttConnectCustomAuthConfig,
    ): AwsIotMqtt5ClientConfigBuilder {
        return new AwsIotMqtt5ClientConfigBuilder(hostName, { tls: new TlsContextOptions(), customAuth });
    }
    /** Websockets on port 443, the handshake presigned with SigV4. */
    static newWebsocketMqttBuilderWithSigv4Auth(
        hostName: string,
        options: WebsocketSigv4Config = {},
    ): AwsIotMqtt5ClientConfigBuilder {
        // The region is looked for now, so a missing one fails here rather than at build().
        const sigv4 = resolveSigv4(hostName, { region: options.region, credentialsProvider: options.credentialsProvider });
        return new AwsIotMqtt5ClientConfigBuilder(hostName, { tls: new TlsContextOptions(), websocket: true, sigv4 });
    }
    /** A custom authorizer over websockets on port 443. */
    static newWebsocketMqttBuilderWithCustomAuth(
        hostName: string,
        customAuth: MqttConnectCustomAuthConfig,
    ): AwsIotMqtt5ClientConfigBuilder {
        return new AwsIotMqtt5ClientConfigBuilder(hostName, { tls: new TlsContextOptions(), websocket: true, customAuth });
    }

    /** Trust these CAs (directory and/or file) instead of the system's. */
    withCertificateAuthorityFromPath(caDirpath?: string, caFilepath?: string): this {
        this.tls.override_default_trust_store_from_path(caDirpath, caFilepath);
        return this;
    }
    /** Trust these CAs (PEM text) instead of the system's. */
    withCertificateAuthority(ca: string): this {
        this.tls.override_default_trust_store(ca);
        return this;
    }
    /** Sets the TLS cipher preference. */
    withTlsCipherPreference(pref: TlsCipherPreference): this {
        this.tls.tls_cipher_preference = pref;
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
        const c = awsIotConnection(this.config.hostName, { ...this.connection, port: this.config.port }, this.connectProperties);
        const config: Mqtt5ClientConfig = {
            ...this.config,
            port: c.port,
            connectProperties: c.connectProperties,
            tlsCtx: c.tlsCtx,
        };
        if (c.websocketHandshakeTransform) config.websocketHandshakeTransform = c.websocketHandshakeTransform;
        // The SDK's identity (library name, IoTSDKVersion) when it registered its metrics factory, as aws-crt.
        if (!config.disableMetrics && !config.metrics) config.metrics = _buildSdkMetrics();
        return config;
    }
}
