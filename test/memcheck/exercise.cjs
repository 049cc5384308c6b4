// Exercises the addon's native paths with small counts, for memory checkers (valgrind memcheck:
// scripts/valgrind.mjs, `npm run test:valgrind`). Also runs as a plain script:
//
//   MEMCHECK_PORT=1883 [MEMCHECK_TLS_PORT=8883 MEMCHECK_MTLS_PORT=8884 MEMCHECK_CA=ca.pem MEMCHECK_CLIENT_CERT=.. MEMCHECK_CLIENT_KEY=..] \
//     node --expose-gc test/memcheck/exercise.cjs [main|teardown]
//
// main:     loading, error names, logging, validation errors (JS and direct native calls), never
//           started clients and their GC, connection failure, plain pub/sub QoS 0/1 with every
//           PUBLISH property, user properties, 1 MiB payload, large plain payloads (the decoder's
//           buffer taken over, one left undelivered at close), binary payload kinds, retained
//           messages, manual PUBACK, unsubscribe, statistics, offline queue, aborted operations
//           withdrawn from the offline queue, stop with a DISCONNECT,
//           restart, close with operations pending, GC of used clients, TLS contexts (CA file and
//           memory, mTLS path and memory, ALPN, versions, bad input), TLS connect and a wrong-CA
//           failure, websocket handshake transforms, credentials providers. Ends with every client
//           closed and the live count 0, so a leak check at exit is meaningful. Also workers
//           terminated with connected clients mid-traffic (their environment's cleanup hook),
//           whose native clients must all be freed by the time the process ends.
// teardown: leaves clients connected mid-traffic in the main thread and in a worker, terminates
//           the worker, then calls process.exit(): the environment-teardown paths. (Leaks at
//           exit are expected here; memory errors are not.)
//
// Prints "EXERCISE OK <n> checks" at the end; exits non-zero on the first failed check.
'use strict';
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Worker, isMainThread, workerData } = require('node:worker_threads');

const root = path.resolve(__dirname, '../..');
const lib = require(path.join(root, 'dist/index.js'));
const { binding } = require(path.join(root, 'dist/native.js'));
const { Mqtt5Client, QoS, io, auth, CrtError } = lib;

const PORT = Number(process.env.MEMCHECK_PORT);
const TLS_PORT = Number(process.env.MEMCHECK_TLS_PORT || 0);
const MTLS_PORT = Number(process.env.MEMCHECK_MTLS_PORT || 0); // a listener that requires a client certificate
const CA = process.env.MEMCHECK_CA;
const CLIENT_CERT = process.env.MEMCHECK_CLIENT_CERT;
const CLIENT_KEY = process.env.MEMCHECK_CLIENT_KEY;
// Under valgrind everything is 20-50x slower.
const T = Number(process.env.MEMCHECK_TIMEOUT_MS || 120_000);

let checks = 0;
const t0 = Date.now();
function step(name) {
    console.log(`[${((Date.now() - t0) / 1000).toFixed(1)}s] ${name}`);
}
function ok(cond, what) {
    checks++;
    assert.ok(cond, what);
}
function throws(fn, kind, what) {
    checks++;
    assert.throws(fn, kind, what);
}
async function rejects(promise, kind) {
    checks++;
    await assert.rejects(promise, kind);
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
function once(emitter, name, ms = T) {
    return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
            emitter.off(name, on);
            reject(new Error(`timed out after ${ms} ms waiting for '${name}'`));
        }, ms);
        const on = (ev) => {
            clearTimeout(timer);
            resolve(ev);
        };
        emitter.once(name, on);
    });
}
async function until(cond, what, ms = T) {
    const end = Date.now() + ms;
    while (!cond()) {
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
        await sleep(20);
    }
}
async function gcUntilNoLiveClients() {
    for (let i = 0; i < 200 && binding._liveClientCount() !== 0; i++) {
        globalThis.gc();
        await sleep(20);
    }
    ok(binding._liveClientCount() === 0, `live clients after GC: ${binding._liveClientCount()}`);
}
const config = (id, extra = {}) => ({
    hostName: '127.0.0.1',
    port: PORT,
    connackTimeoutMs: 60_000,
    connectProperties: { keepAliveIntervalSeconds: 600, clientId: `memcheck-${id}-${process.pid}` },
    ...extra,
});
async function connected(cfg) {
    const c = new Mqtt5Client(cfg);
    const ev = once(c, 'connectionSuccess');
    c.start();
    await ev;
    return c;
}
async function stopClose(c, disconnect) {
    const stopped = once(c, 'stopped');
    c.stop(disconnect);
    await stopped;
    c.close();
}
// Attaches a handler at once (an operation may be rejected before the test gets to await it).
function settle(p) {
    return p.then(
        (value) => ({ ok: true, value }),
        (error) => ({ ok: false, error }),
    );
}
async function rejectsWith(settled, code, what) {
    checks++;
    const r = await settled;
    assert.ok(!r.ok, `${what}: resolved instead of rejecting`);
    assert.ok(r.error instanceof CrtError && (code === undefined || r.error.code === code), `${what}: ${r.error}`);
}

