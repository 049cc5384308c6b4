// Starts a private mosquitto on a free loopback port from a generated config in a temp dir.
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface Broker {
    port: number;
    dir: string;
    process: ChildProcess;
    /** Stops it (SIGTERM) and waits for it to exit. */
    stop(): Promise<void>;
    /** Kills it (SIGKILL) and waits for it to exit. */
    kill(): Promise<void>;
}

const CANDIDATES = ['/usr/sbin/mosquitto', '/usr/bin/mosquitto', '/usr/local/sbin/mosquitto', '/usr/local/bin/mosquitto'];

function findMosquitto(): string | undefined {
    for (const c of CANDIDATES) if (fs.existsSync(c)) return c;
    const r = spawnSync('sh', ['-c', 'command -v mosquitto'], { encoding: 'utf8' });
    return r.status === 0 ? r.stdout.trim() : undefined;
}

/** Finds mosquitto; installs it with apt-get when running as root on Debian/Ubuntu; else fails with what to do. */
export function ensureMosquitto(): string {
    let bin = findMosquitto();
    if (bin) return bin;
    const canApt = process.getuid?.() === 0 && spawnSync('sh', ['-c', 'command -v apt-get']).status === 0;
    if (canApt) {
        console.log('mqtt5-crt tests: mosquitto not found; installing it with apt-get');
        const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
        spawnSync('apt-get', ['update'], { stdio: 'inherit', env });
        spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'mosquitto'], { stdio: 'inherit', env });
        bin = findMosquitto();
        if (bin) return bin;
    }
    throw new Error(
        'mqtt5-crt tests need the mosquitto MQTT broker on this machine and could not install it.\n' +
            '  Debian/Ubuntu: sudo apt-get install mosquitto\n  Fedora: sudo dnf install mosquitto\n  macOS: brew install mosquitto',
    );
}

export async function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const srv = net.createServer();
        srv.unref();
        srv.on('error', reject);
        srv.listen(0, '127.0.0.1', () => {
            const port = (srv.address() as net.AddressInfo).port;
            srv.close(() => resolve(port));
        });
    });
}

function canConnect(port: number): Promise<boolean> {
    return new Promise((resolve) => {
        const s = net.connect({ host: '127.0.0.1', port });
        s.once('connect', () => {
            s.destroy();
            resolve(true);
        });
        s.once('error', () => resolve(false));
    });
}

export interface BrokerOptions {
    /** Reuse this port (e.g. to restart a killed broker). */
    port?: number;
    /** Reuse this directory (its persistence file survives a restart). */
    dir?: string;
    /** Extra mosquitto.conf lines. */
    extraConfig?: string[];
}

export async function startBroker(opts: BrokerOptions = {}): Promise<Broker> {
    const bin = ensureMosquitto();
    const port = opts.port ?? (await freePort());
    const dir = opts.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'mqtt5-crt-broker-'));
    // Run as root, mosquitto drops to the 'mosquitto' user: it must be able to write its
    // persistence file here.
    fs.chmodSync(dir, 0o777);
    const conf = path.join(dir, 'mosquitto.conf');
    fs.writeFileSync(
        conf,
        [
            `listener ${port} 127.0.0.1`,
            'allow_anonymous true',
            'persistence true',
            `persistence_location ${dir}/`,
            'autosave_interval 1',
            'max_queued_messages 100000',
            'log_dest stderr',
            'log_type error',
            'log_type warning',
            ...(opts.extraConfig ?? []),
        ].join('\n') + '\n',
    );
    const proc = spawn(bin, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    proc.stderr!.on('data', (d) => (stderr += d));
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    const deadline = Date.now() + 10_000;
    while (!(await canConnect(port))) {
        if (proc.exitCode !== null || Date.now() > deadline) {
            proc.kill('SIGKILL');
            throw new Error(`mosquitto did not start on 127.0.0.1:${port}: ${stderr.trim()}`);
        }
        await new Promise((r) => setTimeout(r, 25));
    }
    const end = async (signal: NodeJS.Signals) => {
        if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
        await exited;
    };
    return { port, dir, process: proc, stop: () => end('SIGTERM'), kill: () => end('SIGKILL') };
}
