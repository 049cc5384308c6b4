// Every way the client can connect, against real local servers: TLS (CA overrides, mTLS from paths,
// memory and a PKCS#11 token, verification failures, TLS versions and cipher preferences), ALPN as
// AWS IoT Core uses it, MQTT over websockets (a JS handshake transform, SigV4 presigning with every
// credentials provider), custom authorizers (exact CONNECT username), and HTTP CONNECT proxies.
// Servers: private mosquitto brokers (TLS listeners, a password file), Node TLS/ALPN terminators,
// a websocket gateway that verifies SigV4 independently, a CONNECT proxy, SoftHSM 2.
//
// Timing: a TLS handshake that s2n refuses (wrong CA, expired or self-signed server certificate,
// TLS version mismatch) is only reported after s2n's "blinding" delay, a random 10-30 s that
// aws-c-io waits before shutting the connection down (a timing side-channel defence). Those
// attempts start in beforeAll and are checked by the last describe, so the wait overlaps the
// rest of the file instead of adding to it.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import type { IncomingMessage } from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
    auth,
    type ConnackPacket,
    CrtError,
    http,
    io,
    iot,
    Mqtt5Client,
    Mqtt5ClientBuilder,
    type Mqtt5ClientConfig,
    Mqtt5CustomAuthConfig,
    QoS,
    RetryJitterType,
    WebsocketConfig,
} from '../../dist/index.js';
import { type Broker, startBroker } from '../helpers/broker';
import { brokerPort, once, uniqueTopic } from '../helpers/client';
import { startConnectProxy } from '../helpers/http_proxy';
import { type SigV4Credentials, type SigV4Result, verifyPresignedUrl } from '../helpers/sigv4';
import { makeSofthsmToken, type SofthsmToken } from '../helpers/softhsm';
import { makeTlsMaterial, type TlsMaterial } from '../helpers/tls';
import { startAlpnTlsTerminator, startTlsBroker, type TlsBroker } from '../helpers/tls_broker';
import { startWsGateway, type WsGateway } from '../helpers/ws_gateway';

// ---------------------------------------------------------------------------------------------
// Helpers, local to this file.

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Every resource a test opens; closed by afterEach (clients first, then servers). */
const clients = new Set<Mqtt5Client>();
const running = new WeakMap<Mqtt5Client, boolean>();
const closers: Array<() => Promise<void> | void> = [];

function track<T extends Mqtt5Client>(client: T): T {
    clients.add(client);
    client.on('attemptingConnect', () => running.set(client, true));
    client.on('stopped', () => running.set(client, false));
    return client;
}
function onCleanup<T>(thing: T, close: (t: T) => Promise<void> | void): T {
    closers.push(() => close(thing));
    return thing;
}

async function shutdown(client: Mqtt5Client): Promise<void> {
    if (running.get(client)) {
        try {
            const stopped = once(client, 'stopped', 5000);
            client.stop();
            await stopped;
        } catch {
            /* already closed, or no 'stopped' in time: close() releases it anyway */
        }
    }
    client.close();
}

afterEach(async () => {
    const all = [...clients];
    clients.clear();
    await Promise.all(all.map(shutdown));
    for (const close of closers.splice(0).reverse()) await close();
});

interface Attempt {
    ok: boolean;
    error?: CrtError;
    connack?: ConnackPacket;
    ms: number;
}

/** Starts the client (tracked) and resolves with its first connection success or failure. */
function firstAttempt(client: Mqtt5Client, timeoutMs = 15_000): Promise<Attempt> {
    track(client);
    const t0 = performance.now();
    return new Promise((resolve, reject) => {
        const timer = setTimeout(
            () => reject(new Error(`no connectionSuccess/connectionFailure within ${timeoutMs} ms`)),
            timeoutMs,
        );
        client.once('connectionSuccess', ({ connack }) => {
            clearTimeout(timer);
            resolve({ ok: true, connack, ms: performance.now() - t0 });
        });
        client.once('connectionFailure', ({ error, connack }) => {
            clearTimeout(timer);
            resolve({ ok: false, error, connack, ms: performance.now() - t0 });
        });
        client.start();
    });
}

/** Starts the client and asserts it connects; returns it. */
async function connects(clientOrConfig: Mqtt5Client | Mqtt5ClientConfig): Promise<Mqtt5Client> {
    const client = clientOrConfig instanceof Mqtt5Client ? clientOrConfig : new Mqtt5Client(clientOrConfig);
    const r = await firstAttempt(client);
    expect(r.error?.message ?? 'connected').toBe('connected');
    expect(r.ok).toBe(true);
    return client;
}

/** Subscribe, publish QoS 1 and receive it back: data really flows over the connection. */
async function roundTrip(client: Mqtt5Client): Promise<void> {
    const topic = uniqueTopic('connect-methods');
    const suback = await client.subscribe({ subscriptions: [{ topicFilter: topic, qos: QoS.AtLeastOnce }] });
    expect(suback.reasonCodes).toEqual([1]);
    const received = once<{ message: { topicName: string; payload: Buffer } }>(client, 'messageReceived');
    await client.publish({ topicName: topic, qos: QoS.AtLeastOnce, payload: 'over the wire' });
    const { message } = await received;
    expect(message.topicName).toBe(topic);
    expect(message.payload.toString()).toBe('over the wire');
}

/**
 * A client that, after a failed attempt, waits a minute before retrying (so one attempt is seen).
 * No jitter: with the default (full) jitter the delay is random in [0, 60 s], not at least 60 s.
 */
const NO_QUICK_RETRY = { minReconnectDelayMs: 60_000, maxReconnectDelayMs: 60_000, retryJitterMode: RetryJitterType.None };

function tlsOptions(
    setup: (o: io.TlsContextOptions) => void = () => {},
    base = new io.TlsContextOptions(),
): io.TlsContextOptions {
    setup(base);
    return base;
}

/** A client config for TLS to `port` on localhost (the test certificates name localhost and 127.0.0.1). */
function tlsConfig(port: number, options: io.TlsContextOptions, extra: Partial<Mqtt5ClientConfig> = {}): Mqtt5ClientConfig {
    return {
        hostName: 'localhost',
        port,
        tlsCtx: new io.ClientTlsContext(options),
        connectProperties: { keepAliveIntervalSeconds: 60 },
        ...extra,
    };
}

// ---- MQTT CONNECT decoding, for a TCP tap between a front end and the broker ----

interface DecodedConnect {
    clientId: string;
    username?: string;
    password?: Buffer;
    keepAlive: number;
}

function readVarInt(buf: Buffer, at: number): [number, number] {
    let value = 0;
    let mul = 1;
    for (let i = at; i < at + 4; i++) {
        value += (buf[i] & 0x7f) * mul;
        if ((buf[i] & 0x80) === 0) return [value, i + 1];
        mul *= 128;
    }
    throw new Error('malformed variable byte integer');
}

/** Decodes an MQTT 5 CONNECT (first packet in buf). */
function decodeConnect(buf: Buffer): DecodedConnect {
    if (buf[0] !== 0x10) throw new Error(`not a CONNECT: first byte 0x${buf[0].toString(16)}`);
    let [, at] = readVarInt(buf, 1);
    const str = (): Buffer => {
        const len = buf.readUInt16BE(at);
        const s = buf.subarray(at + 2, at + 2 + len);
        at += 2 + len;
        return s;
    };
    if (str().toString() !== 'MQTT' || buf[at] !== 5) throw new Error('not MQTT 5');
    const flags = buf[at + 1];
    const keepAlive = buf.readUInt16BE(at + 2);
    at += 4;
    const [propLen, afterLen] = readVarInt(buf, at);
    at = afterLen + propLen;
    const clientId = str().toString();
    if (flags & 0x04) {
        const [willPropLen, a] = readVarInt(buf, at);
        at = a + willPropLen;
        str();
        str();
    }
    const username = flags & 0x80 ? str().toString('utf8') : undefined;
    const password = flags & 0x40 ? Buffer.from(str()) : undefined;
    return { clientId, username, password, keepAlive };
}

interface Tap {
    port: number;
    /** The CONNECT of every connection that sent one, in order. */
    connects: DecodedConnect[];
    close(): Promise<void>;
}

