#!/usr/bin/env node
// The benchmark driver (`npm run bench` from the repository root, or `node bench/run.mjs`).
//
//   node bench/run.mjs [--reps 3] [--scenarios qos1,qos0,...|qos1-64B,...] [--clients a,b,...]
//                      [--quick] [--timeout 600] [--payload fresh|reused]
//   node bench/run.mjs --render      (re-writes the tables, RESULTS.md and results.svg from results.json)
//
// Builds the native (C) client on first use, then for every case runs the clients alternately
// (A B C D A B C D ...), each run against its own fresh private mosquitto, and prints a table of
// medians with ratios to mqtt5-crt. Writes bench/results.json, bench/results.svg and regenerates
// bench/RESULTS.md (keeping its "Profile" section).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { mosquittoVersion, startBroker } from './lib/broker.mjs';
import { PAYLOAD_MODES } from './lib/common.mjs';

const bench = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(bench, '..');
const nativeDir = path.join(bench, 'native');
const nativeBuild = path.join(nativeDir, 'build');
const nativeBin = path.join(nativeBuild, 'mqtt5-bench');
const ALL_CLIENTS = ['mqtt5-crt', 'mqtt5-crt-zc', 'aws-crt', 'mqttjs', 'native', 'mqtt5-crt-311', 'aws-crt-311', 'mqttjs-311'];
// Run only when named in --clients: the zero-copy variant and the MQTT 3.1.1 clients.
const OPT_IN_CLIENTS = new Set(['mqtt5-crt-zc', 'mqtt5-crt-311', 'aws-crt-311', 'mqttjs-311']);
// A client may carry a variant: `mqtt5-crt+elg2` runs mqtt5-crt (or native) with 2 CRT event loop
// threads (MQTT5_CRT_EVENT_LOOP_THREADS=2), so that thread counts alternate like clients do;
// `mqtt5-crt+alt` (any mqtt5-crt client) loads the package from the directory MQTT5_CRT_BENCH_ALT
// names (another build: A/B runs of two builds, alternating).
const baseClient = (client) => client.split('+')[0];
function variantEnv(client) {
    const m = /\+elg(\d+)$/.exec(client);
    if (m) return { MQTT5_CRT_EVENT_LOOP_THREADS: m[1] };
    return client.endsWith('+alt') ? { MQTT5_CRT_BENCH_ROOT: process.env.MQTT5_CRT_BENCH_ALT } : {};
}
// The scenarios that publish through bench/lib/mesh.mjs (and the C client's mesh): --payload applies.
const MESH_SCENARIOS = new Set(['qos1', 'qos0', 'publish', 'fanin', 'fanout']);
// The client the ratios are taken against: mqtt5-crt, or the first client of the run without it.
let BASE = 'mqtt5-crt';

// ------------------------------------------------------------------ the cases
// Each case: a scenario script with its full-size and --quick flags.
const CASES = [
    { id: 'qos1-64B', scenario: 'qos1', full: ['--size', '64', '--count', '100000'], quick: ['--size', '64', '--count', '2000'] },
    {
        id: 'qos1-1KiB',
        scenario: 'qos1',
        full: ['--size', '1024', '--count', '50000'],
        quick: ['--size', '1024', '--count', '1000'],
    },
    {
        id: 'qos1-64KiB',
        scenario: 'qos1',
        full: ['--size', '65536', '--count', '5000'],
        quick: ['--size', '65536', '--count', '200'],
    },
    {
        // 1 MiB: 16 in flight (16 MiB), not 1,000 (1 GiB).
        id: 'qos1-1MiB',
        scenario: 'qos1',
        full: ['--size', '1048576', '--count', '500', '--window', '16', '--warmup', '50'],
        quick: ['--size', '1048576', '--count', '40', '--window', '16', '--warmup', '10'],
        optIn: true,
    },
    { id: 'qos0-64B', scenario: 'qos0', full: ['--size', '64', '--count', '100000'], quick: ['--size', '64', '--count', '2000'] },
    {
        id: 'qos0-1KiB',
        scenario: 'qos0',
        full: ['--size', '1024', '--count', '50000'],
        quick: ['--size', '1024', '--count', '1000'],
    },
    {
        id: 'qos0-64KiB',
        scenario: 'qos0',
        full: ['--size', '65536', '--count', '5000'],
        quick: ['--size', '65536', '--count', '200'],
    },
    {
        id: 'qos0-1MiB',
        scenario: 'qos0',
        full: ['--size', '1048576', '--count', '500', '--window', '16', '--warmup', '50'],
        quick: ['--size', '1048576', '--count', '40', '--window', '16', '--warmup', '10'],
        optIn: true,
    },
    {
        id: 'latency',
        scenario: 'latency',
        full: ['--rate', '2000', '--duration', '10'],
        quick: ['--rate', '2000', '--duration', '1'],
    },
    { id: 'fanin', scenario: 'fanin', full: ['--pubs', '100', '--count', '100000'], quick: ['--pubs', '100', '--count', '2000'] },
    {
        // Many clients: 1,000 QoS 1 publishers (10 in flight each) -> 1 subscriber. With
        // --clients mqtt5-crt+elg1,mqtt5-crt+elg2 it compares CRT event loop thread counts.
        id: 'fanin-1000',
        scenario: 'fanin',
        full: ['--pubs', '1000', '--count', '100000', '--window', '10000'],
        quick: ['--pubs', '1000', '--count', '5000', '--window', '10000'],
        nofile: 8192,
        optIn: true,
    },
    { id: 'fanout', scenario: 'fanout', full: ['--subs', '100', '--count', '1000'], quick: ['--subs', '100', '--count', '50'] },
    { id: 'connections', scenario: 'connections', full: ['--clients', '1000'], quick: ['--clients', '100', '--settle', '500'] },
    { id: 'startup', scenario: 'startup', full: [], quick: [] },
    {
        id: 'conns10k',
        scenario: 'conns10k',
        full: ['--clients', '10000', '--duration', '30'],
        quick: ['--clients', '1000', '--duration', '3', '--idle', '1'],
        // 10,000 sockets on each side; run only when asked for (--scenarios conns10k).
        nofile: 32768,
        optIn: true,
    },
];

