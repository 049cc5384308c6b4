// Local stand-ins for AWS IoT Core, so every example runs with `--local` on one machine:
// a private mosquitto (plain, TLS and mutual-TLS listeners, optional password file), test
// certificates made with the openssl CLI, a small MQTT-over-websocket gateway (`ws` package)
// that can check SigV4 presigned handshakes, and an HTTP CONNECT proxy with Basic auth.
// Plain JavaScript on purpose; the tests have fuller TypeScript versions in test/helpers/.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { WebSocketServer } from 'ws';

/** Everything started here; `closeAll()` stops it and removes the temp files. */
const cleanups = [];
export async function closeAll() {
    for (const c of cleanups.splice(0).reverse()) await c();
}

function tempDir(prefix) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `mqtt5-crt-example-${prefix}-`));
    fs.chmodSync(dir, 0o755); // mosquitto, started as root, reads it as user 'mosquitto'
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    return dir;
}

export function freePort() {
    return new Promise((resolve, reject) => {
        const srv = net.createServer().on('error', reject);
        srv.listen(0, '127.0.0.1', () => {
            const { port } = srv.address();
            srv.close(() => resolve(port));
        });
    });
}

async function waitForPort(port, ms = 10_000) {
    const deadline = Date.now() + ms;
    for (;;) {
        const ok = await new Promise((resolve) => {
            const s = net.connect({ host: '127.0.0.1', port });
            s.once('connect', () => (s.destroy(), resolve(true)));
            s.once('error', () => resolve(false));
        });
        if (ok) return;
        if (Date.now() > deadline) throw new Error(`nothing listening on 127.0.0.1:${port}`);
        await new Promise((r) => setTimeout(r, 25));
    }
}

/**
 * A CA, a server certificate for localhost/127.0.0.1 and a client certificate (CN example-client),
 * EC P-256, as PEM files: { dir, ca, serverCert, serverKey, clientCert, clientKey } (paths).
 */
export function makeCertificates() {
    const dir = tempDir('certs');
    const p = (f) => path.join(dir, f);
    fs.writeFileSync(p('req.cnf'), '[req]\ndistinguished_name=dn\nprompt=no\n[dn]\nCN=unused\n');
    const openssl = (...args) =>
        execFileSync('openssl', args, { cwd: dir, stdio: 'pipe', env: { ...process.env, OPENSSL_CONF: p('req.cnf') } });
    const key = (name) => openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', p(`${name}.key`));
    const issue = (name, cn, ext) => {
        key(name);
        openssl('req', '-new', '-key', p(`${name}.key`), '-subj', `/CN=${cn}`, '-out', p(`${name}.csr`));
        fs.writeFileSync(p(`${name}.ext`), ext.join('\n') + '\n');
        openssl(
            'x509',
            '-req',
            '-in',
            p(`${name}.csr`),
            '-CA',
            p('ca.crt'),
            '-CAkey',
            p('ca.key'),
            '-CAcreateserial',
            '-days',
            '2',
            '-sha256',
            '-extfile',
            p(`${name}.ext`),
            '-out',
            p(`${name}.crt`),
        );
    };
    key('ca');
    openssl(
        'req',
        '-x509',
        '-new',
        '-key',
        p('ca.key'),
        '-subj',
        '/CN=mqtt5-crt example CA',
        '-days',
        '2',
        '-sha256',
        '-addext',
        'basicConstraints=critical,CA:TRUE',
        '-addext',
        'keyUsage=critical,keyCertSign,cRLSign',
        '-out',
        p('ca.crt'),
    );
    issue('server', 'localhost', [
        'basicConstraints=CA:FALSE',
        'extendedKeyUsage=serverAuth',
        'subjectAltName=DNS:localhost,IP:127.0.0.1',
    ]);
    issue('client', 'example-client', ['basicConstraints=CA:FALSE', 'extendedKeyUsage=clientAuth']);
    for (const f of fs.readdirSync(dir)) fs.chmodSync(p(f), 0o644);
    return {
        dir,
        ca: p('ca.crt'),
        serverCert: p('server.crt'),
        serverKey: p('server.key'),
        clientCert: p('client.crt'),
        clientKey: p('client.key'),
    };
}

