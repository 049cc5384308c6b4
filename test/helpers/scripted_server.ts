// A scripted MQTT 5 server for tests of hostile and broken peers: raw TCP on 127.0.0.1, it sends
// exactly the bytes a test gives it (valid or not) and records every packet the client sends back,
// so a test can assert on the wire (e.g. the reason code of the client's DISCONNECT).
//
//   const server = await startScriptedServer(async (conn) => {
//       await conn.expect(PacketType.CONNECT);
//       conn.send(connack());
//       conn.send(publish({ topic: 'a/+', qos: 0, payload: 'x' }));  // invalid: a wildcard
//   });
//   ... start a client on server.port ...
//   const conn = await server.connection(0);
//   expect(await conn.disconnectReason()).toBe(0x81);
//
// Every accepted connection runs the script once; `server.connections` lists them in order. The
// builders below encode packets from their fields; a test that needs bytes no builder makes writes
// them itself (`conn.send(Buffer.from([...]))`).
import net from 'node:net';

export const PacketType = {
    CONNECT: 1,
    CONNACK: 2,
    PUBLISH: 3,
    PUBACK: 4,
    SUBSCRIBE: 8,
    SUBACK: 9,
    UNSUBSCRIBE: 10,
    UNSUBACK: 11,
    PINGREQ: 12,
    PINGRESP: 13,
    DISCONNECT: 14,
} as const;

/** One packet as the client sent it. */
export interface Packet {
    type: number;
    /** The low four bits of the first byte. */
    flags: number;
    /** Everything after the fixed header. */
    body: Buffer;
}

export interface ScriptedConnection {
    /** The connection's number, 0 for the first one accepted. */
    readonly index: number;
    readonly socket: net.Socket;
    /** Every complete packet the client has sent on this connection, in order. */
    readonly packets: Packet[];
    /** Resolves when the client's side has closed (or the socket errored). */
    readonly closed: Promise<void>;
    /** Writes raw bytes (ignored once the socket is closed). */
    send(bytes: Buffer | Uint8Array): void;
    /** The next packet not yet taken by expect()/next() (waits for it), or rejects after `ms`. */
    next(ms?: number): Promise<Packet>;
    /** next(), and checks its type. */
    expect(type: number, ms?: number): Promise<Packet>;
    /**
     * Waits for the connection to close and gives the reason code of the DISCONNECT the client
     * sent on it (0 when its DISCONNECT has no reason code byte), or null if it closed without one.
     */
    disconnectReason(ms?: number): Promise<number | null>;
    /** Closes the connection from the server's side. */
    end(): void;
}

export interface ScriptedServer {
    readonly port: number;
    /** Accepted connections, in order. */
    readonly connections: ScriptedConnection[];
    /** The n-th accepted connection (0-based), waiting for it up to `ms`. */
    connection(n: number, ms?: number): Promise<ScriptedConnection>;
    /** Errors thrown by scripts (a test should expect none). */
    readonly scriptErrors: unknown[];
    close(): Promise<void>;
}

export type Script = (conn: ScriptedConnection) => Promise<void> | void;

const DEFAULT_WAIT_MS = 10_000;

/** Splits a byte stream into MQTT packets (fixed header + remaining length). */
class PacketReader {
    #buf = Buffer.alloc(0);
    push(chunk: Buffer): Packet[] {
        this.#buf = this.#buf.length === 0 ? chunk : Buffer.concat([this.#buf, chunk]);
        const out: Packet[] = [];
        for (;;) {
            if (this.#buf.length < 2) break;
            let len = 0;
            let mul = 1;
            let i = 1;
            let complete = false;
            for (; i < 5 && i < this.#buf.length; i++) {
                const b = this.#buf[i];
                len += (b & 0x7f) * mul;
                mul *= 128;
                if ((b & 0x80) === 0) {
                    complete = true;
                    break;
                }
            }
            if (!complete) break;
            const start = i + 1;
            if (this.#buf.length < start + len) break;
            out.push({ type: this.#buf[0] >> 4, flags: this.#buf[0] & 0x0f, body: this.#buf.subarray(start, start + len) });
            this.#buf = this.#buf.subarray(start + len);
        }
        return out;
    }
}

function timeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    return Promise.race([
        p,
        new Promise<T>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`scripted server: timed out after ${ms} ms waiting for ${what}`)), ms);
        }),
    ]).finally(() => clearTimeout(timer));
}

