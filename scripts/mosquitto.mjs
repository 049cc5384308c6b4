// A private mosquitto for scripts (soak, valgrind, load): free loopback port, generated config in
// a temp dir, no persistence. The tests have their own TypeScript twin in test/helpers/broker.ts.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const CANDIDATES = ['/usr/sbin/mosquitto', '/usr/bin/mosquitto', '/usr/local/sbin/mosquitto', '/usr/local/bin/mosquitto'];

export function findMosquitto() {
    for (const c of CANDIDATES) if (fs.existsSync(c)) return c;
    const r = spawnSync('sh', ['-c', 'command -v mosquitto'], { encoding: 'utf8' });
    if (r.status === 0 && r.stdout.trim()) return r.stdout.trim();
    throw new Error('mosquitto not found (Debian/Ubuntu: apt-get install mosquitto)');
}

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

function canConnect(port) {
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
 * Starts mosquitto. `extraConfig`: more mosquitto.conf lines; `nofile`: run it under
 * `ulimit -n <nofile>` (through sh, so the limit applies to mosquitto alone).
 * Returns { port, pid, dir, process, rssKiB(), stop() }.
 */
export async function startMosquitto({ extraConfig = [], nofile } = {}) {
    const bin = findMosquitto();
    const port = await freePort();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mqtt5-crt-mosq-'));
    fs.chmodSync(dir, 0o777);
    const conf = path.join(dir, 'mosquitto.conf');
    fs.writeFileSync(
        conf,
        [
            `listener ${port} 127.0.0.1`,
            'allow_anonymous true',
            'persistence false',
            'log_dest stderr',
            'log_type error',
            'log_type warning',
            ...extraConfig,
        ].join('\n') + '\n',
    );
    const proc = nofile
        ? spawn('sh', ['-c', `ulimit -n ${Number(nofile)} && exec "$0" -c "$1"`, bin, conf], { stdio: ['ignore', 'ignore', 'pipe'] })
        : spawn(bin, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    proc.stderr.on('data', (d) => {
        stderr += d;
        if (stderr.length > 64 * 1024) stderr = stderr.slice(-32 * 1024);
    });
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    const deadline = Date.now() + 10_000;
    while (!(await canConnect(port))) {
        if (proc.exitCode !== null || Date.now() > deadline) {
            proc.kill('SIGKILL');
            throw new Error(`mosquitto did not start on 127.0.0.1:${port}: ${stderr.trim()}`);
        }
        await new Promise((r) => setTimeout(r, 25));
    }
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
        async stop() {
            if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
            const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
            await exited;
            clearTimeout(t);
            fs.rmSync(dir, { recursive: true, force: true });
        },
    };
}
