// A fault-injecting TCP proxy for tests: listens on 127.0.0.1:<free port> and forwards every
// connection to 127.0.0.1:<targetPort>, while the test breaks the link in controlled ways.
//
//   const proxy = await startFaultProxy(broker.port);
//   client = new Mqtt5Client({ hostName: '127.0.0.1', port: proxy.port, ... });
//   proxy.pause();        // bytes stop flowing both ways; sockets stay open (e.g. for ping timeouts)
//   proxy.resume();       // held bytes are forwarded, in order, and forwarding goes on
//   proxy.drop();         // every current connection is destroyed (socket.destroy(): FIN both ways)
//   proxy.reset();        // every current connection is aborted with a TCP RST (resetAndDestroy)
//   proxy.refuse(true);   // new connections are accepted and closed at once (until refuse(false))
//   proxy.slow(32768);    // at most 32 KiB/s each way per connection; slow(null) lifts it
//   proxy.stats           // accepted / refused / active connections, bytes forwarded each way
//   proxy.tap((dir, chunk, conn) => ...)  // sees every chunk as it is forwarded ('c2s' or 's2c')
//   await proxy.close();  // closes the listener and every connection
//
// pause() and slow() apply to connections made later too. The proxy keeps reading while paused or
// throttled (the held bytes wait in memory, up to HIGH_WATER per direction before it stops reading),
// so a peer closing its socket is noticed at once and the other side is closed too. A side that
// ends cleanly (FIN) has its held bytes delivered before the FIN is passed on.
import net from 'node:net';

export interface FaultProxyStats {
    /** Connections accepted and forwarded (not counting refused ones). */
    accepted: number;
    /** Connections closed at once because refuse(true) was on. */
    refused: number;
    /** Forwarded connections still open. */
    active: number;
    /** Bytes forwarded client → target. */
    clientToServer: number;
    /** Bytes forwarded target → client. */
    serverToClient: number;
}

export interface FaultProxy {
    /** The port the proxy listens on (127.0.0.1). */
    readonly port: number;
    readonly stats: FaultProxyStats;
    /** Stops forwarding in both directions; connections stay open and bytes are held. */
    pause(): void;
    /** Forwards what was held and goes on forwarding. */
    resume(): void;
    /** Destroys every current connection abruptly (socket.destroy() on both sides). */
    drop(): void;
    /** Aborts every current connection with a TCP RST (socket.resetAndDestroy() on both sides). */
    reset(): void;
    /** While on, new connections are closed as soon as they are accepted. */
    refuse(on: boolean): void;
    /** Throttles each direction of each connection to `bytesPerSecond`; null removes the limit. */
    slow(bytesPerSecond: number | null): void;
    /**
     * Calls `fn` with every chunk as it is forwarded (written to the other side), in order, with
     * its direction ('c2s' client → target, 's2c' target → client) and the connection's number
     * (1 for the first accepted connection, and so on). null removes it.
     */
    tap(fn: ((direction: 'c2s' | 's2c', chunk: Buffer, connection: number) => void) | null): void;
    /** Closes the listener and every connection. */
    close(): Promise<void>;
}

/** Bytes held per direction before the proxy stops reading from the sending side. */
const HIGH_WATER = 256 * 1024;
/** Throttle granularity. */
const TICK_MS = 20;

interface Shared {
    paused: boolean;
    rate: number | null;
    pipes: Set<Pipe>;
    tap: ((direction: 'c2s' | 's2c', chunk: Buffer, connection: number) => void) | null;
}

/** One direction of one connection: src → dst, honouring pause and the rate limit. */
class Pipe {
    private queue: Buffer[] = [];
    private held = 0;
    ended = false;
    private timer: NodeJS.Timeout | undefined;
    private tokens = 0;
    private last = performance.now();

    constructor(
        private readonly shared: Shared,
        private readonly src: net.Socket,
        private readonly dst: net.Socket,
        private readonly direction: 'c2s' | 's2c',
        private readonly connection: number,
        private readonly count: (n: number) => void,
    ) {
        shared.pipes.add(this);
        src.on('data', (d: Buffer) => {
            this.queue.push(d);
            this.held += d.length;
            if (this.held > HIGH_WATER) src.pause();
            this.pump();
        });
        src.on('end', () => {
            this.ended = true;
            this.pump();
        });
    }

