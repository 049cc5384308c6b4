// A private mosquitto on a free loopback port, from a config generated in a temp dir: the one
// implementation behind the tests (test/helpers/broker.ts), the scripts (soak, valgrind), the
// benchmarks (bench/lib/broker.mjs), the packaging smoke test (scripts/smoke/broker.mjs) and the
// demo (bin/demo.mjs; this file ships in the package).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const CANDIDATES = [
    '/usr/sbin/mosquitto',
    '/usr/bin/mosquitto',
    '/usr/local/sbin/mosquitto',
    '/usr/local/bin/mosquitto',
    '/opt/homebrew/sbin/mosquitto',
    '/opt/homebrew/bin/mosquitto',
    'C:\\Program Files\\mosquitto\\mosquitto.exe',
];

/** The mosquitto executable, or undefined. MQTT5_CRT_MOSQUITTO names it explicitly (nothing else is tried). */
export function findMosquitto() {
    const explicit = process.env.MQTT5_CRT_MOSQUITTO;
    if (explicit !== undefined) return fs.existsSync(explicit) ? explicit : undefined;
    for (const c of CANDIDATES) if (fs.existsSync(c)) return c;
    if (process.platform === 'win32') return undefined;
    const r = spawnSync('sh', ['-c', 'command -v mosquitto'], { encoding: 'utf8' });
    return r.status === 0 && r.stdout.trim() ? r.stdout.trim() : undefined;
}

export const INSTALL_HINT =
    '  Debian/Ubuntu: sudo apt-get install mosquitto\n  Fedora: sudo dnf install mosquitto\n  macOS: brew install mosquitto';

/**
 * Finds mosquitto. With `install`, installs it with apt-get when running as root where apt-get
 * exists (a fresh CI machine). Otherwise throws an Error that says what `who` needs and how to
 * install it.
 */
export function ensureMosquitto({ install = false, who = 'mqtt5-crt' } = {}) {
    let bin = findMosquitto();
    if (bin) return bin;
    if (install && process.getuid?.() === 0 && spawnSync('sh', ['-c', 'command -v apt-get']).status === 0) {
        console.error(`${who}: mosquitto not found; installing it with apt-get`);
        const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
        spawnSync('apt-get', ['update'], { stdio: 'inherit', env });
        spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'mosquitto'], { stdio: 'inherit', env });
        bin = findMosquitto();
        if (bin) return bin;
    }
    const err = new Error(
        `${who} needs the mosquitto MQTT broker on this machine${install ? ' and could not install it' : ''}.\n${INSTALL_HINT}`,
    );
    err.code = 'ENOMOSQUITTO';
    throw err;
}

/** The broker's version, e.g. "2.0.11". */
export function mosquittoVersion(bin = ensureMosquitto()) {
    const r = spawnSync(bin, ['-h'], { encoding: 'utf8', timeout: 3000 });
    const m = /mosquitto version (\S+)/.exec(`${r.stdout}${r.stderr}`);
    return m ? m[1] : 'unknown';
}

/** A loopback TCP port that was free a moment ago. */
export function freePort() {
    return new Promise((resolve, reject) => {
        const srv = net.createServer();
        srv.unref();
        srv.on('error', reject);
        srv.listen(0, '127.0.0.1', () => {
            const { port } = srv.address();
            srv.close(() => resolve(port));
        });
    });
}

/** True once something accepts TCP connections on 127.0.0.1:port. */
export function canConnect(port) {
    return new Promise((resolve) => {
        const s = net.connect({ host: '127.0.0.1', port });
        s.once('connect', () => {
            s.destroy();
            resolve(true);
        });
        s.once('error', () => resolve(false));
    });
}

