/**
 * The C++ SDK's way to make a client: `Mqtt5ClientBuilder` with fluent `withX` setters and
 * lifecycle callbacks, then `build()`. It only assembles an {@link Mqtt5ClientConfig} and listeners
 * for the one {@link Mqtt5Client}; nothing here talks to the native layer.
 */
import type { AwsCredentialsProvider } from './auth';
import type { CrtError } from './error';
import type { HttpProxyOptions } from './http';
import {
    awsIotConnection,
    DEFAULT_IOT_KEEP_ALIVE_SECONDS,
    type IotConnectionOptions,
    iotDefaultPort,
    type MqttConnectCustomAuthConfig,
} from './iot_connect';
import type { ClientBootstrap, Pkcs11Options, SocketOptions, TlsCipherPreference } from './io';
import { TlsContextOptions } from './io';
import {
    ClientExtendedValidationAndFlowControl,
    type ClientOperationQueueBehavior,
    type ClientSessionBehavior,
    Mqtt5Client,
    type Mqtt5ClientConfig,
    type NegotiatedSettings,
    type PublishAcknowledgementHandle,
    type RetryJitterType,
    type TopicAliasingOptions,
} from './mqtt5';
import type { ConnackPacket, ConnectPacket, DisconnectPacket } from './mqtt5_packet';
import { PublishPacket } from './packet_classes';

/** C++ `ReconnectOptions`. */
export interface ReconnectOptions {
    /** Jitter mode (C++ `m_reconnectMode`). */
    reconnectMode?: RetryJitterType;
    /** Shortest delay before a reconnect attempt, in ms (client default 1000). */
    minReconnectDelayMs?: number;
    /** Longest delay before a reconnect attempt, in ms (client default 120000). */
    maxReconnectDelayMs?: number;
    /** How long, in ms, a connection must last before the delay resets (client default 30000). */
    minConnectedTimeToResetReconnectDelayMs?: number;
}

/** C++ `OnConnectionSuccessEventData`. */
export interface OnConnectionSuccessEventData {
    /** The CONNACK sent by the server. */
    connAckPacket: ConnackPacket;
    /** The settings in effect for this connection. */
    negotiatedSettings: NegotiatedSettings;
}
/** C++ `OnConnectionFailureEventData`. */
export interface OnConnectionFailureEventData {
    /** The CRT error code (same as `error.errorCode`). */
    errorCode: number;
    /** The error that failed the attempt. */
    error: CrtError;
    /** The CONNACK, when the server answered with a rejection. */
    connAckPacket?: ConnackPacket;
}
/** C++ `OnDisconnectionEventData`. */
export interface OnDisconnectionEventData {
    /** The CRT error code (same as `error.errorCode`). */
    errorCode: number;
    /** The error that ended the connection. */
    error: CrtError;
    /** The DISCONNECT, when the server sent one. */
    disconnectPacket?: DisconnectPacket;
}
/** C++ `PublishReceivedEventData`. */
export interface PublishReceivedEventData {
    /** The received message. */
    publishPacket: PublishPacket;
    /**
     * Takes over the PUBACK of a QoS 1 message (call synchronously in the callback); null for
     * QoS 0 or when already taken.
     */
    acquirePublishAcknowledgement(): PublishAcknowledgementHandle | null;
}

type Callbacks = {
    connectionSuccess?: (data: OnConnectionSuccessEventData) => void;
    connectionFailure?: (data: OnConnectionFailureEventData) => void;
    disconnection?: (data: OnDisconnectionEventData) => void;
    stopped?: (data: {}) => void;
    attemptingConnect?: (data: {}) => void;
    publishReceived?: (data: PublishReceivedEventData) => void;
};

/** C++ `Aws::Iot::WebsocketConfig(signingRegion, credentialsProvider)`. */
export class WebsocketConfig {
    /**
     * @param signingRegion the region to sign for (default: parsed from the endpoint)
     * @param credentialsProvider default: the default credentials chain
     * @param serviceName default: iotdevicegateway
     */
    constructor(
        public signingRegion?: string,
        public credentialsProvider?: AwsCredentialsProvider,
        public serviceName = 'iotdevicegateway',
    ) {}
}