function findMosquitto() {
    for (const c of ['/usr/sbin/mosquitto', '/usr/bin/mosquitto', '/usr/local/sbin/mosquitto', '/usr/local/bin/mosquitto']) {
        if (fs.existsSync(c)) return c;
    }
    const r = spawnSync('sh', ['-c', 'command -v mosquitto'], { encoding: 'utf8' });
    if (r.status === 0 && r.stdout.trim()) return r.stdout.trim();
    throw new Error(
        '--local needs the mosquitto broker (Debian/Ubuntu: apt-get install mosquitto; macOS: brew install mosquitto)',
    );
}

/**
 * A private mosquitto on loopback: a plain listener (`port`) and, with `certs`, a TLS listener
 * (`tlsPort`) that requires a client certificate when `requireCertificate`. `users`
 * ({ username: password }) turns anonymous access off and checks them with a password file.
 */
export async function startMosquitto({ certs, requireCertificate = false, users } = {}) {
    const dir = tempDir('mosquitto');
    const port = await freePort();
    const lines = [`listener ${port} 127.0.0.1`, 'log_dest stderr', 'log_type error'];
    let tlsPort;
    if (certs) {
        tlsPort = await freePort();
        lines.push(
            `listener ${tlsPort} 127.0.0.1`,
            `cafile ${certs.ca}`,
            `certfile ${certs.serverCert}`,
            `keyfile ${certs.serverKey}`,
        );
        if (requireCertificate) lines.push('require_certificate true');
    }
    if (users) {
        const file = path.join(dir, 'passwords');
        Object.entries(users).forEach(([user, password], i) => {
            execFileSync('mosquitto_passwd', ['-b', ...(i === 0 ? ['-c'] : []), file, user, password], { stdio: 'pipe' });
        });
        fs.chmodSync(file, 0o644);
        lines.push('allow_anonymous false', `password_file ${file}`);
    } else {
        lines.push('allow_anonymous true');
    }
    fs.writeFileSync(path.join(dir, 'mosquitto.conf'), lines.join('\n') + '\n');
    const proc = spawn(findMosquitto(), ['-c', path.join(dir, 'mosquitto.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    proc.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    cleanups.push(async () => {
        if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
        await exited;
    });
    try {
        await waitForPort(port);
        if (tlsPort) await waitForPort(tlsPort);
    } catch (e) {
        throw new Error(`mosquitto did not start: ${stderr.trim() || e.message}`);
    }
    return { port, tlsPort };
}

// ---- SigV4 presigned-URL check (service iotdevicegateway, session token appended unsigned) ----

const enc = (s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
const hmac = (key, data) => createHmac('sha256', key).update(data).digest();

/** Returns undefined when `req` carries a valid presigned SigV4 query for these credentials, else why not. */
export function checkSigv4(req, { accessKeyId, secretAccessKey, region, service = 'iotdevicegateway' }) {
    const url = new URL(req.url, 'https://gateway');
    const q = url.searchParams;
    const [keyId, date, scopeRegion, scopeService] = (q.get('X-Amz-Credential') ?? '').split('/');
    if (keyId !== accessKeyId) return `unknown access key id "${keyId}"`;
    if (scopeRegion !== region || scopeService !== service)
        return `signed for ${scopeRegion}/${scopeService}, expected ${region}/${service}`;
    const signed = (q.get('X-Amz-SignedHeaders') ?? '').split(';');
    const query = [...q]
        .filter(([k]) => k !== 'X-Amz-Signature' && k !== 'X-Amz-Security-Token')
        .map(([k, v]) => [enc(k), enc(v)])
        .sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0))
        .map(([k, v]) => `${k}=${v}`)
        .join('&');
    const headers = signed.map((h) => `${h}:${String(req.headers[h] ?? '').trim()}\n`).join('');
    const emptySha = createHash('sha256').update('').digest('hex');
    const canonical = ['GET', url.pathname, query, headers, signed.join(';'), emptySha].join('\n');
    const scope = `${date}/${region}/${service}/aws4_request`;
    const toSign = ['AWS4-HMAC-SHA256', q.get('X-Amz-Date'), scope, createHash('sha256').update(canonical).digest('hex')].join(
        '\n',
    );
    const key = hmac(hmac(hmac(hmac(`AWS4${secretAccessKey}`, date), region), service), 'aws4_request');
    const expected = createHmac('sha256', key).update(toSign).digest('hex');
    return expected === q.get('X-Amz-Signature') ? undefined : 'signature mismatch';
}

