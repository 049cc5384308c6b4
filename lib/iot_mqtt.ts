/**
 * aws-crt's `iot.AwsIotMqttConnectionConfigBuilder`: an {@link MqttConnectionConfig} for the
 * MQTT 3.1.1 connection to AWS IoT Core. Port, ALPN, TLS context, custom-auth username and
 * websocket signing come from {@link awsIotConnection} (iot_connect.ts), the one path to AWS IoT
 * that the MQTT 5 builders and the command-line tool use too.
 */
import { AwsCredentialsProvider } from './auth';
import type { HttpProxyOptions } from './http';
import { type Pkcs11Options, SocketOptions, type TlsCipherPreference, TlsContextOptions } from './io';
import type { Pkcs12Options } from './cpp/support';
import { awsIotConnection, type IotConnectionOptions, type MqttConnectCustomAuthConfig } from './iot_connect';
import { _buildSdkMetrics } from './compat/aws_iot_metrics';
import { DEFAULT_RECONNECT_MAX_SEC, DEFAULT_RECONNECT_MIN_SEC, type MqttConnectionConfig, type MqttWill } from './mqtt';

/** aws-crt's `iot.WebsocketConfig` for the 3.1.1 builder: SigV4 signing of the handshake. */
export interface MqttWebsocketConfig {
    /** Signing credentials; with `region`, the handshake is presigned (SigV4, service iotdevicegateway). */
    credentials_provider?: AwsCredentialsProvider;
    /** The signing region. */
    region?: string;
    /** Signing service (default iotdevicegateway). */
    service?: string;
    /** An HTTP proxy. */
    proxy_options?: HttpProxyOptions;
    /** TLS options (default: system trust store, no ALPN). */
    tls_ctx_options?: TlsContextOptions;
}

/**
 * Builds the config of an MQTT 3.1.1 connection to AWS IoT Core (aws-crt's
 * `AwsIotMqttConnectionConfigBuilder`): port 8883 for mTLS (ALPN `x-amzn-mqtt-ca` where
 * available), 443 for websockets and custom authorizers.
 */
export class AwsIotMqttConnectionConfigBuilder {
    private params: MqttConnectionConfig;
    private connection: IotConnectionOptions & { tls: TlsContextOptions };
    private customAuth: MqttConnectCustomAuthConfig | undefined;

    private constructor(tls: TlsContextOptions, connection: Omit<IotConnectionOptions, 'tls'> = {}) {
        this.connection = { ...connection, tls };
        this.params = {
            client_id: '',
            host_name: '',
            socket_options: new SocketOptions(),
            port: 8883,
            use_websocket: false,
            clean_session: false,
            keep_alive: undefined,
            will: undefined,
            username: '',
            password: undefined,
            tls_ctx: undefined,
            reconnect_min_sec: DEFAULT_RECONNECT_MIN_SEC,
            reconnect_max_sec: DEFAULT_RECONNECT_MAX_SEC,
        };
    }

    /** mTLS with certificate and key files. */
    static new_mtls_builder_from_path(cert_path: string, key_path: string): AwsIotMqttConnectionConfigBuilder {
        return new AwsIotMqttConnectionConfigBuilder(TlsContextOptions.create_client_with_mtls_from_path(cert_path, key_path), {
            mtls: true,
        });
    }

    /** mTLS with certificate and key in memory (PEM). */
    static new_mtls_builder(cert: string, private_key: string): AwsIotMqttConnectionConfigBuilder {
        return new AwsIotMqttConnectionConfigBuilder(TlsContextOptions.create_client_with_mtls(cert, private_key), {
            mtls: true,
        });
    }

    /** mTLS with the key in a PKCS#11 token. */
    static new_mtls_pkcs11_builder(pkcs11_options: Pkcs11Options): AwsIotMqttConnectionConfigBuilder {
        return new AwsIotMqttConnectionConfigBuilder(TlsContextOptions.create_client_with_mtls_pkcs11(pkcs11_options), {
            mtls: true,
        });
    }

