/**
 * Network and TLS configuration, named as in aws-crt's `io` module.
 */
import fs from 'node:fs';
import { CrtError } from './error';
import { binding, type NativeBinding } from './native';
import { unreadable } from './validate';

/** Socket type. */
export enum SocketType {
    /** Reliable two-way byte stream: TCP, or a Unix domain socket with {@link SocketDomain.LOCAL}. */
    STREAM = 0,
    /** Connectionless datagrams (UDP); not usable for MQTT. */
    DGRAM = 1,
}

/** Socket address family. */
export enum SocketDomain {
    /** IPv4. */
    IPV4 = 0,
    /** IPv6. */
    IPV6 = 1,
    /** Unix domain socket / Windows named pipe. */
    LOCAL = 2,
}

/** Whether Nagle's algorithm is disabled on TCP sockets. */
export enum TcpNoDelay {
    /** mqtt5-crt's default: on (small MQTT packets go out at once). */
    Default = 0,
    /** TCP_NODELAY on: no Nagle delay. */
    On = 1,
    /** TCP_NODELAY off: Nagle's algorithm batches small writes. */
    Off = 2,
}

/**
 * Berkeley-socket style options, with aws-crt's constructor and (snake_case) field names.
 * For MQTT over TCP the domain is taken from each resolved address, so `domain` rarely matters.
 */
export class SocketOptions {
    /**
     * @param type socket type (STREAM)
     * @param domain address family (IPV6; overridden per resolved address for TCP)
     * @param connect_timeout_ms connection timeout in ms (5000); it also bounds the TLS handshake
     * @param keepalive whether TCP keep-alive probes are sent (false)
     * @param keep_alive_interval_sec seconds between keep-alive probes (0: OS default)
     * @param keep_alive_timeout_sec seconds of idle before probing starts (0: OS default)
     * @param keep_alive_max_failed_probes failed probes before the connection is dropped (0: OS default)
     */
    constructor(
        public type: SocketType = SocketType.STREAM,
        public domain: SocketDomain = SocketDomain.IPV6,
        public connect_timeout_ms: number = 5000,
        public keepalive: boolean = false,
        public keep_alive_interval_sec: number = 0,
        public keep_alive_timeout_sec: number = 0,
        public keep_alive_max_failed_probes: number = 0,
        /** TCP_NODELAY; mqtt5-crt extension, default on. */
        public tcp_nodelay: TcpNoDelay = TcpNoDelay.Default,
    ) {}
}

/**
 * A group of CRT event loop threads: the threads that run the clients' sockets, TLS and MQTT
 * protocol work (the JS thread only sees finished events). mqtt5-crt extension, named as in the
 * CRT's Python and Java bindings (aws-crt for Node.js has no such class).
 *
 * Every client uses the process-wide group unless it is given another: an MQTT 5 client through
 * `clientBootstrap: new io.ClientBootstrap(new io.EventLoopGroup(n))` in its config, MQTT 3.1.1
 * connections through their `new mqtt.MqttClient(new io.ClientBootstrap(group))`; a
 * request-response client runs where its protocol client does. The process-wide group has
 * the CRT's default size, half the logical processors (at least one), or `MQTT5_CRT_EVENT_LOOP_THREADS`
 * threads when that environment variable is set (read once, when the library loads). A client
 * stays on one loop thread for its life; the CRT gives each new connection the less busy of two
 * loops picked at random.
 *
 * Rule of thumb: keep the default while the JS thread is the busiest thread of the process; once
 * the CRT loop thread is (many connections, TLS), give it one thread per core that the JS thread
 * and the rest of the machine leave free (bench/RESULTS.md, "Cores").
 */
export class EventLoopGroup {
    /** @internal */
    readonly native: InstanceType<NativeBinding['NativeEventLoopGroup']>;
    /**
     * @param numThreads the number of event loop threads, 1 to 256; 0 or omitted: the CRT default, half the logical processors (at least one)
     */
    constructor(numThreads = 0) {
        if (!Number.isInteger(numThreads) || numThreads < 0 || numThreads > 256) {
            throw new RangeError(`EventLoopGroup numThreads must be an integer from 0 to 256 (got ${String(numThreads)})`);
        }
        this.native = new binding.NativeEventLoopGroup(numThreads);
    }
    /** The number of threads in the group. */
    get numThreads(): number {
        return this.native.threadCount();
    }
    /** The number of threads of the process-wide group that clients use by default. */
    static defaultNumThreads(): number {
        return binding.defaultEventLoopThreads();
    }
}