// ---------------------------------------------------------------------------------------------
async function basics() {
    step('basics: error names, ALPN, logging');
    ok(typeof binding.errorName(binding.errorCodes.INVALID_ARGUMENT) === 'string', 'errorName');
    ok(binding.errorString(binding.errorCodes.MQTT5_CLIENT_TERMINATED).length > 0, 'errorString');
    ok(typeof binding.errorName(999999) === 'string', 'errorName of an unknown code');
    ok(typeof io.is_alpn_available() === 'boolean', 'alpn');
    const logFile = path.join(os.tmpdir(), `mqtt5-crt-memcheck-${process.pid}.log`);
    io.enable_logging(io.LogLevel.ERROR, logFile);
    io.enable_logging(io.LogLevel.WARN, logFile); // same file: level change only
    throws(() => io.enable_logging(42), RangeError, 'bad log level');
    const e = new CrtError(binding.errorCodes.INVALID_ARGUMENT);
    ok(e.code === 'AWS_ERROR_INVALID_ARGUMENT', `CrtError code ${e.code}`);
}

async function validation() {
    step('validation errors: façade and direct native calls');
    const N = binding.NativeMqtt5Client;
    const sink = () => {};
    // Façade.
    throws(() => new Mqtt5Client(null), TypeError);
    throws(() => new Mqtt5Client({ hostName: '', port: 1 }), RangeError);
    throws(() => new Mqtt5Client({ hostName: 'h', port: 70000 }), RangeError);
    throws(() => new Mqtt5Client({ hostName: 'h', port: 1, connectProperties: { keepAliveIntervalSeconds: -1 } }), RangeError);
    throws(() => new Mqtt5Client({ hostName: 'h', port: 1, connectProperties: { clientId: 5 } }), TypeError);
    throws(() => new Mqtt5Client({ hostName: 'h', port: 1, connectProperties: { userProperties: [{ name: 'a' }] } }), TypeError);
    throws(() => new Mqtt5Client({ hostName: 'h', port: 1, tlsCtx: {} }), TypeError);
    // Native, past the façade: every table kind, failing deep inside nested objects and lists so
    // that arena storage made before the failure must be released.
    const bad = [
        [{}, TypeError],
        [{ hostName: 'h' }, TypeError],
        [{ hostName: 7, port: 1 }, TypeError],
        [{ hostName: 'h', port: 1.5 }, RangeError],
        [{ hostName: 'h', port: 1, sessionBehavior: 9 }, RangeError],
        [{ hostName: 'h', port: 1, minReconnectDelayMs: -1 }, RangeError],
        [{ hostName: 'h', port: 1, connectProperties: 'x' }, TypeError],
        [
            {
                hostName: 'h',
                port: 1,
                connectProperties: {
                    clientId: 'x'.repeat(100),
                    userProperties: [
                        { name: 'a', value: 'b' },
                        { name: 'c', value: 3 },
                    ],
                },
            },
            TypeError,
        ],
        [{ hostName: 'h', port: 1, connectProperties: { clientId: 'x', will: { topicName: 't', qos: 7 } } }, RangeError],
        [{ hostName: 'h', port: 1, connectProperties: { will: { topicName: 't', qos: 1, payload: 5 } } }, TypeError],
        [{ hostName: 'h', port: 1, connectProperties: { password: {} } }, TypeError],
        [{ hostName: 'h', port: 1, socketOptions: { connect_timeout_ms: 'x' } }, TypeError],
        [{ hostName: 'h', port: 1, topicAliasingOptions: { outboundBehavior: 99 } }, RangeError],
        [{ hostName: 'h', port: 1, metrics: { libraryName: 'x', metadata: [{ name: 'a', value: 'b' }, 'x'] } }, TypeError],
        [{ hostName: 'h', port: 1, httpProxyOptions: { port: 1 } }, TypeError],
        [{ hostName: 'h', port: 1, tlsCtx: {} }, TypeError],
        [{ hostName: 'h', port: 1, websocket: { sigv4: { region: '' } } }, TypeError],
        [
            {
                hostName: 'h',
                port: 1,
                get connectProperties() {
                    throw new Error('getter');
                },
            },
            TypeError,
        ],
    ];
    for (const [i, [cfg, kind]] of bad.entries()) throws(() => new N(cfg, sink), kind, `bad config #${i}`);
    throws(() => new N({ hostName: 'h', port: 1 }), TypeError, 'no sink');
    throws(() => N.prototype.start.call({}), TypeError, 'foreign receiver');

    // Operations on a native client that was never started, with bad packets.
    const n = new N({ hostName: '127.0.0.1', port: 1, connectProperties: { clientId: 'v' } }, sink);
    const badPublishes = [
        [undefined, TypeError],
        [{ qos: 1 }, TypeError],
        [{ topicName: 't', qos: 3 }, RangeError],
        [{ topicName: 't', qos: 1, payload: 42 }, TypeError],
        [{ topicName: 't', qos: 1, payload: 'p', correlationData: 5 }, TypeError],
        [{ topicName: 't', qos: 1, messageExpiryIntervalSeconds: 2 ** 33 }, RangeError],
        [
            {
                topicName: 't',
                qos: 1,
                userProperties: [
                    { name: 'a', value: 'b' },
                    { name: 'a', value: {} },
                ],
            },
            TypeError,
        ],
        [{ topicName: 't', qos: 1, userProperties: 'x' }, TypeError],
        [{ topicName: 't', qos: 1, contentType: 'x', responseTopic: 9 }, TypeError],
    ];
    for (const [p, kind] of badPublishes) throws(() => n.publish(p), kind, `publish ${JSON.stringify(p)}`);
    const badSubscribes = [
        [{}, TypeError],
        [{ subscriptions: 'x' }, TypeError],
        [
            {
                subscriptions: [
                    { topicFilter: 'a', qos: 1 },
                    { topicFilter: 'b', qos: 9 },
                ],
            },
            RangeError,
        ],
        [{ subscriptions: [{ topicFilter: 'a', qos: 1 }, 'x'] }, TypeError],
        [{ subscriptions: [{ topicFilter: 'a', qos: 1 }], subscriptionIdentifier: -3 }, RangeError],
    ];
    for (const [p, kind] of badSubscribes) throws(() => n.subscribe(p), kind, `subscribe ${JSON.stringify(p)}`);
    throws(() => n.unsubscribe({ topicFilters: ['a', 5] }), TypeError);
    throws(() => n.stop({ reasonCode: 4, userProperties: [{ name: 1, value: 'x' }] }), TypeError);
    throws(() => n.acknowledge('x'), TypeError);
    throws(() => n.acknowledge([1, 'x']), TypeError);
    n.acknowledge([12345, 0, -1]); // unknown ids: ignored
    // CRT-side validation (the view is well-formed, the CRT refuses it).
    throws(
        () => n.publish({ topicName: 'a/#', qos: 1 }),
        (e) => e instanceof Error,
        'wildcard topic refused by the CRT',
    );
    throws(
        () => n.subscribe({ subscriptions: [] }),
        (e) => e instanceof Error,
        'empty subscribe refused by the CRT',
    );
    // Valid operations on a never-started client: queued offline, failed on close.
    ok(typeof n.publish({ topicName: 'offline', qos: 1, payload: Buffer.alloc(1000) }) === 'number', 'offline publish id');
    ok(typeof n.subscribe({ subscriptions: [{ topicFilter: 'offline/#', qos: 1 }] }) === 'number', 'offline subscribe id');
    n.close();
    n.close(); // idempotent
    throws(
        () => n.publish({ topicName: 't', qos: 0 }),
        (e) => e instanceof Error,
        'publish after close',
    );

    // Façade client: operation validation (publish, subscribe and unsubscribe report bad input as
    // a rejection, as aws-crt does; stop() throws).
    const c = new Mqtt5Client(config('validation'));
    await rejects(c.publish({ topicName: '', qos: 1 }), (e) => e instanceof Error);
    await rejects(c.publish({ topicName: 't', qos: 2 }), (e) => e instanceof Error);
    await rejects(c.subscribe({ subscriptions: [{ topicFilter: 'a/#/b', qos: 1 }] }), (e) => e instanceof Error);
    await rejects(c.subscribe({ subscriptions: [{ topicFilter: 'a', qos: 1 }], subscriptionIdentifier: 0 }), RangeError);
    await rejects(c.unsubscribe({ topicFilters: [] }), (e) => e instanceof Error);
    throws(
        () => c.stop({ reasonCode: 'x' }),
        (e) => e instanceof Error,
    );
    const pending = settle(c.publish({ topicName: 'offline', qos: 1, payload: { json: true } }));
    c.close();
    await rejectsWith(pending, 'AWS_ERROR_MQTT5_CLIENT_TERMINATED', 'offline publish rejected by close');
}

