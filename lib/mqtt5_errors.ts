// Context for the CrtErrors the client reports: where it was connecting, and what to check when
// the failure looks like a transport mismatch (plain MQTT to a TLS port, or the reverse).
import { CrtError } from './error';
import { binding } from './native';

/** Where a client connects, as its config says. */
export interface Endpoint {
    host: string;
    port: number;
    tls: boolean;
    websocket: boolean;
    /** `host:port` of the HTTP proxy, if any. */
    proxy?: string;
}

/** The endpoint of a config as readConfig() returned it (before the native client takes it). */
export function endpointOf(c: Record<string, unknown>, websocket: boolean): Endpoint {
    const e: Endpoint = { host: String(c.hostName), port: Number(c.port), tls: c.tlsCtx !== undefined, websocket };
    const proxy = c.httpProxyOptions as { host_name?: unknown; port?: unknown } | undefined;
    if (proxy) e.proxy = `${String(proxy.host_name)}:${String(proxy.port)}`;
    return e;
}

function url(e: Endpoint): string {
    const scheme = e.websocket ? (e.tls ? 'wss' : 'ws') : e.tls ? 'mqtts' : 'mqtt';
    return `${scheme}://${e.host}:${e.port}${e.proxy ? ` via proxy ${e.proxy}` : ''}`;
}

/** A hint when the error is what a transport mismatch gives. */
function transportHint(e: Endpoint, name: string): string | undefined {
    if (e.tls && (name === 'AWS_IO_TLS_ERROR_NEGOTIATION_FAILURE' || name === 'AWS_IO_SOCKET_CLOSED')) {
        return (
            'if the server there speaks plain MQTT (port 1883 usually does), the TLS handshake cannot succeed: ' +
            'connect without tlsCtx, or to its TLS port (usually 8883)'
        );
    }
    if (
        !e.tls &&
        (name === 'AWS_ERROR_MQTT5_DECODE_PROTOCOL_ERROR' ||
            name === 'AWS_IO_SOCKET_CLOSED' ||
            name === 'AWS_ERROR_MQTT5_CONNACK_TIMEOUT' ||
            name === 'AWS_ERROR_HTTP_PROTOCOL_ERROR')
    ) {
        return 'if the server there expects TLS (port 8883 or 443 usually does), it cannot read a plain CONNECT: set tlsCtx';
    }
    return undefined;
}

/**
 * Why the TLS library refused the handshake, in words, by the CRT error it reported (the s2n
 * backend reports these through patches/aws-c-io/0001; aws-crt reports them all as
 * AWS_IO_TLS_ERROR_NEGOTIATION_FAILURE). The client is always the TLS client: the server's
 * certificate is the one it verifies, alerts come from the server.
 */
const TLS_FAILURE_REASONS: Record<string, (e: Endpoint) => string> = {
    AWS_IO_TLS_UNKNOWN_ROOT_CERTIFICATE: () =>
        "the server's certificate is not trusted: no certificate authority of the trust store " +
        '(ca_filepath, ca_dirpath, certificate_authority, or the system store) issued its chain',
    AWS_IO_TLS_NO_ROOT_CERTIFICATE_FOUND: () => "the server's certificate is not trusted: the trust store is empty",
    AWS_IO_TLS_INVALID_CERTIFICATE_CHAIN: () => "the server's certificate chain is invalid (too long or broken)",
    AWS_IO_TLS_HOST_NAME_MISMATCH: (e) =>
        `the server's certificate is not for ${e.host}: none of its names (subjectAltName, or CN) matches it`,
    AWS_IO_TLS_CERTIFICATE_EXPIRED: () => "the server's certificate has expired (or this machine's clock is wrong)",
    AWS_IO_TLS_CERTIFICATE_NOT_YET_VALID: () => "the server's certificate is not valid yet (or this machine's clock is wrong)",
    AWS_IO_TLS_BAD_CERTIFICATE: () => "the server's certificate is malformed",
    AWS_IO_TLS_VERSION_UNSUPPORTED: () =>
        'client and server have no TLS version in common (the server refused the versions this client offers: see min_tls_version)',
    AWS_IO_TLS_BAD_PEER_CERTIFICATE: () => 'the server refused the client certificate as bad or unsupported',
    AWS_IO_TLS_PEER_CERTIFICATE_EXPIRED: () => 'the server refused the client certificate as expired',
    AWS_IO_TLS_PEER_CERTIFICATE_REVOKED: () => 'the server refused the client certificate as revoked',
    AWS_IO_TLS_PEER_CERTIFICATE_UNKNOWN: () =>
        'the server refused the client certificate: it does not trust its issuer, or does not accept it',
    AWS_IO_TLS_ERROR_ALERT_RECEIVED: () =>
        'the server ended the handshake with a fatal TLS alert (a server that requires a client certificate does so when none is given)',
    AWS_IO_TLS_ERROR_NEGOTIATION_FAILURE: () => 'the TLS library gave no more specific reason',
    AWS_IO_TLS_NEGOTIATION_TIMEOUT: () => 'the handshake did not finish in time',
};

