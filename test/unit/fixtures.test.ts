// The TLS / websocket / proxy test fixtures themselves, exercised with Node clients and raw MQTT 5
// CONNECT packets against real mosquitto brokers (no addon involved).
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import type { Duplex } from 'node:stream';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import WebSocket from 'ws';
import { startConnectProxy } from '../helpers/http_proxy';
import { verifyPresignedUrl } from '../helpers/sigv4';
import { makeTlsMaterial, type TlsMaterial } from '../helpers/tls';
import { startAlpnTlsTerminator, startTlsBroker, type TlsBroker } from '../helpers/tls_broker';
import { startWsGateway } from '../helpers/ws_gateway';

const brokerPort = () => inject('brokerPort');

/** An MQTT 5 CONNECT: clean start, keep alive 60, no properties, the given client id. */
function connectPacket(clientId = `fixture-${crypto.randomUUID().slice(0, 8)}`): Buffer {
    const id = Buffer.from(clientId);
    const variable = Buffer.from([0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x05, 0x02, 0x00, 0x3c, 0x00]);
    const payload = Buffer.concat([Buffer.from([id.length >> 8, id.length & 0xff]), id]);
    return Buffer.concat([Buffer.from([0x10, variable.length + payload.length]), variable, payload]);
}

/** Length of the first complete MQTT packet in buf, or 0 if incomplete. */
function packetLength(buf: Buffer): number {
    let len = 0;
    let mul = 1;
    for (let i = 1; i < Math.min(buf.length, 5); i++) {
        len += (buf[i] & 0x7f) * mul;
        mul *= 128;
        if ((buf[i] & 0x80) === 0) return buf.length >= i + 1 + len ? i + 1 + len : 0;
    }
    return 0;
}

/** Writes a CONNECT on the stream and resolves with the first packet back; rejects on error or close. */
function mqttConnect(stream: Duplex, timeoutMs = 5000): Promise<Buffer> {
    return new Promise((resolve, reject) => {
        let buf = Buffer.alloc(0);
        const timer = setTimeout(() => done(new Error('no MQTT packet in time')), timeoutMs);
        const done = (err?: Error, packet?: Buffer) => {
            clearTimeout(timer);
            stream.removeAllListeners('data');
            stream.destroy();
            err ? reject(err) : resolve(packet!);
        };
        stream.on('data', (d: Buffer) => {
            buf = Buffer.concat([buf, d]);
            const n = packetLength(buf);
            if (n > 0) done(undefined, buf.subarray(0, n));
        });
        stream.once('error', (e) => done(e));
        stream.once('close', () => done(new Error('closed before any MQTT packet')));
        stream.write(connectPacket());
    });
}

function expectConnackSuccess(packet: Buffer): void {
    expect(packet[0]).toBe(0x20); // CONNACK
    expect(packet[3]).toBe(0x00); // reason code: success
}