// The publishing direction alone (one QoS 1 publisher, no subscriber; opt-in), with qos1's sizes
// and flags: set beside qos1-* it splits CPU per message into publishing and receiving. Four
// times qos1's count: a publisher alone uses a fraction of a second of CPU for qos1's, too little
// for the per-thread figures (10 ms clock ticks) and for ratios within 10%.
const PUBLISH_COUNT_FACTOR = 4;
for (const size of ['1KiB', '64KiB', '1MiB']) {
    const { full, quick } = CASES.find((c) => c.id === `qos1-${size}`);
    const more = full.map((v, i) => (full[i - 1] === '--count' ? String(Number(v) * PUBLISH_COUNT_FACTOR) : v));
    CASES.push({ id: `publish-${size}`, scenario: 'publish', full: more, quick, optIn: true });
}

// What the tables show per scenario: [result key, label, better ('hi'|'lo'|''), digits].
const METRICS = {
    throughput: [
        ['msgs_per_s', 'msg/s', 'hi', 0],
        ['cpu_s_per_100k', 'client CPU s / 100k', 'lo', 2],
        ['broker_cpu_share', 'broker CPU share', '', 2],
        ['losses', 'losses (worst rep)', 'lo', 0],
    ],
    latency: [
        ['p50_ms', 'p50 ms', 'lo', 3],
        ['p99_ms', 'p99 ms', 'lo', 3],
        ['max_ms', 'max ms', 'lo', 2],
        ['cpu_s_per_100k', 'client CPU s / 100k', 'lo', 2],
        ['losses', 'losses (worst rep)', 'lo', 0],
    ],
    connections: [
        ['connect_all_ms', 'connect all ms', 'lo', 0],
        ['connect_cpu_s', 'client CPU s to connect all', 'lo', 3],
        ['rss_mb_per_100', 'RSS MB / 100 idle', 'lo', 2],
        ['failed', 'failed (worst rep)', 'lo', 0],
    ],
    conns10k: [
        ['connect_all_ms', 'connect all ms', 'lo', 0],
        ['connect_cpu_s', 'client CPU s to connect all', 'lo', 2],
        ['connect_retries', 'connection attempts retried', 'lo', 0],
        ['rss_idle_mb', 'RSS MB, all idle', 'lo', 0],
        ['rss_trickle_mb', 'RSS MB, trickle (peak)', 'lo', 0],
        ['idle_cpu_share', 'client CPU share, idle', 'lo', 3],
        ['trickle_cpu_share', 'client CPU share, trickle', 'lo', 3],
        ['p50_ms', 'p50 ms (trickle)', 'lo', 2],
        ['p99_ms', 'p99 ms (trickle)', 'lo', 2],
        ['failed', 'failed (worst rep)', 'lo', 0],
        ['losses', 'losses (worst rep)', 'lo', 0],
    ],
    startup: [
        ['wall_ms', 'spawn → connected ms', 'lo', 0],
        ['import_ms', 'import ms', 'lo', 1],
        ['connect_ms', 'first connect ms', 'lo', 1],
    ],
};
const WORST = new Set(['losses', 'failed']);
const metricsOf = (scenario) =>
    ['qos1', 'qos0', 'fanin', 'fanout', 'publish'].includes(scenario) ? METRICS.throughput : METRICS[scenario];