function connectionOf(socket: net.Socket, index: number): ScriptedConnection {
    const packets: Packet[] = [];
    const reader = new PacketReader();
    let taken = 0;
    let wake: (() => void) | null = null;
    let isClosed = false;
    const closed = new Promise<void>((resolve) => {
        const done = () => {
            isClosed = true;
            wake?.();
            resolve();
        };
        socket.once('close', done);
    });
    socket.on('error', () => {}); // a reset by the client is an outcome the test looks at, not a failure
    socket.on('data', (chunk: Buffer) => {
        packets.push(...reader.push(chunk));
        wake?.();
    });
    const next = async (ms = DEFAULT_WAIT_MS): Promise<Packet> => {
        const wait = async () => {
            while (taken >= packets.length) {
                if (isClosed) throw new Error(`scripted server: connection ${index} closed before the next packet`);
                await new Promise<void>((r) => {
                    wake = r;
                });
                wake = null;
            }
            return packets[taken++];
        };
        return timeout(wait(), ms, `a packet on connection ${index}`);
    };
    return {
        index,
        socket,
        packets,
        closed,
        send(bytes) {
            if (!socket.destroyed && socket.writable) socket.write(bytes);
        },
        next,
        async expect(type, ms) {
            const p = await next(ms);
            if (p.type !== type) throw new Error(`scripted server: expected packet type ${type}, got ${p.type}`);
            return p;
        },
        async disconnectReason(ms = DEFAULT_WAIT_MS) {
            await timeout(closed, ms, `connection ${index} to close`);
            const d = packets.find((p) => p.type === PacketType.DISCONNECT);
            if (!d) return null;
            return d.body.length === 0 ? 0 : d.body[0];
        },
        end() {
            socket.end();
        },
    };
}

/** Starts a server on 127.0.0.1 (a free port) that runs `script` for every connection. */
export async function startScriptedServer(script: Script): Promise<ScriptedServer> {
    const connections: ScriptedConnection[] = [];
    const scriptErrors: unknown[] = [];
    const sockets = new Set<net.Socket>();
    let arrived: (() => void) | null = null;
    const server = net.createServer((socket) => {
        sockets.add(socket);
        socket.once('close', () => sockets.delete(socket));
        const conn = connectionOf(socket, connections.length);
        connections.push(conn);
        arrived?.();
        Promise.resolve()
            .then(() => script(conn))
            .catch((e) => {
                // A script waiting for a packet on a connection the client closed is expected
                // (the test is about the client closing it); anything else is recorded.
                if (!socket.destroyed) scriptErrors.push(e);
            });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    return {
        port,
        connections,
        scriptErrors,
        async connection(n, ms = DEFAULT_WAIT_MS) {
            const wait = async () => {
                while (connections.length <= n) {
                    await new Promise<void>((r) => {
                        arrived = r;
                    });
                    arrived = null;
                }
                return connections[n];
            };
            return timeout(wait(), ms, `connection ${n}`);
        },
        close() {
            for (const s of sockets) s.destroy();
            return new Promise<void>((resolve) => server.close(() => resolve()));
        },
    };
}

// ---- Encoders --------------------------------------------------------------------------------

/** The MQTT variable byte integer. */
export function vbi(n: number): Buffer {
    const out: number[] = [];
    do {
        let b = n % 128;
        n = Math.floor(n / 128);
        if (n > 0) b |= 0x80;
        out.push(b);
    } while (n > 0);
    return Buffer.from(out);
}

/** A two-byte-length-prefixed string or binary field (bytes given as a Buffer are sent as they are). */
export function str(s: string | Buffer): Buffer {
    const b = typeof s === 'string' ? Buffer.from(s, 'utf8') : s;
    const len = Buffer.alloc(2);
    len.writeUInt16BE(b.length);
    return Buffer.concat([len, b]);
}

export const u16 = (n: number): Buffer => {
    const b = Buffer.alloc(2);
    b.writeUInt16BE(n);
    return b;
};
export const u32 = (n: number): Buffer => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n);
    return b;
};