/**
 * The reason a TLS handshake failed, in words, when `errorCode` is one of the CRT's TLS handshake
 * failures; undefined for any other error.
 */
export function tlsFailureReason(e: Endpoint, errorCode: number): string | undefined {
    return e.tls ? TLS_FAILURE_REASONS[binding.errorName(errorCode)]?.(e) : undefined;
}

/** The context of a failed connection attempt: the endpoint, why TLS failed, and a hint where one fits. */
export function connectionContext(e: Endpoint, errorCode: number): string {
    const reason = tlsFailureReason(e, errorCode);
    const hint = transportHint(e, binding.errorName(errorCode));
    return `connecting to ${url(e)}${reason ? `: TLS handshake failed: ${reason}` : ''}${hint ? `; ${hint}` : ''}`;
}

/** The context of a lost connection. */
export function disconnectionContext(e: Endpoint): string {
    return `connection to ${url(e)}`;
}

let mqttCodes: Map<string, number> | undefined;

/** The number of an aws-c-mqtt error by its name (aws-c-mqtt's codes are 0x1400-0x17FF). */
export function mqttErrorCode(name: string): number {
    if (!mqttCodes) {
        mqttCodes = new Map();
        for (let n = 0x1400; n < 0x1800; n++) mqttCodes.set(binding.errorName(n), n);
    }
    const code = mqttCodes.get(name);
    if (code === undefined) throw new Error(`no aws-c-mqtt error ${name}`);
    return code;
}

/**
 * The error for a publish whose payload alone is larger than the maximum packet size the server
 * accepts (else undefined): the CrtError the CRT would give (AWS_ERROR_MQTT5_PACKET_VALIDATION),
 * with the numbers. `max` is undefined before the first CONNACK.
 */
export function oversizedPayload(payload: unknown, max: number | undefined): Error | undefined {
    if (max === undefined || payload === undefined || payload === null) return undefined;
    let bytes: number;
    if (typeof payload === 'string') {
        if (payload.length * 3 <= max) return undefined; // UTF-8 takes at most 3 bytes per UTF-16 unit
        bytes = Buffer.byteLength(payload);
    } else if (payload instanceof ArrayBuffer || ArrayBuffer.isView(payload)) {
        bytes = payload.byteLength;
    } else {
        return undefined;
    }
    return bytes > max ? oversizedPublish(bytes, max) : undefined;
}

function oversizedPublish(bytes: number, maximum: number): Error {
    return new CrtError(
        mqttErrorCode('AWS_ERROR_MQTT5_PACKET_VALIDATION'),
        `publish.payload is ${bytes} bytes, more than the maximum packet size of ${maximum} bytes negotiated with the server`,
    );
}

/** The context of an operation the CRT refused as an invalid packet, with the limits in force. */
export function packetLimitContext(maximum: number | undefined): string {
    return maximum === undefined
        ? 'the packet breaks a limit of MQTT 5 or of the connection'
        : `the packet breaks a limit of the connection (maximum packet size ${maximum} bytes, negotiated with the server) or of MQTT 5`;
}
