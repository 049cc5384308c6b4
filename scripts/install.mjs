#!/usr/bin/env node
// The npm "install" hook. If a binary loads (build/Release, then prebuilds/<platform>-<arch>/),
// there is nothing to do; otherwise fetch the CRT sources and build from source. When no binary
// loads and the tools to build are missing, it says so in one message (platform, the prebuilds the
// package ships, why loading failed, what is missing, how to fix it) and fails the install.
// MQTT5_CRT_FORCE_BUILD=1 always builds. The build tools it runs (cmake-js, node-addon-api) are
// dependencies of the package, so a consumer needs only cmake and a compiler.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

function probe() {
    // A child process, so a binary that crashes on load cannot take the installer with it.
    const r = spawnSync(process.execPath, ['-e', `require('node-gyp-build')(${JSON.stringify(root)})`], {
        cwd: root,
        stdio: 'pipe',
        encoding: 'utf8',
    });
    // The thrown error's own line ("Error: No native build was found for platform=...", or the
    // dlopen failure: "Error: ...: version `GLIBC_2.34' not found"), not the source line above it.
    const lines = (r.stderr || '').split('\n').map((l) => l.trim());
    const error = lines.find((l) => /^[A-Za-z]*Error: /.test(l)) ?? lines.find(Boolean) ?? '';
    return { ok: r.status === 0, error: r.status === 0 ? '' : error.replace(/^Error: /, '') };
}

function libc() {
    if (process.platform !== 'linux') return '';
    const glibc = process.report?.getReport()?.header?.glibcVersionRuntime;
    return glibc ? ` (glibc ${glibc})` : ' (musl)';
}

function shippedPrebuilds() {
    const dir = path.join(root, 'prebuilds');
    const found = [];
    for (const d of fs.existsSync(dir) ? fs.readdirSync(dir).sort() : []) {
        for (const f of fs.readdirSync(path.join(dir, d)).filter((n) => n.endsWith('.node'))) {
            const tag = f.includes('.musl.') ? ' (musl)' : f.includes('.glibc.') ? ' (glibc)' : '';
            found.push(`${d}${tag}`);
        }
    }
    return found;
}

const onPath = (tool) => !spawnSync(tool, ['--version'], { stdio: 'ignore' }).error;
const resolvable = (id) => {
    try {
        require.resolve(id, { paths: [root] });
        return true;
    } catch {
        return false;
    }
};

function missingForBuild() {
    const missing = [];
    if (!onPath('cmake')) missing.push('cmake (>= 3.16)');
    if (process.platform !== 'win32' && !['c++', 'g++', 'clang++'].some(onPath)) missing.push('a C/C++ compiler (c++)');
    const npmPkgs = ['cmake-js', 'node-addon-api'].filter((p) => !resolvable(`${p}/package.json`));
    if (npmPkgs.length)
        missing.push(
            `the npm package${npmPkgs.length > 1 ? 's' : ''} ${npmPkgs.join(' and ')} (dependencies of mqtt5-crt: run npm install again)`,
        );
    return missing;
}

function cannotBuild(loadError, missing) {
    const shipped = shippedPrebuilds();
    console.error(
        [
            '',
            'mqtt5-crt: no prebuilt binary loads on this platform, and the addon cannot be built from source here.',
            `  platform: ${process.platform}-${process.arch}${libc()}, Node ${process.version}, Node-API ${process.versions.napi} (needs 8 or later)`,
            `  prebuilt binaries in this package: ${shipped.length ? shipped.join(', ') : 'none'}`,
            ...(loadError ? [`  loading failed: ${loadError}`] : []),
            `  missing to build from source: ${missing.join('; ')}`,
            '  fix, either:',
            '    - install on a platform with a prebuilt binary (see above), or',
            '    - install the build tools, then run `npm rebuild mqtt5-crt`:',
            '        Debian/Ubuntu: apt-get install build-essential cmake python3-pip',
            '        Alpine:        apk add build-base cmake linux-headers python3 py3-pip',
            '        macOS:         xcode-select --install && brew install cmake',
            '',
        ].join('\n'),
    );
    process.exit(1);
}

const forced = Boolean(process.env.MQTT5_CRT_FORCE_BUILD);
const first = forced ? { ok: false, error: '' } : probe();
if (first.ok) {
    console.log('mqtt5-crt: native addon present and loadable; no build needed');
} else {
    const missing = missingForBuild();
    if (missing.length) cannotBuild(first.error, missing);
    console.log(
        forced
            ? 'mqtt5-crt: MQTT5_CRT_FORCE_BUILD set; building from source'
            : 'mqtt5-crt: no loadable binary for this platform; building from source',
    );
    const { build } = await import('./build.mjs');
    try {
        await build();
    } catch (err) {
        console.error(`mqtt5-crt: ${err.message}`);
        process.exit(1);
    }
    const after = probe();
    if (!after.ok) {
        console.error(
            `mqtt5-crt: the addon was built but does not load (${after.error}); see \`node -e "require('mqtt5-crt')"\``,
        );
        process.exit(1);
    }
}
