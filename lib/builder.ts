/**
 * The C++ SDK's way to make a client: `Mqtt5ClientBuilder` with fluent `withX` setters and
 * lifecycle callbacks, then `build()`. It only assembles an {@link Mqtt5ClientConfig} and listeners
 * for the one {@link Mqtt5Client}; nothing here talks to the native layer.
 */
import { lifecycleListener } from './cpp/completion';
import type {
    OnAttemptingConnectEventData,
    OnConnectionFailureEventData,
    OnConnectionSuccessEventData,
    OnDisconnectionEventData,
    OnStoppedEventData,
    PublishReceivedEventData,
} from './cpp/events';
import {
    type HttpClientConnectionProxyOptions,
    IoTDeviceSDKMetrics,
    type Pkcs12Options,
    toHttpProxyOptions,
} from './cpp/support';
import type { HttpProxyOptions, HttpRequest } from './http';
import {
    awsIotConnection,
    DEFAULT_IOT_KEEP_ALIVE_SECONDS,
    type IotConnectionOptions,
    iotDefaultPort,
    type MqttConnectCustomAuthConfig,
} from './iot_connect';
import type { ClientBootstrap, Pkcs11Options, SocketOptions, TlsCipherPreference } from './io';
import { Mqtt5CustomAuthConfig, WebsocketConfig } from './cpp/iot_config';
import { ClientTlsContext, TlsConnectionOptions, TlsContextOptions } from './io';
import {
    ClientExtendedValidationAndFlowControl,
    type ClientOperationQueueBehavior,
    type ClientSessionBehavior,
    Mqtt5Client,
    type Mqtt5ClientConfig,
    type Mqtt5ClientEvents,
    type RetryJitterType,
    type TopicAliasingOptions,
    type WebsocketHandshakeTransform,
} from './mqtt5';
import type { ConnectPacket } from './mqtt5_packet';

// The C++ SDK's IoT connection settings, in cpp/iot_config.ts.
export { Mqtt5CustomAuthConfig, WebsocketConfig };

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

/**
 * A lifecycle or publish-received callback in either form: the C++ one, `(client, eventData)`,
 * or `(eventData)` alone. They are told apart by the function's declared parameter count
 * (`length`): two or more means `(client, eventData)`. Note that `length` stops at the first
 * parameter with a default value or a `...rest` one, so write `(client, eventData) => ...`
 * plainly for the C++ form. In TypeScript, annotate the C++ form's parameters, as the C++ lambda
 * does (`(client: Mqtt5Client, eventData: OnConnectionSuccessEventData) => ...`): the one-parameter
 * form is the one TypeScript infers.
 */
export type Mqtt5Callback<E> = ((client: Mqtt5Client, eventData: E) => void) | ((eventData: E) => void);

/** C++ `OnWebSocketHandshakeInterceptComplete`: call it once, with the (changed) request and 0 or an error code. */
export type OnWebSocketHandshakeInterceptComplete = (request: HttpRequest, errorCode: number) => void;
/** C++ `OnWebSocketHandshakeIntercept`: change the websocket upgrade request, then call `onComplete`. */
export type OnWebSocketHandshakeIntercept = (request: HttpRequest, onComplete: OnWebSocketHandshakeInterceptComplete) => void;

type Callbacks = {
    connectionSuccess?: Mqtt5Callback<OnConnectionSuccessEventData>;
    connectionFailure?: Mqtt5Callback<OnConnectionFailureEventData>;
    disconnection?: Mqtt5Callback<OnDisconnectionEventData>;
    stopped?: Mqtt5Callback<OnStoppedEventData>;
    attemptingConnect?: Mqtt5Callback<OnAttemptingConnectEventData>;
    publishReceived?: Mqtt5Callback<PublishReceivedEventData>;
};