async function neverStarted() {
    step('never-started clients, collected by GC');
    // In a function of its own: no suspended async frame may hold the last one.
    (function make() {
        for (let i = 0; i < 20; i++) {
            const c = new Mqtt5Client(
                config(`idle-${i}`, { sessionBehavior: 1, topicAliasingOptions: { outboundBehavior: 2, inboundBehavior: 1 } }),
            );
            c.on('messageReceived', () => {});
        }
    })();
    ok(binding._liveClientCount() === 20, 'twenty live');
    await gcUntilNoLiveClients();
}

async function connectionFailure() {
    step('connection failure (nothing listening) and retry, then stop/close');
    const c = new Mqtt5Client({ hostName: '127.0.0.1', port: 1, minReconnectDelayMs: 50, maxReconnectDelayMs: 100 });
    let failures = 0;
    let lastError;
    c.on('connectionFailure', ({ error }) => {
        failures++;
        lastError = error;
    });
    c.start();
    await until(() => failures >= 2, 'two connection failures');
    ok(lastError instanceof CrtError && /REFUSED|CONNECT/.test(lastError.code), `failure code ${lastError?.code}`);
    const pending = settle(c.publish({ topicName: 'x', qos: 1, payload: 'queued while offline' }));
    await stopClose(c);
    await rejectsWith(pending, undefined, 'offline publish failed by stop/close');

    step('unresolvable host name');
    const d = new Mqtt5Client({
        hostName: 'no-such-host.invalid',
        port: 1883,
        minReconnectDelayMs: 50,
        maxReconnectDelayMs: 100,
    });
    const fail = once(d, 'connectionFailure');
    d.start();
    const { error } = await fail;
    ok(error instanceof CrtError, `dns failure ${error?.code}`);
    await stopClose(d);
}

