// Load: 1,000 clients in one process connected at once to a private broker, each subscribed to
// its own topic and to a shared fan-out topic; each publishes one QoS 1 message to the next
// client's topic and one fan-out message goes to all. Every message is accounted for (1,000 direct
// + 1,000 fan-out receipts, none lost, none duplicated), every client is stopped and closed, and
// the native live-client count is back to 0.
//
// The scenario runs in a process of its own (test/load/scenario.cjs): it gets a clean live-client
// count, and, when this process's fd limit is too low for 1,000 sockets, a raised one (through
// `sh -c 'ulimit -n 8192 && exec node ...'`), as does the broker.
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
// @ts-expect-error: a plain ESM script, without types
import { startMosquitto } from '../../scripts/mosquitto.mjs';

const CLIENTS = 1000;
const RAISED_NOFILE = 8192;
const scenario = path.resolve(__dirname, '../load/scenario.cjs');

interface Mosquitto {
    port: number;
    stderr(): string;
    stop(): Promise<void>;
}

function fdLimit(): { soft: number; hard: number } {
    const read = (flag: string) => {
        const out = spawnSync('sh', ['-c', `ulimit ${flag}`], { encoding: 'utf8' }).stdout.trim();
        return out === 'unlimited' ? Infinity : Number(out);
    };
    return { soft: read('-Sn'), hard: read('-Hn') };
}

// Each side needs one fd per client plus its own few dozen. (Node raises its own soft limit to
// the hard one at startup, and children inherit it; only root may raise the hard limit.)
const limit = fdLimit();
// (MQTT5_CRT_LOAD_ULIMIT=1 takes the `ulimit -n` path anyway, to test it.)
const needRaise = limit.soft < CLIENTS + 256 || process.env.MQTT5_CRT_LOAD_ULIMIT === '1';
if (needRaise && spawnSync('sh', ['-c', `ulimit -n ${RAISED_NOFILE}`]).status !== 0) {
    throw new Error(
        `load test: the fd limit (soft ${limit.soft}, hard ${limit.hard}) is too low for ${CLIENTS} sockets and cannot be raised to ${RAISED_NOFILE}`,
    );
}

let broker: Mosquitto;

beforeAll(async () => {
    broker = await startMosquitto({
        extraConfig: ['max_connections -1', 'max_queued_messages 0', 'set_tcp_nodelay true'],
        nofile: needRaise ? RAISED_NOFILE : undefined,
    });
});

afterAll(async () => {
    await broker?.stop();
});

function runScenario(
    env: Record<string, string>,
    timeoutMs: number,
): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
    return new Promise((resolve) => {
        const t0 = Date.now();
        const node = [process.execPath, '--expose-gc', scenario];
        const child = needRaise
            ? spawn('sh', ['-c', `ulimit -n ${RAISED_NOFILE} && exec "$@"`, 'sh', ...node], { env: { ...process.env, ...env } })
            : spawn(node[0], node.slice(1), { env: { ...process.env, ...env } });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d) => (stdout += d));
        child.stderr.on('data', (d) => (stderr += d));
        const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
        child.on('close', (code) => {
            clearTimeout(timer);
            resolve({ code, stdout, stderr, ms: Date.now() - t0 });
        });
    });
}

it(`${CLIENTS} clients at once: every direct and fan-out message arrives exactly once; all closed, none live`, async () => {
    const r = await runScenario(
        { LOAD_PORT: String(broker.port), LOAD_CLIENTS: String(CLIENTS), LOAD_WAVE: '100', LOAD_TIMEOUT_MS: '45000' },
        100_000,
    );
    const line = r.stdout.split('\n').find((l) => l.startsWith('RESULT '));
    if (!line) {
        throw new Error(
            `the scenario produced no result (exit ${r.code}, ${r.ms} ms)\nstdout: ${r.stdout.slice(-2000)}\nstderr: ${r.stderr.slice(-2000)}\nbroker: ${broker.stderr().slice(-2000)}`,
        );
    }
    const res = JSON.parse(line.slice(7));
    console.log(
        `load: ${CLIENTS} clients, fd limit ${limit.soft}${needRaise ? ` (children run under ulimit -n ${RAISED_NOFILE})` : ''}, ${r.ms} ms in all; phases (ms) ${JSON.stringify(res.phasesMs)}; rss ${res.rssMiB} MiB`,
    );
    expect(r.code).toBe(0);
    expect(res.errors).toEqual([]);
    expect(res).toMatchObject({
        clients: CLIENTS,
        liveWhileConnected: CLIENTS,
        connectFailures: 0,
        subackFailures: 0,
        pubacks: CLIENTS + 1,
        pubackFailures: 0,
        directReceived: CLIENTS,
        directLost: 0,
        directDuplicated: 0,
        directWrongSender: 0,
        fanoutReceived: CLIENTS,
        fanoutLost: 0,
        fanoutDuplicated: 0,
        stray: 0,
        unexpectedDisconnections: 0,
        stopFailures: 0,
        liveAfterClose: 0,
    });
}, 120_000);