/**
 * MQTT over websockets in front of the broker's plain port: accepts subprotocol "mqtt", checks each
 * upgrade with `verify(req)` (return a reason to refuse it with 401), pipes binary frames to the
 * broker. With `certs`, serves wss. Returns { port, upgrades }.
 */
export async function startWsGateway({ targetPort, certs, verify }) {
    const upgrades = [];
    const server = certs
        ? https.createServer({ cert: fs.readFileSync(certs.serverCert), key: fs.readFileSync(certs.serverKey) })
        : http.createServer();
    const wss = new WebSocketServer({
        noServer: true,
        perMessageDeflate: false,
        handleProtocols: (p) => (p.has('mqtt') ? 'mqtt' : false),
    });
    server.on('upgrade', (req, socket, head) => {
        socket.on('error', () => {});
        const reason = verify?.(req);
        if (reason !== undefined) {
            socket.end(
                `HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: ${Buffer.byteLength(reason)}\r\n\r\n${reason}`,
            );
            return;
        }
        upgrades.push({ url: req.url, headers: req.headers });
        wss.handleUpgrade(req, socket, head, (ws) => {
            const broker = net.connect({ host: '127.0.0.1', port: targetPort });
            broker.on('data', (d) => ws.send(d, { binary: true }));
            broker.on('close', () => ws.close());
            broker.on('error', () => ws.terminate());
            ws.on('message', (data) => broker.write(data));
            ws.on('close', () => broker.destroy());
            ws.on('error', () => broker.destroy());
        });
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(async () => {
        for (const ws of wss.clients) ws.terminate();
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
    });
    return { port: server.address().port, upgrades };
}

/**
 * An HTTP CONNECT proxy on loopback; with `auth` ({ username, password }) it requires Basic
 * proxy authentication. Returns { port, tunnels: ["host:port", ...], refused }.
 */
export async function startConnectProxy({ auth } = {}) {
    const tunnels = [];
    const stats = { refused: 0 };
    const sockets = new Set();
    const expected = auth && `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
    const server = net.createServer((client) => {
        sockets.add(client);
        client.on('close', () => sockets.delete(client));
        client.on('error', () => {});
        let head = Buffer.alloc(0);
        const onData = (chunk) => {
            head = Buffer.concat([head, chunk]);
            const end = head.indexOf('\r\n\r\n');
            if (end < 0) return;
            client.off('data', onData);
            const [requestLine, ...headerLines] = head.subarray(0, end).toString('latin1').split('\r\n');
            const [method, target] = requestLine.split(' ');
            const authz = headerLines.find((l) => /^proxy-authorization:/i.test(l))?.replace(/^[^:]*:\s*/, '');
            if (method !== 'CONNECT') return client.end('HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n');
            if (expected && authz !== expected) {
                stats.refused++;
                return client.end(
                    'HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="example"\r\nContent-Length: 0\r\n\r\n',
                );
            }
            const [, host, port] = /^(.*):(\d+)$/.exec(target) ?? [];
            if (!['localhost', '127.0.0.1'].includes(host))
                return client.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n');
            const upstream = net.connect({ host: '127.0.0.1', port: Number(port) }, () => {
                tunnels.push(target);
                client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
                const rest = head.subarray(end + 4);
                if (rest.length) upstream.write(rest);
                client.pipe(upstream);
                upstream.pipe(client);
            });
            sockets.add(upstream);
            upstream.on('close', () => (sockets.delete(upstream), client.destroy()));
            upstream.on('error', () => client.destroy());
            client.on('close', () => upstream.destroy());
        };
        client.on('data', onData);
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(async () => {
        for (const s of sockets) s.destroy();
        await new Promise((resolve) => server.close(resolve));
    });
    return { port: server.address().port, tunnels, stats };
}