async function abortWithdraws() {
    step('aborted operations queued offline: withdrawn from the CRT (freed at once), never sent');
    const c = new Mqtt5Client({ hostName: '127.0.0.1', port: PORT });
    const controller = new AbortController();
    const { signal } = controller;
    const topic = `memcheck-abort/${process.pid}`;
    const aborted = [
        settle(c.publish({ topicName: topic, qos: 1, payload: 'queued' }, { signal })), // the batched path
        settle(c.publish({ topicName: topic, qos: 1, payload: Buffer.alloc(64 * 1024) }, { signal })), // direct
        settle(c.publish({ topicName: topic, qos: 1, payload: 'x', userProperties: [{ name: 'a', value: 'b' }] }, { signal })),
        settle(c.subscribe({ subscriptions: [{ topicFilter: topic, qos: 1 }] }, { signal })),
        settle(c.unsubscribe({ topicFilters: [topic] }, { signal })),
    ];
    await until(() => c.getOperationalStatistics().incompleteOperationCount === 5, 'five operations queued');
    controller.abort();
    for (const p of aborted) {
        const r = await p;
        ok(!r.ok && r.error.name === 'AbortError', `aborted: ${r.error}`);
    }
    await until(() => c.getOperationalStatistics().incompleteOperationCount === 0, 'the queue emptied by the abort');
    ok(c.metrics().publishes.failed === 3 && c.metrics().subscribes.failed === 1, 'withdrawn ones failed');
    // Aborted in the same turn as submitted: still in the addon's publish batch.
    const same = new AbortController();
    const p = settle(c.publish({ topicName: topic, qos: 1, payload: 'same turn' }, { signal: same.signal }));
    same.abort();
    ok(!(await p).ok, 'aborted in the same turn');
    await until(() => c.getOperationalStatistics().incompleteOperationCount === 0, 'withdrawn from the batch');
    const up = once(c, 'connectionSuccess');
    c.start();
    await up;
    await c.publish({ topicName: topic, qos: 1, payload: 'after' });
    await stopClose(c);
}

