// The load scenario of test/integration/load.test.ts, run in a process of its own (so the test can
// give it a raised fd limit and a clean native live-client count):
//
//   LOAD_PORT=1883 [LOAD_CLIENTS=1000 LOAD_WAVE=100 LOAD_TIMEOUT_MS=45000] node --expose-gc test/load/scenario.cjs
//
// N clients connected at once, each subscribed (QoS 1) to its own topic and to one shared fan-out
// topic; each publishes one QoS 1 message to the next client's topic, and client 0 publishes one
// message to the fan-out topic. Every receipt is accounted per client (from whom, how often).
// Prints one line `RESULT {json}` and exits 0 (the test judges the numbers), or 2 on a crash.
'use strict';
const path = require('node:path');

const root = path.resolve(__dirname, '../..');
const { Mqtt5Client, QoS } = require(path.join(root, 'dist/index.js'));
const { binding } = require(path.join(root, 'dist/native.js'));

const PORT = Number(process.env.LOAD_PORT);
const N = Number(process.env.LOAD_CLIENTS || 1000);
const WAVE = Number(process.env.LOAD_WAVE || 100);
const TIMEOUT = Number(process.env.LOAD_TIMEOUT_MS || 45_000);
const run = `${process.pid}-${Date.now()}`;
const own = (i) => `load/${run}/c/${i}`;
const FANOUT = `load/${run}/all`;

const t0 = Date.now();
const ms = () => Date.now() - t0;
const sleep = (t) => new Promise((r) => setTimeout(r, t));
const phases = {};
const errors = [];
const note = (e) => {
    if (errors.length < 20) errors.push(String(e?.code ?? e?.message ?? e));
};

function waitFor(emitter, name, ms) {
    return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
            emitter.off(name, on);
            reject(new Error(`timed out after ${ms} ms waiting for ${name}`));
        }, ms);
        const on = (ev) => {
            clearTimeout(timer);
            resolve(ev);
        };
        emitter.once(name, on);
    });
}

async function inWaves(items, fn) {
    for (let i = 0; i < items.length; i += WAVE) await Promise.all(items.slice(i, i + WAVE).map((item, j) => fn(item, i + j)));
}

async function main() {
    if (!PORT) throw new Error('LOAD_PORT is not set');
    const direct = Array.from({ length: N }, () => new Map()); // receiver -> sender -> count
    const fanout = new Array(N).fill(0);
    let stray = 0;
    let unexpectedDisconnections = 0;
    let stopping = false;
    const clients = [];
    for (let i = 0; i < N; i++) {
        const c = new Mqtt5Client({
            hostName: '127.0.0.1',
            port: PORT,
            connackTimeoutMs: 30_000,
            connectProperties: { keepAliveIntervalSeconds: 120, clientId: `load-${run}-${i}` },
        });
        c.on('messageReceived', ({ message }) => {
            const body = Buffer.from(message.payload).toString();
            if (message.topicName === FANOUT && body === 'fan-out') fanout[i]++;
            else if (message.topicName === own(i) && body.startsWith('from ')) {
                const from = Number(body.slice(5));
                direct[i].set(from, (direct[i].get(from) ?? 0) + 1);
            } else stray++;
        });
        c.on('disconnection', ({ error }) => {
            if (!stopping) {
                unexpectedDisconnections++;
                note(`disconnection of ${i}: ${error.code}`);
            }
        });
        clients.push(c);
    }
    phases.created = ms();

    // Connect in waves; everyone stays connected from then on.
    let connectFailures = 0;
    await inWaves(clients, async (c) => {
        const ok = waitFor(c, 'connectionSuccess', TIMEOUT);
        c.on('connectionFailure', ({ error }) => {
            connectFailures++;
            note(`connection failure: ${error.code}`);
        });
        c.start();
        await ok;
    });
    phases.connected = ms();
    const liveWhileConnected = binding._liveClientCount();

    let subackFailures = 0;
    await inWaves(clients, async (c, i) => {
        const suback = await c.subscribe({
            subscriptions: [
                { topicFilter: own(i), qos: QoS.AtLeastOnce },
                { topicFilter: FANOUT, qos: QoS.AtLeastOnce },
            ],
        });
        if (!suback.reasonCodes.every((rc) => rc === 1)) subackFailures++;
    });
    phases.subscribed = ms();

    // Everybody publishes at once: one direct message each, plus the one fan-out message.
    let pubacks = 0;
    let pubackFailures = 0;
    const publishes = clients.map((c, i) =>
        c
            .publish({ topicName: own((i + 1) % N), qos: QoS.AtLeastOnce, payload: `from ${i}` })
            .then((p) => (p?.reasonCode === 0 ? pubacks++ : pubackFailures++))
            .catch((e) => {
                pubackFailures++;
                note(e);
            }),
    );
    publishes.push(
        clients[0]
            .publish({ topicName: FANOUT, qos: QoS.AtLeastOnce, payload: 'fan-out' })
            .then((p) => (p?.reasonCode === 0 ? pubacks++ : pubackFailures++))
            .catch((e) => {
                pubackFailures++;
                note(e);
            }),
    );
    await Promise.all(publishes);
    phases.published = ms();

    const count = () => {
        let d = 0;
        for (const m of direct) for (const n of m.values()) d += n;
        return { d, f: fanout.reduce((a, b) => a + b, 0) };
    };
    const end = Date.now() + TIMEOUT;
    while (Date.now() < end) {
        const { d, f } = count();
        if (d >= N && f >= N) break;
        await sleep(20);
    }
    phases.received = ms();
    await sleep(500); // late duplicates would arrive now
    const { d: directReceived, f: fanoutReceived } = count();
    let directLost = 0;
    let directDuplicated = 0;
    let directWrongSender = 0;
    for (let i = 0; i < N; i++) {
        const expected = (i - 1 + N) % N;
        const n = direct[i].get(expected) ?? 0;
        if (n === 0) directLost++;
        if (n > 1) directDuplicated += n - 1;
        for (const [from, k] of direct[i]) if (from !== expected) directWrongSender += k;
    }
    const fanoutLost = fanout.filter((n) => n === 0).length;
    const fanoutDuplicated = fanout.reduce((a, n) => a + Math.max(0, n - 1), 0);

    stopping = true;
    let stopFailures = 0;
    await inWaves(clients, async (c) => {
        try {
            const stopped = waitFor(c, 'stopped', TIMEOUT);
            c.stop();
            await stopped;
        } catch (e) {
            stopFailures++;
            note(e);
        }
        c.close();
    });
    phases.closed = ms();
    const liveAfterClose = binding._liveClientCount();

    return {
        clients: N,
        wave: WAVE,
        liveWhileConnected,
        connectFailures,
        subackFailures,
        pubacks,
        pubackFailures,
        directReceived,
        directLost,
        directDuplicated,
        directWrongSender,
        fanoutReceived,
        fanoutLost,
        fanoutDuplicated,
        stray,
        unexpectedDisconnections,
        stopFailures,
        liveAfterClose,
        phasesMs: phases,
        errors,
        rssMiB: Math.round(process.memoryUsage.rss() / 1048576),
    };
}

main().then(
    (r) => {
        console.log(`RESULT ${JSON.stringify(r)}`);
        process.exit(0);
    },
    (e) => {
        console.error('load scenario crashed:', e);
        process.exit(2);
    },
);