// ------------------------------------------------------------------ flags
function parseFlags(argv) {
    const o = {
        reps: 3,
        scenarios: null,
        clients: ALL_CLIENTS.filter((c) => !OPT_IN_CLIENTS.has(c)),
        quick: false,
        timeout: 600,
        render: false,
        payload: 'fresh',
    };
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        const val = () => {
            if (argv[i + 1] === undefined) die(`${a} needs a value`);
            return argv[++i];
        };
        if (a === '--reps') o.reps = Number(val());
        else if (a === '--scenarios') o.scenarios = val().split(',').filter(Boolean);
        else if (a === '--clients') o.clients = val().split(',').filter(Boolean);
        else if (a === '--quick') o.quick = true;
        else if (a === '--render') o.render = true;
        else if (a === '--timeout') o.timeout = Number(val());
        else if (a === '--payload') o.payload = val();
        else if (a === '--help' || a === '-h') {
            console.log(
                fs
                    .readFileSync(fileURLToPath(import.meta.url), 'utf8')
                    .split('\n')
                    .slice(1, 12)
                    .join('\n'),
            );
            process.exit(0);
        } else
            die(`unknown flag ${a} (known: --reps N --scenarios a,b --clients a,b --quick --timeout S --payload fresh|reused)`);
    }
    if (!(o.reps >= 1)) die('--reps must be at least 1');
    if (!PAYLOAD_MODES.includes(o.payload)) die(`--payload must be one of ${PAYLOAD_MODES.join(', ')} (got ${o.payload})`);
    for (const c of o.clients) {
        if (!ALL_CLIENTS.includes(baseClient(c))) die(`unknown client ${c} (${ALL_CLIENTS.join(', ')})`);
        if (c.includes('+') && !/^((mqtt5-crt|native)\+elg\d+|mqtt5-crt(-zc|-311)?\+alt)$/.test(c))
            die(`unknown variant ${c} (mqtt5-crt+elgN, native+elgN, mqtt5-crt[-zc|-311]+alt)`);
        if (c.endsWith('+alt') && !fs.existsSync(path.join(process.env.MQTT5_CRT_BENCH_ALT ?? '', 'dist', 'index.js')))
            die(`${c}: MQTT5_CRT_BENCH_ALT must name a package directory with a built dist/ (the build to compare)`);
    }
    if (!o.clients.includes(BASE)) BASE = o.clients[0];
    return o;
}

function die(msg) {
    console.error(`bench: ${msg}`);
    process.exit(2);
}

// ------------------------------------------------------------------ preparation
function newerThan(target, sources) {
    if (!fs.existsSync(target)) return false;
    const t = fs.statSync(target).mtimeMs;
    return sources.every((s) => fs.statSync(s).mtimeMs <= t);
}

/** Builds the native client if it is missing or older than its sources; false when it cannot. */
function buildNative() {
    const sources = ['mqtt5_bench.c', 'CMakeLists.txt'].map((f) => path.join(nativeDir, f));
    if (newerThan(nativeBin, sources)) return true;
    console.error('bench: building the native client (bench/native) ...');
    const configure = spawnSync('cmake', ['-S', nativeDir, '-B', nativeBuild, '-G', 'Ninja', '-DCMAKE_BUILD_TYPE=Release'], {
        cwd: root,
        encoding: 'utf8',
    });
    const out = `${configure.stdout ?? ''}${configure.stderr ?? ''}`;
    if (configure.status !== 0) {
        console.error(out + (configure.error ? String(configure.error) : ''));
        console.error('bench: configuring the native client failed; it is left out of this run.');
        return false;
    }
    if (!/CRT build cache hit/.test(out)) {
        console.error('bench: note: the CRT was not found in the build cache and was built for the native client');
    }
    const build = spawnSync('cmake', ['--build', nativeBuild], { cwd: root, encoding: 'utf8' });
    if (build.status !== 0) {
        console.error(`${build.stdout}${build.stderr}`);
        console.error('bench: building the native client failed; it is left out of this run.');
        return false;
    }
    return true;
}

function prepare(clients) {
    if (!fs.existsSync(path.join(root, 'dist', 'index.js'))) {
        console.error('bench: dist/ is missing: compiling the TypeScript façade (npx tsc -p tsconfig.json)');
        const r = spawnSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: root, stdio: 'inherit' });
        if (r.status !== 0) die('tsc failed');
    }
    // Any variant (aws-crt-311, mqttjs-311, ...) needs them too.
    const needsPeers = clients.some((c) => /^(aws-crt|mqttjs)/.test(c));
    if (needsPeers && !fs.existsSync(path.join(bench, 'node_modules'))) {
        console.error('bench: installing the peers (cd bench && npm install)');
        const r = spawnSync('npm', ['install', '--no-audit', '--no-fund'], { cwd: bench, stdio: 'inherit' });
        if (r.status !== 0) die('npm install in bench/ failed');
    }
    if (clients.some((c) => baseClient(c) === 'native') && !buildNative())
        return clients.filter((c) => baseClient(c) !== 'native');
    return clients;
}

// ------------------------------------------------------------------ machine facts
function sh(cmd) {
    const r = spawnSync('sh', ['-c', cmd], { encoding: 'utf8' });
    return r.status === 0 ? r.stdout.trim() : '';
}

function machine() {
    const pkg = (p) => {
        try {
            return JSON.parse(fs.readFileSync(p, 'utf8')).version;
        } catch {
            return 'not installed';
        }
    };
    const cpu = os.cpus();
    return {
        cpu: cpu[0]?.model ?? 'unknown',
        cores: cpu.length,
        memory_gib: Math.round(os.totalmem() / 2 ** 30),
        kernel: `${os.type()} ${os.release()} ${os.arch()}`,
        node: process.version,
        mosquitto: mosquittoVersion(),
        'mqtt5-crt': pkg(path.join(root, 'package.json')),
        'aws-crt': pkg(path.join(bench, 'node_modules', 'aws-crt', 'package.json')),
        mqtt: pkg(path.join(bench, 'node_modules', 'mqtt', 'package.json')),
        crt: (/MQTT5_CRT_VERSION "([^"]+)"/.exec(fs.readFileSync(path.join(root, 'cmake', 'CrtPrebuild.cmake'), 'utf8')) ??
            [])[1],
        nofile: sh('ulimit -n'),
        commit: gitCommit(),
    };
}