/**
 * The event loop threads, host resolver and bootstrap clients connect through. Without an
 * argument (aws-crt's constructor) it refers to mqtt5-crt's process-wide set, shared by every client
 * in every worker; with an {@link EventLoopGroup} (mqtt5-crt extension) the MQTT 5 clients configured
 * with it, and the connections of an `mqtt.MqttClient` made with it, run on that group's threads
 * instead (and so do request-response clients over them).
 */
export class ClientBootstrap {
    /** The group given to the constructor, if any. */
    readonly eventLoopGroup?: EventLoopGroup;
    /** @param eventLoopGroup the threads to run clients on; omitted: the process-wide group */
    constructor(eventLoopGroup?: EventLoopGroup) {
        if (eventLoopGroup !== undefined && !(eventLoopGroup instanceof EventLoopGroup)) {
            throw new TypeError('ClientBootstrap takes an io.EventLoopGroup or nothing');
        }
        if (eventLoopGroup) this.eventLoopGroup = eventLoopGroup;
    }
    /** Kept for aws-crt compatibility; the threads stop once the group and its clients are gone. */
    close(): void {}
}

/** TLS protocol versions (aws-crt values). */
export enum TlsVersion {
    /** SSL 3.0 (obsolete and insecure). */
    SSLv3 = 0,
    /** TLS 1.0. */
    TLSv1 = 1,
    /** TLS 1.1. */
    TLSv1_1 = 2,
    /** TLS 1.2. */
    TLSv1_2 = 3,
    /** TLS 1.3. */
    TLSv1_3 = 4,
    /** The platform's default minimum. */
    Default = 128,
}

/** TLS cipher preference lists (aws-c-io values); not every platform supports every one. */
export enum TlsCipherPreference {
    /** The platform's default cipher list. */
    Default = 0,
    /** Post-quantum hybrid key exchange, TLS 1.0 and later (May 2021 list). */
    PQ_TLSv1_0_2021_05 = 6,
    /** Post-quantum hybrid key exchange, TLS 1.2 and later (October 2024 list). */
    PQ_TLSv1_2_2024_10 = 7,
    /** The currently recommended post-quantum list; may change between releases. */
    PQ_Default = 8,
    /** TLS 1.2 and later, no post-quantum key exchange (July 2025 list). */
    TLSv1_2_2025_07 = 9,
    /** TLS 1.0 and later, no post-quantum key exchange (June 2023 list). */
    TLSv1_0_2023_06 = 10,
    /** The currently recommended list without post-quantum key exchange; may change between releases. */
    Non_PQ_Default = 11,
}

/** A loaded PKCS#11 library (aws-crt's `io.Pkcs11Lib`). */
export class Pkcs11Lib {
    /** @internal */
    readonly native: InstanceType<typeof binding.NativePkcs11Lib>;
    /**
     * @param path path of the PKCS#11 library (.so)
     * @param behavior how C_Initialize/C_Finalize are called
     */
    constructor(path: string, behavior: Pkcs11Lib.InitializeFinalizeBehavior = Pkcs11Lib.InitializeFinalizeBehavior.DEFAULT) {
        if (typeof path !== 'string' || path.length === 0) throw new TypeError('Pkcs11Lib path must be a non-empty string');
        this.native = new binding.NativePkcs11Lib(path, behavior);
    }
    /** Releases the library now instead of at garbage collection. */
    close(): void {
        this.native.close();
    }
}

export namespace Pkcs11Lib {
    /** How `C_Initialize()` and `C_Finalize()` are called on the library. */
    export enum InitializeFinalizeBehavior {
        /** Initialize on load (ignoring "already initialized"), never finalize. */
        DEFAULT = 0,
        /** Neither: the application manages it. */
        OMIT = 1,
        /** Initialize on load (failing if already initialized) and finalize on release. */
        STRICT = 2,
    }
}

/** Options for mTLS through a PKCS#11 token (aws-crt's `TlsContextOptions.Pkcs11Options`). */
export interface Pkcs11Options {
    /** The loaded PKCS#11 library. */
    pkcs11_lib: Pkcs11Lib;
    /** PIN for the token's user, or null for a protected authentication path. */
    user_pin: null | string;
    /** Slot holding the token; when absent the token is chosen by other criteria (such as its label). */
    slot_id?: number;
    /** Label of the token; when absent the token is chosen by other criteria (such as the slot). */
    token_label?: string;
    /** Label of the private key object; when absent the token's only private key is used. */
    private_key_object_label?: string;
    /** The certificate (PEM) as a file... */
    cert_file_path?: string;
    /** ...or in memory. */
    cert_file_contents?: string;
}

