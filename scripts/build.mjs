#!/usr/bin/env node
// Builds the addon: makes sure the CRT sources are present (scripts/fetch-crt.mjs), then runs
// cmake-js, whose configure step builds the CRT once into the cache (see cmake/CrtPrebuild.cmake).
// Usage: node scripts/build.mjs [--debug]
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { fetchCrt } from './fetch-crt.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

export function build({ debug = false } = {}) {
    const missing = ['cmake', 'c++'].filter((tool) => spawnSync(tool, ['--version']).error);
    if (missing.length) {
        console.error(
            `mqtt5-crt: cannot build from source: ${missing.join(' and ')} not found on PATH.\n` +
                'Install a C/C++ toolchain and CMake >= 3.16 (Debian/Ubuntu: apt-get install build-essential cmake ninja-build),\n' +
                'or use a platform with a prebuilt binary (linux-x64 glibc).',
        );
        process.exit(1);
    }
    fetchCrt();
    let cmakeJs;
    try {
        cmakeJs = require.resolve('cmake-js/bin/cmake-js');
    } catch {
        console.error('mqtt5-crt: cmake-js is needed to build from source: npm install --no-save cmake-js node-addon-api');
        process.exit(1);
    }
    const t0 = Date.now();
    const args = [cmakeJs, 'build', '--out', path.join(root, 'build'), '--directory', root];
    if (debug) args.push('--debug');
    const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
    if (r.status !== 0) {
        console.error('mqtt5-crt: the native build failed (see the output above).');
        process.exit(r.status ?? 1);
    }
    console.log(`mqtt5-crt: addon built in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
    build({ debug: process.argv.includes('--debug') });
}