/**
 * Starts mosquitto and waits until it accepts connections (up to 3 tries on new free ports).
 *  - `port`, `dir`: reuse them (a restart after a kill, with the persistence file kept); by default
 *    a free port and a new temp dir, removed again by stop() unless `keepDir`.
 *  - `persistence`: keep the session state in `dir` (autosaved every second).
 *  - `extraConfig`: more mosquitto.conf lines.
 *  - `nofile`: the open-file limit to run it with, set with `ulimit -n` in a shell that then
 *    execs the broker (so the pid is the broker's own); fails harmlessly above the hard limit.
 *  - `install`, `who`: see ensureMosquitto().
 * Returns { port, pid, dir, process, stderr(), rssKiB(), stop(), kill() }.
 */
export async function startMosquitto(options = {}) {
    // A free port can be taken by someone else before mosquitto binds it: try another one.
    for (let attempt = 1; ; attempt++) {
        try {
            return await startOnce(options);
        } catch (err) {
            if (options.port !== undefined || attempt === 3 || err.code === 'ENOMOSQUITTO') throw err;
        }
    }
}

/** Spawned and not yet exited: killAll() ends them (a process on its way out, mid-start). */
const running = new Set();

/** SIGKILLs every mosquitto this module started that is still running. */
export function killAll() {
    for (const proc of running) proc.kill('SIGKILL');
}

async function startOnce({
    port,
    dir,
    keepDir = false,
    persistence = false,
    extraConfig = [],
    nofile,
    install = false,
    who,
} = {}) {
    const bin = ensureMosquitto({ install, who });
    port ??= await freePort();
    const ownDir = dir === undefined;
    dir ??= fs.mkdtempSync(path.join(os.tmpdir(), 'mqtt5-crt-mosquitto-'));
    // Started as root, mosquitto drops to the "mosquitto" user, which must read the config and
    // write its persistence file here.
    fs.chmodSync(dir, 0o777);
    const conf = path.join(dir, 'mosquitto.conf');
    fs.writeFileSync(
        conf,
        [
            `listener ${port} 127.0.0.1`,
            'allow_anonymous true',
            ...(persistence
                ? ['persistence true', `persistence_location ${dir}/`, 'autosave_interval 1']
                : ['persistence false']),
            'log_dest stderr',
            'log_type error',
            'log_type warning',
            ...extraConfig,
        ].join('\n') + '\n',
    );
    fs.chmodSync(conf, 0o644);
    const proc = nofile
        ? spawn('sh', ['-c', `ulimit -n ${Number(nofile)} 2>/dev/null; exec "$0" -c "$1"`, bin, conf], {
              stdio: ['ignore', 'ignore', 'pipe'],
          })
        : spawn(bin, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
    running.add(proc);
    proc.once('exit', () => running.delete(proc));
    let stderr = '';
    proc.once('error', (err) => (stderr += err.message));
    proc.stderr.on('data', (d) => {
        stderr += d;
        if (stderr.length > 64 * 1024) stderr = stderr.slice(-32 * 1024);
    });
    const exited = new Promise((resolve) => proc.once('exit', () => resolve()));
    const deadline = Date.now() + 10_000;
    while (!(await canConnect(port))) {
        if (proc.exitCode !== null || Date.now() > deadline) {
            proc.kill('SIGKILL');
            await exited;
            if (ownDir && !keepDir) fs.rmSync(dir, { recursive: true, force: true });
            throw new Error(`mosquitto did not start on 127.0.0.1:${port}: ${stderr.trim() || 'no output'}`);
        }
        await new Promise((r) => setTimeout(r, 25));
    }
    const end = async (signal) => {
        if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
        const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
        if (ownDir && !keepDir) fs.rmSync(dir, { recursive: true, force: true });
    };
    return {
        port,
        pid: proc.pid,
        dir,
        process: proc,
        stderr: () => stderr,
        /** The broker's resident set size in KiB (from /proc), or undefined. */
        rssKiB() {
            try {
                const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${proc.pid}/status`, 'utf8'));
                return m ? Number(m[1]) : undefined;
            } catch {
                return undefined;
            }
        },
        /** Stops it (SIGTERM, SIGKILL after 5 s) and waits for it to exit. */
        stop: () => end('SIGTERM'),
        /** Kills it (SIGKILL) and waits for it to exit. */
        kill: () => end('SIGKILL'),
    };
}
