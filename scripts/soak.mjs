#!/usr/bin/env node
// Soak test: memory flatness and message accounting over a long run against a private mosquitto
// (max_queued_messages 0, set_tcp_nodelay true, no persistence).
//
//   npm run soak                                  # one round: 1,000,000 messages, 10,000 client cycles
//   npm run soak -- --duration 600                # rounds repeated for 10 minutes
//   npm run soak -- --messages 100000 --clients 1000 --rounds 3
//
// One round is two phases:
// 1. "stream": one publisher and one subscriber; --messages QoS 1 messages numbered in their
//    payload, at most --inflight published and not yet received at any time. Every message is
//    accounted for on arrival (a bitmap): lost = sent - distinct received; duplicates and
//    garbled payloads are counted too, and every PUBACK must be a success. One payload buffer is
//    reused for every publish on purpose: the native layer must copy it synchronously, or the
//    numbers would come out wrong.
// 2. "cycle": --clients clients, --concurrency at a time, each: create, start, connect, subscribe
//    to its own topic, publish one QoS 1 message to it and receive it, stop, close.
//
// Memory (process.memoryUsage() after forced GCs; needs --expose-gc, which `npm run soak` passes
// and this script re-execs itself with when missing) is sampled at the start, after each phase's
// warm-up (the first --warmup-fraction of round 1's phase; for the stream at least
// 100,000 messages or half of them) and at each phase's end, with the
// native live-client count and the broker's RSS.
//
// Flatness bound: RSS growth after warm-up < --max-rss-growth-mib (default 20 MiB) and V8
// heapUsed growth < --max-heap-growth-mib (default 8 MiB): within each phase of round 1, from
// round 1 to the last round, and from the first warm-up to the end of the run.
// Exit code: 0 = every check passed; 1 = a check failed (losses, failures, growth, live clients);
// 2 = crashed or hung (no progress for 120 s).
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startMosquitto } from './mosquitto.mjs';

// V8's young generation grows (up to 2 x 16 MiB semi-spaces) with the allocation rate, in steps
// that show up as RSS long after any warm-up; it is pinned at its maximum from the start, so that
// RSS growth measures native memory and the old generation. (--no-pin-new-space: V8's default.)
const PIN = ['--min-semi-space-size=16', '--max-semi-space-size=16'];
const pinNewSpace = !process.argv.includes('--no-pin-new-space');
if (typeof globalThis.gc !== 'function' || (pinNewSpace && !PIN.every((f) => process.execArgv.includes(f)))) {
    const flags = [
        '--expose-gc',
        ...(pinNewSpace ? PIN : []),
        ...process.execArgv.filter((f) => f !== '--expose-gc' && !PIN.includes(f)),
    ];
    const r = spawnSync(process.execPath, [...flags, fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
        stdio: 'inherit',
    });
    process.exit(r.status ?? 2);
}

