// Helpers of the connection-method tests (test/integration/connect_*.test.ts): tracked clients
// closed after each test, first-attempt outcomes, a round trip, TLS configs, a TCP tap that decodes
// each CONNECT, and a Node TLS front end that records TLS versions.
import net from 'node:net';
import tls from 'node:tls';
import { afterEach, expect } from 'vitest';
import {
    type CrtError,
    io,
    Mqtt5Client,
    QoS,
    RetryJitterType,
    type ConnackPacket,
    type Mqtt5ClientConfig,
} from '../../dist/index.js';
import { brokerPort, isClosed, once, uniqueTopic } from './client';
import type { TlsMaterial } from './tls';

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Every resource a test opens; closed by afterEach (clients first, then servers). */
export const clients = new Set<Mqtt5Client>();
export const running = new WeakMap<Mqtt5Client, boolean>();
export const closers: Array<() => Promise<void> | void> = [];

export function track<T extends Mqtt5Client>(client: T): T {
    clients.add(client);
    client.on('attemptingConnect', () => running.set(client, true));
    client.on('stopped', () => running.set(client, false));
    return client;
}
export function onCleanup<T>(thing: T, close: (t: T) => Promise<void> | void): T {
    closers.push(() => close(thing));
    return thing;
}

export async function shutdown(client: Mqtt5Client): Promise<void> {
    if (running.get(client) && !isClosed(client)) {
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

export interface Attempt {
    ok: boolean;
    error?: CrtError;
    connack?: ConnackPacket;
    ms: number;
}

/** Starts the client (tracked) and resolves with its first connection success or failure. */
export function firstAttempt(client: Mqtt5Client, timeoutMs = 15_000): Promise<Attempt> {
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
export async function connects(clientOrConfig: Mqtt5Client | Mqtt5ClientConfig): Promise<Mqtt5Client> {
    const client = clientOrConfig instanceof Mqtt5Client ? clientOrConfig : new Mqtt5Client(clientOrConfig);
    const r = await firstAttempt(client);
    expect(r.error?.message ?? 'connected').toBe('connected');
    expect(r.ok).toBe(true);
    return client;
}

/** Subscribe, publish QoS 1 and receive it back: data really flows over the connection. */
export async function roundTrip(client: Mqtt5Client): Promise<void> {
    const topic = uniqueTopic('connect-methods');
    const suback = await client.subscribe({ subscriptions: [{ topicFilter: topic, qos: QoS.AtLeastOnce }] });
    expect(suback.reasonCodes).toEqual([1]);
    const received = once<{ message: { topicName: string; payload?: ArrayBuffer } }>(client, 'messageReceived');
    await client.publish({ topicName: topic, qos: QoS.AtLeastOnce, payload: 'over the wire' });
    const { message } = await received;
    expect(message.topicName).toBe(topic);
    expect(Buffer.from(message.payload!).toString()).toBe('over the wire');
}

/**
 * A client that, after a failed attempt, waits a minute before retrying (so one attempt is seen).
 * No jitter: with the default (full) jitter the delay is random in [0, 60 s], not at least 60 s.
 */
export const NO_QUICK_RETRY = { minReconnectDelayMs: 60_000, maxReconnectDelayMs: 60_000, retryJitterMode: RetryJitterType.None };

export function tlsOptions(
    setup: (o: io.TlsContextOptions) => void = () => {},
    base = new io.TlsContextOptions(),
): io.TlsContextOptions {
    setup(base);
    return base;
}

/** A client config for TLS to `port` on localhost (the test certificates name localhost and 127.0.0.1). */
export function tlsConfig(
    port: number,
    options: io.TlsContextOptions,
    extra: Partial<Mqtt5ClientConfig> = {},
): Mqtt5ClientConfig {
    return {
        hostName: 'localhost',
        port,
        tlsCtx: new io.ClientTlsContext(options),
        connectProperties: { keepAliveIntervalSeconds: 60 },
        ...extra,
    };
}

// ---- MQTT CONNECT decoding, for a TCP tap between a front end and the broker ----

export interface DecodedConnect {
    clientId: string;
    username?: string;
    password?: Buffer;
    keepAlive: number;
}

export function readVarInt(buf: Buffer, at: number): [number, number] {
    let value = 0;
    let mul = 1;
    for (let i = at; i < at + 4; i++) {
        value += (buf[i] & 0x7f) * mul;
        if ((buf[i] & 0x80) === 0) return [value, i + 1];
        mul *= 128;
    }
    throw new Error('malformed variable byte integer');
}

/** Decodes an MQTT 5 or 3.1.1 CONNECT (first packet in buf). */
export function decodeConnect(buf: Buffer): DecodedConnect {
    if (buf[0] !== 0x10) throw new Error(`not a CONNECT: first byte 0x${buf[0].toString(16)}`);
    let [, at] = readVarInt(buf, 1);
    const str = (): Buffer => {
        const len = buf.readUInt16BE(at);
        const s = buf.subarray(at + 2, at + 2 + len);
        at += 2 + len;
        return s;
    };
    const level = str().toString() === 'MQTT' ? buf[at] : 0;
    if (level !== 5 && level !== 4) throw new Error('neither MQTT 5 nor MQTT 3.1.1');
    const flags = buf[at + 1];
    const keepAlive = buf.readUInt16BE(at + 2);
    at += 4;
    // Properties (MQTT 5 only): skipped.
    const skipProperties = () => {
        if (level !== 5) return;
        const [len, after] = readVarInt(buf, at);
        at = after + len;
    };
    skipProperties();
    const clientId = str().toString();
    if (flags & 0x04) {
        skipProperties();
        str();
        str();
    }
    const username = flags & 0x80 ? str().toString('utf8') : undefined;
    const password = flags & 0x40 ? Buffer.from(str()) : undefined;
    return { clientId, username, password, keepAlive };
}

export interface Tap {
    port: number;
    /** The CONNECT of every connection that sent one, in order. */
    connects: DecodedConnect[];
    close(): Promise<void>;
}

/** A TCP pass-through to 127.0.0.1:targetPort that decodes each connection's CONNECT. */
export async function startConnectTap(targetPort: number): Promise<Tap> {
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
export async function startVersionTerminator(material: TlsMaterial, opts: { maxVersion?: tls.SecureVersion } = {}) {
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
export type VersionTerminator = Awaited<ReturnType<typeof startVersionTerminator>>;

/** Closes, after each test, every client `track`ed and everything given to `onCleanup` (clients first). */
export function closeTrackedAfterEach(): void {
    afterEach(async () => {
        const all = [...clients];
        clients.clear();
        await Promise.all(all.map(shutdown));
        for (const close of closers.splice(0).reverse()) await close();
    });
}
