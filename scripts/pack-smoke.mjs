#!/usr/bin/env node
// Packaging smoke test (`npm run test:pack`): what a user gets from `npm install mqtt5-crt`.
//   1. `npm run prebuild` (prebuilds/linux-x64/...), the ESM entry and types (`npm run build:ts`);
//   2. `npm pack`, and a check of the tarball's file list (what must and must not be in it);
//   3. installs the tarball into an empty folder with a PATH holding only node and npm (no
//      compiler, no cmake: checked), so the prebuilt binary must be what loads;
//   4. connect/subscribe/publish/receive against a private mosquitto, as CommonJS and as ESM, the
//      CLI, and a TypeScript compile of a consumer against the installed types (require + import);
//   5. the same installed package without its prebuilds: the install hook must fail with a clear
//      message naming what is missing.
// Prints tarball size, unpacked size, file count and install time, and at the end one line
// `PACK_SMOKE_RESULT {json}` (read by test/packaging/pack.test.ts).
//   6. the tarball without prebuilds, installed with the compiler and cmake on PATH: npm install
//      must build from source with the dependencies it brought (cmake-js, node-addon-api), show
//      its phases and total time, and the result must pass the CommonJS smoke test.
// Options: --no-prebuild, --no-build-ts (use dist/ and prebuilds/ as they are); --prebuild-copy
// (instead of `npm run prebuild`, let prebuildify pack the already built build/Release/mqtt5_crt.node,
// compiling nothing: what the vitest test uses, as `npm install` has just built it); --keep (keep
// the temp folder); --no-negative (skip step 5); --no-source-build (skip step 6).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBroker } from './smoke/broker.mjs';
import { hostTarget, prebuildFile } from './targets.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const args = new Set(process.argv.slice(2));
const log = (m) => console.log(`pack-smoke: ${m}`);
const kib = (n) => `${(n / 1024).toFixed(0)} KiB`;
const mib = (n) => `${(n / 1024 / 1024).toFixed(2)} MiB`;

// Child npm runs get a clean environment: nothing inherited from an outer `npm run`/`npm test`.
function cleanEnv(extra = {}) {
    const env = {};
    for (const [k, v] of Object.entries(process.env)) {
        if (!/^npm_/i.test(k) && k !== 'INIT_CWD' && !k.startsWith('VITEST') && k !== 'NODE_OPTIONS') env[k] = v;
    }
    return { ...env, ...extra };
}

function run(cmd, argv, opts = {}) {
    const t0 = Date.now();
    const r = spawnSync(cmd, argv, { encoding: 'utf8', maxBuffer: 64 << 20, ...opts });
    r.ms = Date.now() - t0;
    if (r.error) throw r.error;
    return r;
}

function must(r, what) {
    if (r.status !== 0) {
        process.stdout.write(r.stdout ?? '');
        process.stderr.write(r.stderr ?? '');
        throw new Error(`${what} failed (exit ${r.status ?? r.signal})`);
    }
    return r;
}