async function pubsub() {
    step('plain pub/sub: QoS 0/1, all properties, user properties, 1 MiB, payload kinds, retained');
    const topic = `memcheck/${process.pid}/data`;
    const sub = await connected(
        config('sub', {
            connectProperties: {
                keepAliveIntervalSeconds: 600,
                clientId: `memcheck-sub-${process.pid}`,
                userProperties: [{ name: 'who', value: 'sub' }],
                sessionExpiryIntervalSeconds: 0,
                receiveMaximum: 100,
                maximumPacketSizeBytes: 4 * 1024 * 1024,
            },
        }),
    );
    const pub = await connected(
        config('pub', {
            connectProperties: {
                keepAliveIntervalSeconds: 600,
                clientId: `memcheck-pub-${process.pid}`,
                username: 'user',
                password: Buffer.from('secret'),
                will: {
                    topicName: `memcheck/${process.pid}/will`,
                    qos: 1,
                    payload: 'gone',
                    userProperties: [{ name: 'w', value: 'x' }],
                },
                willDelayIntervalSeconds: 5,
                requestProblemInformation: true,
                requestResponseInformation: false,
            },
            topicAliasingOptions: { outboundBehavior: 2, outboundCacheMaxSize: 10 },
        }),
    );
    const suback = await sub.subscribe({
        subscriptions: [
            {
                topicFilter: `memcheck/${process.pid}/#`,
                qos: QoS.AtLeastOnce,
                noLocal: false,
                retainAsPublished: true,
                retainHandlingType: 0,
            },
            { topicFilter: `memcheck/${process.pid}/q0`, qos: QoS.AtMostOnce },
        ],
        subscriptionIdentifier: 7,
        userProperties: [{ name: 'sub', value: 'props' }],
    });
    ok(Array.isArray(suback.reasonCodes) && suback.reasonCodes.length === 2, `suback ${JSON.stringify(suback.reasonCodes)}`);

    const received = [];
    sub.on('messageReceived', ({ message }) =>
        received.push({ ...message, payload: Buffer.from(message.payload ?? new ArrayBuffer(0)) }),
    );
    const props = {
        payloadFormat: 1,
        messageExpiryIntervalSeconds: 600,
        responseTopic: `memcheck/${process.pid}/reply`,
        correlationData: Buffer.from([0, 1, 2, 255]),
        contentType: 'text/plain',
        userProperties: [
            { name: 'k1', value: 'v1' },
            { name: 'ü-ñ', value: '多字节' },
        ],
    };
    ok(
        (await pub.publish({ topicName: topic, qos: QoS.AtMostOnce, payload: 'qos0', ...props })) === undefined,
        'QoS 0 resolves undefined',
    );
    const puback = await pub.publish({ topicName: topic, qos: QoS.AtLeastOnce, payload: 'qos1', ...props });
    ok(puback.reasonCode === 0, `puback ${puback.reasonCode}`);
    const big = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < big.length; i += 4) big.writeUInt32LE(i, i);
    await pub.publish({ topicName: topic, qos: QoS.AtLeastOnce, payload: big });
    const u8 = new Uint8Array([1, 2, 3]);
    await pub.publish({ topicName: topic, qos: 1, payload: u8 });
    await pub.publish({ topicName: topic, qos: 1, payload: new Uint16Array([0x0102, 0x0304]).buffer });
    await pub.publish({ topicName: topic, qos: 1, payload: new DataView(new ArrayBuffer(5)) });
    await pub.publish({ topicName: topic, qos: 1, payload: { json: [1, 2] } });
    await pub.publish({ topicName: topic, qos: 1 }); // no payload
    await pub.publish({ topicName: `memcheck/${process.pid}/q0`, qos: 0, payload: 'two matches' });
    await until(() => received.length >= 10, `10 messages (have ${received.length})`);
    const byPayload = (s) => received.find((m) => m.payload.toString() === s);
    const m1 = byPayload('qos1');
    ok(m1 && m1.qos === 1 && m1.contentType === 'text/plain' && m1.responseTopic === props.responseTopic, 'qos1 properties');
    ok(m1 && Buffer.compare(Buffer.from(m1.correlationData), props.correlationData) === 0, 'correlation data');
    ok(
        m1 && JSON.stringify(m1.userProperties) === JSON.stringify(props.userProperties),
        `user properties ${JSON.stringify(m1?.userProperties)}`,
    );
    ok(m1 && Array.isArray(m1.subscriptionIdentifiers) && m1.subscriptionIdentifiers.includes(7), 'subscription identifiers');
    ok(byPayload('qos0')?.qos === 0, 'qos0 arrived');
    const mBig = received.find((m) => m.payload.length === big.length);
    ok(mBig && Buffer.compare(mBig.payload, big) === 0, '1 MiB payload intact');
    ok(
        received.some((m) => m.payload.toString() === '{"json":[1,2]}'),
        'JSON payload',
    );
    ok(
        received.some((m) => m.payload.length === 0),
        'empty payload',
    );

    step('retained message set and cleared');
    const rtopic = `memcheck/${process.pid}/retained`;
    await pub.publish({ topicName: rtopic, qos: 1, payload: 'kept', retain: true });
    const late = await connected(config('late'));
    const got = once(late, 'messageReceived');
    await late.subscribe({ subscriptions: [{ topicFilter: rtopic, qos: 1 }] });
    const { message: rm } = await got;
    ok(rm.retain === true && Buffer.from(rm.payload).toString() === 'kept', 'retained delivered');
    await pub.publish({ topicName: rtopic, qos: 1, payload: '', retain: true });
    const unsuback = await late.unsubscribe({
        topicFilters: [rtopic, 'never/subscribed'],
        userProperties: [{ name: 'u', value: 'v' }],
    });
    ok(unsuback.reasonCodes.length === 2, 'unsuback');
    await stopClose(late, {
        reasonCode: 0,
        sessionExpiryIntervalSeconds: 0,
        reasonString: 'bye',
        userProperties: [{ name: 'd', value: 'x' }],
    });

    step('statistics');
    const stats = pub.getOperationalStatistics();
    ok(stats.incompleteOperationCount === 0 && typeof stats.unackedOperationSize === 'number', `stats ${JSON.stringify(stats)}`);

    step('a burst in one turn: 300 QoS 1 and 300 QoS 0 publishes (several completion blocks, PUBACKs in chunks)');
    const btopic = `memcheck-burst/${process.pid}`; // outside the "#" subscription above
    await sub.subscribe({ subscriptions: [{ topicFilter: btopic, qos: 1 }] });
    let bgot = 0;
    const onBurst = ({ message }) => {
        if (message.topicName === btopic) bgot++;
    };
    sub.on('messageReceived', onBurst);
    const burst = [];
    for (let i = 0; i < 600; i++) burst.push(pub.publish({ topicName: btopic, qos: i % 2, payload: Buffer.alloc(64, i) }));
    await Promise.all(burst);
    await until(() => bgot === 600, 'the burst delivered');

    step("a dense stream: 3,000 QoS 0 publishes, 500 per turn (moderated wake-ups, the clients' timers)");
    bgot = 0;
    const dense = [];
    for (let i = 0; i < 3000; i++) {
        dense.push(pub.publish({ topicName: btopic, qos: 0, payload: Buffer.alloc(64, i) }));
        if (i % 500 === 499) await new Promise((r) => setImmediate(r));
    }
    await Promise.all(dense);
    await until(() => bgot === 3000, 'the dense stream delivered');
    // Informational: whether the timer path ran depends on the pace valgrind allows.
    const timers = fs.readdirSync('/proc/self/fd').filter((fd) => {
        try {
            return fs.readlinkSync(`/proc/self/fd/${fd}`) === 'anon_inode:[timerfd]';
        } catch {
            return false;
        }
    }).length;
    console.log(`  moderation timers: ${timers}`);
    sub.off('messageReceived', onBurst);

    step('manual PUBACK (receiveMaximum 1: the broker waits for it)');
    const held = await connected(
        config('held', {
            connectProperties: { keepAliveIntervalSeconds: 600, clientId: `memcheck-held-${process.pid}`, receiveMaximum: 1 },
        }),
    );
    const htopic = `memcheck-held/${process.pid}`;
    await held.subscribe({ subscriptions: [{ topicFilter: htopic, qos: 1 }] });
    const handles = [];
    const hgot = [];
    held.on('messageReceived', ({ message, acknowledgementControl }) => {
        hgot.push(Buffer.from(message.payload).toString());
        handles.push(acknowledgementControl.acquireHandle());
        ok(acknowledgementControl.acquireHandle() === null, 'single use');
    });
    await pub.publish({ topicName: htopic, qos: 1, payload: 'one' });
    await pub.publish({ topicName: htopic, qos: 1, payload: 'two' });
    await until(() => hgot.length === 1, 'first held message');
    await sleep(300);
    ok(hgot.length === 1, 'second message waits for the PUBACK');
    held.invokePublishAcknowledgement(handles[0]);
    handles[0].invokeAcknowledgement();
    await until(() => hgot.length === 2, 'second held message');
    // The second one is never acknowledged: stop/close with it held.
    await stopClose(held);

    step('operations pending at stop and at close; restart');
    const ptopic = `memcheck-pending/${process.pid}`;
    const inflight = [];
    for (let i = 0; i < 20; i++)
        inflight.push(
            pub.publish({ topicName: ptopic, qos: 1, payload: Buffer.alloc(2048, i) }).then(
                () => 'ok',
                (e) => e.code,
            ),
        );
    const stopped = once(pub, 'stopped');
    pub.stop();
    await stopped;
    const outcomes = await Promise.all(inflight);
    ok(
        outcomes.every((o) => o === 'ok' || typeof o === 'string'),
        `stop settled every publish: ${[...new Set(outcomes)]}`,
    );
    const again = once(pub, 'connectionSuccess');
    pub.start();
    await again;
    const lastOnes = [];
    for (let i = 0; i < 20; i++) lastOnes.push(settle(pub.publish({ topicName: ptopic, qos: 1, payload: 'x' })));
    lastOnes.push(settle(pub.subscribe({ subscriptions: [{ topicFilter: ptopic, qos: 1 }] })));
    pub.close(); // connected, operations in flight
    for (const p of lastOnes) await rejectsWith(p, 'AWS_ERROR_MQTT5_CLIENT_TERMINATED', 'close rejects pending');
    await rejects(pub.publish({ topicName: ptopic, qos: 0 }), CrtError); // a closed client rejects
    await stopClose(sub);
}

