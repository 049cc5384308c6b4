// A private mosquitto on a free loopback port, for the packaging smoke tests (a plain-JS copy of
// test/helpers/broker.ts, which the scripts cannot import).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const CANDIDATES = ['/usr/sbin/mosquitto', '/usr/bin/mosquitto', '/usr/local/sbin/mosquitto', '/usr/local/bin/mosquitto',
  '/opt/homebrew/sbin/mosquitto', 'C:\\Program Files\\mosquitto\\mosquitto.exe'];

export function findMosquitto() {
  for (const c of CANDIDATES) if (fs.existsSync(c)) return c;
  if (process.platform !== 'win32') {
    const r = spawnSync('sh', ['-c', 'command -v mosquitto'], { encoding: 'utf8' });
    if (r.status === 0 && r.stdout.trim()) return r.stdout.trim();
  }
  if (process.getuid?.() === 0 && spawnSync('sh', ['-c', 'command -v apt-get']).status === 0) {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'mosquitto'], { stdio: 'inherit', env });
    for (const c of CANDIDATES) if (fs.existsSync(c)) return c;
  }
  throw new Error('the smoke test needs the mosquitto broker (Debian/Ubuntu: apt-get install mosquitto)');
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const canConnect = (port) => new Promise((resolve) => {
  const s = net.connect({ host: '127.0.0.1', port });
  s.once('connect', () => { s.destroy(); resolve(true); });
  s.once('error', () => resolve(false));
});

export async function startBroker() {
  const bin = findMosquitto();
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mqtt5-crt-smoke-broker-'));
  fs.chmodSync(dir, 0o777);
  const conf = path.join(dir, 'mosquitto.conf');
  fs.writeFileSync(conf, [`listener ${port} 127.0.0.1`, 'allow_anonymous true', 'persistence false',
    'log_dest stderr', 'log_type error', 'log_type warning'].join('\n') + '\n');
  const proc = spawn(bin, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (d) => (stderr += d));
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
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      await exited;
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