/** C++ `Aws::Iot::Mqtt5CustomAuthConfig`, with fluent setters. */
export class Mqtt5CustomAuthConfig implements MqttConnectCustomAuthConfig {
    authorizerName?: string;
    username?: string;
    password?: Uint8Array | string;
    tokenKeyName?: string;
    tokenValue?: string;
    tokenSignature?: string;
    /** Sets the authorizer name; unset means the account's default authorizer. */
    withAuthorizerName(name: string): this {
        this.authorizerName = name;
        return this;
    }
    /** The seed guide's spelling of {@link withAuthorizerName}. */
    withAuthrizaerName(name: string): this {
        return this.withAuthorizerName(name);
    }
    /** Sets the username passed to the authorizer's Lambda. */
    withUsername(username: string): this {
        this.username = username;
        return this;
    }
    /** Sets the password passed to the authorizer's Lambda. */
    withPassword(password: Uint8Array | string): this {
        this.password = password;
        return this;
    }
    /** Sets the query-parameter name of the token (signed authorizers). */
    withTokenKeyName(name: string): this {
        this.tokenKeyName = name;
        return this;
    }
    /** Sets the token value (signed authorizers). */
    withTokenValue(value: string): this {
        this.tokenValue = value;
        return this;
    }
    /** Sets the base64 token signature; it is URI-encoded unless it already is. */
    withTokenSignature(signature: string): this {
        this.tokenSignature = signature;
        return this;
    }
    /** The authorizer name, if set. */
    getAuthorizerName(): string | undefined {
        return this.authorizerName;
    }
    /** The username, if set. */
    getUsername(): string | undefined {
        return this.username;
    }
    /** The password, if set. */
    getPassword(): Uint8Array | string | undefined {
        return this.password;
    }
    /** The token key name, if set. */
    getTokenKeyName(): string | undefined {
        return this.tokenKeyName;
    }
    /** The token value, if set. */
    getTokenValue(): string | undefined {
        return this.tokenValue;
    }
    /** The token signature, if set. */
    getTokenSignature(): string | undefined {
        return this.tokenSignature;
    }
}

/**
 * Builds an {@link Mqtt5Client} the way the C++ SDK does (`Aws::Crt::Mqtt5::Mqtt5ClientOptions`
 * and `Aws::Iot::Mqtt5ClientBuilder`, here for plain TCP). Every setter returns the builder.
 */
export class Mqtt5ClientBuilder {
    protected config: Partial<Mqtt5ClientConfig> & Record<string, unknown> = {};
    protected callbacks: Callbacks = {};
    // AWS IoT: TLS made at build(), websocket signing, custom authorizer.
    protected tlsOptions?: TlsContextOptions;
    protected websocketConfig?: WebsocketConfig;
    protected customAuth?: MqttConnectCustomAuthConfig;
    protected mtls = false;
    protected websocket = false;
    protected sdkName?: string;
    protected sdkVersion?: string;

    // ---- AWS IoT Core factories (C++ `Aws::Iot::Mqtt5ClientBuilder`) ----------------------------