async function largePayloads() {
    step('large plain payloads: 1 MiB, 300 KiB and 200 KiB in the decoder buffers taken over; one left undelivered at close');
    const topic = `memcheck-large/${process.pid}`;
    const sub = await connected(config('large-sub'));
    const pub = await connected(config('large-pub'));
    await sub.subscribe({ subscriptions: [{ topicFilter: topic, qos: 1 }] });
    const got = [];
    sub.on('messageReceived', ({ message }) => got.push(Buffer.from(message.payload)));
    const sent = [1024 * 1024, 300 * 1024, 200 * 1024].map((n, i) => Buffer.alloc(n, i + 1));
    for (const [i, payload] of sent.entries()) await pub.publish({ topicName: topic, qos: i % 2, payload });
    await until(() => got.length === sent.length, `${sent.length} large messages (have ${got.length})`);
    ok(
        sent.every((p) => got.some((g) => g.equals(p))),
        'large payloads intact',
    );
    // One more arrives while JS sleeps, and the client is closed before JS takes it: the queued
    // event frees the buffer.
    await pub.publish({ topicName: topic, qos: 1, payload: sent[0] });
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 3000);
    sub.close();
    await stopClose(pub);
}

async function gcOfUsedClients() {
    step('GC of used, stopped and forgotten clients; and of started ones closed by their owner');
    const useOne = async (i) => {
        const c = await connected(config(`gc-${i}`));
        c.on('messageReceived', () => {});
        await c.subscribe({ subscriptions: [{ topicFilter: `memcheck-gc/${process.pid}/${i}`, qos: 1 }] });
        await c.publish({ topicName: `memcheck-gc/${process.pid}/${i}`, qos: 1, payload: 'x' });
        const stopped = once(c, 'stopped');
        c.stop();
        await stopped;
        // forgotten, not closed
    };
    for (let i = 0; i < 5; i++) await useOne(i);
    await gcUntilNoLiveClients();
}