const { values: opt } = parseArgs({
    options: {
        messages: { type: 'string', default: '1000000' },
        inflight: { type: 'string', default: '1000' },
        payload: { type: 'string', default: '64' },
        clients: { type: 'string', default: '10000' },
        concurrency: { type: 'string', default: '20' },
        rounds: { type: 'string', default: '1' },
        duration: { type: 'string' }, // seconds: repeat rounds until this much time has passed (overrides --rounds)
        'warmup-fraction': { type: 'string', default: '0.1' },
        'max-rss-growth-mib': { type: 'string', default: '20' },
        'max-heap-growth-mib': { type: 'string', default: '8' },
        'progress-s': { type: 'string', default: '10' },
        json: { type: 'string' }, // also write the results here
        'no-pin-new-space': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
    },
});
if (opt.help) {
    console.log(
        'usage: node --expose-gc scripts/soak.mjs [--messages N] [--inflight N] [--payload BYTES] [--clients N]\n' +
            '       [--concurrency N] [--rounds N | --duration SECONDS] [--warmup-fraction F] [--max-rss-growth-mib M]\n' +
            '       [--max-heap-growth-mib M] [--progress-s S] [--json FILE] [--no-pin-new-space]',
    );
    process.exit(0);
}
const num = (k) => {
    const v = Number(opt[k]);
    if (!Number.isFinite(v) || v < 0) throw new Error(`--${k} must be a non-negative number`);
    return v;
};
const MESSAGES = num('messages');
const INFLIGHT = Math.max(1, num('inflight'));
const PAYLOAD = Math.max(4, num('payload'));
const CLIENTS = num('clients');
const CONCURRENCY = Math.max(1, num('concurrency'));
const ROUNDS = Math.max(1, num('rounds'));
const DURATION_MS = opt.duration !== undefined ? num('duration') * 1000 : Infinity;
const WARMUP = num('warmup-fraction');
const MAX_RSS = num('max-rss-growth-mib');
const MAX_HEAP = num('max-heap-growth-mib');
const PROGRESS_MS = num('progress-s') * 1000;

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { Mqtt5Client, QoS } = require(path.join(root, 'dist/index.js'));
const { binding } = require(path.join(root, 'dist/native.js'));

const MiB = 1024 * 1024;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const t0 = Date.now();
const elapsed = () => ((Date.now() - t0) / 1000).toFixed(1);
const log = (...a) => console.log(`[${elapsed()}s]`, ...a);

// A watchdog: a hang must fail the run, not stall it forever.
let lastProgress = Date.now();
const touch = () => (lastProgress = Date.now());
const watchdog = setInterval(() => {
    if (Date.now() - lastProgress > 120_000) {
        console.error(`soak: no progress for 120 s: hung. ${JSON.stringify(state())}`);
        process.exit(2);
    }
}, 5000);
watchdog.unref();

const samples = [];
let broker;
async function sample(label) {
    for (let i = 0; i < 4; i++) {
        globalThis.gc();
        await new Promise((r) => setImmediate(r));
    }
    await sleep(50);
    globalThis.gc();
    const m = process.memoryUsage();
    const s = {
        label,
        t: Number(elapsed()),
        rss: m.rss,
        heapUsed: m.heapUsed,
        heapTotal: m.heapTotal,
        external: m.external,
        arrayBuffers: m.arrayBuffers,
        live: binding._liveClientCount(),
        brokerRssKiB: broker?.rssKiB(),
    };
    samples.push(s);
    log(
        `memory ${label}: rss ${(s.rss / MiB).toFixed(1)} MiB, heapUsed ${(s.heapUsed / MiB).toFixed(2)} MiB, ` +
            `external ${(s.external / MiB).toFixed(2)} MiB, live clients ${s.live}` +
            (s.brokerRssKiB ? `, broker rss ${(s.brokerRssKiB / 1024).toFixed(1)} MiB` : ''),
    );
    return s;
}

const config = (clientId, extra = {}) => ({
    hostName: '127.0.0.1',
    port: broker.port,
    connectProperties: { keepAliveIntervalSeconds: 60, clientId, ...extra },
});

function waitEvent(emitter, name, ms, what) {
    return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
            emitter.off(name, on);
            reject(new Error(`timed out after ${ms} ms waiting for ${what ?? name}`));
        }, ms);
        const on = (ev) => {
            clearTimeout(timer);
            resolve(ev);
        };
        emitter.once(name, on);
    });
}

async function connected(client, ms = 30_000) {
    const ok = waitEvent(client, 'connectionSuccess', ms, 'connectionSuccess');
    client.start();
    await ok;
}

async function stopAndClose(client, ms = 30_000) {
    const stopped = waitEvent(client, 'stopped', ms, 'stopped');
    client.stop();
    await stopped;
    client.close();
}

