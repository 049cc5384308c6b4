// Starts a private mosquitto on a free loopback port from a generated config in a temp dir
// (the approach of test/helpers/broker.ts), tuned for benchmarking: no persistence, no limit on
// in-flight or queued messages, errors and warnings only in the log.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const CANDIDATES = ['/usr/sbin/mosquitto', '/usr/bin/mosquitto', '/usr/local/sbin/mosquitto', '/usr/local/bin/mosquitto'];

function findMosquitto() {
  for (const c of CANDIDATES) if (fs.existsSync(c)) return c;
  const r = spawnSync('sh', ['-c', 'command -v mosquitto'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** Finds mosquitto; installs it with apt-get when running as root on Debian/Ubuntu; else fails with what to do. */
export function ensureMosquitto() {
  let bin = findMosquitto();
  if (bin) return bin;
  const canApt = process.getuid?.() === 0 && spawnSync('sh', ['-c', 'command -v apt-get']).status === 0;
  if (canApt) {
    console.error('bench: mosquitto not found; installing it with apt-get');
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    spawnSync('apt-get', ['update'], { stdio: 'inherit', env });
    spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'mosquitto'], { stdio: 'inherit', env });
    bin = findMosquitto();
    if (bin) return bin;
  }
  throw new Error(
    'the benchmarks need the mosquitto MQTT broker and could not install it.\n' +
      '  Debian/Ubuntu: sudo apt-get install mosquitto\n  Fedora: sudo dnf install mosquitto\n  macOS: brew install mosquitto',
  );
}

/** The broker's version line, e.g. "2.0.11". */
export function mosquittoVersion() {
  const r = spawnSync(ensureMosquitto(), ['-h'], { encoding: 'utf8' });
  const m = /mosquitto version (\S+)/.exec(`${r.stdout}${r.stderr}`);
  return m ? m[1] : 'unknown';
}

export async function freePort() {
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
 * Starts mosquitto. `nofile`: the open-file limit to run it with (the connections scenario needs
 * more than 1,024 descriptors); raised with `ulimit -n` in a shell that then execs the broker, so
 * the pid is the broker's own.
 * @returns {Promise<{port:number, pid:number, dir:string, stop():Promise<void>, stderr():string}>}
 */
export async function startBroker({ nofile = 8192, extraConfig = [] } = {}) {
  const bin = ensureMosquitto();
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mqtt5-crt-bench-broker-'));
  const conf = path.join(dir, 'mosquitto.conf');
  fs.writeFileSync(
    conf,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      'persistence false',
      // 0 = no limit: the clients' own windows bound what is in flight, not the broker.
      'max_inflight_messages 0',
      'max_queued_messages 0',
      'max_queued_bytes 0',
      'set_tcp_nodelay true',
      'log_dest stderr',
      'log_type error',
      'log_type warning',
      ...extraConfig,
    ].join('\n') + '\n',
  );
  // `ulimit -n` fails harmlessly (the hard limit wins) where it may not be raised.
  const proc = spawn('sh', ['-c', `ulimit -n ${nofile} 2>/dev/null; exec "$0" -c "$1"`, bin, conf], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  proc.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise((resolve) => proc.once('exit', () => resolve()));
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
    stderr: () => stderr,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