describe('makeTlsMaterial', () => {
    let m: TlsMaterial;
    beforeAll(() => {
        m = makeTlsMaterial();
    });
    afterAll(() => m.cleanup());

    it('makes a CA, a wrong CA, good / expired / self-signed server certs and client certs', () => {
        const x = (pem: string) => new crypto.X509Certificate(pem);
        const ca = x(m.ca.cert.pem);
        const wrongCa = x(m.wrongCa.cert.pem);
        expect(ca.ca).toBe(true);
        expect(wrongCa.ca).toBe(true);
        for (const pair of [m.server, m.serverExpired, m.client]) {
            expect(x(pair.cert.pem).verify(ca.publicKey)).toBe(true);
            expect(x(pair.cert.pem).verify(wrongCa.publicKey)).toBe(false);
            expect(x(pair.cert.pem).checkIssued(ca)).toBe(true);
        }
        expect(x(m.wrongClient.cert.pem).verify(wrongCa.publicKey)).toBe(true);
        const server = x(m.server.cert.pem);
        expect(server.subjectAltName).toBe('DNS:localhost, IP Address:127.0.0.1');
        expect(server.checkHost('localhost')).toBe('localhost');
        expect(server.checkIP('127.0.0.1')).toBe('127.0.0.1');
        expect(new Date(server.validTo).getTime()).toBeGreaterThan(Date.now() + 365 * 86400_000);
        const expired = x(m.serverExpired.cert.pem);
        expect(expired.subjectAltName).toBe('DNS:localhost, IP Address:127.0.0.1');
        expect(new Date(expired.validTo).getTime()).toBe(Date.parse('2020-01-02T00:00:00Z'));
        const self = x(m.serverSelfSigned.cert.pem);
        expect(self.verify(self.publicKey)).toBe(true);
        expect(self.checkIssued(ca)).toBe(false);
        expect(self.checkIP('127.0.0.1')).toBe('127.0.0.1');
        expect(x(m.client.cert.pem).subject).toBe('CN=test-client');
        expect(x(m.client.cert.pem).keyUsage).toContain('1.3.6.1.5.5.7.3.2'); // clientAuth
        for (const pair of [m.ca, m.wrongCa, m.server, m.serverExpired, m.serverSelfSigned, m.client, m.wrongClient]) {
            expect(fs.readFileSync(pair.cert.path, 'utf8')).toBe(pair.cert.pem);
            expect(pair.key.pem).toMatch(/^-----BEGIN EC PRIVATE KEY-----/);
            expect(pair.keyPkcs8.pem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
            // Both key forms are the certificate's key.
            const pub = x(pair.cert.pem).publicKey.export({ type: 'spki', format: 'der' });
            expect(crypto.createPublicKey(pair.key.pem).export({ type: 'spki', format: 'der' })).toEqual(pub);
            expect(crypto.createPublicKey(pair.keyPkcs8.pem).export({ type: 'spki', format: 'der' })).toEqual(pub);
        }
    });
});

describe('TLS brokers', () => {
    let m: TlsMaterial;
    const brokers: TlsBroker[] = [];
    beforeAll(() => {
        m = makeTlsMaterial();
    });
    afterAll(async () => {
        await Promise.all(brokers.map((b) => b.stop()));
        for (const b of brokers) fs.rmSync(b.broker.dir, { recursive: true, force: true });
        m.cleanup();
    });
    const start = async (opts: Omit<Parameters<typeof startTlsBroker>[0], 'material'>) => {
        const b = await startTlsBroker({ material: m, ...opts });
        brokers.push(b);
        return b;
    };
    const connect = (port: number, opts: tls.ConnectionOptions = {}) =>
        tls.connect({ host: '127.0.0.1', port, ca: m.ca.cert.pem, ...opts });

    it('serves MQTT over TLS with a certificate the CA verifies (IP and DNS names), and plain MQTT too', async () => {
        const b = await start({});
        expect(b.tlsPort).not.toBe(b.port);
        const s = connect(b.tlsPort);
        const secured = new Promise<void>((resolve) => s.once('secureConnect', () => resolve()));
        expectConnackSuccess(await mqttConnect(s));
        await secured;
        expect(s.authorized).toBe(true);
        expectConnackSuccess(await mqttConnect(connect(b.tlsPort, { servername: 'localhost' })));
        expectConnackSuccess(await mqttConnect(net.connect({ host: '127.0.0.1', port: b.port })));
        // Not trusted with the wrong CA (mosquitto's OpenSSL auto-chains the CA from cafile into the
        // handshake, so the client sees a self-signed certificate in the chain); wrong name.
        await expect(mqttConnect(connect(b.tlsPort, { ca: m.wrongCa.cert.pem }))).rejects.toMatchObject({
            code: 'SELF_SIGNED_CERT_IN_CHAIN',
        });
        await expect(mqttConnect(connect(b.tlsPort, { servername: 'example.com' }))).rejects.toMatchObject({
            code: 'ERR_TLS_CERT_ALTNAME_INVALID',
        });
    });

    it('presents an expired or a self-signed certificate on request', async () => {
        const expired = await start({ certKind: 'expired' });
        await expect(mqttConnect(connect(expired.tlsPort))).rejects.toMatchObject({ code: 'CERT_HAS_EXPIRED' });
        const self = await start({ certKind: 'selfsigned' });
        await expect(mqttConnect(connect(self.tlsPort))).rejects.toMatchObject({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
        // Without peer verification both work.
        expectConnackSuccess(await mqttConnect(connect(expired.tlsPort, { rejectUnauthorized: false })));
        expectConnackSuccess(await mqttConnect(connect(self.tlsPort, { rejectUnauthorized: false })));
    });

    it('mTLS listener: accepts the CA-signed client certificate, refuses none or a foreign one', async () => {
        const b = await start({ requireCertificate: true, useIdentityAsUsername: true });
        expectConnackSuccess(await mqttConnect(connect(b.tlsPort, { cert: m.client.cert.pem, key: m.client.key.pem })));
        expectConnackSuccess(await mqttConnect(connect(b.tlsPort, { cert: m.client.cert.pem, key: m.client.keyPkcs8.pem })));
        // With TLS 1.3 the client completes its side of the handshake first, then gets the alert.
        await expect(mqttConnect(connect(b.tlsPort))).rejects.toThrow(/certificate required/);
        await expect(mqttConnect(connect(b.tlsPort, { maxVersion: 'TLSv1.2' }))).rejects.toThrow(/handshake failure/);
        await expect(
            mqttConnect(connect(b.tlsPort, { cert: m.wrongClient.cert.pem, key: m.wrongClient.key.pem })),
        ).rejects.toThrow(/unknown ca/);
        // The plain listener is unaffected.
        expectConnackSuccess(await mqttConnect(net.connect({ host: '127.0.0.1', port: b.port })));
    });

    it('ALPN terminator: pipes clients offering the required protocol, refuses the others', async () => {
        const t = await startAlpnTlsTerminator({ material: m, requiredAlpn: 'x-amzn-mqtt-ca', targetPort: brokerPort() });
        try {
            const ok = connect(t.port, { ALPNProtocols: ['mqtt', 'x-amzn-mqtt-ca'] });
            expectConnackSuccess(await mqttConnect(ok));
            expect(ok.alpnProtocol).toBe('x-amzn-mqtt-ca');
            // The fatal alert no_application_protocol (120); Node reports it as EPROTO on the pending write.
            await expect(mqttConnect(connect(t.port, { ALPNProtocols: ['mqtt'] }))).rejects.toThrow(/no application protocol/);
            await expect(mqttConnect(connect(t.port))).rejects.toThrow(/closed before any MQTT packet|ECONNRESET/);
            expect(t.offers).toEqual([
                { servername: undefined, protocols: ['mqtt', 'x-amzn-mqtt-ca'], selected: 'x-amzn-mqtt-ca' },
                { servername: undefined, protocols: ['mqtt'], selected: undefined },
            ]);
            expect(t.connections.map((c) => [c.alpn, c.accepted])).toEqual([
                ['x-amzn-mqtt-ca', true],
                [false, false],
            ]);
            expect(t.handshakeErrors.some((e: any) => e.code === 'ERR_SSL_NO_APPLICATION_PROTOCOL')).toBe(true);
        } finally {
            await t.close();
        }
        // With mutual TLS.
        const mt = await startAlpnTlsTerminator({
            material: m,
            requiredAlpn: 'x-amzn-mqtt-ca',
            targetPort: brokerPort(),
            requireCertificate: true,
        });
        try {
            const opts = { ALPNProtocols: ['x-amzn-mqtt-ca'], servername: 'localhost' };
            expectConnackSuccess(
                await mqttConnect(connect(mt.port, { ...opts, cert: m.client.cert.pem, key: m.client.key.pem })),
            );
            await expect(mqttConnect(connect(mt.port, opts))).rejects.toThrow(/certificate required/);
            expect(mt.connections[0]).toEqual({
                alpn: 'x-amzn-mqtt-ca',
                accepted: true,
                servername: 'localhost',
                peerCN: 'test-client',
            });
        } finally {
            await mt.close();
        }
    });
});

/** Opens a websocket, sends a CONNECT, resolves with the first binary message. */
function wsConnect(
    url: string,
    protocols: string | string[] | undefined,
    opts: WebSocket.ClientOptions = {},
): Promise<{ packet: Buffer; ws: WebSocket }> {
    return new Promise((resolve, reject) => {
        const ws = new WebSocket(url, protocols, opts);
        ws.once('open', () => ws.send(connectPacket()));
        ws.once('message', (data: Buffer, isBinary) => {
            if (!isBinary) reject(new Error('text frame'));
            resolve({ packet: data, ws });
            ws.close();
        });
        ws.once('unexpected-response', (_req, res) => {
            reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode }));
            ws.terminate();
        });
        ws.once('error', reject);
    });
}