/** Options for a {@link ClientTlsContext}, with aws-crt's field and factory names. */
export class TlsContextOptions {
    /** Minimum TLS version; default: the platform's. */
    min_tls_version: TlsVersion = TlsVersion.Default;
    /** Cipher preference; default: the platform's. */
    tls_cipher_preference: TlsCipherPreference = TlsCipherPreference.Default;
    /** A PEM file of trusted CAs, replacing the system trust store. */
    ca_filepath?: string;
    /** A directory of trusted CAs (Unix), replacing the system trust store. */
    ca_dirpath?: string;
    /** PEM text of trusted CAs, replacing the system trust store. */
    certificate_authority?: string;
    /** ALPN protocols to offer, in order of preference. */
    alpn_list: string[] = [];
    /** Path of the client certificate (PEM) for mTLS. */
    certificate_filepath?: string;
    /** Client certificate (PEM text) for mTLS. */
    certificate?: string;
    /** Path of the client private key (PEM) for mTLS. */
    private_key_filepath?: string;
    /** Client private key (PEM text) for mTLS. */
    private_key?: string;
    /** PKCS#12 (supported by the CRT on macOS only). */
    pkcs12_filepath?: string;
    /** Password of the PKCS#12 file. */
    pkcs12_password?: string;
    /** mTLS with the private key held in a PKCS#11 token. */
    pkcs11_options?: Pkcs11Options;
    /** Windows certificate store path of the client certificate (Windows only; elsewhere creating the context fails). */
    windows_cert_store_path?: string;
    /** How the options were made (aws-crt fills it in for its metrics). */
    certificate_source?: CertificateSource;
    /** Verify the server's certificate and name (default true; turn off only for tests). */
    verify_peer = true;
    /** Accepted for aws-crt compatibility: the CRT on Linux does no revocation checks either way. */
    no_certificate_revocation = false;

    /** Trust the CAs in this directory and/or file instead of the system's. */
    override_default_trust_store_from_path(ca_dirpath?: string, ca_filepath?: string): void {
        this.ca_dirpath = ca_dirpath;
        this.ca_filepath = ca_filepath;
    }
    /** Trust the CAs in this PEM text instead of the system's. */
    override_default_trust_store(certificate_authority: string): void {
        this.certificate_authority = certificate_authority;
    }
    /** mTLS with a client certificate and key given as PEM text. */
    static create_client_with_mtls(certificate: string, private_key: string): TlsContextOptions {
        return Object.assign(new TlsContextOptions(), {
            certificate,
            private_key,
            certificate_source: CertificateSource.CERTIFICATE_FILES,
        });
    }
    /** mTLS with a client certificate and key read from PEM files. */
    static create_client_with_mtls_from_path(certificate_filepath: string, private_key_filepath: string): TlsContextOptions {
        return Object.assign(new TlsContextOptions(), {
            certificate_filepath,
            private_key_filepath,
            certificate_source: CertificateSource.CERTIFICATE_FILES,
        });
    }
    /** mTLS from a PKCS#12 file (macOS). */
    static create_client_with_mtls_pkcs12_from_path(pkcs12_filepath: string, pkcs12_password: string): TlsContextOptions {
        return Object.assign(new TlsContextOptions(), {
            pkcs12_filepath,
            pkcs12_password,
            certificate_source: CertificateSource.PKCS12_FILE,
        });
    }
    /** mTLS with the private key held in a PKCS#11 token. */
    static create_client_with_mtls_pkcs11(options: Pkcs11Options): TlsContextOptions {
        return Object.assign(new TlsContextOptions(), { pkcs11_options: options, certificate_source: CertificateSource.PKCS11 });
    }
    /** aws-crt's other name for {@link create_client_with_mtls_pkcs12_from_path}. */
    static create_client_with_mtls_pkcs_from_path(pkcs12_filepath: string, pkcs12_password: string): TlsContextOptions {
        return TlsContextOptions.create_client_with_mtls_pkcs12_from_path(pkcs12_filepath, pkcs12_password);
    }
    /** mTLS from the Windows certificate store (Windows only: elsewhere the CRT refuses the context with a CrtError). */
    static create_client_with_mtls_windows_cert_store_path(certificate_path: string): TlsContextOptions {
        return Object.assign(new TlsContextOptions(), {
            windows_cert_store_path: certificate_path,
            certificate_source: CertificateSource.WINDOWS_CERT_STORE,
        });
    }
    /** Options for a server context (aws-crt shape; this package makes client contexts only). */
    static create_server_with_mtls_from_path(certificate_filepath: string, private_key_filepath: string): TlsContextOptions {
        return Object.assign(new TlsContextOptions(), { certificate_filepath, private_key_filepath, verify_peer: false });
    }
    /** Options for a server context from PKCS#12 (aws-crt shape; this package makes client contexts only). */
    static create_server_with_mtls_pkcs_from_path(pkcs12_filepath: string, pkcs12_password: string): TlsContextOptions {
        return Object.assign(new TlsContextOptions(), { pkcs12_filepath, pkcs12_password, verify_peer: false });
    }
}

