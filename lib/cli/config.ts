// From the connection flags to an Mqtt5ClientConfig. Port, ALPN, TLS context, custom-auth username
// and websocket signing come from awsIotConnection(), as for the library's IoT builders.
import { randomBytes } from 'node:crypto';
import type { HttpProxyOptions } from '../http';
import type { MqttConnectCustomAuthConfig } from '../iot_connect';
import type { TlsContextOptions } from '../io';
import type { Mqtt5ClientConfig } from '../mqtt5_types';
import type { ConnectPacket } from '../mqtt5_packet';
import { type CommonValues, EXIT_FAILURE, integer, isAwsHost, UsageError } from './options';
import { describeError, errorLine } from './output';

/** The library, loaded when a command runs (so `--help` and usage errors need no native addon). */
export type Library = typeof import('../index') & { connect: typeof import('../iot_connect') };

export function loadLibrary(): Library {
    try {
        const lib = require('../index') as typeof import('../index');
        return { ...lib, connect: require('../iot_connect') };
    } catch (err) {
        errorLine(`cannot load the mqtt5-crt library (dist/index.js): ${(err as Error).message}`);
        errorLine('build it first: npm run build:ts (and npm install for the native addon)');
        process.exit(EXIT_FAILURE);
    }
}

/** What -d prints about the connection. */
export interface ConnectionSummary {
    host: string;
    port: number;
    transport: 'mqtt' | 'mqtts' | 'ws' | 'wss';
    metrics: boolean;
    alpn?: string[];
    sigv4?: string;
    proxy?: string;
}

const CUSTOM_AUTH_FLAGS = [
    'custom-auth-name',
    'custom-auth-username',
    'custom-auth-password',
    'custom-auth-token-key',
    'custom-auth-token-value',
    'custom-auth-token-signature',
] as const;

/** The transport the flags ask for, checked for contradictions. */
function transportOf(values: CommonValues) {
    const host = values.host ?? 'localhost';
    if (host.length === 0) throw new UsageError('-h/--host must not be empty');
    const aws = isAwsHost(host);
    const customAuth = CUSTOM_AUTH_FLAGS.some((f) => values[f] !== undefined);
    if (customAuth && (values.username !== undefined || values.password !== undefined)) {
        throw new UsageError(
            '-u/-P cannot be combined with the custom-auth flags: use --custom-auth-username/--custom-auth-password',
        );
    }
    if (customAuth && values.sigv4) throw new UsageError('--sigv4 and the custom-auth flags are alternatives: choose one');
    const ws = Boolean(values.ws || values.sigv4);
    const alpn = (values.alpn ?? [])
        .flatMap((a) => a.split(','))
        .map((a) => a.trim())
        .filter(Boolean);
    const tlsFlag = Boolean(
        values.tls || values.cafile || values.capath || values.cert || values.key || values.insecure || alpn.length,
    );
    const tls = tlsFlag || Boolean(values.sigv4) || customAuth || aws;
    if ((values.cert === undefined) !== (values.key === undefined)) throw new UsageError('--cert and --key go together');
    if (values.region !== undefined && !values.sigv4) throw new UsageError('--region is only used with --sigv4');
    return { host, aws, customAuth, ws, alpn, tls };
}

/** The custom authorizer the flags describe (token flags all or none). */
function customAuthOf(values: CommonValues): MqttConnectCustomAuthConfig {
    const tokenFlags = ['custom-auth-token-key', 'custom-auth-token-value', 'custom-auth-token-signature'] as const;
    const tokens = tokenFlags.filter((f) => values[f] !== undefined).length;
    if (tokens !== 0 && tokens !== 3) {
        throw new UsageError(`${tokenFlags.map((f) => '--' + f).join(', ')} go together (all three or none)`);
    }
    return {
        authorizerName: values['custom-auth-name'],
        username: values['custom-auth-username'],
        password: values['custom-auth-password'],
        tokenKeyName: values['custom-auth-token-key'],
        tokenValue: values['custom-auth-token-value'],
        tokenSignature: values['custom-auth-token-signature'],
    };
}

/** The TLS options of the TLS flags (the ALPN list is completed by awsIotConnection). */
function tlsOptionsOf(values: CommonValues, lib: Library, alpn: string[]): TlsContextOptions {
    const o = new lib.io.TlsContextOptions();
    if (values.cert) {
        o.certificate_filepath = values.cert;
        o.private_key_filepath = values.key;
    }
    if (values.cafile || values.capath) o.override_default_trust_store_from_path(values.capath, values.cafile);
    if (values.insecure) o.verify_peer = false;
    if (alpn.length > 0) o.alpn_list = alpn;
    return o;
}