    private static iot(endpoint: string, connection: IotConnectionOptions): Mqtt5ClientBuilder {
        const b = new Mqtt5ClientBuilder(endpoint, iotDefaultPort(connection));
        b.tlsOptions = connection.tls;
        b.mtls = connection.mtls === true;
        b.websocket = connection.websocket === true;
        b.customAuth = connection.customAuth;
        b.config.extendedValidationAndFlowControlOptions = ClientExtendedValidationAndFlowControl.AwsIotCoreDefaults;
        b.config.connectProperties = { keepAliveIntervalSeconds: DEFAULT_IOT_KEEP_ALIVE_SECONDS };
        return b;
    }
    /** mTLS with certificate and private key files. */
    static createMqtt5ClientBuilderWithMtlsFromPath(endpoint: string, certPath: string, keyPath: string): Mqtt5ClientBuilder {
        const tls = TlsContextOptions.create_client_with_mtls_from_path(certPath, keyPath);
        return Mqtt5ClientBuilder.iot(endpoint, { tls, mtls: true });
    }
    /** mTLS with certificate and private key in memory (PEM). */
    static createMqtt5ClientBuilderWithMtlsFromMemory(endpoint: string, cert: string, key: string): Mqtt5ClientBuilder {
        return Mqtt5ClientBuilder.iot(endpoint, { tls: TlsContextOptions.create_client_with_mtls(cert, key), mtls: true });
    }
    /** mTLS with the private key in a PKCS#11 token. */
    static createMqtt5ClientBuilderWithMtlsPkcs11(endpoint: string, options: Pkcs11Options): Mqtt5ClientBuilder {
        return Mqtt5ClientBuilder.iot(endpoint, { tls: TlsContextOptions.create_client_with_mtls_pkcs11(options), mtls: true });
    }
    /** Websockets (wss, port 443) with the handshake presigned by SigV4. */
    static createMqtt5ClientBuilderWithWebsocket(endpoint: string, config: WebsocketConfig): Mqtt5ClientBuilder {
        const b = Mqtt5ClientBuilder.iot(endpoint, { tls: new TlsContextOptions(), websocket: true });
        b.websocketConfig = config ?? new WebsocketConfig();
        return b;
    }
    /** A custom authorizer over TLS, port 443 with ALPN mqtt. */
    static createMqtt5ClientBuilderWithCustomAuthorizer(
        endpoint: string,
        customAuth: MqttConnectCustomAuthConfig,
    ): Mqtt5ClientBuilder {
        return Mqtt5ClientBuilder.iot(endpoint, { tls: new TlsContextOptions(), customAuth });
    }
    /** A custom authorizer over websockets (wss, port 443), optionally also SigV4-signed. */
    static createMqtt5ClientBuilderWithCustomAuthorizerWebsocket(
        endpoint: string,
        customAuth: MqttConnectCustomAuthConfig,
        config?: WebsocketConfig,
    ): Mqtt5ClientBuilder {
        const b = Mqtt5ClientBuilder.iot(endpoint, { tls: new TlsContextOptions(), websocket: true, customAuth });
        b.websocketConfig = config;
        return b;
    }
    /** The seed guide's (older) names. */
    static newMqtt5ClientBuilderWithMtlsFromPath = Mqtt5ClientBuilder.createMqtt5ClientBuilderWithMtlsFromPath;
    /** Alias of {@link createMqtt5ClientBuilderWithMtlsFromMemory}. */
    static newMqtt5ClientBuilderWithMtlsFromMemory = Mqtt5ClientBuilder.createMqtt5ClientBuilderWithMtlsFromMemory;
    /** Alias of {@link createMqtt5ClientBuilderWithMtlsPkcs11}. */
    static newMqtt5ClientBuilderWithMtlsPkcs11 = Mqtt5ClientBuilder.createMqtt5ClientBuilderWithMtlsPkcs11;
    /** Alias of {@link createMqtt5ClientBuilderWithWebsocket}. */
    static newMqtt5ClientBuilderWithWebsocket = Mqtt5ClientBuilder.createMqtt5ClientBuilderWithWebsocket;
    /** Alias of {@link createMqtt5ClientBuilderWithCustomAuthorizer}. */
    static newMqtt5ClientBuilderWithCustomAuthorizer = Mqtt5ClientBuilder.createMqtt5ClientBuilderWithCustomAuthorizer;
    /** Alias of {@link createMqtt5ClientBuilderWithCustomAuthorizer} (the doubled "Custom" is kept for compatibility). */
    static newMqtt5ClientBuilderWithCustomCustomAuthorizer = Mqtt5ClientBuilder.createMqtt5ClientBuilderWithCustomAuthorizer;
    /** Alias of {@link createMqtt5ClientBuilderWithCustomAuthorizerWebsocket}. */
    static newMqtt5ClientBuilderWithCustomAuthorizerWebsocket =
        Mqtt5ClientBuilder.createMqtt5ClientBuilderWithCustomAuthorizerWebsocket;

    /** Trust this CA (a PEM file path, or PEM text) instead of the system's. */
    withCertificateAuthority(caPathOrPem: string | Uint8Array): this {
        this.tlsOptions ??= new TlsContextOptions();
        const text = typeof caPathOrPem === 'string' ? caPathOrPem : Buffer.from(caPathOrPem).toString('utf8');
        if (text.includes('-----BEGIN')) this.tlsOptions.override_default_trust_store(text);
        else this.tlsOptions.override_default_trust_store_from_path(undefined, text);
        return this;
    }
    /** Sets the TLS cipher preference; this also turns TLS on if it was not already. */
    withTlsCipherPreference(pref: TlsCipherPreference): this {
        this.tlsOptions ??= new TlsContextOptions();
        this.tlsOptions.tls_cipher_preference = pref;
        return this;
    }
    /** Connects to the broker through this HTTP proxy. */
    withHttpProxyOptions(options: HttpProxyOptions): this {
        this.config.httpProxyOptions = options;
        return this;
    }
    /** Uses this custom authorizer; its settings become the CONNECT username/password at build time. */
    withCustomAuthorizer(customAuth: MqttConnectCustomAuthConfig): this {
        this.customAuth = customAuth;
        return this;
    }
    /** C++ `WithSdkName`: the library name sent in the SDK metrics. */
    withSdkName(name: string): this {
        this.sdkName = name;
        return this;
    }
    /** C++ `WithSdkVersion`: sent as metadata in the SDK metrics. */
    withSdkVersion(version: string): this {
        this.sdkVersion = version;
        return this;
    }