async function streamingWorker(i) {
    const w = new Worker(__filename, { argv: ['teardown'], workerData: { i }, env: process.env });
    await new Promise((resolve, reject) => {
        w.once('message', resolve);
        w.once('error', reject);
        w.once('exit', (code) => reject(new Error(`worker exited early with ${code}`)));
    });
    w.removeAllListeners('exit');
    return w;
}

async function workers() {
    step('workers terminated with connected clients mid-traffic (environment cleanup), then settled');
    for (let i = 0; i < 2; i++) {
        const w = await streamingWorker(`main-${i}`);
        const code = await w.terminate();
        ok(code === 1 || code === 0, `worker terminated (${code})`);
    }
    // The CRT finishes tearing their clients down on its own threads.
    await sleep(2000);
    ok(binding._liveClientCount() === 0, 'the workers did not touch this environment');
}

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
    checks++;
    await assert.rejects(dBad.getCredentials());
    const env = auth.AwsCredentialsProvider.newEnvironment();
    checks++;
    await env.getCredentials().then(
        () => {},
        () => {},
    );
}

async function main() {
    if (!PORT) throw new Error('MEMCHECK_PORT is not set');
    await basics();
    await validation();
    await neverStarted();
    await connectionFailure();
    await abortWithdraws();
    await pubsub();
    await largePayloads();
    await gcOfUsedClients();
    await workers();
    if (TLS_PORT && CA) {
        const contexts = makeTlsContexts();
        await tlsConnect(contexts);
    } else {
        step('TLS skipped (MEMCHECK_TLS_PORT/MEMCHECK_CA not set)');
    }
    await websockets();
    await credentials();
    await require('./exercise_311_rr.cjs')({
        lib,
        PORT,
        T,
        step,
        ok,
        once,
        sleep,
        connected,
        stopClose,
        config,
        settle,
        rejectsWith,
    });
    await gcUntilNoLiveClients();
    step('done');
}

