/**
 * Network configuration shared by clients, named as in aws-crt's `io` module.
 */

/** Socket type. */
export enum SocketType {
    /** Reliable two-way byte stream: TCP, or a Unix domain socket with {@link SocketDomain.LOCAL}. */
    STREAM = 0,
    /** Connectionless datagrams (UDP); not usable for MQTT. */
    DGRAM = 1,
}

/** Socket address family. */
export enum SocketDomain {
    IPV4 = 0,
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
     * @param connect_timeout_ms connection timeout in ms (5000)
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
 * The event loop threads, host resolver and bootstrap clients connect through. mqtt5-crt keeps one
 * process-wide set, shared by every client in every worker; this class exists so code written for
 * aws-crt (`clientBootstrap: new io.ClientBootstrap()`) keeps working, and every instance refers
 * to that shared set.
 */
export class ClientBootstrap {
    /** Kept for aws-crt compatibility; the shared resources live as long as the process. */
    close(): void {}
}