// Per-round counters (phase 1 = stream, phase 2 = cycle) and their totals over all rounds.
const newP1 = () => ({
    sent: 0,
    acked: 0,
    ackNonSuccess: 0,
    publishErrors: 0,
    received: 0,
    distinct: 0,
    duplicates: 0,
    garbled: 0,
    lost: 0,
    seconds: 0,
    disconnections: 0,
    firstError: undefined,
});
const newP2 = () => ({ started: 0, completed: 0, failed: 0, seconds: 0, firstError: undefined });
let p1 = newP1();
let p2 = newP2();
const rounds = [];
let round = 0;

const state = () => ({ round, phase1: p1, phase2: p2, live: binding._liveClientCount() });

async function phaseStream(warmup) {
    const topic = `soak/stream/${process.pid}/${round}`;
    const sub = new Mqtt5Client(config(`soak-sub-${process.pid}-${round}`));
    const pub = new Mqtt5Client(config(`soak-pub-${process.pid}-${round}`));
    let stopping = false;
    for (const c of [sub, pub]) {
        c.on('disconnection', ({ error }) => {
            if (stopping) return; // the DISCONNECT of our own stop()
            p1.disconnections++;
            p1.firstError ??= `disconnection: ${error.code}`;
        });
        c.on('error', (e) => (p1.firstError ??= `error event: ${e}`));
    }
    await connected(sub);
    await connected(pub);
    await sub.subscribe({ subscriptions: [{ topicFilter: topic, qos: QoS.AtLeastOnce }] });

    const seen = new Uint8Array(MESSAGES);
    const payload = Buffer.alloc(PAYLOAD, 0x5a);
    // At least 100,000 messages (or half the run) of warm-up: enough allocation to cycle through
    // the whole young generation and let the CRT's and malloc's pools reach their working size.
    const warmupAt = Math.floor(Math.max(MESSAGES * WARMUP, Math.min(100_000, MESSAGES / 2)));
    let stopSending = false;
    let warmupPending = warmup && MESSAGES > 0 && WARMUP > 0;
    let sampling = false;
    let finish;
    const done = new Promise((r) => (finish = r));
    const start = Date.now();

    const onAck = (puback) => {
        p1.acked++;
        if (puback?.reasonCode !== 0) p1.ackNonSuccess++;
        maybeDone();
    };
    const onPubError = (e) => {
        p1.publishErrors++;
        p1.firstError ??= `publish: ${e?.code ?? e}`;
        maybeDone();
    };
    function maybeDone() {
        const settled = p1.acked + p1.publishErrors;
        if (stopSending && settled === p1.sent && p1.distinct + p1.publishErrors >= p1.sent) finish();
    }
    function pump() {
        if (sampling) return;
        if (warmupPending && p1.sent >= warmupAt && p1.distinct >= warmupAt) {
            // Warm-up reached: sample with nothing in flight (drained), then go on.
            warmupPending = false;
            sampling = true;
            sample('stream warm-up').then(() => {
                sampling = false;
                pump();
            });
            return;
        }
        while (!stopSending && p1.sent - p1.distinct < INFLIGHT) {
            if (p1.sent >= MESSAGES) {
                stopSending = true;
                break;
            }
            if (warmupPending && p1.sent >= warmupAt) break; // drain before the warm-up sample
            payload.writeUInt32LE(p1.sent, 0);
            p1.sent++;
            pub.publish({ topicName: topic, qos: QoS.AtLeastOnce, payload }).then(onAck, onPubError);
        }
        maybeDone();
    }
    sub.on('messageReceived', ({ message }) => {
        p1.received++;
        const b = message.payload && Buffer.from(message.payload);
        if (!b || b.length !== PAYLOAD || message.topicName !== topic) {
            p1.garbled++;
            return;
        }
        const n = b.readUInt32LE(0);
        if (n >= MESSAGES || n >= p1.sent) {
            p1.garbled++;
            return;
        }
        if (seen[n]) {
            p1.duplicates++;
            return;
        }
        seen[n] = 1;
        p1.distinct++;
        if ((p1.distinct & 1023) === 0) touch();
        pump();
    });

    const progress = setInterval(() => {
        const s = (Date.now() - start) / 1000;
        log(
            `stream: sent ${p1.sent}, received ${p1.distinct} (${Math.round(p1.distinct / s)}/s), acked ${p1.acked}, ` +
                `in flight ${p1.sent - p1.distinct}, rss ${(process.memoryUsage.rss() / MiB).toFixed(1)} MiB`,
        );
    }, PROGRESS_MS);
    pump();
    if (MESSAGES === 0) finish();
    // A lost message would leave `done` pending: wait for it to settle, but not forever.
    const STALL_MS = 60_000;
    let lastDistinct = -1;
    while (true) {
        const r = await Promise.race([done.then(() => true), sleep(STALL_MS).then(() => false)]);
        if (r) break;
        if (p1.distinct === lastDistinct && !sampling) {
            p1.firstError ??= `stalled: ${p1.sent - p1.distinct} messages never arrived within ${STALL_MS / 1000} s`;
            break;
        }
        lastDistinct = p1.distinct;
    }
    clearInterval(progress);
    p1.seconds = (Date.now() - start) / 1000;
    // Late duplicates, if any, would arrive now.
    await sleep(500);
    p1.lost = p1.sent - p1.distinct;
    stopping = true;
    await stopAndClose(pub);
    await stopAndClose(sub);
    log(`stream done: ${p1.distinct}/${p1.sent} in ${p1.seconds.toFixed(1)} s (${Math.round(p1.distinct / p1.seconds)} msg/s)`);
}