    /** @param hostName broker host (or set it with {@link withHostName}) @param port broker port (default 1883) */
    constructor(hostName?: string, port = 1883) {
        if (hostName !== undefined) this.config.hostName = hostName;
        this.config.port = port;
    }

    /** C++ `Mqtt5ClientBuilder::NewMqtt5ClientBuilder`-style factory for a plain TCP broker. */
    static newMqtt5ClientBuilder(hostName: string, port = 1883): Mqtt5ClientBuilder {
        return new Mqtt5ClientBuilder(hostName, port);
    }

    /** Sets the broker host name. */
    withHostName(hostName: string): this {
        this.config.hostName = hostName;
        return this;
    }
    /** Sets the broker port (0-65535). */
    withPort(port: number): this {
        this.config.port = port;
        return this;
    }
    /** Accepted for compatibility; every client shares the process-wide event loop group. */
    withBootstrap(bootstrap: ClientBootstrap): this {
        this.config.clientBootstrap = bootstrap;
        return this;
    }
    /** Sets the socket options (connect timeout, TCP keep-alive, TCP_NODELAY). */
    withSocketOptions(options: SocketOptions): this {
        this.config.socketOptions = options;
        return this;
    }
    /** Sets the CONNECT packet sent on every connection attempt. */
    withConnectOptions(connect: ConnectPacket): this {
        this.config.connectProperties = connect;
        return this;
    }
    /** Sets how session state is treated across connections (default Clean). */
    withSessionBehavior(behavior: ClientSessionBehavior): this {
        this.config.sessionBehavior = behavior;
        return this;
    }
    /** Sets the extra validation and flow control applied by the client (default None). */
    withClientExtendedValidationAndFlowControl(option: ClientExtendedValidationAndFlowControl): this {
        this.config.extendedValidationAndFlowControlOptions = option;
        return this;
    }
    /** Sets what happens to queued operations on disconnection (default FailQos0PublishOnDisconnect). */
    withOfflineQueueBehavior(behavior: ClientOperationQueueBehavior): this {
        this.config.offlineQueueBehavior = behavior;
        return this;
    }
    /** Applies the reconnect settings; fields left undefined keep their current values. */
    withReconnectOptions(options: ReconnectOptions): this {
        if (options.reconnectMode !== undefined) this.config.retryJitterMode = options.reconnectMode;
        if (options.minReconnectDelayMs !== undefined) this.config.minReconnectDelayMs = options.minReconnectDelayMs;
        if (options.maxReconnectDelayMs !== undefined) this.config.maxReconnectDelayMs = options.maxReconnectDelayMs;
        if (options.minConnectedTimeToResetReconnectDelayMs !== undefined) {
            this.config.minConnectedTimeToResetReconnectDelayMs = options.minConnectedTimeToResetReconnectDelayMs;
        }
        return this;
    }
    /** Sets how long, in ms, a connection must last before the reconnect delay resets (default 30000). */
    withMinConnectedTimeToResetReconnectDelayMs(ms: number): this {
        this.config.minConnectedTimeToResetReconnectDelayMs = ms;
        return this;
    }
    /** Sets the inbound and outbound topic aliasing behaviour (default: disabled both ways). */
    withTopicAliasingOptions(options: TopicAliasingOptions): this {
        this.config.topicAliasingOptions = options;
        return this;
    }
    /** Sets how long, in ms, to wait for a PINGRESP before dropping the connection (default 30000). */
    withPingTimeoutMs(ms: number): this {
        this.config.pingTimeoutMs = ms;
        return this;
    }
    /** Sets how long, in ms, to wait for the CONNACK (default 20000). */
    withConnackTimeoutMs(ms: number): this {
        this.config.connackTimeoutMs = ms;
        return this;
    }
    /** Sets how long, in seconds, to wait for an acknowledgement before failing an operation (default 0: no timeout). */
    withAckTimeoutSeconds(seconds: number): this {
        this.config.ackTimeoutSeconds = seconds;
        return this;
    }
    /** C++'s older name for {@link withAckTimeoutSeconds}. */
    withAckTimeoutSec(seconds: number): this {
        return this.withAckTimeoutSeconds(seconds);
    }
    /** C++ `WithMetricsCollection(bool)`: false sends no SDK metrics in the username. */
    withMetricsCollection(enabled: boolean): this {
        this.config.disableMetrics = !enabled;
        return this;
    }