/** How a TLS context's certificate was given (aws-crt's `io.CertificateSource`, for its metrics). */
export enum CertificateSource {
    CERTIFICATE_FILES = 0,
    PKCS11 = 1,
    WINDOWS_CERT_STORE = 2,
    PKCS12_FILE = 4,
}

/** PKCS#12 file and password (aws-crt's `io.Pkcs12Options`; the CRT supports PKCS#12 on macOS only). */
export interface Pkcs12Options {
    /** Path to the PKCS#12 file. */
    pkcs12_file: string;
    /** Its password. */
    pkcs12_password: string;
}

/** A TLS context (aws-crt's abstract `io.TlsContext`); {@link ClientTlsContext} is the one this package makes. */
export abstract class TlsContext {
    /** How the certificate was given, if the options said. */
    readonly certificate_source?: CertificateSource;
    /** The cipher preference of the options. */
    readonly tls_cipher_preference?: TlsCipherPreference;
    /** The minimum TLS version of the options. */
    readonly min_tls_version?: TlsVersion;
    /** @internal */
    abstract readonly native: object;
}

/** A client TLS context: verified certificates and keys loaded once, shared by connections. */
export class ClientTlsContext extends TlsContext {
    /** @internal */
    readonly native: object;
    /** @param options default: verify the peer against the system trust store */
    constructor(options?: TlsContextOptions) {
        super();
        const o = options ?? new TlsContextOptions();
        if (typeof o !== 'object' || o === null) throw new TypeError('tlsContextOptions must be an object');
        // The native side takes the options as they are, except the PKCS#11 library, which it
        // needs as its own native object.
        let native: object = o;
        let field = 'tlsContextOptions.pkcs11_options';
        try {
            const pkcs11 = (o as TlsContextOptions).pkcs11_options;
            if (pkcs11 !== undefined && pkcs11 !== null && typeof pkcs11 === 'object') {
                field = 'tlsContextOptions.pkcs11_options.pkcs11_lib';
                const lib = (pkcs11 as Pkcs11Options).pkcs11_lib;
                if (lib instanceof Pkcs11Lib) {
                    // Override just this field; every other field is still read (and checked)
                    // from the caller's object by the native side, through the prototype.
                    const unwrapped = Object.create(pkcs11, { pkcs11_lib: { value: lib.native, enumerable: true } });
                    native = Object.create(o, { pkcs11_options: { value: unwrapped, enumerable: true } });
                }
            }
        } catch (e) {
            throw unreadable(field, e);
        }
        this.native = newNativeTlsContext(native, o as TlsContextOptions);
        // Read after the native checks (which report what cannot be read).
        for (const key of ['certificate_source', 'tls_cipher_preference', 'min_tls_version'] as const) {
            let v: unknown;
            try {
                v = (o as TlsContextOptions)[key];
            } catch {
                continue;
            }
            if (typeof v === 'number') (this as { [k in typeof key]?: number })[key] = v;
        }
    }
}

const FILE_OPTIONS = ['certificate_filepath', 'private_key_filepath', 'ca_filepath', 'ca_dirpath', 'pkcs12_filepath'] as const;

/**
 * The native context; when the CRT refuses it and a file option names a file that cannot be read,
 * the CrtError says which option and path, and why (the CRT alone says "Invalid file path"); for a
 * Windows certificate store path, which path.
 */
function newNativeTlsContext(native: object, o: TlsContextOptions): object {
    try {
        return new binding.NativeTlsContext(native);
    } catch (err) {
        if (!(err instanceof CrtError)) throw err;
        for (const key of FILE_OPTIONS) {
            let file: unknown;
            try {
                file = o[key];
            } catch {
                continue; // the native side reported it already
            }
            if (typeof file !== 'string' || file.length === 0) continue;
            try {
                fs.accessSync(file, fs.constants.R_OK);
            } catch (e) {
                const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (e as Error).message;
                throw new CrtError(err, `tlsContextOptions.${key} '${file}': ${why}`);
            }
        }
        let store: unknown;
        try {
            store = o.windows_cert_store_path;
        } catch {
            // the native side reported it already
        }
        // The CRT's answers for a store path: it could not load it (Windows), or no stores here.
        if (typeof store === 'string' && err.code === 'AWS_ERROR_FILE_INVALID_PATH') {
            throw new CrtError(
                err,
                `tlsContextOptions.windows_cert_store_path '${store}': no certificate with a private key there (a path such as CurrentUser\\MY\\<thumbprint>)`,
            );
        }
        if (typeof store === 'string' && err.code === 'AWS_ERROR_PLATFORM_NOT_SUPPORTED') {
            throw new CrtError(
                err,
                `tlsContextOptions.windows_cert_store_path '${store}': certificate stores exist on Windows only (this is ${process.platform})`,
            );
        }
        throw err;
    }
}