    /** mTLS from a PKCS#12 file (macOS only in the CRT). */
    static new_mtls_pkcs12_builder(pkcs12_options: Pkcs12Options): AwsIotMqttConnectionConfigBuilder {
        return new AwsIotMqttConnectionConfigBuilder(
            TlsContextOptions.create_client_with_mtls_pkcs12_from_path(
                pkcs12_options.pkcs12_file,
                pkcs12_options.pkcs12_password,
            ),
            { mtls: true },
        );
    }

    /**
     * mTLS from a Windows certificate store path, e.g. `CurrentUser\\MY\\<thumbprint>` (Windows
     * only: elsewhere making the TLS context fails with the CRT's AWS_ERROR_PLATFORM_NOT_SUPPORTED).
     */
    static new_mtls_windows_cert_store_path_builder(certificate_path: string): AwsIotMqttConnectionConfigBuilder {
        return new AwsIotMqttConnectionConfigBuilder(
            TlsContextOptions.create_client_with_mtls_windows_cert_store_path(certificate_path),
            { mtls: true },
        );
    }

    /** TLS with the system trust store and no client certificate (add credentials with with_* methods). */
    static new_default_builder(): AwsIotMqttConnectionConfigBuilder {
        return new AwsIotMqttConnectionConfigBuilder(new TlsContextOptions());
    }

    /** @deprecated aws-crt's old name of {@link new_with_websockets}. */
    static new_websocket_builder(options?: MqttWebsocketConfig): AwsIotMqttConnectionConfigBuilder {
        return AwsIotMqttConnectionConfigBuilder.new_with_websockets(options);
    }

    /** Websockets on port 443; with a region and credentials provider, the handshake is SigV4-presigned. */
    static new_with_websockets(options?: MqttWebsocketConfig): AwsIotMqttConnectionConfigBuilder {
        const tls = options?.tls_ctx_options ?? new TlsContextOptions();
        const builder = new AwsIotMqttConnectionConfigBuilder(tls, { websocket: true });
        builder.params.use_websocket = true;
        builder.params.proxy_options = options?.proxy_options;
        builder.params.port = 443;
        if (options?.credentials_provider !== undefined || options?.region !== undefined) {
            builder.connection.sigv4 = {
                region: options.region,
                credentialsProvider: options.credentials_provider,
                service: options.service,
            };
        }
        return builder;
    }

    /** Websockets with no signing configured yet. */
    static new_builder_for_websocket(): AwsIotMqttConnectionConfigBuilder {
        return AwsIotMqttConnectionConfigBuilder.new_with_websockets();
    }

    /** Trust these CAs (directory and/or file) instead of the system's. */
    with_certificate_authority_from_path(ca_dirpath?: string, ca_filepath?: string): this {
        this.connection.tls.override_default_trust_store_from_path(ca_dirpath, ca_filepath);
        return this;
    }

    /** Trust this CA (PEM) instead of the system's. */
    with_certificate_authority(ca: string): this {
        this.connection.tls.override_default_trust_store(ca);
        return this;
    }

    /** The TLS cipher preference. */
    with_tls_cipher_preference(tls_cipher_preference: TlsCipherPreference): this {
        this.connection.tls.tls_cipher_preference = tls_cipher_preference;
        return this;
    }

    /** The IoT endpoint (host name). */
    with_endpoint(endpoint: string): this {
        this.params.host_name = endpoint;
        return this;
    }

    with_port(port: number): this {
        this.params.port = port;
        this.connection.port = port;
        return this;
    }

    with_client_id(client_id: string): this {
        this.params.client_id = client_id;
        return this;
    }

    with_clean_session(clean_session: boolean): this {
        this.params.clean_session = clean_session;
        return this;
    }

    with_keep_alive_seconds(keep_alive: number): this {
        this.params.keep_alive = keep_alive;
        return this;
    }

