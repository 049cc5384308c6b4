// A minimal HTTP CONNECT (tunnelling) proxy on loopback, optionally with Basic auth and/or TLS
// between client and proxy. Only tunnels to 127.0.0.1 / localhost / ::1.
import net from 'node:net';
import tls from 'node:tls';

export interface ProxyRequestRecord {
    method: string;
    /** The request target, e.g. "127.0.0.1:1883". */
    target: string;
    httpVersion: string;
    /** Header names lower-cased; repeated headers joined with ", ". */
    headers: Record<string, string>;
    /** The status the proxy answered. */
    status: number;
}

export interface ConnectProxyOptions {
    /** Require `Proxy-Authorization: Basic base64(username:password)` (else 407 with `Proxy-Authenticate: Basic`). */
    auth?: { username: string; password: string };
    /** Speak TLS to clients (an "https" proxy). */
    tls?: { cert: string; key: string };
    /** Fixed port (default: a free one). */
    port?: number;
}

export interface ConnectProxy {
    port: number;
    /** Every request head received, in order (including refused ones). */
    requests: ProxyRequestRecord[];
    /** Targets of established tunnels, e.g. ["127.0.0.1:1883"]. */
    readonly targets: string[];
    /** Tunnels established so far (200 sent). */
    readonly tunnels: number;
    /** Tunnels currently open. */
    readonly openTunnels: number;
    /** Requests refused with 407. */
    readonly authFailures: number;
    /** Bytes tunnelled client -> target and target -> client (the CONNECT head excluded). */
    readonly bytesUp: number;
    readonly bytesDown: number;
    close(): Promise<void>;
}

const ALLOWED_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);
const MAX_HEAD = 16 * 1024;

function parseTarget(target: string): { host: string; port: number } | undefined {
    const m = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(target);
    if (!m) return undefined;
    const port = Number(m[2]);
    if (port < 1 || port > 65535) return undefined;
    return { host: m[1].replace(/^\[|\]$/g, ''), port };
}

export async function startConnectProxy(opts: ConnectProxyOptions = {}): Promise<ConnectProxy> {
    const requests: ProxyRequestRecord[] = [];
    const targets: string[] = [];
    const sockets = new Set<net.Socket>();
    let tunnels = 0;
    let openTunnels = 0;
    let authFailures = 0;
    let bytesUp = 0;
    let bytesDown = 0;
    const expectedAuth = opts.auth
        ? 'Basic ' + Buffer.from(`${opts.auth.username}:${opts.auth.password}`).toString('base64')
        : undefined;

    const track = (s: net.Socket) => {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
        s.on('error', () => {});
    };

    const respond = (client: net.Socket, status: number, text: string, extra: string[] = []) => {
        client.end([`HTTP/1.1 ${status} ${text}`, ...extra, 'Content-Length: 0', 'Connection: close', '', ''].join('\r\n'));
    };

    const onClient = (client: net.Socket) => {
        track(client);
        let head = Buffer.alloc(0);
        const onData = (chunk: Buffer) => {
            head = Buffer.concat([head, chunk]);
            const end = head.indexOf('\r\n\r\n');
            if (end < 0) {
                if (head.length > MAX_HEAD) {
                    client.off('data', onData);
                    respond(client, 431, 'Request Header Fields Too Large');
                }
                return;
            }
            client.off('data', onData);
            client.pause();
            const rest = head.subarray(end + 4);
            const lines = head.subarray(0, end).toString('latin1').split('\r\n');
            const [method = '', target = '', version = ''] = lines[0].split(' ');
            const headers: Record<string, string> = {};
            for (const line of lines.slice(1)) {
                const i = line.indexOf(':');
                if (i <= 0) continue;
                const name = line.slice(0, i).trim().toLowerCase();
                const value = line.slice(i + 1).trim();
                headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
            }
            const record: ProxyRequestRecord = {
                method,
                target,
                httpVersion: version.replace(/^HTTP\//, ''),
                headers,
                status: 0,
            };
            requests.push(record);
            const answer = (status: number, text: string, extra: string[] = []) => {
                record.status = status;
                respond(client, status, text, extra);
            };
            if (method !== 'CONNECT') return answer(405, 'Method Not Allowed', ['Allow: CONNECT']);
            if (expectedAuth !== undefined && headers['proxy-authorization'] !== expectedAuth) {
                authFailures++;
                return answer(407, 'Proxy Authentication Required', ['Proxy-Authenticate: Basic realm="mqtt5-crt test proxy"']);
            }
            const dest = parseTarget(target);
            if (!dest) return answer(400, 'Bad Request');
            if (!ALLOWED_HOSTS.has(dest.host)) return answer(403, 'Forbidden');
            const upstream = net.connect({ host: dest.host === 'localhost' ? '127.0.0.1' : dest.host, port: dest.port });
            track(upstream);
            upstream.once('error', () => {
                if (record.status === 0) answer(502, 'Bad Gateway');
                else client.destroy();
            });
            upstream.once('connect', () => {
                record.status = 200;
                tunnels++;
                openTunnels++;
                targets.push(target);
                client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
                if (rest.length > 0) {
                    bytesUp += rest.length;
                    upstream.write(rest);
                }
                client.on('data', (d: Buffer) => (bytesUp += d.length));
                upstream.on('data', (d: Buffer) => (bytesDown += d.length));
                client.pipe(upstream);
                upstream.pipe(client);
                client.resume();
                let closed = false;
                const done = () => {
                    if (closed) return;
                    closed = true;
                    openTunnels--;
                    client.destroy();
                    upstream.destroy();
                };
                client.on('close', done);
                upstream.on('close', done);
            });
        };
        client.on('data', onData);
    };

    const server = opts.tls ? tls.createServer({ cert: opts.tls.cert, key: opts.tls.key }, onClient) : net.createServer(onClient);
    if (opts.tls) server.on('connection', track);
    await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
    });
    return {
        port: (server.address() as net.AddressInfo).port,
        requests,
        targets,
        get tunnels() {
            return tunnels;
        },
        get openTunnels() {
            return openTunnels;
        },
        get authFailures() {
            return authFailures;
        },
        get bytesUp() {
            return bytesUp;
        },
        get bytesDown() {
            return bytesDown;
        },
        close: () =>
            new Promise<void>((resolve) => {
                for (const s of sockets) s.destroy();
                server.close(() => resolve());
            }),
    };
}