function checkCallback(callback: unknown, method: string): void {
    if (typeof callback !== 'function') {
        throw new TypeError(
            `${method}(callback): callback must be a function (client, eventData) => void; got ${typeof callback}`,
        );
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
    protected sdkMetrics?: IoTDeviceSDKMetrics;
    protected tlsConnectionOptions?: TlsConnectionOptions;
    protected handshakeTransform?: WebsocketHandshakeTransform;

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
    /**
     * mTLS with a PKCS#12 file (C++ `CreateMqtt5ClientBuilderWithMtlsPkcs12`). The CRT supports
     * PKCS#12 on macOS only: elsewhere this throws the CRT's `AWS_ERROR_PLATFORM_NOT_SUPPORTED`
     * CrtError at once (C++ returns no builder).
     */
    static createMqtt5ClientBuilderWithMtlsPkcs12(endpoint: string, options: Pkcs12Options): Mqtt5ClientBuilder {
        if (typeof options !== 'object' || options === null) {
            throw new TypeError(
                'createMqtt5ClientBuilderWithMtlsPkcs12(endpoint, options): options must be {pkcs12_file, pkcs12_password}',
            );
        }
        const tls = TlsContextOptions.create_client_with_mtls_pkcs12_from_path(options.pkcs12_file, options.pkcs12_password);
        // Loads the file now, so a missing file, a wrong password or a platform without PKCS#12
        // fails here, as in C++, rather than at build().
        new ClientTlsContext(tls);
        return Mqtt5ClientBuilder.iot(endpoint, { tls, mtls: true });
    }
    /**
     * mTLS with a certificate and its private key from a Windows certificate store, e.g.
     * `CurrentUser\\MY\\<thumbprint>` (C++ `CreateMqtt5ClientBuilderWithWindowsCertStorePath`).
     * The CRT loads it now, so a path it cannot load throws its CrtError at once (C++ returns no
     * builder); the CRT has certificate stores on Windows only: elsewhere the CrtError is
     * `AWS_ERROR_PLATFORM_NOT_SUPPORTED`.
     */
    static createMqtt5ClientBuilderWithWindowsCertStorePath(endpoint: string, windowsCertStorePath: string): Mqtt5ClientBuilder {
        if (typeof windowsCertStorePath !== 'string' || windowsCertStorePath === '') {
            throw new TypeError(
                `createMqtt5ClientBuilderWithWindowsCertStorePath(endpoint, windowsCertStorePath): windowsCertStorePath must be a non-empty string; got ${JSON.stringify(windowsCertStorePath)}`,
            );
        }
        const tls = TlsContextOptions.create_client_with_mtls_windows_cert_store_path(windowsCertStorePath);
        new ClientTlsContext(tls);
        return Mqtt5ClientBuilder.iot(endpoint, { tls, mtls: true });
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
    /** Alias of {@link createMqtt5ClientBuilderWithMtlsPkcs12}. */
    static newMqtt5ClientBuilderWithMtlsPkcs12 = Mqtt5ClientBuilder.createMqtt5ClientBuilderWithMtlsPkcs12;
    /** Alias of {@link createMqtt5ClientBuilderWithWindowsCertStorePath}. */
    static newMqtt5ClientBuilderWithWindowsCertStorePath = Mqtt5ClientBuilder.createMqtt5ClientBuilderWithWindowsCertStorePath;
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
    /**
     * Connects to the broker through this HTTP proxy: aws-crt's `http.HttpProxyOptions`, or the
     * C++ `HttpClientConnectionProxyOptions` with its fields set.
     */
    withHttpProxyOptions(options: HttpProxyOptions | HttpClientConnectionProxyOptions): this {
        this.config.httpProxyOptions = toHttpProxyOptions(options);
        return this;
    }
    /**
     * C++ `WithTlsConnectionOptions`: TLS over this context, replacing any TLS settings made so
     * far (the factories' and `withCertificateAuthority`'s). The client sends SNI and checks the
     * certificate for the host name, and offers the context's ALPN list, so a `server_name`
     * other than the host name or a connection-level `alpn_list` is refused (RangeError) rather
     * than silently ignored.
     */
    withTlsConnectionOptions(options: TlsConnectionOptions): this {
        if (!(options instanceof TlsConnectionOptions)) {
            throw new TypeError('withTlsConnectionOptions(options): options must be an io.TlsConnectionOptions');
        }
        if (options.alpn_list.length > 0) {
            throw new RangeError(
                `withTlsConnectionOptions: alpn_list ${JSON.stringify(options.alpn_list)} must be empty; set the ALPN list on the TlsContextOptions the context is made from`,
            );
        }
        this.tlsConnectionOptions = options;
        return this;
    }
    /**
     * C++ `WithWebsocketHandshakeTransformCallback`: MQTT over websockets; `callback(request,
     * onComplete)` may change the upgrade request (headers, path), then calls
     * `onComplete(request, errorCode)` once (0 to go on). Replaces the SigV4 signing of
     * `createMqtt5ClientBuilderWithWebsocket`. aws-crt's `done(errorCode?)` form works too.
     */
    withWebsocketHandshakeTransformCallback(callback: OnWebSocketHandshakeIntercept): this {
        if (typeof callback !== 'function') {
            throw new TypeError(
                `withWebsocketHandshakeTransformCallback(callback): callback must be a function (request, onComplete) => void; got ${typeof callback}`,
            );
        }
        this.websocketConfig = undefined;
        this.handshakeTransform = (request, done) =>
            // C++ calls back (request, errorCode); aws-crt code calls done(errorCode?).
            callback(request, ((a: unknown, b: unknown) =>
                done(typeof a === 'number' ? a : typeof b === 'number' ? b : 0)) as OnWebSocketHandshakeInterceptComplete);
        return this;
    }
    /**
     * C++ `WithSdkMetrics`: the library name and metadata sent as SDK metrics in the CONNECT
     * username (`withSdkName`/`withSdkVersion` set the same, and win where both are given).
     */
    withSdkMetrics(metrics: IoTDeviceSDKMetrics): this {
        if (!(metrics instanceof IoTDeviceSDKMetrics)) {
            throw new TypeError('withSdkMetrics(metrics): metrics must be an IoTDeviceSDKMetrics');
        }
        this.sdkMetrics = metrics;
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
    withClientConnectionSuccessCallback(cb: (eventData: OnConnectionSuccessEventData) => void): this;
    withClientConnectionSuccessCallback(cb: (client: Mqtt5Client, eventData: OnConnectionSuccessEventData) => void): this;
    withClientConnectionSuccessCallback(cb: Mqtt5Callback<OnConnectionSuccessEventData>): this {
        return this.#setCallback('connectionSuccess', cb, 'withClientConnectionSuccessCallback');
    }
    /** Called each time a connection attempt fails. */
    withClientConnectionFailureCallback(cb: (eventData: OnConnectionFailureEventData) => void): this;
    withClientConnectionFailureCallback(cb: (client: Mqtt5Client, eventData: OnConnectionFailureEventData) => void): this;
    withClientConnectionFailureCallback(cb: Mqtt5Callback<OnConnectionFailureEventData>): this {
        return this.#setCallback('connectionFailure', cb, 'withClientConnectionFailureCallback');
    }
    /** Called when an established connection is lost or closed. */
    withClientDisconnectionCallback(cb: (eventData: OnDisconnectionEventData) => void): this;
    withClientDisconnectionCallback(cb: (client: Mqtt5Client, eventData: OnDisconnectionEventData) => void): this;
    withClientDisconnectionCallback(cb: Mqtt5Callback<OnDisconnectionEventData>): this {
        return this.#setCallback('disconnection', cb, 'withClientDisconnectionCallback');
    }
    /** Called once the client has stopped after `stop()`. */
    withClientStoppedCallback(cb: (eventData: OnStoppedEventData) => void): this;
    withClientStoppedCallback(cb: (client: Mqtt5Client, eventData: OnStoppedEventData) => void): this;
    withClientStoppedCallback(cb: Mqtt5Callback<OnStoppedEventData>): this {
        return this.#setCallback('stopped', cb, 'withClientStoppedCallback');
    }
    /** Called at the start of each connection attempt. */
    withClientAttemptingConnectCallback(cb: (eventData: OnAttemptingConnectEventData) => void): this;
    withClientAttemptingConnectCallback(cb: (client: Mqtt5Client, eventData: OnAttemptingConnectEventData) => void): this;
    withClientAttemptingConnectCallback(cb: Mqtt5Callback<OnAttemptingConnectEventData>): this {
        return this.#setCallback('attemptingConnect', cb, 'withClientAttemptingConnectCallback');
    }
    /** Called for each message received from the server. */
    withPublishReceivedCallback(cb: (eventData: PublishReceivedEventData) => void): this;
    withPublishReceivedCallback(cb: (client: Mqtt5Client, eventData: PublishReceivedEventData) => void): this;
    withPublishReceivedCallback(cb: Mqtt5Callback<PublishReceivedEventData>): this {
        return this.#setCallback('publishReceived', cb, 'withPublishReceivedCallback');
    }

    /** Keeps a lifecycle or publish-received callback for build(), after checking it is a function. */
    #setCallback<K extends keyof Callbacks>(key: K, callback: Callbacks[K], method: string): this {
        checkCallback(callback, method);
        this.callbacks[key] = callback;
        return this;
    }

    /** The configuration assembled so far, in aws-crt's shape (creates the TLS context, if any). */
    buildConfig(): Mqtt5ClientConfig {
        const config = { ...this.config } as Mqtt5ClientConfig;
        const ws = this.websocketConfig;
        const c = awsIotConnection(
            config.hostName,
            {
                // withTlsConnectionOptions replaces the TLS settings made from options.
                tls: this.tlsConnectionOptions ? undefined : this.tlsOptions,
                mtls: this.mtls,
                websocket: this.websocket,
                customAuth: this.customAuth,
                sigv4: ws && { region: ws.signingRegion, credentialsProvider: ws.credentialsProvider, service: ws.serviceName },
                port: config.port,
            },
            config.connectProperties,
        );
        if (c.tlsCtx) config.tlsCtx = c.tlsCtx;
        if (this.handshakeTransform) config.websocketHandshakeTransform = this.handshakeTransform;
        else if (c.websocketHandshakeTransform) config.websocketHandshakeTransform = c.websocketHandshakeTransform;
        if (c.connectProperties) config.connectProperties = c.connectProperties;
        if (this.tlsConnectionOptions) {
            const server = this.tlsConnectionOptions.server_name;
            if (server !== undefined && server !== config.hostName) {
                throw new RangeError(
                    `withTlsConnectionOptions: server_name ${JSON.stringify(server)} must be the host name ${JSON.stringify(config.hostName)} (SNI and the certificate check use the host name)`,
                );
            }
            config.tlsCtx = this.tlsConnectionOptions.tls_ctx;
        }
        if (this.sdkName !== undefined || this.sdkVersion !== undefined || this.sdkMetrics !== undefined) {
            const metadata: Array<[string, string]> = (this.sdkMetrics?.metadata ?? []).filter(
                ([k]) => this.sdkVersion === undefined || k !== 'Version',
            );
            if (this.sdkVersion !== undefined) metadata.push(['Version', this.sdkVersion]);
            config.metrics = {
                libraryName: this.sdkName ?? this.sdkMetrics?.libraryName,
                metadata: metadata.length > 0 ? metadata : undefined,
            };
        }
        return config;
    }

    /**
     * Creates the client (not started) with the callbacks attached as event listeners. Each
     * callback gets the client's own event object (the C++ event data class, which also has
     * aws-crt's fields), with the client first when it declares two parameters.
     */
    build(): Mqtt5Client {
        const client = new Mqtt5Client(this.buildConfig());
        const cb = this.callbacks;
        const on = <K extends keyof Mqtt5ClientEvents>(event: K, callback: ((...args: never[]) => void) | undefined) => {
            if (callback) client.on(event, lifecycleListener(client, callback, event) as Mqtt5ClientEvents[K]);
        };
        on('connectionSuccess', cb.connectionSuccess);
        on('connectionFailure', cb.connectionFailure);
        on('disconnection', cb.disconnection);
        on('stopped', cb.stopped);
        on('attemptingConnect', cb.attemptingConnect);
        on('messageReceived', cb.publishReceived);
        return client;
    }
}

/** C++ `Mqtt5ClientOptions`: the same fluent setters; pass it to `Mqtt5Client.newMqtt5Client`. */
export { Mqtt5ClientBuilder as Mqtt5ClientOptions };