const npmCli = (() => {
    // npm's own entry point, run with this node (so the no-compiler PATH needs only node).
    const r = spawnSync('npm', ['prefix', '-g'], { encoding: 'utf8', env: cleanEnv() });
    const candidates = [
        process.env.npm_execpath,
        r.status === 0 && path.join(r.stdout.trim(), 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js'),
        path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js'),
    ].filter(Boolean);
    const found = candidates.find((c) => c.endsWith('npm-cli.js') && fs.existsSync(c));
    if (!found) throw new Error(`cannot find npm-cli.js (tried ${candidates.join(', ')})`);
    return found;
})();
const npm = (argv, opts = {}) => run(process.execPath, [npmCli, ...argv], { env: cleanEnv(), ...opts });

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mqtt5-crt-pack-'));
const hostPrebuild = path.join(root, prebuildFile(hostTarget()));
const savedPrebuild = path.join(tmp, 'saved-prebuild.node'); // outside prebuilds/, which npm packs
const result = {};
let broker;
try {
    // ---- 1. build ------------------------------------------------------------------------------
    if (args.has('--prebuild-copy')) {
        // This machine's prebuild may be a release build (zig, `npm run prebuild`): keep it aside
        // and put it back at the end, so that the test's copy of build/Release does not replace it.
        if (fs.existsSync(hostPrebuild)) fs.copyFileSync(hostPrebuild, savedPrebuild);
        const r = must(
            run(
                process.execPath,
                [path.join(here, 'prebuild.mjs'), '--from', path.join(root, 'build', 'Release', 'mqtt5_crt.node')],
                {
                    cwd: root,
                    env: cleanEnv(),
                },
            ),
            'prebuild.mjs --from build/Release/mqtt5_crt.node',
        );
        log(r.stdout.trim().split('\n').pop());
    } else if (!args.has('--no-prebuild')) {
        const r = must(npm(['run', 'prebuild', '--', '--target', hostTarget()], { cwd: root }), 'npm run prebuild');
        log(`npm run prebuild: ${(r.ms / 1000).toFixed(1)} s`);
    }
    if (!args.has('--no-build-ts')) must(npm(['run', 'build:ts'], { cwd: root }), 'npm run build:ts');
    const prebuild = path.join(root, 'prebuilds', `${process.platform}-${process.arch}`);
    if (!fs.existsSync(prebuild)) throw new Error(`no ${path.relative(root, prebuild)}: run \`npm run prebuild\``);

    // ---- 2. pack -------------------------------------------------------------------------------
    // --ignore-scripts: dist/ was just built (prepare would rebuild it while tests may read it).
    const packed = must(npm(['pack', '--json', '--ignore-scripts', '--pack-destination', tmp], { cwd: root }), 'npm pack');
    const info = JSON.parse(packed.stdout)[0];
    const tarball = path.join(tmp, info.filename);
    const files = info.files.map((f) => f.path);
    Object.assign(result, {
        tarball: info.filename,
        size: info.size,
        unpackedSize: info.unpackedSize,
        entryCount: info.entryCount,
    });
    log(`${info.filename}: ${mib(info.size)} packed, ${mib(info.unpackedSize)} unpacked, ${info.entryCount} files`);
    const required = [
        'package.json',
        'README.md',
        'LICENSE',
        'NOTICE',
        'THIRD_PARTY_NOTICES',
        'dist/index.js',
        'dist/index.d.ts',
        'dist/index.mjs',
        'dist/index.d.mts',
        'dist/native.js',
        'dist/mqtt5.d.ts',
        'bin/mqtt5-crt.mjs',
        'bin/demo.mjs',
        'scripts/mosquitto.mjs',
        'scripts/install.mjs',
        'scripts/build.mjs',
        'scripts/fetch-crt.mjs',
        'scripts/crt-sources.json',
        'CMakeLists.txt',
        'cmake/CrtPrebuild.cmake',
        'cmake/CrtPatches.cmake',
        'patches/aws-c-mqtt/0001-mqtt5-reject-malformed-inbound-publish.patch',
        'binding/addon.cc',
        'binding/exports.map',
        `prebuilds/${process.platform}-${process.arch}/${fs.readdirSync(prebuild).find((n) => n.endsWith('.node'))}`,
    ];
    const missing = required.filter((f) => !files.includes(f));
    const forbidden = files.filter(
        (f) =>
            /^(crt|lib|test|bench|build|node_modules|docs|\.github|\.ci)\//.test(f) ||
            /\.(js\.map|tgz)$/.test(f) ||
            /^scripts\/(pack-smoke|prebuild|cross-build|smoke\/)/.test(f) ||
            /^(tsconfig|vitest)/.test(f),
    );
    if (missing.length || forbidden.length) {
        throw new Error(`tarball contents: missing ${JSON.stringify(missing)}, should not hold ${JSON.stringify(forbidden)}`);
    }
    result.prebuilds = files.filter((f) => f.startsWith('prebuilds/'));
    log(`tarball contents ok; prebuilds: ${result.prebuilds.join(', ')}`);

    // ---- 3. install with no compiler on PATH ---------------------------------------------------
    const bin = path.join(tmp, 'bin');
    fs.mkdirSync(bin);
    fs.symlinkSync(process.execPath, path.join(bin, 'node'));
    // npm runs lifecycle scripts with `sh` from PATH: a shell, no build tool.
    fs.symlinkSync('/bin/sh', path.join(bin, 'sh'));
    fs.writeFileSync(path.join(bin, 'npm'), `#!/bin/sh\nexec "${process.execPath}" "${npmCli}" "$@"\n`, { mode: 0o755 });
    const PATH = bin;
    const env = cleanEnv({ PATH, MQTT5_CRT_CACHE: path.join(tmp, 'empty-crt-cache') });
    const tools = run('/bin/sh', ['-c', 'for t in cmake cc c++ gcc g++ clang clang++ make ninja; do command -v $t; done; true'], {
        env,
    });
    if (tools.stdout.trim()) throw new Error(`the no-compiler PATH still finds: ${tools.stdout.trim().split('\n').join(', ')}`);
    log(`PATH=${PATH} (node, npm, sh): cmake, cc, c++, gcc, g++, clang, make, ninja not found`);

    const app = path.join(tmp, 'app');
    fs.mkdirSync(app);
    fs.writeFileSync(
        path.join(app, 'package.json'),
        JSON.stringify({ name: 'smoke-app', private: true, version: '1.0.0' }, null, 2),
    );
    const install = npm(['install', tarball, '--no-audit', '--no-fund', '--prefer-offline', '--foreground-scripts'], {
        cwd: app,
        env,
    });
    must(install, 'npm install <tarball> (no compiler on PATH)');
    if (!/native addon present and loadable/.test(install.stdout + install.stderr)) {
        throw new Error(`the install hook did not report a loadable prebuild:\n${install.stdout}${install.stderr}`);
    }
    result.installMs = install.ms;
    const pkgDir = path.join(app, 'node_modules', 'mqtt5-crt');
    result.installedBytes = du(pkgDir);
    log(
        `npm install <tarball>: ${(install.ms / 1000).toFixed(1)} s (package on disk: ${mib(result.installedBytes)}); ` +
            `hook: ${(install.stdout.match(/mqtt5-crt: .*/) ?? [''])[0]}`,
    );
    if (fs.existsSync(path.join(pkgDir, 'build'))) throw new Error('the install built from source (build/ exists)');

    // ---- 4. smoke: CJS, ESM, CLI, types --------------------------------------------------------
    broker = await startBroker();
    for (const f of ['smoke.cjs', 'smoke.mjs']) fs.copyFileSync(path.join(here, 'smoke', f), path.join(app, f));
    const loaded = must(
        run(
            process.execPath,
            [
                '-e',
                "const m = require('mqtt5-crt'); const p = require.resolve('mqtt5-crt'); console.log(p, Object.keys(m).length)",
            ],
            { cwd: app, env },
        ),
        'require("mqtt5-crt")',
    );
    log(`require('mqtt5-crt') -> ${loaded.stdout.trim()} exports`);
    result.smoke = {};
    for (const f of ['smoke.cjs', 'smoke.mjs']) {
        const r = must(
            run(process.execPath, [f], { cwd: app, env: { ...env, MQTT_PORT: String(broker.port) }, timeout: 60_000 }),
            f,
        );
        log(r.stdout.trim());
        result.smoke[f] = r.ms;
    }
    const cli = must(
        run(path.join(app, 'node_modules', '.bin', 'mqtt5-crt'), ['--version'], { cwd: app, env }),
        'mqtt5-crt --version',
    );
    log(`node_modules/.bin/mqtt5-crt --version: ${cli.stdout.trim()}`);
    const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    if (fs.existsSync(tsc)) {
        fs.writeFileSync(
            path.join(app, 'consumer.cts'),
            [
                "import { Mqtt5Client, QoS, mqtt5 } from 'mqtt5-crt';",
                "const c: mqtt5.Mqtt5Client = new Mqtt5Client({ hostName: 'h', port: 1 });",
                "c.on('messageReceived', (e) => e.message.topicName.toUpperCase());",
                "void c.publish({ topicName: 't', qos: QoS.AtLeastOnce });",
                '',
            ].join('\n'),
        );
        fs.writeFileSync(
            path.join(app, 'consumer.mts'),
            [
                "import { Mqtt5Client, QoS, CrtError, io, iot, http, auth } from 'mqtt5-crt';",
                "const c = new Mqtt5Client({ hostName: 'h', port: 1 });",
                "c.on('connectionFailure', (e) => { const err: CrtError = e.error; void err; });",
                "void c.subscribe({ subscriptions: [{ topicFilter: 't', qos: QoS.AtMostOnce }] }); void io; void iot; void http; void auth;",
                '',
            ].join('\n'),
        );
        const types = path.join(root, 'node_modules', '@types');
        const r = run(
            process.execPath,
            [
                tsc,
                '--noEmit',
                '--strict',
                '--module',
                'node16',
                '--moduleResolution',
                'node16',
                '--target',
                'es2022',
                '--typeRoots',
                types,
                '--types',
                'node',
                'consumer.cts',
                'consumer.mts',
            ],
            { cwd: app, env },
        );
        must(r, 'tsc of a consumer against the installed types');
        log('TypeScript consumer (consumer.cts via "require", consumer.mts via "import") compiles against the installed types');
    }

    // ---- 5. no prebuild, no toolchain: a clear failure ----------------------------------------
    if (!args.has('--no-negative')) {
        fs.renameSync(path.join(pkgDir, 'prebuilds'), path.join(pkgDir, 'prebuilds.off'));
        const r = npm(['rebuild', 'mqtt5-crt', '--foreground-scripts'], { cwd: app, env });
        fs.renameSync(path.join(pkgDir, 'prebuilds.off'), path.join(pkgDir, 'prebuilds'));
        const out = `${r.stdout}\n${r.stderr}`;
        const expected = ['no prebuilt binary loads on this platform', 'missing to build from source: cmake', 'a C/C++ compiler'];
        const absent = expected.filter((e) => !out.includes(e));
        if (r.status === 0 || absent.length) {
            throw new Error(
                `without prebuilds and toolchain the install hook should fail clearly (exit ${r.status}); ` +
                    `missing ${JSON.stringify(absent)} in:\n${out}`,
            );
        }
        const block = out
            .split('\n')
            .filter((l) => /^\s*(mqtt5-crt:|platform:|prebuilt binaries|loading failed|missing to build)/.test(l));
        log(`without prebuilds and toolchain the install hook fails (exit ${r.status}) with:\n    ${block.join('\n    ')}`);
        result.negative = 'ok';
    }

    // ---- 6. no prebuild, toolchain present: a consumer's build from source ------------------
    if (!args.has('--no-source-build')) {
        const unpacked = path.join(tmp, 'unpacked');
        fs.mkdirSync(unpacked);
        must(run('tar', ['-xzf', tarball, '-C', unpacked]), 'tar -x');
        fs.rmSync(path.join(unpacked, 'package', 'prebuilds'), { recursive: true, force: true });
        const sourceTgz = path.join(tmp, 'mqtt5-crt-no-prebuilds.tgz');
        must(run('tar', ['-czf', sourceTgz, '-C', unpacked, 'package']), 'tar -c');
        const app2 = path.join(tmp, 'app-source');
        fs.mkdirSync(app2);
        fs.writeFileSync(
            path.join(app2, 'package.json'),
            JSON.stringify({ name: 'source-app', private: true, version: '1.0.0' }),
        );
        // The machine's PATH (compiler, cmake) and CRT cache: a consumer who has built once before.
        const r = npm(['install', sourceTgz, '--no-audit', '--no-fund', '--prefer-offline', '--foreground-scripts'], {
            cwd: app2,
        });
        must(r, 'npm install <tarball without prebuilds> (compiler on PATH)');
        const out = `${r.stdout}\n${r.stderr}`;
        const phases = out.split('\n').filter((l) => /^mqtt5-crt: \[/.test(l));
        if (!/building from source/.test(out) || !phases.some((l) => /done: built from source in/.test(l))) {
            throw new Error(`the install did not build from source with progress lines:\n${out}`);
        }
        log(
            `npm install <tarball without prebuilds>: built from source in ${(r.ms / 1000).toFixed(1)} s:\n    ${phases.join('\n    ')}`,
        );
        fs.copyFileSync(path.join(here, 'smoke', 'smoke.cjs'), path.join(app2, 'smoke.cjs'));
        const smoke = must(
            run(process.execPath, ['smoke.cjs'], {
                cwd: app2,
                env: cleanEnv({ MQTT_PORT: String(broker.port) }),
                timeout: 60_000,
            }),
            'smoke.cjs (built from source)',
        );
        log(smoke.stdout.trim());
        result.sourceBuildMs = r.ms;
    }

    log(
        `SUMMARY tarball ${mib(result.size)} (${kib(result.size)}), unpacked ${mib(result.unpackedSize)}, ` +
            `${result.entryCount} files, install ${(result.installMs / 1000).toFixed(1)} s`,
    );
    console.log(`PACK_SMOKE_RESULT ${JSON.stringify(result)}`);
} finally {
    if (fs.existsSync(savedPrebuild)) fs.copyFileSync(savedPrebuild, hostPrebuild);
    await broker?.stop();
    if (args.has('--keep')) log(`kept ${tmp}`);
    else fs.rmSync(tmp, { recursive: true, force: true });
}

function du(dir) {
    let n = 0;
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        n += e.isDirectory() ? du(p) : fs.lstatSync(p).size;
    }
    return n;
}