// ---------------------------------------------------------------------------------------------
// Teardown: traffic in flight when a worker is terminated and when the process exits.
async function streamForever(tag) {
    const topic = `memcheck-teardown/${process.pid}/${tag}`;
    const sub = await connected(config(`td-sub-${tag}`));
    const pub = await connected(config(`td-pub-${tag}`));
    await sub.subscribe({ subscriptions: [{ topicFilter: topic, qos: 1 }] });
    let n = 0;
    sub.on('messageReceived', () => n++);
    const pump = () => {
        for (let i = 0; i < 20; i++) pub.publish({ topicName: topic, qos: 1, payload: Buffer.alloc(512, i) }).catch(() => {});
        setTimeout(pump, 5);
    };
    pump();
    return () => n;
}

async function teardown() {
    if (!PORT) throw new Error('MEMCHECK_PORT is not set');
    if (!isMainThread) {
        const count = await streamForever(`worker-${workerData.i}`);
        const { parentPort } = require('node:worker_threads');
        const tick = () => {
            if (count() >= 20) parentPort.postMessage('streaming');
            else setTimeout(tick, 20);
        };
        tick();
        return;
    }
    step('teardown: worker with live clients, terminated mid-traffic');
    for (let i = 0; i < 2; i++) {
        const w = await streamingWorker(i);
        const code = await w.terminate();
        ok(code === 1 || code === 0, `worker terminated (${code})`);
    }
    step('teardown: a client closed during traffic, one stopped, others left running');
    const count = await streamForever('main');
    const extra = await connected(config('td-extra'));
    extra.publish({ topicName: 'memcheck-teardown/x', qos: 1, payload: 'x' }).catch(() => {});
    extra.close();
    const stopping = await connected(config('td-stopping'));
    stopping.publish({ topicName: 'memcheck-teardown/y', qos: 1, payload: 'y' }).catch(() => {});
    stopping.stop();
    await until(() => count() >= 50, 'traffic in the main thread');
    step(`teardown: process.exit() with ${binding._liveClientCount()} live clients`);
    console.log(`EXERCISE OK ${checks} checks`);
    process.exit(0);
}

const mode = process.argv[2] ?? (isMainThread ? 'main' : 'teardown');
const run = mode === 'teardown' ? teardown : main;
run().then(
    () => {
        if (mode !== 'teardown') {
            console.log(`EXERCISE OK ${checks} checks`);
        }
    },
    (e) => {
        console.error('EXERCISE FAILED:', e);
        process.exit(1);
    },
);
