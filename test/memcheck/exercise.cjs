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

const { Worker, isMainThread, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const harness = require('./harness.cjs');
const {
    lib,
    binding,
    PORT,
    TLS_PORT,
    CA,
    step,
    ok,
    throws,
    rejects,
    sleep,
    once,
    until,
    gcUntilNoLiveClients,
    config,
    connected,
    stopClose,
    settle,
    rejectsWith,
} = harness;
const { Mqtt5Client, QoS, io, CrtError } = lib;
const validation = require('./validation.cjs');
const { makeTlsContexts, tlsConnect, websockets, credentials } = require('./tls_ws.cjs');

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
    // The CRT's statistics change on its thread; the completions reach metrics() a wake-up later.
    const withdrawn = () => {
        const m = c.metrics();
        return m.publishes.failed === 3 && m.subscribes.failed === 1 && m.unsubscribes.failed === 1;
    };
    await until(withdrawn, 'the withdrawn operations counted as failed');
    ok(withdrawn(), 'withdrawn ones failed');
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
    await require('./exercise_311_rr.cjs')(harness);
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
    console.log(`EXERCISE OK ${harness.checks()} checks`);
    process.exit(0);
}

const mode = process.argv[2] ?? (isMainThread ? 'main' : 'teardown');
const run = mode === 'teardown' ? teardown : main;
run().then(
    () => {
        if (mode !== 'teardown') {
            console.log(`EXERCISE OK ${harness.checks()} checks`);
        }
    },
    (e) => {
        console.error('EXERCISE FAILED:', e);
        process.exit(1);
    },
);