    /** @deprecated the ping timeout: use {@link with_ping_timeout_ms}. */
    with_timeout_ms(timeout_ms: number): this {
        return this.with_ping_timeout_ms(timeout_ms);
    }

    with_ping_timeout_ms(ping_timeout: number): this {
        this.params.ping_timeout = ping_timeout;
        return this;
    }

    with_protocol_operation_timeout_ms(protocol_operation_timeout: number): this {
        this.params.protocol_operation_timeout = protocol_operation_timeout;
        return this;
    }

    with_will(will: MqttWill): this {
        this.params.will = will;
        return this;
    }

    with_socket_options(socket_options: SocketOptions): this {
        this.params.socket_options = socket_options;
        return this;
    }

    /** SigV4-signs the websocket handshake with these static credentials. */
    with_credentials(aws_region: string, aws_access_id: string, aws_secret_key: string, aws_sts_token?: string): this {
        this.connection.sigv4 = {
            region: aws_region,
            credentialsProvider: AwsCredentialsProvider.newStatic(aws_access_id, aws_secret_key, aws_sts_token),
        };
        return this;
    }

    with_http_proxy_options(proxy_options: HttpProxyOptions): this {
        this.params.proxy_options = proxy_options;
        return this;
    }

    /**
     * A custom authorizer: its settings go into the CONNECT username and password; port 443 (ALPN
     * `mqtt` unless over websockets).
     */
    with_custom_authorizer(
        username: string,
        authorizer_name: string,
        authorizer_signature: string,
        password: string,
        token_key_name?: string,
        token_value?: string,
    ): this {
        this.customAuth = {
            username: username || undefined,
            authorizerName: authorizer_name || undefined,
            tokenSignature: authorizer_signature || undefined,
            password: password || undefined,
            tokenKeyName: token_key_name || undefined,
            tokenValue: token_value || undefined,
        };
        this.params.port = 443;
        return this;
    }

    with_username(username: string): this {
        this.params.username = username;
        return this;
    }

    with_password(password: string): this {
        this.params.password = password;
        return this;
    }

    with_reconnect_max_sec(max_sec: number): this {
        this.params.reconnect_max_sec = max_sec;
        return this;
    }

    with_reconnect_min_sec(min_sec: number): this {
        this.params.reconnect_min_sec = min_sec;
        return this;
    }

    /** The config (makes the TLS context: certificate files are read now). */
    build(): MqttConnectionConfig {
        if (typeof this.params.host_name !== 'string' || this.params.host_name.length === 0) {
            throw new TypeError('AwsIotMqttConnectionConfigBuilder: an endpoint is required (with_endpoint)');
        }
        if (typeof this.params.client_id !== 'string') {
            throw new TypeError('AwsIotMqttConnectionConfigBuilder: client_id must be a string (with_client_id)');
        }
        const customAuth =
            this.customAuth && this.params.username && !this.customAuth.username
                ? { ...this.customAuth, username: this.params.username }
                : this.customAuth;
        const iot = awsIotConnection(this.params.host_name, {
            ...this.connection,
            customAuth,
            port: this.params.port,
        });
        const config: MqttConnectionConfig = { ...this.params, port: iot.port, tls_ctx: iot.tlsCtx };
        // The SDK's identity (library name, IoTSDKVersion) when it registered its metrics factory, as aws-crt.
        if (!config.disable_metrics && !config.metrics) config.metrics = _buildSdkMetrics();
        if (iot.websocketHandshakeTransform) {
            config.use_websocket = true;
            config.websocket_handshake_transform = iot.websocketHandshakeTransform;
        }
        if (customAuth !== undefined) {
            const connect = iot.connectProperties!;
            config.username = connect.username;
            const password = connect.password;
            config.password =
                password === undefined
                    ? undefined
                    : typeof password === 'string'
                      ? password
                      : Buffer.from(password as Uint8Array).toString();
        }
        return config;
    }
}
