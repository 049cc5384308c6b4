// The memcheck exercise's TLS, websocket and credentials steps: TLS contexts of every kind, TLS
// connects and a wrong-CA failure, websocket handshake transforms, credentials providers (run by
// exercise.cjs).
'use strict';

const fs = require('node:fs');
const {
    lib,
    binding,
    TLS_PORT,
    MTLS_PORT,
    CA,
    CLIENT_CERT,
    CLIENT_KEY,
    step,
    ok,
    throws,
    sleep,
    once,
    connected,
    stopClose,
    config,
    rejects,
    settle,
} = require('./harness.cjs');
const { Mqtt5Client, io, auth, CrtError } = lib;

function makeTlsContexts() {
    step('TLS contexts');
    const contexts = [];
    contexts.push(new io.ClientTlsContext());
    const o1 = new io.TlsContextOptions();
    o1.override_default_trust_store_from_path(undefined, CA);
    o1.alpn_list = ['mqtt', 'x-amzn-mqtt-ca'];
    o1.min_tls_version = io.TlsVersion.TLSv1_2;
    contexts.push(new io.ClientTlsContext(o1));
    const o2 = new io.TlsContextOptions();
    o2.override_default_trust_store(fs.readFileSync(CA, 'utf8'));
    contexts.push(new io.ClientTlsContext(o2));
    const o3 = io.TlsContextOptions.create_client_with_mtls_from_path(CLIENT_CERT, CLIENT_KEY);
    o3.override_default_trust_store_from_path(undefined, CA);
    contexts.push(new io.ClientTlsContext(o3));
    const o4 = io.TlsContextOptions.create_client_with_mtls(
        fs.readFileSync(CLIENT_CERT, 'utf8'),
        fs.readFileSync(CLIENT_KEY, 'utf8'),
    );
    o4.override_default_trust_store(fs.readFileSync(CA, 'utf8'));
    o4.tls_cipher_preference = io.TlsCipherPreference.Default;
    contexts.push(new io.ClientTlsContext(o4));
    const o5 = new io.TlsContextOptions();
    o5.verify_peer = false;
    contexts.push(new io.ClientTlsContext(o5));
    // Bad input.
    const bad1 = new io.TlsContextOptions();
    bad1.ca_filepath = '/nonexistent/ca.pem';
    throws(
        () => new io.ClientTlsContext(bad1),
        (e) => e instanceof Error,
        'missing CA file',
    );
    const bad2 = io.TlsContextOptions.create_client_with_mtls('not a certificate', 'not a key');
    throws(
        () => new io.ClientTlsContext(bad2),
        (e) => e instanceof Error,
        'garbage PEM',
    );
    throws(() => new binding.NativeTlsContext({ certificate_filepath: CLIENT_CERT }), TypeError, 'cert without key');
    throws(
        () => new binding.NativeTlsContext({ alpn_list: [1] }),
        (e) => e instanceof Error,
        'bad alpn',
    );
    throws(() => new binding.NativeTlsContext({ min_tls_version: 'x' }), TypeError, 'bad version');
    ok(contexts.length === 6, 'six contexts');
    return contexts;
}