/** Per-connection TLS options over a shared context (aws-crt's `io.TlsConnectionOptions`). */
export class TlsConnectionOptions {
    /**
     * @param tls_ctx the shared TLS context to connect with
     * @param server_name name used for SNI and certificate verification (optional)
     * @param alpn_list ALPN protocols to offer, in order of preference (default: none)
     */
    constructor(
        readonly tls_ctx: TlsContext,
        readonly server_name?: string,
        readonly alpn_list: string[] = [],
    ) {
        if (!(tls_ctx instanceof ClientTlsContext)) throw new TypeError('tls_ctx must be an io.ClientTlsContext');
    }
}

/** The CRT's text for an error number, as aws-crt words it: "<library>: <NAME>, <description>". */
export function error_code_to_string(error_code: number): string {
    if (typeof error_code !== 'number') throw new TypeError(`error_code must be a number (got ${typeof error_code})`);
    return binding.errorDebugString(error_code);
}

/** The CRT's name of an error number, e.g. `AWS_IO_SOCKET_CONNECTION_REFUSED`. */
export function error_code_to_name(error_code: number): string {
    if (typeof error_code !== 'number') throw new TypeError(`error_code must be a number (got ${typeof error_code})`);
    return binding.errorName(error_code);
}

/** Whether this platform's TLS supports a cipher preference. */
export function tls_cipher_preference_is_supported(tls_cipher_preference: TlsCipherPreference): boolean {
    return binding.isCipherPreferenceSupported(tls_cipher_preference);
}

/** A stream of bytes (aws-crt's `io.InputStream`, an HTTP request body); kept for drop-in compatibility. */
export class InputStream {
    /** @param source the stream to read from */
    constructor(readonly source: NodeJS.ReadableStream) {}
}

/** Whether this platform's TLS offers ALPN. */
export function is_alpn_available(): boolean {
    return binding.isAlpnAvailable();
}

/** Log levels of the CRT's logger (aws-crt's `io.LogLevel`). */
export enum LogLevel {
    /** Logging off. */
    NONE = 0,
    /** Only unrecoverable errors. */
    FATAL = 1,
    /** Errors. */
    ERROR = 2,
    /** Warnings and errors. */
    WARN = 3,
    /** Informational messages and above. */
    INFO = 4,
    /** Debugging detail and above. */
    DEBUG = 5,
    /** Everything, including very verbose tracing. */
    TRACE = 6,
}

/**
 * Turns on the CRT's own logging, process-wide, to stderr or to `filename`. Also available
 * without code changes: `MQTT5_CRT_LOG_LEVEL=debug` (and `MQTT5_CRT_LOG_FILE=path`).
 */
export function enable_logging(level: LogLevel, filename?: string): void {
    if (filename !== undefined && typeof filename !== 'string') throw new TypeError('filename must be a string');
    binding.enableLogging(level, filename);
}

/** camelCase alias of {@link enable_logging}. */
export const enableLogging = enable_logging;

/**
 * aws-crt's `io.setLogLevel`. aws-crt's JS layer logs through it; this package has no logging of
 * its own, so it sets the CRT's log level (as {@link enable_logging} without a file).
 */
export function setLogLevel(level: LogLevel): void {
    enable_logging(level);
}

/** Applies MQTT5_CRT_LOG_LEVEL / MQTT5_CRT_LOG_FILE, if set; called once when the package loads. */
export function applyLoggingFromEnvironment(env: NodeJS.ProcessEnv = process.env): void {
    const raw = env.MQTT5_CRT_LOG_LEVEL;
    if (!raw) return;
    const byName = (LogLevel as unknown as Record<string, number>)[raw.toUpperCase()];
    const level = byName ?? (/^[0-6]$/.test(raw) ? Number(raw) : undefined);
    if (level === undefined) {
        process.emitWarning(`MQTT5_CRT_LOG_LEVEL=${raw} is not a log level (none, fatal, error, warn, info, debug, trace)`);
        return;
    }
    enable_logging(level, env.MQTT5_CRT_LOG_FILE || undefined);
}