/** The proxy flags as HttpProxyOptions, or undefined without --proxy-host. */
function proxyOf(values: CommonValues, lib: Library, tunnelable: boolean): HttpProxyOptions | undefined {
    if (values['proxy-host'] === undefined && values['proxy-port'] === undefined) {
        if (values['proxy-user'] !== undefined || values['proxy-pass'] !== undefined) {
            throw new UsageError('--proxy-user/--proxy-pass need --proxy-host');
        }
        return undefined;
    }
    if (!values['proxy-host']) throw new UsageError('--proxy-port needs --proxy-host');
    if (!tunnelable) {
        // aws-c-http tunnels a raw (non-websocket) channel through a proxy only with TLS to
        // the broker; without it the connection fails with AWS_ERROR_INVALID_ARGUMENT.
        throw new UsageError('through an HTTP proxy, MQTT needs TLS to the broker (--tls, --cafile, ...) or websockets (--ws)');
    }
    const proxyPort = integer(values['proxy-port'], '--proxy-port', 1, 65535) ?? 8080;
    if ((values['proxy-user'] === undefined) !== (values['proxy-pass'] === undefined)) {
        throw new UsageError('--proxy-user and --proxy-pass go together');
    }
    const basic = values['proxy-user'] !== undefined;
    return new lib.http.HttpProxyOptions(
        values['proxy-host'],
        proxyPort,
        basic ? lib.http.HttpProxyAuthenticationType.Basic : lib.http.HttpProxyAuthenticationType.None,
        values['proxy-user'],
        values['proxy-pass'],
        undefined,
        lib.http.HttpProxyConnectionType.Tunneling,
    );
}

/** The CONNECT packet of -i, -u, -P, -k and --session-expiry. */
function connectOf(values: CommonValues, role: string): ConnectPacket {
    const keepAlive = integer(values.keepalive, '-k/--keepalive', 0, 65535) ?? 60;
    const sessionExpiry = integer(values['session-expiry'], '--session-expiry', 0, 4294967295);
    const clientId = values.id ?? `mqtt5-crt-${role}-${randomBytes(4).toString('hex')}`;
    if (sessionExpiry && !values.clean && values.id === undefined) {
        throw new UsageError('--session-expiry rejoins a session, which needs a fixed client id: add -i <id> (or --clean)');
    }
    const connect: ConnectPacket = { keepAliveIntervalSeconds: keepAlive, clientId };
    if (values.username !== undefined) connect.username = values.username;
    if (values.password !== undefined) connect.password = values.password;
    if (sessionExpiry !== undefined) connect.sessionExpiryIntervalSeconds = sessionExpiry;
    return connect;
}

/**
 * Checks the connection flags now (usage errors before anything connects) and returns `build()`,
 * which makes the config later: it reads TLS files and may fail with a CrtError.
 */
export function clientConfig(values: CommonValues, lib: Library, role: string) {
    const { host, aws, customAuth, ws, alpn, tls } = transportOf(values);
    const port = integer(values.port, '-p/--port', 1, 65535);
    const connect = connectOf(values, role);
    const auth = customAuth ? customAuthOf(values) : undefined;
    if (values['disable-metrics'] && values['enable-metrics']) {
        throw new UsageError('--disable-metrics and --enable-metrics contradict each other');
    }
    const metrics = values['enable-metrics'] ? true : values['disable-metrics'] ? false : aws;
    const rejoin = connect.sessionExpiryIntervalSeconds && !values.clean;
    const config: Mqtt5ClientConfig = {
        hostName: host,
        port: port ?? 0,
        sessionBehavior: rejoin ? lib.ClientSessionBehavior.RejoinAlways : lib.ClientSessionBehavior.Clean,
        disableMetrics: !metrics,
        minReconnectDelayMs: 1000,
        maxReconnectDelayMs: 10000,
    };
    if (aws) config.extendedValidationAndFlowControlOptions = lib.ClientExtendedValidationAndFlowControl.AwsIotCoreDefaults;
    const options = { mtls: aws && Boolean(values.cert), websocket: ws, customAuth: auth };
    // The IoT rules: 443 for websockets over TLS and custom authorizers, 8883 for TLS, else 80 or 1883.
    config.port = port ?? lib.connect.iotDefaultPort({ ...options, tls: tls ? new lib.io.TlsContextOptions() : undefined });
    const summary: ConnectionSummary = {
        host,
        port: config.port,
        transport: ws ? (tls ? 'wss' : 'ws') : tls ? 'mqtts' : 'mqtt',
        metrics,
    };

    const build = (): Mqtt5ClientConfig => {
        let sigv4: { region: string; credentialsProvider: InstanceType<Library['auth']['AwsCredentialsProvider']> } | undefined;
        if (values.sigv4) {
            const region = values.region ?? lib.iot.regionFromEndpoint(host);
            if (!region) throw new UsageError(`--sigv4 needs --region (it cannot be read from the host '${host}')`);
            sigv4 = { region, credentialsProvider: lib.auth.AwsCredentialsProvider.newDefault() };
            summary.sigv4 = region;
        }
        const tlsOptions = tls ? tlsOptionsOf(values, lib, alpn) : undefined;
        let c: ReturnType<Library['connect']['awsIotConnection']>;
        try {
            c = lib.connect.awsIotConnection(host, { ...options, port: config.port, tls: tlsOptions, sigv4 }, connect);
        } catch (err) {
            if (!tls || (err as Error)?.name !== 'CrtError') throw err;
            throw new Error(`cannot set up TLS (check --cafile/--capath/--cert/--key): ${describeError(err)}`);
        }
        summary.alpn = c.alpn;
        config.connectProperties = c.connectProperties;
        if (c.tlsCtx) config.tlsCtx = c.tlsCtx;
        if (c.websocketHandshakeTransform) config.websocketHandshakeTransform = c.websocketHandshakeTransform;
        const proxy = proxyOf(values, lib, tls || ws);
        if (proxy) {
            config.httpProxyOptions = proxy;
            summary.proxy = `${proxy.host_name}:${proxy.port}`;
        }
        return config;
    };
    return { build, summary };
}