describe('websocket gateway', () => {
    it('accepts subprotocol "mqtt" and pipes binary frames to mosquitto', async () => {
        const g = await startWsGateway({ targetPort: brokerPort() });
        try {
            const { packet } = await wsConnect(`${g.url}/mqtt?x=1`, 'mqtt', { headers: { 'x-test': 'yes' } });
            expectConnackSuccess(packet);
            expect(g.upgrades).toHaveLength(1);
            expect(g.upgrades[0]).toMatchObject({ method: 'GET', url: '/mqtt?x=1', protocols: ['mqtt'] });
            expect(g.upgrades[0].headers['x-test']).toBe('yes');
            expect(g.upgrades[0].headers.host).toBe(`127.0.0.1:${g.port}`);
            expect(g.bytesToBroker).toBe(connectPacket().length);
            expect(g.bytesFromBroker).toBeGreaterThanOrEqual(packet.length);
            // Other or no subprotocols: 400.
            await expect(wsConnect(g.url, 'mqttv3.1')).rejects.toMatchObject({ status: 400 });
            await expect(wsConnect(g.url, undefined)).rejects.toMatchObject({ status: 400 });
            expect(g.rejections.map((r) => r.status)).toEqual([400, 400]);
            expect(g.upgrades).toHaveLength(1);
            // A text frame closes the connection.
            const ws = new WebSocket(g.url, 'mqtt');
            await new Promise((r) => ws.once('open', r));
            const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
            ws.send('text');
            expect(await closed).toBe(1003);
            expect(g.textFrames).toBe(1);
        } finally {
            await g.close();
        }
    });

    it('over TLS, with a path and a verify hook (401 with its reason), e.g. a SigV4 check', async () => {
        const m = makeTlsMaterial();
        const creds = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };
        const g = await startWsGateway({
            targetPort: brokerPort(),
            tls: { cert: m.server.cert.pem, key: m.server.key.pem },
            path: '/mqtt',
            verify: (req) =>
                verifyPresignedUrl({ method: req.method!, url: req.url!, headers: req.headers }, creds, {
                    region: 'us-east-1',
                    service: 'iotdevicegateway',
                }).reason,
        });
        try {
            expect(g.url).toMatch(/^wss:/);
            await expect(wsConnect(`${g.url}/mqtt`, 'mqtt', { ca: m.ca.cert.pem })).rejects.toMatchObject({ status: 401 });
            expect(g.rejections[0].reason).toMatch(/missing query parameter X-Amz-Algorithm/);
            await expect(wsConnect(`${g.url}/other`, 'mqtt', { ca: m.ca.cert.pem })).rejects.toMatchObject({ status: 404 });
            await expect(wsConnect(`${g.url}/mqtt`, 'mqtt', { ca: m.wrongCa.cert.pem })).rejects.toMatchObject({
                code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
            });
            const gateNone = await startWsGateway({
                targetPort: brokerPort(),
                tls: { cert: m.server.cert.pem, key: m.server.key.pem },
            });
            try {
                const { packet } = await wsConnect(`${gateNone.url}/mqtt`, 'mqtt', { ca: m.ca.cert.pem });
                expectConnackSuccess(packet);
            } finally {
                await gateNone.close();
            }
        } finally {
            await g.close();
            m.cleanup();
        }
    });
});