/** A packet from its first byte and the rest (the remaining length is computed). */
export function packet(firstByte: number, ...parts: Buffer[]): Buffer {
    const body = Buffer.concat(parts);
    return Buffer.concat([Buffer.from([firstByte]), vbi(body.length), body]);
}

/** Properties: the property length, then the given property bytes (identifier + value each). */
export function props(...parts: Buffer[]): Buffer {
    const body = Buffer.concat(parts);
    return Buffer.concat([vbi(body.length), body]);
}

/** One property: its identifier byte and its encoded value. */
export const prop = (id: number, value: Buffer): Buffer => Buffer.concat([Buffer.from([id]), value]);

/** CONNACK: success by default, no session, the given property bytes. */
export function connack(opts: { reasonCode?: number; sessionPresent?: boolean; properties?: Buffer[] } = {}): Buffer {
    return packet(0x20, Buffer.from([opts.sessionPresent ? 1 : 0, opts.reasonCode ?? 0]), props(...(opts.properties ?? [])));
}

export interface PublishSpec {
    topic: string | Buffer;
    /** 0..3: 3 is invalid and encoded as it is. */
    qos?: number;
    packetId?: number;
    payload?: string | Buffer;
    properties?: Buffer[];
    retain?: boolean;
    dup?: boolean;
}

/** PUBLISH, encoded as specified even where that breaks the protocol. */
export function publish(p: PublishSpec): Buffer {
    const qos = p.qos ?? 0;
    const first = 0x30 | (p.dup ? 8 : 0) | ((qos & 3) << 1) | (p.retain ? 1 : 0);
    const parts = [str(p.topic)];
    if (qos > 0) parts.push(u16(p.packetId ?? 1));
    parts.push(props(...(p.properties ?? [])));
    parts.push(typeof p.payload === 'string' ? Buffer.from(p.payload) : (p.payload ?? Buffer.alloc(0)));
    return packet(first, ...parts);
}

/** SUBACK / UNSUBACK with the given reason codes. */
export const suback = (packetId: number, reasonCodes: number[]): Buffer =>
    packet(0x90, u16(packetId), props(), Buffer.from(reasonCodes));
export const unsuback = (packetId: number, reasonCodes: number[]): Buffer =>
    packet(0xb0, u16(packetId), props(), Buffer.from(reasonCodes));
export const puback = (packetId: number, reasonCode = 0): Buffer =>
    packet(0x40, u16(packetId), Buffer.from([reasonCode]), props());

/** The packet identifier at the start of a SUBSCRIBE/UNSUBSCRIBE/PUBLISH(QoS>0 after the topic) body. */
export function packetIdOf(p: Packet): number {
    if (p.type === PacketType.PUBLISH) {
        const topicLen = p.body.readUInt16BE(0);
        return p.body.readUInt16BE(2 + topicLen);
    }
    return p.body.readUInt16BE(0);
}

/** A script that answers CONNECT with a plain CONNACK, then runs `then` (if given). */
export function acceptThen(then?: (conn: ScriptedConnection) => Promise<void> | void): Script {
    return async (conn) => {
        await conn.expect(PacketType.CONNECT);
        conn.send(connack());
        await then?.(conn);
    };
}