async function cycleOne(i) {
    const topic = `soak/cycle/${process.pid}/${round}/${i}`;
    const client = new Mqtt5Client(config(`soak-cycle-${process.pid}-${round}-${i}`));
    try {
        await connected(client);
        await client.subscribe({ subscriptions: [{ topicFilter: topic, qos: QoS.AtLeastOnce }] });
        const got = waitEvent(client, 'messageReceived', 30_000, 'its own message');
        const body = `cycle ${round}/${i}`;
        const puback = await client.publish({ topicName: topic, qos: QoS.AtLeastOnce, payload: body });
        if (puback?.reasonCode !== 0) throw new Error(`PUBACK reason code ${puback?.reasonCode}`);
        const { message } = await got;
        if (message.payload.toString() !== body) throw new Error(`got ${message.payload.toString()} instead of ${body}`);
        await stopAndClose(client);
        p2.completed++;
    } catch (e) {
        p2.failed++;
        p2.firstError ??= `client ${i}: ${e?.code ?? e?.message ?? e}`;
        try {
            client.close();
        } catch {
            /* closed */
        }
    }
    touch();
}

async function phaseCycle(warmup) {
    const start = Date.now();
    const warmupAt = Math.floor(CLIENTS * WARMUP);
    let next = 0;
    const progress = setInterval(() => {
        const s = (Date.now() - start) / 1000;
        log(
            `cycle: ${p2.completed} done (${Math.round(p2.completed / s)}/s), ${p2.failed} failed, ` +
                `live ${binding._liveClientCount()}, rss ${(process.memoryUsage.rss() / MiB).toFixed(1)} MiB`,
        );
    }, PROGRESS_MS);
    const runUntil = async (limit) => {
        const worker = async () => {
            while (next < limit) {
                const i = next++;
                p2.started++;
                await cycleOne(i);
            }
        };
        await Promise.all(Array.from({ length: Math.min(CONCURRENCY, Math.max(1, limit)) }, worker));
    };
    if (warmup && WARMUP > 0 && warmupAt > 0) {
        await runUntil(warmupAt);
        await sample('cycle warm-up');
    }
    await runUntil(CLIENTS);
    clearInterval(progress);
    p2.seconds = (Date.now() - start) / 1000;
    log(
        `cycle done: ${p2.completed}/${p2.started} clients in ${p2.seconds.toFixed(1)} s (${Math.round(p2.completed / p2.seconds)}/s), ${p2.failed} failed`,
    );
}