    /** Called each time a connection attempt succeeds. */
    withClientConnectionSuccessCallback(cb: (data: OnConnectionSuccessEventData) => void): this {
        this.callbacks.connectionSuccess = cb;
        return this;
    }
    /** Called each time a connection attempt fails. */
    withClientConnectionFailureCallback(cb: (data: OnConnectionFailureEventData) => void): this {
        this.callbacks.connectionFailure = cb;
        return this;
    }
    /** Called when an established connection is lost or closed. */
    withClientDisconnectionCallback(cb: (data: OnDisconnectionEventData) => void): this {
        this.callbacks.disconnection = cb;
        return this;
    }
    /** Called once the client has stopped after `stop()`. */
    withClientStoppedCallback(cb: (data: {}) => void): this {
        this.callbacks.stopped = cb;
        return this;
    }
    /** Called at the start of each connection attempt. */
    withClientAttemptingConnectCallback(cb: (data: {}) => void): this {
        this.callbacks.attemptingConnect = cb;
        return this;
    }
    /** Called for each message received from the server. */
    withPublishReceivedCallback(cb: (data: PublishReceivedEventData) => void): this {
        this.callbacks.publishReceived = cb;
        return this;
    }

    /** The configuration assembled so far, in aws-crt's shape (creates the TLS context, if any). */
    buildConfig(): Mqtt5ClientConfig {
        const config = { ...this.config } as Mqtt5ClientConfig;
        const ws = this.websocketConfig;
        const c = awsIotConnection(
            config.hostName,
            {
                tls: this.tlsOptions,
                mtls: this.mtls,
                websocket: this.websocket,
                customAuth: this.customAuth,
                sigv4: ws && { region: ws.signingRegion, credentialsProvider: ws.credentialsProvider, service: ws.serviceName },
                port: config.port,
            },
            config.connectProperties,
        );
        if (c.tlsCtx) config.tlsCtx = c.tlsCtx;
        if (c.websocketHandshakeTransform) config.websocketHandshakeTransform = c.websocketHandshakeTransform;
        if (c.connectProperties) config.connectProperties = c.connectProperties;
        if (this.sdkName !== undefined || this.sdkVersion !== undefined) {
            config.metrics = {
                libraryName: this.sdkName,
                metadata: this.sdkVersion !== undefined ? [['Version', this.sdkVersion]] : undefined,
            };
        }
        return config;
    }

    /** Creates the client (not started) with the callbacks attached as event listeners. */
    build(): Mqtt5Client {
        const client = new Mqtt5Client(this.buildConfig());
        const cb = this.callbacks;
        if (cb.connectionSuccess) {
            const f = cb.connectionSuccess;
            client.on('connectionSuccess', (e) => f({ connAckPacket: e.connack, negotiatedSettings: e.settings }));
        }
        if (cb.connectionFailure) {
            const f = cb.connectionFailure;
            client.on('connectionFailure', (e) => f({ errorCode: e.error.errorCode, error: e.error, connAckPacket: e.connack }));
        }
        if (cb.disconnection) {
            const f = cb.disconnection;
            client.on('disconnection', (e) =>
                f({ errorCode: e.error.errorCode, error: e.error, disconnectPacket: e.disconnect }),
            );
        }
        if (cb.stopped) client.on('stopped', cb.stopped);
        if (cb.attemptingConnect) client.on('attemptingConnect', cb.attemptingConnect);
        if (cb.publishReceived) {
            const f = cb.publishReceived;
            client.on('messageReceived', (e) =>
                f({
                    publishPacket: PublishPacket.from(e.message),
                    acquirePublishAcknowledgement: () => e.acknowledgementControl?.acquireHandle() ?? null,
                }),
            );
        }
        return client;
    }
}

/** C++ `Mqtt5ClientOptions`: the same fluent setters; pass it to `Mqtt5Client.newMqtt5Client`. */
export { Mqtt5ClientBuilder as Mqtt5ClientOptions };