/** A TCP pass-through to 127.0.0.1:targetPort that decodes each connection's CONNECT. */
async function startConnectTap(targetPort: number): Promise<Tap> {
    const connects: DecodedConnect[] = [];
    const sockets = new Set<net.Socket>();
    const server = net.createServer((client) => {
        const upstream = net.connect({ host: '127.0.0.1', port: targetPort });
        for (const s of [client, upstream]) {
            sockets.add(s);
            s.on('close', () => sockets.delete(s));
            s.on('error', () => {});
        }
        let head = Buffer.alloc(0);
        let decoded = false;
        client.on('data', (d: Buffer) => {
            if (decoded) return;
            head = Buffer.concat([head, d]);
            try {
                const [len, at] = readVarInt(head, 1);
                if (head.length >= at + len) {
                    decoded = true;
                    connects.push(decodeConnect(head));
                }
            } catch {
                /* incomplete */
            }
        });
        client.pipe(upstream);
        upstream.pipe(client);
        client.on('close', () => upstream.destroy());
        upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    return {
        port: (server.address() as net.AddressInfo).port,
        connects,
        close: () =>
            new Promise<void>((resolve) => {
                for (const s of sockets) s.destroy();
                server.close(() => resolve());
            }),
    };
}

/** A Node TLS server in front of the plain broker that records the TLS version of each connection. */
async function startVersionTerminator(material: TlsMaterial, opts: { maxVersion?: tls.SecureVersion } = {}) {
    const versions: string[] = [];
    const sockets = new Set<net.Socket>();
    const server = tls.createServer(
        { key: material.server.key.pem, cert: material.server.cert.pem, maxVersion: opts.maxVersion },
        (client) => {
            versions.push(client.getProtocol() ?? 'unknown');
            const upstream = net.connect({ host: '127.0.0.1', port: brokerPort() });
            for (const s of [client, upstream]) {
                sockets.add(s);
                s.on('close', () => sockets.delete(s));
                s.on('error', () => {});
            }
            client.pipe(upstream);
            upstream.pipe(client);
            client.on('close', () => upstream.destroy());
            upstream.on('close', () => client.destroy());
        },
    );
    server.on('connection', (raw: net.Socket) => {
        sockets.add(raw);
        raw.on('close', () => sockets.delete(raw));
    });
    server.on('tlsClientError', () => {});
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    return {
        port: (server.address() as net.AddressInfo).port,
        versions,
        close: () =>
            new Promise<void>((resolve) => {
                for (const s of sockets) s.destroy();
                server.close(() => resolve());
            }),
    };
}
type VersionTerminator = Awaited<ReturnType<typeof startVersionTerminator>>;

// ---------------------------------------------------------------------------------------------
// Shared fixtures: one PKI, mosquitto TLS listeners (server-auth, mTLS, expired, self-signed,
// TLS-1.2-only), and the TLS attempts that s2n refuses, started at once (see the header).

let m: TlsMaterial;
let tlsBroker: TlsBroker;
let mtlsBroker: TlsBroker;
let expiredBroker: TlsBroker;
let selfSignedBroker: TlsBroker;
let tls12Only: VersionTerminator;
const fileBrokers: TlsBroker[] = [];
const slowClients: Mqtt5Client[] = [];
const slow: Record<string, Promise<Attempt>> = {};
const slowAttempts = new Map<Mqtt5Client, number>();

function slowAttempt(name: string, config: Mqtt5ClientConfig): void {
    const client = new Mqtt5Client({ ...NO_QUICK_RETRY, ...config });
    slowClients.push(client);
    slowAttempts.set(client, 0);
    client.on('attemptingConnect', () => slowAttempts.set(client, slowAttempts.get(client)! + 1));
    const p = firstAttempt(client, 45_000);
    clients.delete(client); // not the business of the per-test cleanup
    p.catch(() => {}); // asserted later
    slow[name] = p;
}

beforeAll(async () => {
    m = makeTlsMaterial();
    const start = async (opts: Omit<Parameters<typeof startTlsBroker>[0], 'material'>) => {
        const b = await startTlsBroker({ material: m, ...opts });
        fileBrokers.push(b);
        return b;
    };
    [tlsBroker, mtlsBroker, expiredBroker, selfSignedBroker] = await Promise.all([
        start({}),
        start({ requireCertificate: true, useIdentityAsUsername: true }),
        start({ certKind: 'expired' }),
        start({ certKind: 'selfsigned' }),
    ]);
    // (mosquitto 2.0.11's `tls_version tlsv1.2` still negotiates TLS 1.3, so a Node server caps it.)
    tls12Only = await startVersionTerminator(m, { maxVersion: 'TLSv1.2' });
    const trustCa = () => tlsOptions((o) => o.override_default_trust_store_from_path(undefined, m.ca.cert.path));
    slowAttempt(
        'wrongCa',
        tlsConfig(
            tlsBroker.tlsPort,
            tlsOptions((o) => o.override_default_trust_store(m.wrongCa.cert.pem)),
        ),
    );
    slowAttempt(
        'wrongCaBuilder',
        iot.AwsIotMqtt5ClientConfigBuilder.newDirectMqttBuilderWithMtlsFromPath(
            'localhost',
            m.client.cert.path,
            m.client.key.path,
        )
            .withPort(mtlsBroker.tlsPort)
            .withCertificateAuthorityFromPath(undefined, m.wrongCa.cert.path)
            .build(),
    );
    slowAttempt('expired', tlsConfig(expiredBroker.tlsPort, trustCa()));
    slowAttempt('selfSigned', tlsConfig(selfSignedBroker.tlsPort, trustCa()));
    slowAttempt(
        'tls13vs12',
        tlsConfig(
            tls12Only.port,
            tlsOptions((o) => (o.min_tls_version = io.TlsVersion.TLSv1_3), trustCa()),
        ),
    );
    // Refused by the mTLS listener after the client's side of the handshake (TLS 1.3): fast.
    slowAttempt('noClientCert', tlsConfig(mtlsBroker.tlsPort, trustCa()));
    slowAttempt(
        'wrongClientCert',
        tlsConfig(
            mtlsBroker.tlsPort,
            tlsOptions(
                (o) => (o.certificate_authority = m.ca.cert.pem),
                io.TlsContextOptions.create_client_with_mtls(m.wrongClient.cert.pem, m.wrongClient.key.pem),
            ),
        ),
    );
}, 30_000);

afterAll(async () => {
    await Promise.all(slowClients.map(shutdown));
    await tls12Only?.close();
    await Promise.all(fileBrokers.map((b) => b.stop()));
    for (const b of fileBrokers) fs.rmSync(b.broker.dir, { recursive: true, force: true });
    m?.cleanup();
}, 60_000);

// ---------------------------------------------------------------------------------------------

describe('TLS', () => {
    it('trusts a CA given as a file (TlsContextOptions, both builders), and data flows', async () => {
        const client = await connects(
            tlsConfig(
                tlsBroker.tlsPort,
                tlsOptions((o) => o.override_default_trust_store_from_path(undefined, m.ca.cert.path)),
            ),
        );
        await roundTrip(client);
        expect(
            (
                await firstAttempt(
                    new Mqtt5Client(
                        tlsConfig(
                            tlsBroker.tlsPort,
                            tlsOptions((o) => (o.ca_filepath = m.ca.cert.path)),
                        ),
                    ),
                )
            ).ok,
        ).toBe(true);
        // C++ builder: withCertificateAuthority(<a path>) on the mTLS listener.
        await connects(
            Mqtt5ClientBuilder.createMqtt5ClientBuilderWithMtlsFromPath('localhost', m.client.cert.path, m.client.key.path)
                .withPort(mtlsBroker.tlsPort)
                .withCertificateAuthority(m.ca.cert.path)
                .build(),
        );
        // aws-crt builder: withCertificateAuthorityFromPath(undefined, file).
        await connects(
            iot.AwsIotMqtt5ClientConfigBuilder.newDirectMqttBuilderWithMtlsFromPath(
                'localhost',
                m.client.cert.path,
                m.client.key.path,
            )
                .withPort(mtlsBroker.tlsPort)
                .withCertificateAuthorityFromPath(undefined, m.ca.cert.path)
                .build(),
        );
    });

    it('trusts a CA directory prepared with `openssl rehash`', async () => {
        const dir = onCleanup(fs.mkdtempSync(path.join(os.tmpdir(), 'mqtt5-crt-cadir-')), (d) =>
            fs.rmSync(d, { recursive: true, force: true }),
        );
        fs.copyFileSync(m.ca.cert.path, path.join(dir, 'test-ca.pem'));
        execFileSync('openssl', ['rehash', dir]);
        const hash = execFileSync('openssl', ['x509', '-noout', '-subject_hash', '-in', m.ca.cert.path], {
            encoding: 'utf8',
        }).trim();
        expect(fs.readdirSync(dir)).toContain(`${hash}.0`);
        await connects(
            tlsConfig(
                tlsBroker.tlsPort,
                tlsOptions((o) => o.override_default_trust_store_from_path(dir)),
            ),
        );
        await connects(
            iot.AwsIotMqtt5ClientConfigBuilder.newDirectMqttBuilderWithMtlsFromMemory(
                'localhost',
                m.client.cert.pem,
                m.client.key.pem,
            )
                .withPort(mtlsBroker.tlsPort)
                .withCertificateAuthorityFromPath(dir)
                .build(),
        );
        // A directory holding only the wrong CA: refused (after the blinding delay; checked at the end).
    });

    it('trusts a CA given in memory (PEM text)', async () => {
        await connects(
            tlsConfig(
                tlsBroker.tlsPort,
                tlsOptions((o) => o.override_default_trust_store(m.ca.cert.pem)),
            ),
        );
        await connects(
            tlsConfig(
                tlsBroker.tlsPort,
                tlsOptions((o) => (o.certificate_authority = m.ca.cert.pem)),
            ),
        );
        await connects(
            Mqtt5ClientBuilder.createMqtt5ClientBuilderWithMtlsFromMemory('localhost', m.client.cert.pem, m.client.key.pem)
                .withPort(mtlsBroker.tlsPort)
                .withCertificateAuthority(m.ca.cert.pem)
                .build(),
        );
        await connects(
            Mqtt5ClientBuilder.createMqtt5ClientBuilderWithMtlsFromMemory('localhost', m.client.cert.pem, m.client.key.pem)
                .withPort(mtlsBroker.tlsPort)
                .withCertificateAuthority(Buffer.from(m.ca.cert.pem))
                .build(),
        );
    });

    it('mTLS with certificate and key from paths and from memory (SEC1 and PKCS#8 keys)', async () => {
        const trust = (o: io.TlsContextOptions) => (o.ca_filepath = m.ca.cert.path);
        const fromPath = await connects(
            tlsConfig(
                mtlsBroker.tlsPort,
                tlsOptions(trust, io.TlsContextOptions.create_client_with_mtls_from_path(m.client.cert.path, m.client.key.path)),
            ),
        );
        await roundTrip(fromPath);
        await connects(
            tlsConfig(
                mtlsBroker.tlsPort,
                tlsOptions(
                    trust,
                    io.TlsContextOptions.create_client_with_mtls_from_path(m.client.cert.path, m.client.keyPkcs8.path),
                ),
            ),
        );
        await connects(
            tlsConfig(
                mtlsBroker.tlsPort,
                tlsOptions(trust, io.TlsContextOptions.create_client_with_mtls(m.client.cert.pem, m.client.key.pem)),
            ),
        );
        await connects(
            tlsConfig(
                mtlsBroker.tlsPort,
                tlsOptions(trust, io.TlsContextOptions.create_client_with_mtls(m.client.cert.pem, m.client.keyPkcs8.pem)),
            ),
        );
    });

    it('mTLS listener: no client certificate or one from a foreign CA fails with a TLS CrtError', async () => {
        for (const name of ['noClientCert', 'wrongClientCert']) {
            const r = await slow[name];
            expect(r.ok, name).toBe(false);
            expect(r.error, name).toBeInstanceOf(CrtError);
            // TLS 1.3: the client finishes its side, then reads the server's alert.
            expect(r.error!.code, name).toMatch(/^AWS_IO_TLS_/);
            expect(r.error!.errorCode).toBe(r.error!.error_code);
        }
    }, 45_000);

    it('verify_peer = false connects to a self-signed (and to an expired) server', async () => {
        await connects(
            tlsConfig(
                selfSignedBroker.tlsPort,
                tlsOptions((o) => (o.verify_peer = false)),
            ),
        );
        await connects(
            tlsConfig(
                expiredBroker.tlsPort,
                tlsOptions((o) => (o.verify_peer = false)),
            ),
        );
    });

    it('min_tls_version: TLSv1_3 connects to mosquitto and negotiates TLS 1.3; TLSv1_2 accepts a TLS-1.2-only server', async () => {
        const trust = { ca_filepath: m.ca.cert.path };
        await connects(
            tlsConfig(
                tlsBroker.tlsPort,
                tlsOptions((o) => Object.assign(o, trust, { min_tls_version: io.TlsVersion.TLSv1_3 })),
            ),
        );
        const any = onCleanup(await startVersionTerminator(m), (t) => t.close());
        await connects(
            tlsConfig(
                any.port,
                tlsOptions((o) => Object.assign(o, trust, { min_tls_version: io.TlsVersion.TLSv1_3 })),
            ),
        );
        expect(any.versions).toEqual(['TLSv1.3']);
        await connects(
            tlsConfig(
                tls12Only.port,
                tlsOptions((o) => Object.assign(o, trust, { min_tls_version: io.TlsVersion.TLSv1_2 })),
            ),
        );
        expect(tls12Only.versions).toEqual(['TLSv1.2']);
        // TLSv1_3 against the TLS-1.2-only server is refused: checked at the end (blinding delay).
    });

    it('cipher preferences: a supported one connects, an unsupported one is a RangeError', async () => {
        await connects(
            tlsConfig(
                tlsBroker.tlsPort,
                tlsOptions((o) =>
                    Object.assign(o, {
                        ca_filepath: m.ca.cert.path,
                        tls_cipher_preference: io.TlsCipherPreference.TLSv1_2_2025_07,
                    }),
                ),
            ),
        );
        const unsupported = tlsOptions((o) => (o.tls_cipher_preference = io.TlsCipherPreference.PQ_TLSv1_0_2021_05));
        expect(() => new io.ClientTlsContext(unsupported)).toThrow(RangeError);
        expect(() => new io.ClientTlsContext(unsupported)).toThrow(/tls_cipher_preference/);
        const builder = Mqtt5ClientBuilder.createMqtt5ClientBuilderWithMtlsFromPath(
            'localhost',
            m.client.cert.path,
            m.client.key.path,
        )
            .withPort(mtlsBroker.tlsPort)
            .withTlsCipherPreference(io.TlsCipherPreference.PQ_TLSv1_0_2021_05);
        expect(() => builder.build()).toThrow(RangeError);
        const awsCrt = iot.AwsIotMqtt5ClientConfigBuilder.newDirectMqttBuilderWithMtlsFromPath(
            'localhost',
            m.client.cert.path,
            m.client.key.path,
        ).withTlsCipherPreference(io.TlsCipherPreference.PQ_TLSv1_0_2021_05);
        expect(() => awsCrt.build()).toThrow(RangeError);
    });
});

// ---------------------------------------------------------------------------------------------

describe('ALPN (AWS IoT Core on port 443)', () => {
    it('is available on this platform', () => {
        expect(io.is_alpn_available()).toBe(true);
    });

    it('the mTLS builders offer x-amzn-mqtt-ca and connect through a terminator that requires it', async () => {
        const t = onCleanup(
            await startAlpnTlsTerminator({
                material: m,
                requiredAlpn: iot.MTLS_ALPN_ON_443,
                targetPort: brokerPort(),
                requireCertificate: true,
            }),
            (x) => x.close(),
        );
        expect(iot.MTLS_ALPN_ON_443).toBe('x-amzn-mqtt-ca');
        const awsCrt = await connects(
            iot.AwsIotMqtt5ClientConfigBuilder.newDirectMqttBuilderWithMtlsFromPath(
                'localhost',
                m.client.cert.path,
                m.client.key.path,
            )
                .withPort(t.port)
                .withCertificateAuthority(m.ca.cert.pem)
                .build(),
        );
        await roundTrip(awsCrt);
        await connects(
            Mqtt5ClientBuilder.newMqtt5ClientBuilderWithMtlsFromMemory('localhost', m.client.cert.pem, m.client.key.pem)
                .withPort(t.port)
                .withCertificateAuthority(m.ca.cert.pem)
                .build(),
        );
        expect(t.connections).toEqual([
            { alpn: 'x-amzn-mqtt-ca', accepted: true, servername: 'localhost', peerCN: 'test-client' },
            { alpn: 'x-amzn-mqtt-ca', accepted: true, servername: 'localhost', peerCN: 'test-client' },
        ]);
        for (const offer of t.offers) expect(offer.protocols[0]).toBe('x-amzn-mqtt-ca');
        expect(t.handshakeErrors).toEqual([]);
    });

    it('the custom-authorizer builders offer mqtt and connect through a terminator that requires it', async () => {
        const t = onCleanup(await startAlpnTlsTerminator({ material: m, requiredAlpn: 'mqtt', targetPort: brokerPort() }), (x) =>
            x.close(),
        );
        const customAuth = { authorizerName: 'alpn-check', username: 'anyone' };
        await connects(
            iot.AwsIotMqtt5ClientConfigBuilder.newDirectMqttBuilderWithCustomAuth('localhost', customAuth)
                .withPort(t.port)
                .withCertificateAuthority(m.ca.cert.pem)
                .build(),
        );
        await connects(
            Mqtt5ClientBuilder.createMqtt5ClientBuilderWithCustomAuthorizer('localhost', customAuth)
                .withPort(t.port)
                .withCertificateAuthority(m.ca.cert.pem)
                .build(),
        );
        expect(t.offers.map((o) => o.protocols)).toEqual([['mqtt'], ['mqtt']]);
        expect(t.connections.map((c) => [c.alpn, c.accepted])).toEqual([
            ['mqtt', true],
            ['mqtt', true],
        ]);
    });
});

// ---------------------------------------------------------------------------------------------

describe('websockets', () => {
    it('plain ws: a JS transform adds a header the gateway sees; path /mqtt, subprotocol mqtt; data flows', async () => {
        const g = onCleanup(await startWsGateway({ targetPort: brokerPort() }), (x) => x.close());
        const seen: Array<{ method: string; path: string; headers: Array<[string, string]> }> = [];
        const client = await connects({
            hostName: '127.0.0.1',
            port: g.port,
            connectProperties: { keepAliveIntervalSeconds: 60 },
            websocketHandshakeTransform: (request, done) => {
                seen.push({ method: request.method, path: request.path, headers: [...request.headers] });
                request.headers.add('X-Mqtt5-Crt-Test', 'transformed');
                done();
            },
        });
        await roundTrip(client);
        expect(seen).toHaveLength(1);
        expect(seen[0].method).toBe('GET');
        expect(seen[0].path).toBe('/mqtt');
        expect(new http.HttpHeaders(seen[0].headers).get('sec-websocket-protocol')).toBe('mqtt');
        expect(g.upgrades).toHaveLength(1);
        expect(g.upgrades[0].url).toBe('/mqtt');
        expect(g.upgrades[0].protocols).toEqual(['mqtt']);
        expect(g.upgrades[0].headers['x-mqtt5-crt-test']).toBe('transformed');
        expect(g.bytesToBroker).toBeGreaterThan(0);
        expect(g.textFrames).toBe(0);
    });

    it('wss: TLS to the gateway with the test CA; the transform may change the path', async () => {
        const g = onCleanup(
            await startWsGateway({ targetPort: brokerPort(), tls: { cert: m.server.cert.pem, key: m.server.key.pem } }),
            (x) => x.close(),
        );
        const client = await connects(
            tlsConfig(
                g.port,
                tlsOptions((o) => (o.certificate_authority = m.ca.cert.pem)),
                {
                    websocketHandshakeTransform: (request, done) => {
                        request.path = '/mqtt?custom=1';
                        done();
                    },
                },
            ),
        );
        await roundTrip(client);
        expect(g.url).toMatch(/^wss:/);
        expect(g.upgrades.map((u) => u.url)).toEqual(['/mqtt?custom=1']);
    });

    it('a transform calling done(errorCode) fails the attempt with that CrtError, and the client retries', async () => {
        const g = onCleanup(await startWsGateway({ targetPort: brokerPort() }), (x) => x.close());
        const HTTP_CALLBACK_FAILURE = 2064;
        let calls = 0;
        const client = track(
            new Mqtt5Client({
                hostName: '127.0.0.1',
                port: g.port,
                minReconnectDelayMs: 50,
                maxReconnectDelayMs: 100,
                connectProperties: { keepAliveIntervalSeconds: 60 },
                websocketHandshakeTransform: (_request, done) => {
                    calls++;
                    if (calls <= 2)
                        setTimeout(() => done(HTTP_CALLBACK_FAILURE), 5); // async: done() later is fine
                    else done();
                },
            }),
        );
        const failures: CrtError[] = [];
        client.on('connectionFailure', ({ error }) => failures.push(error));
        const connected = once(client, 'connectionSuccess');
        client.start();
        await connected;
        expect(failures).toHaveLength(2);
        for (const e of failures) {
            expect(e).toBeInstanceOf(CrtError);
            expect(e.code).toBe('AWS_ERROR_HTTP_CALLBACK_FAILURE');
            expect(e.errorCode).toBe(HTTP_CALLBACK_FAILURE);
        }
        expect(calls).toBe(3);
        expect(g.upgrades).toHaveLength(1); // the failed handshakes were never sent
        expect(g.rejections).toHaveLength(0);
    });
});

// ---------------------------------------------------------------------------------------------

describe('websockets with SigV4 (verified by the gateway)', () => {
    const SERVICE = 'iotdevicegateway';
    let g: WsGateway;
    /** What the gateway expects, by access key id. */
    const expected = new Map<string, { creds: SigV4Credentials; region: string; sessionTokenMode?: 'signed' | 'unsigned' }>();
    const verified: Array<{ accessKeyId: string; url: string; result: SigV4Result }> = [];

    const verify = (req: IncomingMessage): string | undefined => {
        const credential = new URL(req.url ?? '/', 'https://gateway').searchParams.get('X-Amz-Credential') ?? '';
        const accessKeyId = credential.split('/')[0];
        const e = expected.get(accessKeyId);
        if (!e) return `unknown access key id "${accessKeyId}"`;
        const result = verifyPresignedUrl({ method: req.method!, url: req.url!, headers: req.headers }, e.creds, {
            region: e.region,
            service: SERVICE,
            sessionTokenMode: e.sessionTokenMode,
        });
        verified.push({ accessKeyId, url: req.url!, result });
        return result.ok ? undefined : result.reason;
    };
    const results = (accessKeyId: string) => verified.filter((v) => v.accessKeyId === accessKeyId).map((v) => v.result);

    beforeAll(async () => {
        g = await startWsGateway({
            targetPort: brokerPort(),
            tls: { cert: m.server.cert.pem, key: m.server.key.pem },
            path: '/mqtt',
            verify,
        });
    });
    afterAll(() => g?.close());

    /** aws-crt shape: newWebsocketMqttBuilderWithSigv4Auth against the gateway. */
    const awsCrtConfig = (provider: auth.AwsCredentialsProvider, region: string) =>
        iot.AwsIotMqtt5ClientConfigBuilder.newWebsocketMqttBuilderWithSigv4Auth('localhost', {
            region,
            credentialsProvider: provider,
        })
            .withPort(g.port)
            .withCertificateAuthority(m.ca.cert.pem)
            .build();

    it('static credentials, aws-crt builder: presigned handshake accepted; getCredentials() resolves', async () => {
        const creds = { accessKeyId: 'AKIDSTATICAWSCRT', secretAccessKey: 'static/secret+key=1' };
        expected.set(creds.accessKeyId, { creds, region: 'eu-west-3' });
        const provider = auth.AwsCredentialsProvider.newStatic(creds.accessKeyId, creds.secretAccessKey);
        expect(await provider.getCredentials()).toMatchObject(creds);
        const client = await connects(awsCrtConfig(provider, 'eu-west-3'));
        await roundTrip(client);
        const [r] = results(creds.accessKeyId);
        expect(r.ok).toBe(true);
        expect(r.details).toMatchObject({ region: 'eu-west-3', service: SERVICE, sessionTokenPresent: false });
        expect(r.details.signedHeaders).toContain('host');
        expect(verified.find((v) => v.accessKeyId === creds.accessKeyId)!.url).toMatch(/^\/mqtt\?/);
    });

    it('static credentials, C++ builder with WebsocketConfig(region, provider)', async () => {
        const creds = { accessKeyId: 'AKIDSTATICCPP', secretAccessKey: 'cpp-secret' };
        expected.set(creds.accessKeyId, { creds, region: 'ap-southeast-2' });
        const provider = auth.AwsCredentialsProvider.newStatic(creds.accessKeyId, creds.secretAccessKey);
        await connects(
            Mqtt5ClientBuilder.createMqtt5ClientBuilderWithWebsocket('localhost', new WebsocketConfig('ap-southeast-2', provider))
                .withPort(g.port)
                .withCertificateAuthority(m.ca.cert.path)
                .build(),
        );
        expect(results(creds.accessKeyId).map((r) => r.ok)).toEqual([true]);
    });

    it('the signing region is parsed from an IoT endpoint when not given', async () => {
        expect(iot.regionFromEndpoint('abc123-ats.iot.us-east-1.amazonaws.com')).toBe('us-east-1');
        expect(iot.regionFromEndpoint('abc123-ats.iot.cn-north-1.amazonaws.com.cn')).toBe('cn-north-1');
        expect(iot.regionFromEndpoint('localhost')).toBeUndefined();
        expect(() => iot.AwsIotMqtt5ClientConfigBuilder.newWebsocketMqttBuilderWithSigv4Auth('localhost', {})).toThrow(/region/);
        // End to end: the region comes from the endpoint the builder was given; only the host to
        // dial is then pointed at the local gateway.
        const creds = { accessKeyId: 'AKIDENDPOINTREGION', secretAccessKey: 'endpoint-secret' };
        expected.set(creds.accessKeyId, { creds, region: 'eu-central-1' });
        const config = iot.AwsIotMqtt5ClientConfigBuilder.newWebsocketMqttBuilderWithSigv4Auth(
            'abc123-ats.iot.eu-central-1.amazonaws.com',
            {
                credentialsProvider: auth.AwsCredentialsProvider.newStatic(creds.accessKeyId, creds.secretAccessKey),
            },
        )
            .withPort(g.port)
            .withCertificateAuthority(m.ca.cert.pem)
            .build();
        expect(config.port).toBe(g.port);
        await connects({ ...config, hostName: 'localhost' });
        expect(results(creds.accessKeyId).map((r) => [r.ok, r.details.region])).toEqual([[true, 'eu-central-1']]);
        // C++ shape: WebsocketConfig without a region.
        const cppConfig = Mqtt5ClientBuilder.createMqtt5ClientBuilderWithWebsocket(
            'abc123-ats.iot.eu-central-1.amazonaws.com',
            new WebsocketConfig(undefined, auth.AwsCredentialsProvider.newStatic(creds.accessKeyId, creds.secretAccessKey)),
        )
            .withPort(g.port)
            .withCertificateAuthority(m.ca.cert.pem)
            .buildConfig();
        await connects({ ...cppConfig, hostName: 'localhost' });
        expect(results(creds.accessKeyId).map((r) => [r.ok, r.details.region])).toEqual([
            [true, 'eu-central-1'],
            [true, 'eu-central-1'],
        ]);
        expect(() =>
            Mqtt5ClientBuilder.createMqtt5ClientBuilderWithWebsocket('localhost', new WebsocketConfig()).buildConfig(),
        ).toThrow(/region/);
    });

    it('a WRONG secret is refused by the gateway: connectionFailure with a CrtError, no hang', async () => {
        const creds = { accessKeyId: 'AKIDWRONGSECRET', secretAccessKey: 'the-real-secret' };
        expected.set(creds.accessKeyId, { creds, region: 'us-west-2' });
        const provider = auth.AwsCredentialsProvider.newStatic(creds.accessKeyId, 'not-the-secret');
        const r = await firstAttempt(new Mqtt5Client({ ...awsCrtConfig(provider, 'us-west-2'), ...NO_QUICK_RETRY }));
        expect(r.ok).toBe(false);
        expect(r.error).toBeInstanceOf(CrtError);
        expect(r.error!.code).toBe('AWS_ERROR_HTTP_WEBSOCKET_UPGRADE_FAILURE');
        expect(r.ms).toBeLessThan(5000);
        expect(results(creds.accessKeyId).map((x) => x.ok)).toEqual([false]);
        expect(g.rejections.at(-1)).toMatchObject({ status: 401 });
        expect(g.rejections.at(-1)!.reason).toMatch(/signature mismatch/);
    });

    it('a session token is appended after signing (X-Amz-Security-Token present, unsigned)', async () => {
        const creds = { accessKeyId: 'AKIDSESSION', secretAccessKey: 'session-secret', sessionToken: 'FwoGZXIvYXdzE+/token==' };
        expected.set(creds.accessKeyId, { creds, region: 'us-east-2', sessionTokenMode: 'unsigned' });
        const provider = auth.AwsCredentialsProvider.newStatic(creds.accessKeyId, creds.secretAccessKey, creds.sessionToken);
        expect(await provider.getCredentials()).toMatchObject(creds);
        await connects(
            Mqtt5ClientBuilder.newMqtt5ClientBuilderWithWebsocket('localhost', new WebsocketConfig('us-east-2', provider))
                .withPort(g.port)
                .withCertificateAuthority(m.ca.cert.pem)
                .build(),
        );
        const [r] = results(creds.accessKeyId);
        expect(r.ok).toBe(true);
        expect(r.details.sessionTokenPresent).toBe(true);
        expect(r.details.sessionTokenSigned).toBe(false);
        const url = verified.find((v) => v.accessKeyId === creds.accessKeyId)!.url;
        expect(new URL(url, 'https://x').searchParams.get('X-Amz-Security-Token')).toBe(creds.sessionToken);
    });

    it('a delegate provider (a JS function, sync and async, camelCase and snake_case)', async () => {
        const creds = { accessKeyId: 'AKIDDELEGATESYNC', secretAccessKey: 'delegate-sync' };
        expected.set(creds.accessKeyId, { creds, region: 'sa-east-1' });
        let syncCalls = 0;
        const sync = auth.AwsCredentialsProvider.newDelegate(() => {
            syncCalls++;
            return { ...creds };
        });
        expect(await sync.getCredentials()).toMatchObject(creds);
        await connects(awsCrtConfig(sync, 'sa-east-1'));
        expect(syncCalls).toBeGreaterThanOrEqual(2);

        const acreds = { accessKeyId: 'AKIDDELEGATEASYNC', secretAccessKey: 'delegate-async', sessionToken: 'delegate-token' };
        expected.set(acreds.accessKeyId, { creds: acreds, region: 'sa-east-1', sessionTokenMode: 'unsigned' });
        let asyncCalls = 0;
        const asyncProvider = auth.AwsCredentialsProvider.newDelegate(async () => {
            asyncCalls++;
            await sleep(20);
            return {
                aws_access_key_id: acreds.accessKeyId,
                aws_secret_access_key: acreds.secretAccessKey,
                aws_session_token: acreds.sessionToken,
            };
        });
        expect(await asyncProvider.getCredentials()).toMatchObject(acreds);
        await connects(
            Mqtt5ClientBuilder.createMqtt5ClientBuilderWithWebsocket('localhost', new WebsocketConfig('sa-east-1', asyncProvider))
                .withPort(g.port)
                .withCertificateAuthority(m.ca.cert.pem)
                .build(),
        );
        expect(asyncCalls).toBeGreaterThanOrEqual(2);
        expect(results(creds.accessKeyId).map((r) => r.ok)).toEqual([true]);
        expect(results(acreds.accessKeyId).map((r) => r.ok)).toEqual([true]);

        // Cached over a delegate: one call serves both getCredentials() and the handshake.
        const ccreds = { accessKeyId: 'AKIDCACHED', secretAccessKey: 'cached-secret' };
        expected.set(ccreds.accessKeyId, { creds: ccreds, region: 'sa-east-1' });
        let cachedCalls = 0;
        const cached = auth.AwsCredentialsProvider.newCached(
            auth.AwsCredentialsProvider.newDelegate(() => {
                cachedCalls++;
                return ccreds;
            }),
            60_000,
        );
        expect(await cached.getCredentials()).toMatchObject(ccreds);
        await connects(awsCrtConfig(cached, 'sa-east-1'));
        expect(cachedCalls).toBe(1);
        expect(results(ccreds.accessKeyId).map((r) => r.ok)).toEqual([true]);
    });

    it('newEnvironment(): AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY from process.env', async () => {
        const creds = { accessKeyId: 'AKIDENVIRONMENT', secretAccessKey: 'env/secret' };
        expected.set(creds.accessKeyId, { creds, region: 'ca-central-1' });
        const saved = {
            id: process.env.AWS_ACCESS_KEY_ID,
            secret: process.env.AWS_SECRET_ACCESS_KEY,
            token: process.env.AWS_SESSION_TOKEN,
        };
        const restore = (name: string, value: string | undefined) =>
            value === undefined ? delete process.env[name] : (process.env[name] = value);
        try {
            process.env.AWS_ACCESS_KEY_ID = creds.accessKeyId;
            process.env.AWS_SECRET_ACCESS_KEY = creds.secretAccessKey;
            delete process.env.AWS_SESSION_TOKEN;
            const provider = auth.AwsCredentialsProvider.newEnvironment();
            expect(await provider.getCredentials()).toMatchObject(creds);
            await connects(awsCrtConfig(provider, 'ca-central-1'));
            // The default chain starts with the environment too.
            expect(await auth.AwsCredentialsProvider.newDefault().getCredentials()).toMatchObject(creds);
        } finally {
            restore('AWS_ACCESS_KEY_ID', saved.id);
            restore('AWS_SECRET_ACCESS_KEY', saved.secret);
            restore('AWS_SESSION_TOKEN', saved.token);
        }
        expect(results(creds.accessKeyId).map((r) => r.ok)).toEqual([true]);
    });

    it('newProfile({credentialsFile, configFile, profileName}) with temp files', async () => {
        const dir = onCleanup(fs.mkdtempSync(path.join(os.tmpdir(), 'mqtt5-crt-aws-')), (d) =>
            fs.rmSync(d, { recursive: true, force: true }),
        );
        const credentialsFile = path.join(dir, 'credentials');
        const configFile = path.join(dir, 'config');
        const creds = { accessKeyId: 'AKIDPROFILE', secretAccessKey: 'profile+secret/key', sessionToken: 'profile-token' };
        fs.writeFileSync(
            credentialsFile,
            [
                '[default]',
                'aws_access_key_id = AKIDNOTTHISONE',
                'aws_secret_access_key = not-this-one',
                '',
                '[iot-test]',
                `aws_access_key_id = ${creds.accessKeyId}`,
                `aws_secret_access_key = ${creds.secretAccessKey}`,
                `aws_session_token = ${creds.sessionToken}`,
                '',
            ].join('\n'),
        );
        fs.writeFileSync(configFile, '[default]\nregion = us-east-1\n\n[profile iot-test]\nregion = eu-north-1\n');
        expected.set(creds.accessKeyId, { creds, region: 'eu-north-1', sessionTokenMode: 'unsigned' });
        const provider = auth.AwsCredentialsProvider.newProfile({ credentialsFile, configFile, profileName: 'iot-test' });
        expect(await provider.getCredentials()).toMatchObject(creds);
        await connects(awsCrtConfig(provider, 'eu-north-1'));
        expect(results(creds.accessKeyId).map((r) => r.ok)).toEqual([true]);
    });
});

// ---------------------------------------------------------------------------------------------

describe('custom authorizer (the exact CONNECT username and password reach the broker)', () => {
    // A private mosquitto that only knows the composed usernames (password file): a username
    // composed differently fails to authenticate. Metrics are off so the username is exact.
    let broker: Broker;
    let mqttAlpn: Awaited<ReturnType<typeof startAlpnTlsTerminator>>;
    let wss: WsGateway;

    const UNSIGNED = { authorizerName: 'my-authorizer', username: 'device-1', password: 'unsigned-pass' };
    const UNSIGNED_USERNAME = 'device-1?x-amz-customauthorizer-name=my-authorizer';
    const SIGNED = {
        authorizerName: 'signed-authorizer',
        username: 'device-2',
        password: 'signed-pass',
        tokenKeyName: 'x-token',
        tokenValue: 'tok+en/v=1',
        tokenSignature: 'sig+/ab==',
    };
    // The signature URI-encoded (+ / = -> %2B %2F %3D); the token value as given.
    const SIGNED_USERNAME =
        'device-2?x-amz-customauthorizer-name=signed-authorizer&x-token=tok+en/v=1&x-amz-customauthorizer-signature=sig%2B%2Fab%3D%3D';

    beforeAll(async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mqtt5-crt-customauth-'));
        const pwfile = path.join(dir, 'passwords');
        execFileSync('mosquitto_passwd', ['-b', '-c', pwfile, UNSIGNED_USERNAME, UNSIGNED.password]);
        execFileSync('mosquitto_passwd', ['-b', pwfile, SIGNED_USERNAME, SIGNED.password]);
        fs.chmodSync(pwfile, 0o644);
        broker = await startBroker({ dir, extraConfig: ['allow_anonymous false', `password_file ${pwfile}`] });
        mqttAlpn = await startAlpnTlsTerminator({ material: m, requiredAlpn: 'mqtt', targetPort: broker.port });
        wss = await startWsGateway({ targetPort: broker.port, tls: { cert: m.server.cert.pem, key: m.server.key.pem } });
    });
    afterAll(async () => {
        await wss?.close();
        await mqttAlpn?.close();
        await broker?.stop();
        if (broker) fs.rmSync(broker.dir, { recursive: true, force: true });
    });

    it('buildCustomAuthUsername composes what the broker expects', () => {
        expect(iot.buildCustomAuthUsername(UNSIGNED)).toBe(UNSIGNED_USERNAME);
        expect(iot.buildCustomAuthUsername(SIGNED)).toBe(SIGNED_USERNAME);
    });

    it('the broker really checks: a differently composed username (signature not encoded) is refused', async () => {
        const r = await firstAttempt(
            new Mqtt5Client({
                hostName: '127.0.0.1',
                port: broker.port,
                disableMetrics: true,
                ...NO_QUICK_RETRY,
                connectProperties: {
                    keepAliveIntervalSeconds: 60,
                    username: SIGNED_USERNAME.replace('sig%2B%2Fab%3D%3D', 'sig+/ab=='),
                    password: Buffer.from(SIGNED.password),
                },
            }),
        );
        expect(r.ok).toBe(false);
        expect(r.connack?.reasonCode).toBeOneOf([134, 135]); // bad user name or password / not authorized
        const ok = await firstAttempt(
            new Mqtt5Client({
                hostName: '127.0.0.1',
                port: broker.port,
                disableMetrics: true,
                connectProperties: {
                    keepAliveIntervalSeconds: 60,
                    username: SIGNED_USERNAME,
                    password: Buffer.from(SIGNED.password),
                },
            }),
        );
        expect(ok.ok).toBe(true);
    });

    it('unsigned, direct TLS (ALPN mqtt): aws-crt builder and C++ builder', async () => {
        await connects(
            iot.AwsIotMqtt5ClientConfigBuilder.newDirectMqttBuilderWithCustomAuth('localhost', UNSIGNED)
                .withPort(mqttAlpn.port)
                .withCertificateAuthority(m.ca.cert.pem)
                .withMetricsCollection(false)
                .build(),
        );
        await connects(
            Mqtt5ClientBuilder.createMqtt5ClientBuilderWithCustomAuthorizer(
                'localhost',
                new Mqtt5CustomAuthConfig()
                    .withAuthorizerName(UNSIGNED.authorizerName)
                    .withUsername(UNSIGNED.username)
                    .withPassword(Buffer.from(UNSIGNED.password)),
            )
                .withPort(mqttAlpn.port)
                .withCertificateAuthority(m.ca.cert.pem)
                .withMetricsCollection(false)
                .build(),
        );
    });

    it('signed (token key/value/signature with + / =), direct TLS: aws-crt builder and C++ builder', async () => {
        await connects(
            iot.AwsIotMqtt5ClientConfigBuilder.newDirectMqttBuilderWithCustomAuth('localhost', SIGNED)
                .withPort(mqttAlpn.port)
                .withCertificateAuthority(m.ca.cert.pem)
                .withMetricsCollection(false)
                .build(),
        );
        await connects(
            Mqtt5ClientBuilder.newMqtt5ClientBuilderWithCustomAuthorizer(
                'localhost',
                new Mqtt5CustomAuthConfig()
                    .withAuthorizerName(SIGNED.authorizerName)
                    .withUsername(SIGNED.username)
                    .withPassword(SIGNED.password)
                    .withTokenKeyName(SIGNED.tokenKeyName)
                    .withTokenValue(SIGNED.tokenValue)
                    .withTokenSignature(SIGNED.tokenSignature),
            )
                .withPort(mqttAlpn.port)
                .withCertificateAuthority(m.ca.cert.pem)
                .withMetricsCollection(false)
                .build(),
        );
        // An already URI-encoded signature is kept as is.
        await connects(
            iot.AwsIotMqtt5ClientConfigBuilder.newDirectMqttBuilderWithCustomAuth('localhost', {
                ...SIGNED,
                tokenSignature: 'sig%2B%2Fab%3D%3D',
            })
                .withPort(mqttAlpn.port)
                .withCertificateAuthority(m.ca.cert.pem)
                .withMetricsCollection(false)
                .build(),
        );
        expect(mqttAlpn.connections.every((c) => c.alpn === 'mqtt')).toBe(true);
    });

    it('unsigned and signed over websockets (wss): both builder shapes', async () => {
        await connects(
            iot.AwsIotMqtt5ClientConfigBuilder.newWebsocketMqttBuilderWithCustomAuth('localhost', UNSIGNED)
                .withPort(wss.port)
                .withCertificateAuthority(m.ca.cert.pem)
                .withMetricsCollection(false)
                .build(),
        );
        await connects(
            Mqtt5ClientBuilder.createMqtt5ClientBuilderWithCustomAuthorizerWebsocket('localhost', SIGNED)
                .withPort(wss.port)
                .withCertificateAuthority(m.ca.cert.pem)
                .withMetricsCollection(false)
                .build(),
        );
        await connects(
            iot.AwsIotMqtt5ClientConfigBuilder.newWebsocketMqttBuilderWithCustomAuth('localhost', SIGNED)
                .withPort(wss.port)
                .withCertificateAuthority(m.ca.cert.pem)
                .withMetricsCollection(false)
                .build(),
        );
        await connects(
            Mqtt5ClientBuilder.newMqtt5ClientBuilderWithCustomAuthorizerWebsocket('localhost', UNSIGNED)
                .withPort(wss.port)
                .withCertificateAuthority(m.ca.cert.pem)
                .withMetricsCollection(false)
                .build(),
        );
        expect(wss.upgrades).toHaveLength(4);
        expect(wss.upgrades.every((u) => u.url === '/mqtt')).toBe(true);
    });

    it('with metrics on, the CRT appends &SDK=... to the composed username (seen by a TCP tap)', async () => {
        const tap = onCleanup(await startConnectTap(brokerPort()), (t) => t.close());
        const front = onCleanup(await startAlpnTlsTerminator({ material: m, requiredAlpn: 'mqtt', targetPort: tap.port }), (t) =>
            t.close(),
        );
        await connects(
            iot.AwsIotMqtt5ClientConfigBuilder.newDirectMqttBuilderWithCustomAuth('localhost', SIGNED)
                .withPort(front.port)
                .withCertificateAuthority(m.ca.cert.pem)
                .build(),
        );
        await connects(
            Mqtt5ClientBuilder.createMqtt5ClientBuilderWithCustomAuthorizer('localhost', UNSIGNED)
                .withPort(front.port)
                .withCertificateAuthority(m.ca.cert.pem)
                .withMetricsCollection(false)
                .build(),
        );
        expect(tap.connects).toHaveLength(2);
        const [withMetrics, without] = tap.connects;
        expect(withMetrics.username!.startsWith(`${SIGNED_USERNAME}&SDK=`)).toBe(true);
        expect(withMetrics.username).toMatch(/&SDK=IoTDeviceSDK\/NodeJS/);
        expect(withMetrics.username).toMatch(/&Platform=/);
        expect(withMetrics.password!.toString()).toBe(SIGNED.password);
        expect(withMetrics.keepAlive).toBe(iot.DEFAULT_IOT_KEEP_ALIVE_SECONDS);
        expect(without.username).toBe(UNSIGNED_USERNAME);
        expect(without.password!.toString()).toBe(UNSIGNED.password);
    });

    it('without a username the metrics start the query string (?SDK=)', async () => {
        const tap = onCleanup(await startConnectTap(brokerPort()), (t) => t.close());
        const front = onCleanup(
            await startAlpnTlsTerminator({
                material: m,
                requiredAlpn: 'x-amzn-mqtt-ca',
                targetPort: tap.port,
                requireCertificate: true,
            }),
            (t) => t.close(),
        );
        await connects(
            Mqtt5ClientBuilder.createMqtt5ClientBuilderWithMtlsFromPath('localhost', m.client.cert.path, m.client.key.path)
                .withPort(front.port)
                .withCertificateAuthority(m.ca.cert.pem)
                .build(),
        );
        expect(tap.connects[0].username).toMatch(/^\?SDK=IoTDeviceSDK\/NodeJS&Platform=/);
    });
});

// ---------------------------------------------------------------------------------------------

describe('HTTP proxy (CONNECT tunnel)', () => {
    it('TLS to the broker through a proxy without auth: tunnel to the broker port, bytes both ways', async () => {
        const proxy = onCleanup(await startConnectProxy(), (p) => p.close());
        const client = await connects(
            tlsConfig(
                tlsBroker.tlsPort,
                tlsOptions((o) => (o.ca_filepath = m.ca.cert.path)),
                {
                    httpProxyOptions: new http.HttpProxyOptions('127.0.0.1', proxy.port),
                },
            ),
        );
        await roundTrip(client);
        expect(proxy.targets).toEqual([`localhost:${tlsBroker.tlsPort}`]);
        expect(proxy.requests.map((r) => [r.method, r.status])).toEqual([['CONNECT', 200]]);
        expect(proxy.requests[0].headers['proxy-authorization']).toBeUndefined();
        expect(proxy.bytesUp).toBeGreaterThan(200); // ClientHello, CONNECT, SUBSCRIBE, PUBLISH...
        expect(proxy.bytesDown).toBeGreaterThan(200);
        expect(proxy.openTunnels).toBe(1);
    });

    it('mTLS via a builder through a proxy with Basic auth', async () => {
        const proxy = onCleanup(await startConnectProxy({ auth: { username: 'proxy-user', password: 'p@ss:word' } }), (p) =>
            p.close(),
        );
        await connects(
            Mqtt5ClientBuilder.createMqtt5ClientBuilderWithMtlsFromPath('localhost', m.client.cert.path, m.client.key.path)
                .withPort(mtlsBroker.tlsPort)
                .withCertificateAuthority(m.ca.cert.pem)
                .withHttpProxyOptions(
                    new http.HttpProxyOptions(
                        '127.0.0.1',
                        proxy.port,
                        http.HttpProxyAuthenticationType.Basic,
                        'proxy-user',
                        'p@ss:word',
                    ),
                )
                .build(),
        );
        expect(proxy.targets).toEqual([`localhost:${mtlsBroker.tlsPort}`]);
        expect(proxy.authFailures).toBe(0);
        expect(proxy.requests[0].headers['proxy-authorization']).toBe(
            `Basic ${Buffer.from('proxy-user:p@ss:word').toString('base64')}`,
        );
        expect(proxy.bytesUp).toBeGreaterThan(0);
        expect(proxy.bytesDown).toBeGreaterThan(0);
    });

    it('wss through a proxy with Basic auth (aws-crt builder, SigV4 off: custom auth over websockets)', async () => {
        const proxy = onCleanup(await startConnectProxy({ auth: { username: 'u', password: 'p' } }), (p) => p.close());
        const g = onCleanup(
            await startWsGateway({ targetPort: brokerPort(), tls: { cert: m.server.cert.pem, key: m.server.key.pem } }),
            (x) => x.close(),
        );
        const client = await connects(
            iot.AwsIotMqtt5ClientConfigBuilder.newWebsocketMqttBuilderWithCustomAuth('localhost', {
                username: 'ws-through-proxy',
            })
                .withPort(g.port)
                .withCertificateAuthority(m.ca.cert.pem)
                .withHttpProxyOptions(
                    new http.HttpProxyOptions('127.0.0.1', proxy.port, http.HttpProxyAuthenticationType.Basic, 'u', 'p'),
                )
                .build(),
        );
        await roundTrip(client);
        expect(proxy.targets).toEqual([`localhost:${g.port}`]);
        expect(g.upgrades).toHaveLength(1);
        expect(proxy.bytesUp).toBeGreaterThan(g.bytesToBroker);
    });

    it('wrong or missing proxy credentials fail cleanly: CrtError, no hang, stop() and close() work', async () => {
        const proxy = onCleanup(await startConnectProxy({ auth: { username: 'u', password: 'right' } }), (p) => p.close());
        for (const proxyOptions of [
            new http.HttpProxyOptions('127.0.0.1', proxy.port, http.HttpProxyAuthenticationType.Basic, 'u', 'wrong'),
            new http.HttpProxyOptions('127.0.0.1', proxy.port),
        ]) {
            const client = new Mqtt5Client(
                tlsConfig(
                    tlsBroker.tlsPort,
                    tlsOptions((o) => (o.ca_filepath = m.ca.cert.path)),
                    { httpProxyOptions: proxyOptions, ...NO_QUICK_RETRY },
                ),
            );
            const r = await firstAttempt(client);
            expect(r.ok).toBe(false);
            expect(r.error).toBeInstanceOf(CrtError);
            expect(r.error!.code).toMatch(/^AWS_ERROR_HTTP_PROXY_CONNECT_FAILED/);
            expect(r.ms).toBeLessThan(5000);
            const stopped = once(client, 'stopped', 5000);
            client.stop();
            await stopped;
            client.close();
            expect(() => client.start()).toThrow(CrtError);
        }
        expect(proxy.authFailures).toBe(2);
        expect(proxy.tunnels).toBe(0);
    });

    it('TLS to the proxy itself (HttpProxyOptions.tls_opts = TlsConnectionOptions)', async () => {
        const proxy = onCleanup(await startConnectProxy({ tls: { cert: m.server.cert.pem, key: m.server.key.pem } }), (p) =>
            p.close(),
        );
        const proxyTls = new io.TlsConnectionOptions(
            new io.ClientTlsContext(tlsOptions((o) => (o.certificate_authority = m.ca.cert.pem))),
        );
        const client = await connects(
            tlsConfig(
                tlsBroker.tlsPort,
                tlsOptions((o) => (o.ca_filepath = m.ca.cert.path)),
                {
                    httpProxyOptions: new http.HttpProxyOptions(
                        'localhost',
                        proxy.port,
                        http.HttpProxyAuthenticationType.None,
                        undefined,
                        undefined,
                        proxyTls,
                    ),
                },
            ),
        );
        await roundTrip(client);
        expect(proxy.targets).toEqual([`localhost:${tlsBroker.tlsPort}`]);
    });

    it('TLS to the proxy uses TlsConnectionOptions.server_name for SNI and verification (as aws-crt does)', async () => {
        // A TLS front that records the SNI, in front of a plain CONNECT proxy.
        const proxy = onCleanup(await startConnectProxy(), (p) => p.close());
        const servernames: Array<string | false> = [];
        const raw = new Set<net.Socket>();
        const front = tls.createServer({ cert: m.server.cert.pem, key: m.server.key.pem }, (s) => {
            servernames.push((s as tls.TLSSocket & { servername?: string | false }).servername ?? false);
            const up = net.connect({ host: '127.0.0.1', port: proxy.port });
            s.pipe(up).pipe(s);
            s.on('error', () => up.destroy());
            up.on('error', () => s.destroy());
            s.on('close', () => up.destroy());
            up.on('close', () => s.destroy());
        });
        front.on('connection', (c: net.Socket) => (raw.add(c), c.on('close', () => raw.delete(c))));
        await new Promise<void>((r) => front.listen(0, '127.0.0.1', () => r()));
        onCleanup(
            front,
            (f) =>
                new Promise<void>((r) => {
                    for (const c of raw) c.destroy();
                    f.close(() => r());
                }),
        );
        const proxyTls = new io.TlsConnectionOptions(
            new io.ClientTlsContext(tlsOptions((o) => (o.certificate_authority = m.ca.cert.pem))),
            'localhost',
        );
        expect(proxyTls.server_name).toBe('localhost');
        await connects(
            tlsConfig(
                tlsBroker.tlsPort,
                tlsOptions((o) => (o.ca_filepath = m.ca.cert.path)),
                {
                    httpProxyOptions: new http.HttpProxyOptions(
                        '127.0.0.1',
                        (front.address() as net.AddressInfo).port,
                        http.HttpProxyAuthenticationType.None,
                        undefined,
                        undefined,
                        proxyTls,
                    ),
                },
            ),
        );
        expect(proxy.targets).toEqual([`localhost:${tlsBroker.tlsPort}`]);
        expect(servernames).toEqual(['localhost']);
    });

    it('plain MQTT (no TLS, no websockets) through a proxy is refused by aws-c-http: INVALID_ARGUMENT at once', async () => {
        const proxy = onCleanup(await startConnectProxy(), (p) => p.close());
        for (const type of [http.HttpProxyConnectionType.Legacy, http.HttpProxyConnectionType.Tunneling]) {
            const r = await firstAttempt(
                new Mqtt5Client({
                    hostName: '127.0.0.1',
                    port: brokerPort(),
                    ...NO_QUICK_RETRY,
                    httpProxyOptions: new http.HttpProxyOptions(
                        '127.0.0.1',
                        proxy.port,
                        http.HttpProxyAuthenticationType.None,
                        undefined,
                        undefined,
                        undefined,
                        type,
                    ),
                }),
            );
            expect(r.ok).toBe(false);
            expect(r.error!.code).toBe('AWS_ERROR_INVALID_ARGUMENT');
        }
        expect(proxy.requests).toHaveLength(0);
    });
});

// ---------------------------------------------------------------------------------------------

describe('PKCS#11 (SoftHSM 2)', () => {
    let token: SofthsmToken;
    let lib: io.Pkcs11Lib;

    beforeAll(() => {
        // Installs softhsm2 with apt-get when missing (root); fails with what to install otherwise.
        token = makeSofthsmToken({
            keyPkcs8Path: m.client.keyPkcs8.path,
            tokenLabel: 'mqtt5-crt',
            keyLabel: 'client-key',
            userPin: '1234',
        });
        lib = new io.Pkcs11Lib(token.libPath);
    }, 300_000);
    afterAll(() => {
        lib?.close();
        token?.cleanup();
    });

    const pkcs11 = (extra: Partial<io.Pkcs11Options> = {}): io.Pkcs11Options => ({
        pkcs11_lib: lib,
        user_pin: token.userPin,
        token_label: token.tokenLabel,
        private_key_object_label: token.keyLabel,
        cert_file_path: m.client.cert.path,
        ...extra,
    });

    // First: PKCS#11 login state is per token and process, and aws-c-io takes
    // CKR_USER_ALREADY_LOGGED_IN as success, so once a context has logged in (the tests below),
    // a wrong PIN is no longer noticed while that session lives.
    it('a wrong PIN, key label or token label fails when the TLS context is made, with a PKCS#11 CrtError', () => {
        const attempt = (extra: Partial<io.Pkcs11Options>) => {
            try {
                new io.ClientTlsContext(io.TlsContextOptions.create_client_with_mtls_pkcs11(pkcs11(extra)));
            } catch (e) {
                return e;
            }
            return undefined;
        };
        expect(attempt({ user_pin: '0000' })).toMatchObject({ name: 'CrtError', code: 'AWS_ERROR_PKCS11_CKR_PIN_INCORRECT' });
        expect(attempt({ private_key_object_label: 'no-such-key' })).toMatchObject({
            name: 'CrtError',
            code: 'AWS_ERROR_PKCS11_KEY_NOT_FOUND',
        });
        expect(attempt({ token_label: 'no-such-token' })).toMatchObject({
            name: 'CrtError',
            code: 'AWS_ERROR_PKCS11_TOKEN_NOT_FOUND',
        });
    });

    it('TlsContextOptions.create_client_with_mtls_pkcs11 connects to the mTLS listener', async () => {
        const options = tlsOptions(
            (o) => (o.ca_filepath = m.ca.cert.path),
            io.TlsContextOptions.create_client_with_mtls_pkcs11(pkcs11()),
        );
        const client = await connects(tlsConfig(mtlsBroker.tlsPort, options));
        await roundTrip(client);
    });

    it('aws-crt builder newDirectMqttBuilderWithMtlsFromPkcs11 (certificate from a file)', async () => {
        await connects(
            iot.AwsIotMqtt5ClientConfigBuilder.newDirectMqttBuilderWithMtlsFromPkcs11('localhost', pkcs11())
                .withPort(mtlsBroker.tlsPort)
                .withCertificateAuthority(m.ca.cert.pem)
                .build(),
        );
    });

    it('C++ builder createMqtt5ClientBuilderWithMtlsPkcs11 (certificate in memory) and its seed alias, through ALPN x-amzn-mqtt-ca', async () => {
        const t = onCleanup(
            await startAlpnTlsTerminator({
                material: m,
                requiredAlpn: 'x-amzn-mqtt-ca',
                targetPort: brokerPort(),
                requireCertificate: true,
            }),
            (x) => x.close(),
        );
        const options = pkcs11({ cert_file_path: undefined, cert_file_contents: m.client.cert.pem });
        await connects(
            Mqtt5ClientBuilder.createMqtt5ClientBuilderWithMtlsPkcs11('localhost', options)
                .withPort(t.port)
                .withCertificateAuthority(m.ca.cert.pem)
                .build(),
        );
        await connects(
            Mqtt5ClientBuilder.newMqtt5ClientBuilderWithMtlsPkcs11('localhost', pkcs11())
                .withPort(mtlsBroker.tlsPort)
                .withCertificateAuthority(m.ca.cert.path)
                .build(),
        );
        expect(t.connections.map((c) => [c.alpn, c.peerCN])).toEqual([['x-amzn-mqtt-ca', 'test-client']]);
    });
});

// ---------------------------------------------------------------------------------------------

describe('TLS verification failures (started in beforeAll; reported after the blinding delay)', () => {
    const expectNegotiationFailure = async (name: string) => {
        const r = await slow[name];
        expect(r.ok, name).toBe(false);
        expect(r.error, name).toBeInstanceOf(CrtError);
        expect(r.error!.code, name).toBe('AWS_IO_TLS_ERROR_NEGOTIATION_FAILURE');
        expect(r.error!.message).toMatch(/TLS/);
    };

    it('wrong CA (TlsContextOptions and the aws-crt builder)', async () => {
        await expectNegotiationFailure('wrongCa');
        await expectNegotiationFailure('wrongCaBuilder');
    }, 45_000);

    it('expired server certificate', async () => {
        await expectNegotiationFailure('expired');
    }, 45_000);

    it('self-signed server certificate', async () => {
        await expectNegotiationFailure('selfSigned');
    }, 45_000);

    it('min_tls_version TLSv1_3 against a TLS-1.2-only server', async () => {
        const r = await slow.tls13vs12;
        expect(r.ok).toBe(false);
        expect(r.error!.code).toMatch(/^AWS_IO_TLS_/);
    }, 45_000);

    it('each failed client tried once (no quick retry) and stops at once', async () => {
        expect([...slowAttempts.values()]).toEqual(slowClients.map(() => 1));
        for (const c of slowClients) {
            const stopped = once(c, 'stopped', 5000);
            c.stop();
            await stopped;
        }
    }, 45_000);
});