function fmtTable() {
    const rows = [
        [
            'sample',
            't (s)',
            'rss MiB',
            'heapUsed MiB',
            'heapTotal MiB',
            'external MiB',
            'arrayBuffers MiB',
            'live',
            'broker rss MiB',
        ],
    ];
    for (const s of samples) {
        rows.push([
            s.label,
            s.t.toFixed(1),
            (s.rss / MiB).toFixed(1),
            (s.heapUsed / MiB).toFixed(2),
            (s.heapTotal / MiB).toFixed(1),
            (s.external / MiB).toFixed(2),
            (s.arrayBuffers / MiB).toFixed(2),
            String(s.live),
            s.brokerRssKiB ? (s.brokerRssKiB / 1024).toFixed(1) : '-',
        ]);
    }
    const w = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
    return rows
        .map(
            (r, j) =>
                '| ' +
                r.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join(' | ') +
                ' |' +
                (j === 0 ? '\n|' + w.map((n, i) => (i === 0 ? '-'.repeat(n + 2) : '-'.repeat(n + 1) + ':')).join('|') + '|' : ''),
        )
        .join('\n');
}

async function main() {
    log(
        `soak: rounds of ${MESSAGES} QoS 1 messages of ${PAYLOAD} B (≤ ${INFLIGHT} in flight) then ${CLIENTS} client cycles ` +
            `(${CONCURRENCY} at a time); ${Number.isFinite(DURATION_MS) ? `rounds repeated for ${DURATION_MS / 1000} s` : `${ROUNDS} round(s)`}; ` +
            `bounds: rss growth < ${MAX_RSS} MiB, heapUsed growth < ${MAX_HEAP} MiB after warm-up; node ${process.version}, pid ${process.pid}`,
    );
    broker = await startMosquitto({
        extraConfig: ['max_queued_messages 0', 'set_tcp_nodelay true', 'max_connections -1'],
        nofile: 8192,
    });
    log(`mosquitto on 127.0.0.1:${broker.port} (pid ${broker.pid})`);
    const checks = [];
    let crashed;
    try {
        await sample('start');
        do {
            round++;
            p1 = newP1();
            p2 = newP2();
            log(`round ${round}`);
            await phaseStream(round === 1);
            await sample(round === 1 ? 'stream end' : `stream end (round ${round})`);
            await phaseCycle(round === 1);
            await sample(round === 1 ? 'cycle end' : `cycle end (round ${round})`);
            rounds.push({ round, stream: p1, cycle: p2 });
        } while (Number.isFinite(DURATION_MS) ? Date.now() - t0 < DURATION_MS : round < ROUNDS);
    } catch (e) {
        crashed = e;
        console.error('soak: the run failed:', e);
    }
    // Give finalizers a chance, then the final count.
    for (let i = 0; i < 20 && binding._liveClientCount() !== 0; i++) {
        globalThis.gc();
        await sleep(50);
    }
    const fin = await sample('final');
    await broker.stop();

    const by = Object.fromEntries(samples.map((s) => [s.label, s]));
    const bound = (name, a, b) => {
        for (const [k, max] of [
            ['rss', MAX_RSS],
            ['heapUsed', MAX_HEAP],
        ]) {
            if (!a || !b) continue;
            const g = (b[k] - a[k]) / MiB;
            checks.push({
                check: `${k} growth ${name} (${a.label} → ${b.label}) < ${max} MiB`,
                value: `${g.toFixed(2)} MiB`,
                ok: g < max,
            });
        }
    };
    bound('in the stream phase', by['stream warm-up'], by['stream end']);
    bound('in the cycle phase', by['cycle warm-up'], by['cycle end']);
    const lastEnd = [...samples].reverse().find((s) => s.label.startsWith('cycle end'));
    if (rounds.length > 1) bound('from round 1 to the last round', by['cycle end'], lastEnd);
    bound('over the run', by['stream warm-up'] ?? by['cycle warm-up'], fin);

    const total = (list, k) => list.reduce((n, r) => n + r[k], 0);
    const s1 = rounds.map((r) => r.stream);
    const s2 = rounds.map((r) => r.cycle);
    if (rounds.length === 0) {
        s1.push(p1);
        s2.push(p2);
    }
    const T1 = Object.fromEntries(
        [
            'sent',
            'acked',
            'ackNonSuccess',
            'publishErrors',
            'distinct',
            'duplicates',
            'garbled',
            'lost',
            'seconds',
            'disconnections',
        ].map((k) => [k, total(s1, k)]),
    );
    const T2 = Object.fromEntries(['started', 'completed', 'failed', 'seconds'].map((k) => [k, total(s2, k)]));
    const firstError1 = s1.find((r) => r.firstError)?.firstError;
    const firstError2 = s2.find((r) => r.firstError)?.firstError;
    const nRounds = Math.max(1, rounds.length);
    checks.push({ check: 'stream: messages lost', value: String(T1.lost), ok: T1.lost === 0 });
    checks.push({
        check: 'stream: messages sent = target',
        value: `${T1.sent}/${MESSAGES * nRounds}`,
        ok: T1.sent === MESSAGES * nRounds,
    });
    checks.push({ check: 'stream: duplicates', value: String(T1.duplicates), ok: T1.duplicates === 0 });
    checks.push({ check: 'stream: garbled payloads', value: String(T1.garbled), ok: T1.garbled === 0 });
    checks.push({
        check: 'stream: successful PUBACKs',
        value: `${T1.acked - T1.ackNonSuccess}/${T1.sent}`,
        ok: T1.acked === T1.sent && T1.ackNonSuccess === 0,
    });
    checks.push({
        check: 'stream: publish errors / unexpected disconnections',
        value: `${T1.publishErrors} / ${T1.disconnections}`,
        ok: T1.publishErrors === 0 && T1.disconnections === 0,
    });
    checks.push({
        check: 'cycle: clients completed',
        value: `${T2.completed}/${CLIENTS * nRounds} (${T2.failed} failed)`,
        ok: T2.failed === 0 && T2.completed === CLIENTS * nRounds,
    });
    checks.push({ check: 'native live clients at the end', value: String(fin.live), ok: fin.live === 0 });
    if (crashed) checks.push({ check: 'ran to the end', value: String(crashed?.message ?? crashed), ok: false });

    console.log('\n' + fmtTable() + '\n');
    console.log(
        `stream: ${T1.distinct}/${T1.sent} distinct messages received in ${T1.seconds.toFixed(1)} s = ${Math.round(T1.distinct / T1.seconds)} msg/s ` +
            `over ${nRounds} round(s); lost ${T1.lost}, duplicates ${T1.duplicates}` +
            (firstError1 ? `; first error: ${firstError1}` : ''),
    );
    console.log(
        `cycle: ${T2.completed} clients in ${T2.seconds.toFixed(1)} s = ${Math.round(T2.completed / T2.seconds)} clients/s; failed ${T2.failed}` +
            (firstError2 ? `; first error: ${firstError2}` : ''),
    );
    for (const c of checks) console.log(`${c.ok ? 'PASS' : 'FAIL'}  ${c.check}: ${c.value}`);
    const ok = checks.every((c) => c.ok);
    console.log(`\nsoak ${ok ? 'PASSED' : 'FAILED'} in ${elapsed()} s`);
    if (opt.json) {
        const fs = await import('node:fs');
        fs.writeFileSync(
            opt.json,
            JSON.stringify({ options: opt, samples, rounds, totals: { stream: T1, cycle: T2 }, checks, ok }, null, 2),
        );
    }
    process.exit(ok ? 0 : 1);
}

main().catch((e) => {
    console.error(e);
    process.exit(2);
});
