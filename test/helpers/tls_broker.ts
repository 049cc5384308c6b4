// A private mosquitto with a TLS listener (optionally mutual TLS), and a Node TLS terminator
// that enforces ALPN in front of a plain broker port (mosquitto 2.0.11 cannot require ALPN).
import net from 'node:net';
import tls from 'node:tls';
import { type Broker, canConnect, freePort, startBroker } from './broker';
import type { KeyPair, TlsMaterial } from './tls';

export type CertKind = 'good' | 'expired' | 'selfsigned' | 'othername';

function serverPair(material: TlsMaterial, kind: CertKind = 'good'): KeyPair {
    const pairs: Record<CertKind, KeyPair> = {
        good: material.server,
        expired: material.serverExpired,
        selfsigned: material.serverSelfSigned,
        othername: material.serverOtherName,
    };
    return pairs[kind];
}

export interface TlsBrokerOptions {
    material: TlsMaterial;
    /** mTLS: `require_certificate true` (clients need a certificate signed by material.ca). */
    requireCertificate?: boolean;
    /** With requireCertificate: `use_identity_as_username true` (the client cert CN becomes the username). */
    useIdentityAsUsername?: boolean;
    /** The server certificate the TLS listener presents (default 'good'). */
    certKind?: CertKind;
    /** Fixed TLS port (default: a free one). */
    tlsPort?: number;
    /** Passed to startBroker (plain listener port, reuse of a dir, extra lines appended after the TLS listener's). */
    port?: number;
    dir?: string;
    extraConfig?: string[];
}

export interface TlsBroker {
    broker: Broker;
    /** The plain MQTT listener (startBroker's). */
    port: number;
    /** The TLS listener. */
    tlsPort: number;
    stop(): Promise<void>;
    kill(): Promise<void>;
}

/**
 * mosquitto with its usual plain listener plus `listener <tlsPort> 127.0.0.1` with
 * cafile = material.ca, certfile/keyfile = the chosen server pair. TLS 1.2 and 1.3 are offered.
 * Note mosquitto 2.0.11 settings such as require_certificate apply to the listener they follow.
 */
export async function startTlsBroker(opts: TlsBrokerOptions): Promise<TlsBroker> {
    const pair = serverPair(opts.material, opts.certKind);
    const tlsPort = opts.tlsPort ?? (await freePort());
    const lines = [
        `listener ${tlsPort} 127.0.0.1`,
        `cafile ${opts.material.ca.cert.path}`,
        `certfile ${pair.cert.path}`,
        `keyfile ${pair.key.path}`,
    ];
    if (opts.requireCertificate) lines.push('require_certificate true');
    if (opts.useIdentityAsUsername) lines.push('use_identity_as_username true');
    const broker = await startBroker({ port: opts.port, dir: opts.dir, extraConfig: [...lines, ...(opts.extraConfig ?? [])] });
    // startBroker waited for the plain listener; mosquitto opens every listener before it
    // serves any, but make sure.
    const deadline = Date.now() + 5000;
    while (!(await canConnect(tlsPort))) {
        if (Date.now() > deadline) {
            await broker.kill();
            throw new Error(`mosquitto TLS listener did not open on 127.0.0.1:${tlsPort}`);
        }
        await new Promise((r) => setTimeout(r, 25));
    }
    return { broker, port: broker.port, tlsPort, stop: () => broker.stop(), kill: () => broker.kill() };
}

export interface AlpnOffer {
    servername: string | undefined;
    /** What the client offered. */
    protocols: string[];
    /** What the terminator selected (undefined: none, the handshake failed with no_application_protocol). */
    selected: string | undefined;
}

export interface AlpnConnection {
    /** socket.alpnProtocol after the handshake: the negotiated protocol, or false if the client offered none. */
    alpn: string | false;
    /** Whether it was piped to the broker (false: closed because the client offered no ALPN). */
    accepted: boolean;
    servername: string | undefined;
    /** With requireCertificate: the client certificate's CN. */
    peerCN?: string;
}

export interface AlpnTerminator {
    port: number;
    /** Every ALPN offer seen (clients that offered no ALPN at all do not appear here). */
    offers: AlpnOffer[];
    /** Every completed TLS handshake. */
    connections: AlpnConnection[];
    /** TLS handshake failures seen by the server (e.g. ERR_SSL_NO_APPLICATION_PROTOCOL). */
    handshakeErrors: Error[];
    close(): Promise<void>;
}

export interface AlpnTerminatorOptions {
    material: TlsMaterial;
    port?: number;
    /** The only protocol accepted. A client offering ALPN without it fails the handshake
     * (fatal alert no_application_protocol); one offering no ALPN is disconnected right after it. */
    requiredAlpn: string;
    /** Plain TCP port to pipe accepted connections to (a broker's `port`). */
    targetPort: number;
    certKind?: CertKind;
    /** Require a client certificate signed by material.ca (as AWS IoT does on 443 with x-amzn-mqtt-ca). */
    requireCertificate?: boolean;
}

export async function startAlpnTlsTerminator(opts: AlpnTerminatorOptions): Promise<AlpnTerminator> {
    const pair = serverPair(opts.material, opts.certKind);
    const offers: AlpnOffer[] = [];
    const connections: AlpnConnection[] = [];
    const handshakeErrors: Error[] = [];
    const sockets = new Set<net.Socket>();
    const server = tls.createServer(
        {
            key: pair.key.pem,
            cert: pair.cert.pem,
            ...(opts.requireCertificate ? { ca: opts.material.ca.cert.pem, requestCert: true, rejectUnauthorized: true } : {}),
            ALPNCallback: ({ servername, protocols }) => {
                const selected = protocols.includes(opts.requiredAlpn) ? opts.requiredAlpn : undefined;
                offers.push({ servername: servername || undefined, protocols, selected }); // node passes false without SNI
                return selected;
            },
        },
        (client) => {
            const alpn = client.alpnProtocol ?? false;
            const accepted = alpn === opts.requiredAlpn;
            const servername = (client as any).servername || undefined;
            const peerCN = opts.requireCertificate ? (client.getPeerCertificate()?.subject?.CN as string | undefined) : undefined;
            connections.push({ alpn, accepted, servername, ...(peerCN !== undefined ? { peerCN } : {}) });
            sockets.add(client);
            client.on('close', () => sockets.delete(client));
            client.on('error', () => {});
            if (!accepted) {
                client.destroy();
                return;
            }
            const upstream = net.connect({ host: '127.0.0.1', port: opts.targetPort });
            sockets.add(upstream);
            upstream.on('close', () => {
                sockets.delete(upstream);
                client.destroy();
            });
            upstream.on('error', () => client.destroy());
            client.on('close', () => upstream.destroy());
            client.pipe(upstream);
            upstream.pipe(client);
        },
    );
    server.on('tlsClientError', (err) => handshakeErrors.push(err));
    // Raw sockets too, so close() also ends connections still in their handshake.
    server.on('connection', (raw: net.Socket) => {
        sockets.add(raw);
        raw.on('close', () => sockets.delete(raw));
    });
    await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
    });
    return {
        port: (server.address() as net.AddressInfo).port,
        offers,
        connections,
        handshakeErrors,
        close: () =>
            new Promise<void>((resolve) => {
                for (const s of sockets) s.destroy();
                server.close(() => resolve());
            }),
    };
}