/** The repository's commit (with "+changes" when the work tree differs from it). */
function gitCommit() {
    const head = sh(`git -C '${root}' rev-parse --short HEAD`);
    if (!head) return 'unknown';
    const dirty = sh(`git -C '${root}' status --porcelain --untracked-files=no -- lib binding cmake scripts`);
    return dirty ? `${head}+changes` : head;
}

// ------------------------------------------------------------------ one run
/** The kernel's count of connection attempts dropped at a full listen queue (TcpExt ListenDrops). */
function listenDrops() {
    try {
        const lines = fs
            .readFileSync('/proc/net/netstat', 'utf8')
            .split('\n')
            .filter((l) => l.startsWith('TcpExt:'));
        const keys = lines[0].split(/\s+/);
        const vals = lines[1].split(/\s+/);
        return Number(vals[keys.indexOf('ListenDrops')]);
    } catch {
        return NaN;
    }
}

/** Runs one case for one client against a fresh broker; resolves with the parsed result (or {error}). */
async function runOne(c, variant, flags) {
    const client = baseClient(variant);
    const nofile = c.nofile ?? 8192;
    const broker = await startBroker({ nofile, extraConfig: c.brokerConfig ?? [] });
    const args = [
        ...(flags.quick ? c.quick : c.full),
        '--client',
        client,
        '--port',
        String(broker.port),
        '--broker-pid',
        String(broker.pid),
        // The application's payloads (common.mjs payloadSource, native make_payload).
        ...(MESH_SCENARIOS.has(c.scenario) ? ['--payload', flags.payload] : []),
    ];
    let cmd;
    let argv;
    if (client === 'native') {
        cmd = nativeBin;
        argv = [c.scenario, ...args];
    } else {
        cmd = process.execPath;
        argv = [
            ...(c.scenario === 'connections' || c.scenario === 'conns10k' ? ['--expose-gc'] : []),
            path.join(bench, 'scenarios', `${c.scenario}.mjs`),
            ...args,
        ];
    }
    if ((c.scenario === 'connections' || c.nofile) && Number(sh('ulimit -n')) < nofile) {
        // 1,000 (10,000) sockets need more descriptors than the usual soft limit of 1,024.
        argv = ['-c', `ulimit -n ${nofile} 2>/dev/null; exec "$@"`, 'sh', cmd, ...argv];
        cmd = 'sh';
    }
    const drops0 = listenDrops();
    const t0 = performance.now();
    let wallMs = null;
    const child = spawn(cmd, argv, {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, ...variantEnv(variant) },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
        if (wallMs === null && d.includes('\n')) wallMs = performance.now() - t0;
        stdout += d;
    });
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), flags.timeout * 1000);
    const [code, signal] = await new Promise((resolve) => child.once('close', (code, signal) => resolve([code, signal])));
    clearTimeout(timer);
    const drops = listenDrops() - drops0;
    await broker.stop();
    const line = stdout
        .trim()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .pop();
    let result;
    try {
        result = line ? JSON.parse(line) : null;
    } catch {
        result = null;
    }
    if (!result) result = { error: `no result (exit ${code}${signal ? `, ${signal}` : ''}): ${stderr.trim().slice(-800)}` };
    else if (code !== 0 && !result.error)
        result.error = `exit ${code}${signal ? ` ${signal}` : ''}: ${stderr.trim().slice(-800)}`;
    if (wallMs !== null) result.wall_ms = Math.round(wallMs * 10) / 10;
    // Connection attempts the kernel dropped at a full listen queue during the run (machine-wide):
    // each costs its client a SYN retransmission (1 s, then 3 s ...).
    if (Number.isFinite(drops) && (drops > 0 || c.scenario === 'connections')) result.listen_drops = drops;
    const brokerLog = broker.stderr().trim();
    if (brokerLog) result.broker_log = brokerLog.slice(-800);
    const noise = stderr
        .split('\n')
        .filter(
            (l) =>
                l.trim() &&
                !/NodeDeprecationWarning|AWS CRT for JavaScript|Node\.js|upgrade to a supported|More information|trace-warnings|^\s*$/.test(
                    l,
                ),
        );
    if (noise.length) result.stderr = noise.join('\n').slice(-800);
    return result;
}