/** Sends a CONNECT request head through the proxy; resolves with the socket and the response head. */
function proxyConnect(sock: Duplex, target: string, headers: string[] = []): Promise<{ head: string; rest: Buffer }> {
    return new Promise((resolve, reject) => {
        let buf = Buffer.alloc(0);
        const onData = (d: Buffer) => {
            buf = Buffer.concat([buf, d]);
            const end = buf.indexOf('\r\n\r\n');
            if (end < 0) return;
            sock.off('data', onData);
            resolve({ head: buf.subarray(0, end).toString('latin1'), rest: buf.subarray(end + 4) });
        };
        sock.on('data', onData);
        sock.once('error', reject);
        sock.write([`CONNECT ${target} HTTP/1.1`, `Host: ${target}`, ...headers, '', ''].join('\r\n'));
    });
}

describe('HTTP CONNECT proxy', () => {
    const basic = (u: string, p: string) => `Proxy-Authorization: Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;

    it('tunnels an authorised CONNECT to mosquitto; 407 for missing or wrong credentials; 403 off loopback', async () => {
        const proxy = await startConnectProxy({ auth: { username: 'user', password: 'p@ss:word' } });
        try {
            const target = `127.0.0.1:${brokerPort()}`;
            const s = net.connect({ host: '127.0.0.1', port: proxy.port });
            const { head, rest } = await proxyConnect(s, target, [basic('user', 'p@ss:word')]);
            expect(head).toBe('HTTP/1.1 200 Connection Established');
            expect(rest.length).toBe(0);
            expectConnackSuccess(await mqttConnect(s));
            expect(proxy.tunnels).toBe(1);
            expect(proxy.targets).toEqual([target]);
            expect(proxy.bytesUp).toBe(connectPacket().length);
            expect(proxy.bytesDown).toBeGreaterThanOrEqual(5);

            for (const headers of [[], [basic('user', 'wrong')], ['Proxy-Authorization: Bearer x']]) {
                const r = await proxyConnect(net.connect({ host: '127.0.0.1', port: proxy.port }), target, headers);
                expect(r.head).toMatch(/^HTTP\/1\.1 407 Proxy Authentication Required\r\n/);
                expect(r.head).toMatch(/\r\nProxy-Authenticate: Basic/);
            }
            expect(proxy.authFailures).toBe(3);
            const far = await proxyConnect(net.connect({ host: '127.0.0.1', port: proxy.port }), 'example.com:443', [
                basic('user', 'p@ss:word'),
            ]);
            expect(far.head).toMatch(/^HTTP\/1\.1 403/);
            expect(proxy.tunnels).toBe(1);
            expect(proxy.requests.map((r) => r.status)).toEqual([200, 407, 407, 407, 403]);
            expect(proxy.requests[0].headers['proxy-authorization']).toMatch(/^Basic /);
        } finally {
            await proxy.close();
        }
    });

    it('without auth, and over TLS to the proxy; forwards bytes sent right after the CONNECT head', async () => {
        const m = makeTlsMaterial();
        const proxy = await startConnectProxy({ tls: { cert: m.server.cert.pem, key: m.server.key.pem } });
        try {
            const s = tls.connect({ host: '127.0.0.1', port: proxy.port, ca: m.ca.cert.pem });
            // CONNECT head and the MQTT CONNECT in one write.
            const got = new Promise<Buffer>((resolve, reject) => {
                let buf = Buffer.alloc(0);
                s.on('data', (d: Buffer) => {
                    buf = Buffer.concat([buf, d]);
                    const end = buf.indexOf('\r\n\r\n');
                    if (end >= 0 && packetLength(buf.subarray(end + 4)) > 0) resolve(buf);
                });
                s.once('error', reject);
            });
            s.write(
                Buffer.concat([
                    Buffer.from(`CONNECT localhost:${brokerPort()} HTTP/1.1\r\nHost: localhost\r\n\r\n`),
                    connectPacket(),
                ]),
            );
            const buf = await got;
            s.destroy();
            const end = buf.indexOf('\r\n\r\n');
            expect(buf.subarray(0, end).toString()).toBe('HTTP/1.1 200 Connection Established');
            expectConnackSuccess(buf.subarray(end + 4));
            expect(proxy.targets).toEqual([`localhost:${brokerPort()}`]);
        } finally {
            await proxy.close();
            m.cleanup();
        }
    });
});
