// The C++ SDK's supporting types that the MQTT5 guide's code uses, mapped onto this package's
// aws-crt-shaped ones: `Http::HttpClientConnectionProxyOptions`, `Auth::CredentialsProvider`,
// `Mqtt::IoTDeviceSDKMetrics`, `ByteCursorFromString`, `Iot::Pkcs12Options`.
import { AwsCredentialsProvider } from '../auth';
import { HttpProxyAuthenticationType, HttpProxyConnectionType, HttpProxyOptions } from '../http';
import type { ClientBootstrap, TlsConnectionOptions } from '../io';

/**
 * C++ `Aws::Crt::Http::HttpClientConnectionProxyOptions`: set the fields, then pass it to the
 * builder's `withHttpProxyOptions` (which also takes aws-crt's `http.HttpProxyOptions`).
 */
export class HttpClientConnectionProxyOptions {
    /** The proxy's host name (C++ `HostName`). */
    hostName = '';
    /** The proxy's port (C++ `Port`). */
    port = 0;
    /** TLS to the proxy itself, if any (C++ `TlsOptions`). */
    tlsOptions?: TlsConnectionOptions;
    /** Legacy (tunnel for TLS, else forward), Forwarding or Tunneling (C++ `ProxyConnectionType`). */
    proxyConnectionType: HttpProxyConnectionType = HttpProxyConnectionType.Legacy;
    /** None or Basic (C++ `AuthType`). */
    authType: HttpProxyAuthenticationType = HttpProxyAuthenticationType.None;
    /** Basic auth user name (C++ `BasicAuthUsername`). */
    basicAuthUsername?: string;
    /** Basic auth password (C++ `BasicAuthPassword`). */
    basicAuthPassword?: string;
}

/** The aws-crt form of a proxy given either way. @internal */
export function toHttpProxyOptions(options: HttpProxyOptions | HttpClientConnectionProxyOptions): HttpProxyOptions {
    if (!(options instanceof HttpClientConnectionProxyOptions)) return options;
    if (typeof options.hostName !== 'string' || options.hostName === '') {
        throw new TypeError(
            `withHttpProxyOptions: hostName must be a non-empty string (the proxy's host); got ${JSON.stringify(options.hostName)}`,
        );
    }
    if (!Number.isInteger(options.port) || options.port < 1 || options.port > 65535) {
        throw new RangeError(`withHttpProxyOptions: port must be an integer from 1 to 65535; got ${String(options.port)}`);
    }
    return new HttpProxyOptions(
        options.hostName,
        options.port,
        options.authType,
        options.basicAuthUsername,
        options.basicAuthPassword,
        options.tlsOptions,
        options.proxyConnectionType,
    );
}

/** C++ `Aws::Crt::Auth::CredentialsProviderChainDefaultConfig`. */
export class CredentialsProviderChainDefaultConfig {
    /** Accepted for compatibility: every provider shares the process-wide event loop. */
    bootstrap?: ClientBootstrap;
    /** A profile other than `AWS_PROFILE`/`default` for the profile step of the chain. */
    profileNameOverride?: string;
}

/** C++ `Aws::Crt::Auth::CredentialsProvider`'s factories, over aws-crt's `auth.AwsCredentialsProvider`. */
export class CredentialsProvider {
    private constructor() {}
    /**
     * The default chain: environment, profile, STS web identity, then IMDS or ECS
     * (C++ `CreateCredentialsProviderChainDefault`).
     */
    static createCredentialsProviderChainDefault(
        config: CredentialsProviderChainDefaultConfig = new CredentialsProviderChainDefaultConfig(),
    ): AwsCredentialsProvider {
        const profileName = config.profileNameOverride;
        return AwsCredentialsProvider.newDefault(config.bootstrap, profileName === undefined ? {} : { profileName });
    }
    /** Fixed credentials (C++ `CreateCredentialsProviderStatic`). */
    static createCredentialsProviderStatic(config: {
        accessKeyId: string;
        secretAccessKey: string;
        sessionToken?: string;
    }): AwsCredentialsProvider {
        return AwsCredentialsProvider.newStatic(config.accessKeyId, config.secretAccessKey, config.sessionToken);
    }
    /** Credentials from `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`/`AWS_SESSION_TOKEN` (C++ `CreateCredentialsProviderEnvironment`). */
    static createCredentialsProviderEnvironment(): AwsCredentialsProvider {
        return AwsCredentialsProvider.newEnvironment();
    }
}

/**
 * C++ `Mqtt::IoTDeviceSDKMetrics`: the library name and metadata sent in the CONNECT username
 * as SDK metrics; give it to the builder's `withSdkMetrics`.
 */
export class IoTDeviceSDKMetrics {
    /** The library name (C++ `LibraryName`); unset keeps this package's own. */
    libraryName?: string;
    /** Metadata pairs, in order (C++ `Metadata`). */
    metadata: Array<[string, string]> = [];
    /** Adds a metadata entry, replacing the value of an existing key (C++ `AddMetadata`). */
    addMetadata(key: string, value: string): void {
        if (typeof key !== 'string' || typeof value !== 'string') {
            throw new TypeError(
                `IoTDeviceSDKMetrics.addMetadata(key, value): both must be strings; got ${typeof key}, ${typeof value}`,
            );
        }
        const entry = this.metadata.find(([k]) => k === key);
        if (entry) entry[1] = value;
        else this.metadata.push([key, value]);
    }
}

/** C++ `Aws::Iot::Pkcs12Options`: a PKCS#12 file and its password. */
export interface Pkcs12Options {
    /** Path of the .p12/.pfx file. */
    pkcs12_file: string;
    /** Its password. */
    pkcs12_password: string;
}

/** C++ `Aws::Crt::ByteCursorFromString`: the UTF-8 bytes of a string, for a payload. */
export function byteCursorFromString(text: string): Buffer {
    if (typeof text !== 'string') throw new TypeError(`byteCursorFromString(text): text must be a string; got ${typeof text}`);
    return Buffer.from(text, 'utf8');
}