// ------------------------------------------------------------------ statistics
function median(xs) {
    const s = [...xs].sort((a, b) => a - b);
    const n = s.length;
    if (!n) return null;
    return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

function summarise(c, runs, clients) {
    const out = {};
    for (const client of clients) {
        const ok = runs.filter((r) => r.client === client && !r.result.error).map((r) => r.result);
        const failed = runs.filter((r) => r.client === client && r.result.error).length;
        const s = { runs: ok.length, failed_runs: failed };
        for (const [key] of metricsOf(c.scenario)) {
            const xs = ok.map((r) => r[key]).filter((x) => typeof x === 'number' && Number.isFinite(x));
            if (!xs.length) continue;
            s[key] = { median: WORST.has(key) ? Math.max(...xs) : median(xs), min: Math.min(...xs), max: Math.max(...xs) };
        }
        out[client] = s;
    }
    return out;
}

// ------------------------------------------------------------------ tables
const fmt = (x, digits) =>
    x === null || x === undefined || !Number.isFinite(x)
        ? '–'
        : x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const ratio = (a, b) => (Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? a / b : null);
const fmtRatio = (r) => (r === null ? '–' : `${r.toFixed(2)}×`);
const val = (summary, client, key) => summary[client]?.[key]?.median ?? null;

/** Medians per client, with the ratio client / mqtt5-crt in brackets. */
function mediansTable(cases, clients) {
    const head = `| case | metric | ${clients.join(' | ')} |\n| --- | --- | ${clients.map(() => '---:').join(' | ')} |`;
    const rows = [];
    for (const c of cases) {
        for (const [key, label, , digits] of metricsOf(c.scenario)) {
            const cells = clients.map((client) => {
                const v = val(c.summary, client, key);
                if (v === null) return c.summary[client]?.failed_runs ? 'failed' : '–';
                const base = val(c.summary, BASE, key);
                const r = client !== BASE && !WORST.has(key) ? ratio(v, base) : null;
                return r === null ? fmt(v, digits) : `${fmt(v, digits)} (${fmtRatio(r)})`;
            });
            rows.push(`| ${c.id} | ${label} | ${cells.join(' | ')} |`);
        }
    }
    return `${head}\n${rows.join('\n')}`;
}

/** mqtt5-crt against each peer: throughput and CPU per message, p99, and the other scenarios' headline. */
function versusTable(cases, clients) {
    const peers = clients.filter((c) => c !== BASE);
    const head = `| case | vs | throughput (${BASE} ÷ peer, >1 = faster) | CPU per message (${BASE} ÷ peer, <1 = cheaper) | p99 (${BASE} ÷ peer, <1 = lower) | other (${BASE} ÷ peer) |\n| --- | --- | ---: | ---: | ---: | ---: |`;
    const rows = [];
    for (const c of cases) {
        for (const peer of peers) {
            const r = (key) => ratio(val(c.summary, BASE, key), val(c.summary, peer, key));
            let other = '';
            if (c.scenario === 'connections')
                other = `connect time ${fmtRatio(r('connect_all_ms'))}, connect CPU ${fmtRatio(r('connect_cpu_s'))}, RSS ${fmtRatio(r('rss_mb_per_100'))}`;
            if (c.scenario === 'conns10k')
                other = `connect time ${fmtRatio(r('connect_all_ms'))}, RSS idle ${fmtRatio(r('rss_idle_mb'))}, CPU idle ${fmtRatio(r('idle_cpu_share'))}, CPU trickle ${fmtRatio(r('trickle_cpu_share'))}`;
            if (c.scenario === 'startup') other = `spawn → connected ${fmtRatio(r('wall_ms'))}`;
            if (c.scenario === 'latency') other = `p50 ${fmtRatio(r('p50_ms'))}`;
            rows.push(
                `| ${c.id} | ${peer} | ${c.scenario === 'conns10k' ? '–' : fmtRatio(r('msgs_per_s'))} | ${fmtRatio(r('cpu_s_per_100k'))} | ${fmtRatio(r('p99_ms'))} | ${other || '–'} |`,
            );
        }
    }
    return `${head}\n${rows.join('\n')}`;
}

/**
 * Runs far off their client's median in the same case (msg/s below half of it, or p99 above twice
 * it): on a shared machine usually noise, but a client that collapses again and again is a finding.
 */
function outliers(cases) {
    const out = [];
    for (const c of cases) {
        for (const r of c.runs) {
            const x = r.result;
            if (x.error) continue;
            const med = (key) => c.summary[r.client]?.[key]?.median;
            let why = null;
            if (Number.isFinite(x.msgs_per_s) && x.msgs_per_s < 0.5 * med('msgs_per_s'))
                why = `${fmt(x.msgs_per_s, 0)} msg/s (median ${fmt(med('msgs_per_s'), 0)})`;
            if (Number.isFinite(x.p99_ms) && x.p99_ms > 2 * med('p99_ms'))
                why = `p99 ${x.p99_ms} ms (median ${fmt(med('p99_ms'), 3)})`;
            // A throughput run in which the broker sat almost idle: the client could not keep up with
            // itself (it held the window shut), whatever the median of its repetitions says.
            if (!why && Number.isFinite(x.msgs_per_s) && x.elapsed_s >= 1 && x.broker_cpu_share < 0.15)
                why = `${fmt(x.msgs_per_s, 0)} msg/s with the broker nearly idle`;
            if (!why) continue;
            const t = x.cpu_threads_s;
            const cpu = Number.isFinite(x.cpu_s_per_100k)
                ? `, ${fmt(x.cpu_s_per_100k, 2)} CPU s/100k (median ${fmt(med('cpu_s_per_100k'), 2)})`
                : '';
            const threads = t ? `, CPU s by thread: JS ${t.main}, CRT event loops ${t.event_loops}, other ${t.other}` : '';
            const broker = Number.isFinite(x.broker_cpu_share) ? `, broker CPU share ${x.broker_cpu_share}` : '';
            out.push(`${c.id} · ${r.client} · rep ${r.rep}: ${why}${cpu}${threads}${broker}`);
        }
    }
    return out;
}

// ------------------------------------------------------------------ chart
const COLOURS = { 'mqtt5-crt': '#1f77b4', 'aws-crt': '#ff7f0e', mqttjs: '#2ca02c', native: '#7f7f7f' };
const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Small multiples: one row per qos1/qos0 case, one panel for msg/s and one for CPU s / 100k. */
function chart(cases, clients) {
    const rowsOf = cases.filter((c) => c.scenario === 'qos1' || c.scenario === 'qos0');
    const panels = [
        ['msgs_per_s', 'messages / s (higher is better)', 0],
        ['cpu_s_per_100k', 'client CPU s per 100k messages (lower is better)', 2],
    ];
    const W = 920;
    const panelW = 440;
    const labelW = 80;
    const barH = 18;
    const gap = 4;
    const titleH = 22;
    const panelH = titleH + clients.length * (barH + gap) + 8;
    const top = 60;
    const H = top + Math.max(1, rowsOf.length) * (panelH + 14) + 10;
    const parts = [
        `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
        `<rect width="${W}" height="${H}" fill="#ffffff"/>`,
        `<text x="10" y="22" font-size="16" font-weight="bold">mqtt5-crt benchmark: QoS 1 and QoS 0 throughput (medians)</text>`,
    ];
    clients.forEach((client, i) => {
        const x = 10 + i * 120;
        parts.push(`<rect x="${x}" y="34" width="12" height="12" fill="${COLOURS[client] ?? '#999'}"/>`);
        parts.push(`<text x="${x + 17}" y="45">${esc(client)}</text>`);
    });
    if (!rowsOf.length) parts.push(`<text x="10" y="${top + 20}">(no qos1/qos0 case in this run)</text>`);
    rowsOf.forEach((c, ri) => {
        const y0 = top + ri * (panelH + 14);
        panels.forEach(([key, title, digits], pi) => {
            const x0 = 10 + pi * (panelW + 20);
            const values = clients.map((client) => val(c.summary, client, key));
            const maxV = Math.max(1e-9, ...values.filter((v) => v !== null));
            const barMax = panelW - labelW - 70;
            parts.push(`<rect x="${x0}" y="${y0}" width="${panelW}" height="${panelH}" fill="#f7f7f7" stroke="#dddddd"/>`);
            parts.push(`<text x="${x0 + 6}" y="${y0 + 16}" font-weight="bold">${esc(c.id)}: ${esc(title)}</text>`);
            clients.forEach((client, i) => {
                const y = y0 + titleH + i * (barH + gap);
                const v = values[i];
                parts.push(`<text x="${x0 + labelW - 6}" y="${y + barH - 5}" text-anchor="end">${esc(client)}</text>`);
                if (v === null) {
                    parts.push(`<text x="${x0 + labelW + 4}" y="${y + barH - 5}" fill="#999">no data</text>`);
                    return;
                }
                const w = Math.max(1, (v / maxV) * barMax);
                parts.push(
                    `<rect x="${x0 + labelW}" y="${y}" width="${w.toFixed(1)}" height="${barH}" fill="${COLOURS[client] ?? '#999'}"/>`,
                );
                parts.push(`<text x="${(x0 + labelW + w + 4).toFixed(1)}" y="${y + barH - 5}">${esc(fmt(v, digits))}</text>`);
            });
        });
    });
    parts.push('</svg>');
    return parts.join('\n') + '\n';
}

// ------------------------------------------------------------------ RESULTS.md
const PROFILE_PLACEHOLDER =
    '_To be filled in by the maintainers: where mqtt5-crt spends its CPU in qos1-64B (perf / --cpu-prof), and what that suggests._';

function keptProfile(file) {
    if (!fs.existsSync(file)) return PROFILE_PLACEHOLDER;
    const text = fs.readFileSync(file, 'utf8');
    const m = /\n## Profile\n([\s\S]*)$/.exec(text);
    const body = m ? m[1].trim() : '';
    return body || PROFILE_PLACEHOLDER;
}

function resultsMd(report, clients) {
    const m = report.machine;
    const file = path.join(bench, 'RESULTS.md');
    return `# mqtt5-crt benchmark results

Generated by \`bench/run.mjs\` on ${report.finished} (${((report.duration_s ?? 0) / 60).toFixed(1)} min).${report.quick ? '\n\n**Quick mode: small counts, for checking the harness only; the figures are not representative.**' : ''}

## Machine

| | |
| --- | --- |
| CPU | ${m.cpu} |
| cores | ${m.cores} |
| memory | ${m.memory_gib} GiB |
| kernel | ${m.kernel} |
| Node.js | ${m.node} |
| mosquitto | ${m.mosquitto} |
| mqtt5-crt | ${m['mqtt5-crt']} at commit ${m.commit ?? 'unknown'} (CRT ${m.crt}) |
| aws-crt | ${m['aws-crt']} |
| MQTT.js (mqtt) | ${m.mqtt} |
| load average at start / end | ${report.load_start} / ${report.load_end} |

The machine is shared: other work may run during a measurement. The clients run alternately
(${clients.join(', ')}, then again) so that noise spreads over all of them; each figure is the
median of ${report.reps} repetition(s) (losses and failures: the worst repetition).

## Command

\`\`\`sh
${report.command}
\`\`\`

## Method

Every run starts its own mosquitto (loopback, no persistence, \`max_inflight_messages 0\`,
\`max_queued_messages 0\`, \`set_tcp_nodelay true\`) and one client process; publishers and
subscribers share that process. \`native\` is aws-c-mqtt's MQTT 5 client driven from C
(\`bench/native\`), linked against the same CRT build as mqtt5-crt: the ceiling a binding can reach.
mqtt5-crt and aws-crt run with \`disableMetrics: true\`, MQTT.js with \`protocolVersion: 5\`; all keep
their own defaults otherwise (mqtt5-crt and native set TCP_NODELAY; aws-crt and MQTT.js leave Nagle on).
The MQTT 3.1.1 clients, run when named in \`--clients\`: \`mqtt5-crt-311\` and \`aws-crt-311\` are each
package's \`mqtt.MqttClientConnection\` (\`disable_metrics: true\`, default \`io.SocketOptions\`),
\`mqttjs-311\` is MQTT.js with \`protocolVersion: 4\`.

- **qos1-*** — one QoS 1 publisher and one QoS 1 subscriber (64 B × 100,000, 1 KiB × 50,000 and
  64 KiB × 5,000 messages), at most 1,000 messages in flight (unacknowledged, and published but
  not yet received); messages/s end to end, client CPU
  (user + system, all threads) per 100k messages, the broker's CPU share (of one core) over the same window.
- **qos0-*** — the same at QoS 0, the publisher paced so that sent − received ≤ 1,000.
- **publish-*** (opt-in) — qos1-*'s publisher alone, with no subscriber (the broker drops the
  messages, and answers each PUBLISH with PUBACK reason 16, no matching subscribers), 4× qos1-*'s
  count: the publishing direction's CPU per message; qos1-* minus it is the receiving direction's.
- **latency** — QoS 1 at a fixed 2,000 msg/s for 10 s; one-way latency from a send timestamp in the payload.
- **fanin** — 100 QoS 1 publishers → 1 subscriber (10 in flight each); **fanout** — 1 publisher →
  100 subscribers, at most 100 messages (10,000 deliveries) in flight; rates are deliveries/s.
- **connections** — 1,000 clients started at once: time until all have their CONNACK, the client
  CPU that took, and the RSS they add once idle, per 100 clients. mosquitto listens with a backlog
  of 100: the kernel drops the connection attempts beyond it and those clients retry after the 1 s
  SYN timeout (\`listen_drops\` in results.json counts them), so the time to connect all mostly
  measures the broker; the CPU figure is the client's own.
- **startup** — a fresh process: spawn → first CONNACK, as timed by the driver; import and connect inside.

Each case is preceded by an unmeasured warm-up (up to 2,000 messages). Every delivery is checked
off by sequence number: a loss is a message that never arrived.

Payloads (\`--payload\`; this run: **${report.payload ?? 'fresh'}**): the application's work per message
is the same in every client, the C one included. \`fresh\` (the default): a new, uninitialised block per
message (\`Buffer.allocUnsafe\`; \`malloc\` in C, freed once publish returned, where V8 frees a Buffer
at a later garbage collection) with the sequence number written into it. \`reused\`: one block per
publisher, its sequence number rewritten per message, for the clients that copy the payload during
publish (the CRT clients and the C client; \`bench/payload_copy_check.mjs\` checks it); MQTT.js keeps
the Buffer it was given until it is written (at QoS 1 until the PUBACK), so it gets fresh ones in
either mode. Before 2026-12-05 the C client always reused its block while the Node clients had fresh
ones.

## Medians (ratio to ${BASE} in brackets)

${report.tables.medians}

## ${BASE} against each peer

${report.tables.versus}

## Outliers

${report.outliers.length ? 'Runs far from their median, or in which the broker sat idle (kept in the medians above; details in results.json):\n\n' + report.outliers.map((o) => `- ${o}`).join('\n') : 'None: every run within a factor of two of its median.'}

## Chart

![QoS 1 and QoS 0 throughput and client CPU per client](results.svg)

## Profile

${keptProfile(file)}
`;
}

// ------------------------------------------------------------------ main
/** The command as typed from the repository root. */
function commandLine(argv) {
    return argv.length ? `npm run bench -- ${argv.join(' ')}` : 'npm run bench';
}

/** Re-writes the tables, RESULTS.md and results.svg from results.json (e.g. after editing the renderer). */
function render() {
    const file = path.join(bench, 'results.json');
    if (!fs.existsSync(file)) die('no bench/results.json to render');
    const report = JSON.parse(fs.readFileSync(file, 'utf8'));
    if (!report.clients.includes(BASE)) BASE = report.clients[0];
    if (!report.machine.commit) report.machine.commit = `${gitCommit()} (read when rendering)`;
    if (!report.argv && /^npm run bench --\s+#/.test(report.command)) report.command = 'npm run bench';
    if (report.argv) report.command = commandLine(report.argv);
    report.tables = { medians: mediansTable(report.cases, report.clients), versus: versusTable(report.cases, report.clients) };
    report.outliers = outliers(report.cases);
    fs.writeFileSync(file, JSON.stringify(report, null, 2) + '\n');
    fs.writeFileSync(path.join(bench, 'results.svg'), chart(report.cases, report.clients));
    fs.writeFileSync(path.join(bench, 'RESULTS.md'), resultsMd(report, report.clients));
    console.log(report.tables.medians);
    console.log('\nWrote bench/results.json, bench/results.svg, bench/RESULTS.md');
}

async function mainDriver() {
    const flags = parseFlags(process.argv.slice(2));
    if (flags.render) return render();
    let cases = CASES.filter((c) => !c.optIn);
    if (flags.scenarios) {
        cases = CASES.filter((c) => flags.scenarios.includes(c.scenario) || flags.scenarios.includes(c.id));
        const unknown = flags.scenarios.filter((s) => !CASES.some((c) => c.scenario === s || c.id === s));
        if (unknown.length)
            die(
                `unknown scenario ${unknown.join(', ')} (${[...new Set(CASES.map((c) => c.scenario))].join(', ')}, or a case: ${CASES.map((c) => c.id).join(', ')})`,
            );
    }
    const clients = prepare(flags.clients);
    if (!clients.length) die('no client to run');

    const started = new Date();
    const report = {
        command: commandLine(process.argv.slice(2)),
        argv: process.argv.slice(2),
        started: started.toISOString(),
        reps: flags.reps,
        quick: flags.quick,
        payload: flags.payload,
        clients,
        machine: machine(),
        load_start: os
            .loadavg()
            .map((x) => x.toFixed(2))
            .join(' '),
        cases: [],
    };

    const total = cases.length * flags.reps * clients.length;
    let done = 0;
    const tty = process.stderr.isTTY;
    const progress = (text) => {
        if (tty) process.stderr.write(`\r\x1b[K${text}`);
        else process.stderr.write(`${text}\n`);
    };
    const t0 = Date.now();
    const eta = () => {
        if (!done) return '';
        const left = ((Date.now() - t0) / done) * (total - done);
        return ` · ETA ${Math.floor(left / 60000)}m${String(Math.round((left % 60000) / 1000)).padStart(2, '0')}s`;
    };

    for (const c of cases) {
        const runs = [];
        for (let rep = 1; rep <= flags.reps; rep++) {
            for (const client of clients) {
                progress(`[${done + 1}/${total}] ${c.id} · rep ${rep}/${flags.reps} · ${client}${eta()}`);
                const result = await runOne(c, client, flags);
                runs.push({ client, rep, result });
                done++;
                const brief = result.error
                    ? `ERROR ${result.error.split('\n')[0].slice(0, 160)}`
                    : result.msgs_per_s !== undefined
                      ? `${fmt(result.msgs_per_s, 0)} msg/s, ${fmt(result.cpu_s_per_100k, 2)} CPU s/100k, losses ${result.losses}`
                      : result.p99_ms !== undefined
                        ? `p50 ${result.p50_ms} ms, p99 ${result.p99_ms} ms, losses ${result.losses}`
                        : result.connect_all_ms !== undefined
                          ? `${result.connect_all_ms} ms, ${result.rss_mb_per_100} MB/100, failed ${result.failed}`
                          : `${result.wall_ms} ms`;
                if (!tty || result.error || result.losses > 0) {
                    progress(`  ${c.id} · rep ${rep} · ${client}: ${brief}`);
                    if (tty) process.stderr.write('\n');
                }
            }
        }
        report.cases.push({
            id: c.id,
            scenario: c.scenario,
            args: flags.quick ? c.quick : c.full,
            runs,
            summary: summarise(c, runs, clients),
        });
    }
    if (tty) process.stderr.write('\r\x1b[K');

    report.finished = new Date().toISOString();
    report.duration_s = Math.round((Date.now() - t0) / 1000);
    report.load_end = os
        .loadavg()
        .map((x) => x.toFixed(2))
        .join(' ');
    report.tables = { medians: mediansTable(report.cases, clients), versus: versusTable(report.cases, clients) };
    report.outliers = outliers(report.cases);

    fs.writeFileSync(path.join(bench, 'results.json'), JSON.stringify(report, null, 2) + '\n');
    fs.writeFileSync(path.join(bench, 'results.svg'), chart(report.cases, clients));
    fs.writeFileSync(path.join(bench, 'RESULTS.md'), resultsMd(report, clients));

    console.log(
        `\nMedians of ${flags.reps} rep(s)${flags.quick ? ' (QUICK: small counts)' : ''}; ratio to ${BASE} in brackets\n`,
    );
    console.log(report.tables.medians);
    console.log(`\n${BASE} against each peer\n`);
    console.log(report.tables.versus);
    if (report.outliers.length) {
        console.log('\nOutliers (runs far from their median):');
        for (const o of report.outliers) console.log(`  ${o}`);
    }
    const bad = report.cases.flatMap((c) =>
        c.runs
            .filter((r) => r.result.error || r.result.losses > 0 || r.result.failed > 0)
            .map(
                (r) =>
                    `${c.id} ${r.client} rep ${r.rep}: ${r.result.error ?? `losses ${r.result.losses ?? 0}, failed ${r.result.failed ?? 0}`}`,
            ),
    );
    if (bad.length) {
        console.log('\nProblems:');
        for (const b of bad) console.log(`  ${b.split('\n')[0]}`);
    }
    console.log(`\nWrote bench/results.json, bench/results.svg, bench/RESULTS.md (${report.duration_s} s)`);
    process.exitCode = bad.length ? 1 : 0;
}

mainDriver().catch((err) => {
    console.error(err);
    process.exit(1);
});