async function tlsConnect(contexts) {
    step('TLS: connect with the test CA (and with mTLS), pub/sub; wrong trust fails');
    const [systemTrust, caFile, , mtlsPath] = contexts;
    const tlsConfig = (id, tlsCtx, port = TLS_PORT) => ({ ...config(id), port, hostName: 'localhost', tlsCtx });
    const cases = [['tls', caFile, TLS_PORT]];
    if (MTLS_PORT) cases.push(['mtls', mtlsPath, MTLS_PORT]);
    for (const [name, ctx, port] of cases) {
        const c = await connected(tlsConfig(name, ctx, port));
        const topic = `memcheck-tls/${process.pid}/${name}`;
        await c.subscribe({ subscriptions: [{ topicFilter: topic, qos: 1 }] });
        const got = once(c, 'messageReceived');
        await c.publish({ topicName: topic, qos: 1, payload: Buffer.alloc(64 * 1024, 7) });
        const { message } = await got;
        ok(message.payload.byteLength === 64 * 1024, `${name} message`);
        await stopClose(c);
    }
    const w = new Mqtt5Client({ ...tlsConfig('wrong', systemTrust), minReconnectDelayMs: 200, maxReconnectDelayMs: 400 });
    const fail = once(w, 'connectionFailure');
    w.start();
    const { error } = await fail;
    ok(error instanceof CrtError, `untrusted server refused: ${error.code}`);
    await stopClose(w);
    // Proxy options with a TLS context (no proxy listening: the attempt just fails).
    const p = new Mqtt5Client({
        ...config('proxy'),
        minReconnectDelayMs: 200,
        httpProxyOptions: new lib.http.HttpProxyOptions(
            '127.0.0.1',
            1,
            undefined,
            undefined,
            undefined,
            new io.TlsConnectionOptions(caFile),
        ),
    });
    const pfail = once(p, 'connectionFailure');
    p.start();
    await pfail;
    await stopClose(p);
}

async function websockets() {
    step('websocket handshake transforms (JS): proceed, fail, throw-free rewrite');
    const cases = [
        ['proceed', (_req, done) => done()],
        ['fail', (_req, done) => done(binding.errorCodes.INVALID_ARGUMENT)],
        [
            'rewrite',
            (req, done) => {
                req.headers.add('x-memcheck', 'yes');
                req.path = '/mqtt?x=1';
                setTimeout(() => done(), 10);
            },
        ],
    ];
    for (const [name, transform] of cases) {
        let calls = 0;
        const c = new Mqtt5Client({
            hostName: '127.0.0.1',
            port: 1, // nothing there: the attempt fails after the transform
            minReconnectDelayMs: 50,
            maxReconnectDelayMs: 100,
            websocketHandshakeTransform: (req, done) => {
                calls++;
                transform(req, done);
            },
        });
        const fail = once(c, 'connectionFailure');
        c.start();
        await fail;
        ok(calls >= 1, `${name}: transform called`);
        await stopClose(c);
    }
    // A transform that never calls done(): close must fail the pending handshake.
    const stuck = new Mqtt5Client({ hostName: '127.0.0.1', port: 1, websocketHandshakeTransform: () => {} });
    stuck.start();
    await sleep(500);
    stuck.close();

    step('SigV4 websocket presigning (native) with static credentials');
    const creds = auth.AwsCredentialsProvider.newStatic('AKIDEXAMPLE', 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', 'token');
    const signed = new Mqtt5Client({
        hostName: '127.0.0.1',
        port: 1,
        minReconnectDelayMs: 50,
        maxReconnectDelayMs: 100,
        websocketHandshakeTransform: lib.iot.sigv4HandshakeTransform('us-east-1', creds),
    });
    const sfail = once(signed, 'connectionFailure');
    signed.start();
    await sfail;
    await stopClose(signed);
}

async function credentials() {
    step('credentials providers');
    const s = auth.AwsCredentialsProvider.newStatic('AK', 'SK', 'TOKEN');
    const c1 = await s.getCredentials();
    ok(c1.accessKeyId === 'AK' && c1.sessionToken === 'TOKEN', 'static');
    const cached = auth.AwsCredentialsProvider.newCached(s, 1000);
    ok((await cached.getCredentials()).secretAccessKey === 'SK', 'cached');
    const d = auth.AwsCredentialsProvider.newDelegate(async () => ({ aws_access_key_id: 'D', aws_secret_access_key: 'E' }));
    ok((await d.getCredentials()).accessKeyId === 'D', 'delegate');
    const dBad = auth.AwsCredentialsProvider.newDelegate(() => {
        throw new Error('no credentials here');
    });
    await rejects(dBad.getCredentials());
    const env = auth.AwsCredentialsProvider.newEnvironment();
    // Resolves or rejects by this machine's environment; either way it must settle.
    ok(typeof (await settle(env.getCredentials())).ok === 'boolean', 'environment provider settled');
}

module.exports = { makeTlsContexts, tlsConnect, websockets, credentials };
