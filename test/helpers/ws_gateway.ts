// A websocket gateway in front of mosquitto's plain TCP port, like AWS IoT's wss endpoint:
// accepts upgrades with subprotocol "mqtt" only, lets the test verify (e.g. SigV4) each upgrade
// request, records them, and pipes binary frames <-> a TCP connection to the broker.
import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';

export interface WsUpgradeRecord {
    method: string;
    /** Request target as sent (path and query string), e.g. "/mqtt?X-Amz-Algorithm=...". */
    url: string;
    /** Lower-cased header names (node's IncomingMessage.headers). */
    headers: IncomingHttpHeaders;
    /** Headers exactly as sent: [name, value, name, value, ...]. */
    rawHeaders: string[];
    /** The Sec-WebSocket-Protocol values offered. */
    protocols: string[];
}

export interface WsRejection extends WsUpgradeRecord {
    status: number;
    reason: string;
}

export interface WsGatewayOptions {
    /** Plain TCP port of the broker to forward to (on 127.0.0.1). */
    targetPort: number;
    /** Serve https/wss with this certificate and key (PEM strings). */
    tls?: { cert: string; key: string };
    /** Called for each upgrade request that offers "mqtt": return a reason to refuse it with 401. */
    verify?: (req: IncomingMessage) => string | undefined;
    /** Only accept upgrades for this path (404 otherwise), e.g. "/mqtt". Default: any path. */
    path?: string;
    /** Fixed listening port (default: a free one). */
    port?: number;
}

export interface WsGateway {
    port: number;
    /** "ws://127.0.0.1:<port>" or "wss://127.0.0.1:<port>". */
    url: string;
    /** Every accepted upgrade request, in order. */
    upgrades: WsUpgradeRecord[];
    /** Every refused upgrade request (status 400: no "mqtt" subprotocol or a bad handshake, 401: verify refused, 404: path). */
    rejections: WsRejection[];
    /** Websocket connections currently open. */
    readonly openConnections: number;
    /** Payload bytes forwarded client -> broker and broker -> client. */
    readonly bytesToBroker: number;
    readonly bytesFromBroker: number;
    /** Text frames received (MQTT requires binary frames; the connection is closed with 1003). */
    readonly textFrames: number;
    /** Terminates every connection and stops listening. */
    close(): Promise<void>;
}

const STATUS_TEXT: Record<number, string> = {
    400: 'Bad Request',
    401: 'Unauthorized',
    404: 'Not Found',
    426: 'Upgrade Required',
};

function refuse(socket: Duplex, status: number, reason: string): void {
    const body = `${reason}\n`;
    socket.end(
        `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\nConnection: close\r\nContent-Type: text/plain\r\n` +
            `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
    socket.on('error', () => {});
    setTimeout(() => socket.destroy(), 1000).unref();
}

export async function startWsGateway(opts: WsGatewayOptions): Promise<WsGateway> {
    const upgrades: WsUpgradeRecord[] = [];
    const rejections: WsRejection[] = [];
    const sockets = new Set<Duplex>();
    const upstreams = new Set<net.Socket>();
    let bytesToBroker = 0;
    let bytesFromBroker = 0;
    let textFrames = 0;

    const onRequest = (_req: IncomingMessage, res: http.ServerResponse) => {
        res.writeHead(426, { 'Content-Type': 'text/plain', Upgrade: 'websocket', Connection: 'close' });
        res.end('websocket upgrade required\n');
    };
    const server = opts.tls
        ? https.createServer({ cert: opts.tls.cert, key: opts.tls.key }, onRequest)
        : http.createServer(onRequest);
    const wss = new WebSocketServer({
        noServer: true,
        clientTracking: true,
        maxPayload: 0, // unlimited (MQTT packets go up to 256 MiB)
        perMessageDeflate: false,
        handleProtocols: (protocols) => (protocols.has('mqtt') ? 'mqtt' : false),
    });

    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        socket.on('error', () => {});
        const protocols = String(req.headers['sec-websocket-protocol'] ?? '')
            .split(',')
            .map((p) => p.trim())
            .filter((p) => p.length > 0);
        const record: WsUpgradeRecord = {
            method: req.method ?? '',
            url: req.url ?? '',
            headers: req.headers,
            rawHeaders: req.rawHeaders,
            protocols,
        };
        const reject = (status: number, reason: string) => {
            rejections.push({ ...record, status, reason });
            refuse(socket, status, reason);
        };
        const pathname = (req.url ?? '').split('?')[0];
        if (opts.path !== undefined && pathname !== opts.path) return reject(404, `no websocket endpoint at ${pathname}`);
        if (!protocols.includes('mqtt'))
            return reject(400, `subprotocol "mqtt" required (offered: ${protocols.join(', ') || 'none'})`);
        if (opts.verify) {
            let reason: string | undefined;
            try {
                reason = opts.verify(req);
            } catch (e: any) {
                reason = `verify threw: ${e?.message ?? e}`;
            }
            if (reason !== undefined) return reject(401, reason);
        }
        // ws validates the rest of the handshake (version, key, ...) and answers 400 itself.
        const key = req.headers['sec-websocket-key'];
        const version = req.headers['sec-websocket-version'];
        if (
            req.method !== 'GET' ||
            typeof key !== 'string' ||
            !/^[+/0-9A-Za-z]{22}==$/.test(key.trim()) ||
            (version !== '8' && version !== '13')
        ) {
            return reject(400, 'invalid websocket handshake');
        }
        upgrades.push(record);
        wss.handleUpgrade(req, socket, head, (ws) => pipe(ws));
    });

    const pipe = (ws: WebSocket) => {
        const upstream = net.connect({ host: '127.0.0.1', port: opts.targetPort });
        upstreams.add(upstream);
        upstream.on('data', (d: Buffer) => {
            bytesFromBroker += d.length;
            if (ws.readyState === WebSocket.OPEN) ws.send(d, { binary: true });
        });
        upstream.on('error', () => {});
        upstream.on('close', () => {
            upstreams.delete(upstream);
            if (ws.readyState === WebSocket.OPEN) ws.close(1000, 'broker closed the connection');
            else if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
        });
        ws.on('message', (data: Buffer, isBinary: boolean) => {
            if (!isBinary) {
                textFrames++;
                ws.close(1003, 'MQTT needs binary frames');
                upstream.destroy();
                return;
            }
            bytesToBroker += data.length;
            upstream.write(data); // buffered until connected
        });
        ws.on('error', () => {});
        ws.on('close', () => upstream.destroy());
    };

    await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
    });
    const port = (server.address() as net.AddressInfo).port;
    return {
        port,
        url: `${opts.tls ? 'wss' : 'ws'}://127.0.0.1:${port}`,
        upgrades,
        rejections,
        get openConnections() {
            return wss.clients.size;
        },
        get bytesToBroker() {
            return bytesToBroker;
        },
        get bytesFromBroker() {
            return bytesFromBroker;
        },
        get textFrames() {
            return textFrames;
        },
        close: async () => {
            for (const ws of wss.clients) ws.terminate();
            for (const u of upstreams) u.destroy();
            for (const s of sockets) s.destroy();
            await new Promise<void>((resolve) => wss.close(() => resolve()));
            server.closeAllConnections();
            await new Promise<void>((resolve) => server.close(() => resolve()));
        },
    };
}