    /** Forwards what the current pause/rate state allows; reschedules itself when throttled. */
    pump(): void {
        if (this.timer) {
            clearTimeout(this.timer);
            this.timer = undefined;
        }
        if (this.shared.paused || this.dst.destroyed) return;
        const rate = this.shared.rate;
        const now = performance.now();
        if (rate !== null) {
            // Token bucket holding at most one tick's worth (but at least 1 byte).
            const burst = Math.max(1, Math.floor((rate * TICK_MS) / 1000));
            this.tokens = Math.min(burst, this.tokens + ((now - this.last) * rate) / 1000);
        }
        this.last = now;
        while (this.queue.length > 0) {
            let chunk = this.queue[0];
            if (rate !== null) {
                const n = Math.floor(this.tokens);
                if (n < 1) break;
                if (chunk.length > n) {
                    this.queue[0] = chunk.subarray(n);
                    chunk = chunk.subarray(0, n);
                } else {
                    this.queue.shift();
                }
                this.tokens -= chunk.length;
            } else {
                this.queue.shift();
            }
            this.held -= chunk.length;
            this.count(chunk.length);
            this.shared.tap?.(this.direction, chunk, this.connection);
            this.dst.write(chunk);
        }
        if (this.held <= HIGH_WATER && this.src.isPaused() && !this.src.destroyed) this.src.resume();
        if (this.queue.length > 0) {
            if (rate !== null) this.timer = setTimeout(() => this.pump(), TICK_MS);
            return;
        }
        if (this.ended && !this.dst.destroyed) this.dst.end();
    }

    dispose(): void {
        if (this.timer) clearTimeout(this.timer);
        this.timer = undefined;
        this.queue = [];
        this.held = 0;
        this.shared.pipes.delete(this);
    }
}

/** Starts a proxy on 127.0.0.1:<free port> forwarding to 127.0.0.1:targetPort. */
export async function startFaultProxy(targetPort: number): Promise<FaultProxy> {
    const shared: Shared = { paused: false, rate: null, pipes: new Set(), tap: null };
    const stats: FaultProxyStats = { accepted: 0, refused: 0, active: 0, clientToServer: 0, serverToClient: 0 };
    const pairs = new Set<[net.Socket, net.Socket]>();
    let refusing = false;

    const server = net.createServer((down) => {
        down.on('error', () => {});
        if (refusing) {
            stats.refused++;
            down.destroy();
            return;
        }
        stats.accepted++;
        stats.active++;
        const up = net.connect({ host: '127.0.0.1', port: targetPort });
        up.on('error', () => {});
        const pair: [net.Socket, net.Socket] = [down, up];
        pairs.add(pair);
        const c2s = new Pipe(shared, down, up, 'c2s', stats.accepted, (n) => (stats.clientToServer += n));
        const s2c = new Pipe(shared, up, down, 's2c', stats.accepted, (n) => (stats.serverToClient += n));
        let closed = 0;
        const closeSide = (from: Pipe, back: Pipe, other: net.Socket) => {
            // Nothing more can be delivered to the side that closed.
            back.dispose();
            // After a clean FIN its pipe passes the FIN on once the held bytes are out; after an
            // error or a destroy the other side is closed at once.
            if (!from.ended) {
                from.dispose();
                other.destroy();
            }
            if (++closed === 2) {
                pairs.delete(pair);
                stats.active--;
                c2s.dispose();
                s2c.dispose();
            }
        };
        down.on('close', () => closeSide(c2s, s2c, up));
        up.on('close', () => closeSide(s2c, c2s, down));
    });
    await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => resolve());
    });
    const port = (server.address() as net.AddressInfo).port;

    const each = (f: (s: net.Socket) => void) => {
        for (const pair of [...pairs]) for (const s of pair) f(s);
    };

    return {
        port,
        stats,
        pause() {
            shared.paused = true;
        },
        resume() {
            shared.paused = false;
            for (const p of [...shared.pipes]) p.pump();
        },
        drop() {
            each((s) => s.destroy());
        },
        reset() {
            each((s) => {
                try {
                    s.resetAndDestroy();
                } catch {
                    s.destroy();
                }
            });
        },
        refuse(on: boolean) {
            refusing = on;
        },
        slow(bytesPerSecond: number | null) {
            if (bytesPerSecond !== null && !(bytesPerSecond > 0))
                throw new RangeError('slow(): bytesPerSecond must be > 0 or null');
            shared.rate = bytesPerSecond;
            for (const p of [...shared.pipes]) p.pump();
        },
        tap(fn) {
            shared.tap = fn;
        },
        close() {
            shared.tap = null;
            return new Promise<void>((resolve) => {
                each((s) => s.destroy());
                for (const p of [...shared.pipes]) p.dispose();
                server.close(() => resolve());
            });
        },
    };
}
