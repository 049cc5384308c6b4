/**
 * HTTP pieces used by MQTT connections, named as in aws-crt's `http` module: proxy options and the
 * websocket handshake request handed to a transform callback.
 */
import type { TlsConnectionOptions } from './io';

/** Proxy authentication. */
export enum HttpProxyAuthenticationType {
    /** No proxy authentication. */
    None = 0,
    /** HTTP Basic authentication with `auth_username` and `auth_password`. */
    Basic = 1,
}

/** How the proxy is used. */
export enum HttpProxyConnectionType {
    /** Tunnel when the connection uses TLS, forward otherwise (aws-crt's default). */
    Legacy = 0,
    /** Forward requests (plain HTTP only). */
    Forwarding = 1,
    /** Tunnel with HTTP CONNECT (what MQTT needs). */
    Tunneling = 2,
}

/** An HTTP proxy to reach the broker through (aws-crt's `http.HttpProxyOptions`). */
export class HttpProxyOptions {
    /**
     * @param host_name proxy host
     * @param port proxy port
     * @param auth_method None or Basic
     * @param auth_username user for Basic authentication
     * @param auth_password password for Basic authentication
     * @param tls_opts TLS to the proxy itself (not to the broker)
     * @param connection_type Legacy (default), Forwarding or Tunneling
     */
    constructor(
        public host_name: string,
        public port: number,
        public auth_method: HttpProxyAuthenticationType = HttpProxyAuthenticationType.None,
        public auth_username?: string,
        public auth_password?: string,
        public tls_opts?: TlsConnectionOptions,
        public connection_type: HttpProxyConnectionType = HttpProxyConnectionType.Legacy,
    ) {}
}

/** Ordered, case-insensitive HTTP headers (aws-crt's `http.HttpHeaders`). */
export class HttpHeaders {
    #headers: Array<[string, string]> = [];
    constructor(headers: Array<[string, string]> = []) {
        for (const [name, value] of headers) this.add(name, value);
    }
    /** Number of header entries (a name with several values counts once per value). */
    get length(): number {
        return this.#headers.length;
    }
    /** Appends a header, keeping any existing ones with the same name. */
    add(name: string, value: string): void {
        this.#headers.push([name, value]);
    }
    /** Replaces every header with this name by a single one. */
    set(name: string, value: string): void {
        this.remove(name);
        this.add(name, value);
    }
    /** The first value for `name` (case-insensitive), or `defaultValue` (default '') when there is none. */
    get(name: string, defaultValue = ''): string {
        const n = name.toLowerCase();
        return this.#headers.find(([k]) => k.toLowerCase() === n)?.[1] ?? defaultValue;
    }
    /** Every value for `name` (case-insensitive), in order. */
    get_values(name: string): string[] {
        const n = name.toLowerCase();
        return this.#headers.filter(([k]) => k.toLowerCase() === n).map(([, v]) => v);
    }
    /** Removes every header with this name (case-insensitive). */
    remove(name: string): void {
        const n = name.toLowerCase();
        this.#headers = this.#headers.filter(([k]) => k.toLowerCase() !== n);
    }
    /** Removes the headers with this name (case-insensitive) and exactly this value. */
    remove_value(name: string, value: string): void {
        const n = name.toLowerCase();
        this.#headers = this.#headers.filter(([k, v]) => !(k.toLowerCase() === n && v === value));
    }
    /** Removes every header. */
    clear(): void {
        this.#headers = [];
    }
    /** Iterates over copies of the `[name, value]` pairs, in order. */
    [Symbol.iterator](): Iterator<[string, string]> {
        return this.#headers.map(([k, v]) => [k, v] as [string, string])[Symbol.iterator]();
    }
    /** @internal */
    _pairs(): Array<[string, string]> {
        return this.#headers.map(([k, v]) => [k, v]);
    }
}

/** An HTTP request; the websocket handshake a transform callback may change. */
export class HttpRequest {
    /**
     * @param method HTTP method, such as `GET`
     * @param path request path, including any query string
     * @param headers request headers (default: none)
     */
    constructor(
        public method: string,
        public path: string,
        public headers: HttpHeaders = new HttpHeaders(),
    ) {}
}
