#!/usr/bin/env node
// Builds the addon: makes sure the CRT sources are present (scripts/fetch-crt.mjs), then runs
// cmake-js, whose configure step builds the CRT once into the cache (see cmake/CrtPrebuild.cmake).
// A build from source takes minutes (a cold CRT build about 5 min on 2 cores), so it reports its
// phases with the elapsed time, and a last line with the total. npm hides the output of install
// scripts: then the phases also go to the terminal (/dev/tty) with a note on how to see everything.
// The full output is kept in <out>/build.log.
// Usage: node scripts/build.mjs [--debug]
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { fetchCrt } from './fetch-crt.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

const clock = (ms) => {
    const s = Math.round(ms / 1000);
    return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
};

// Phase lines: on stdout always; also on the terminal when npm runs this as an install script and
// keeps stdout from the user (it shows it only on failure, or with --foreground-scripts).
function reporter(t0, logFile) {
    let tty;
    if (!process.stdout.isTTY && /^(install|postinstall|rebuild)$/.test(process.env.npm_lifecycle_event ?? '')) {
        try {
            tty = fs.openSync('/dev/tty', 'w');
        } catch {
            // No terminal (CI): stdout is all there is.
        }
    }
    const say = (msg) => {
        const line = `mqtt5-crt: [${clock(Date.now() - t0).padStart(10)}] ${msg}\n`;
        process.stdout.write(line);
        if (tty !== undefined) fs.writeSync(tty, line);
    };
    if (tty !== undefined) {
        fs.writeSync(
            tty,
            'mqtt5-crt: npm hides the build output; to see all of it, install with --foreground-scripts ' +
                `(e.g. npm install mqtt5-crt --foreground-scripts). Full log: ${logFile}\n`,
        );
    }
    return { say, close: () => tty !== undefined && fs.closeSync(tty) };
}

/**
 * Builds the addon into `out` (default build/) and returns the path of the .node file.
 * `toolchain`: a CMake toolchain file for a cross build (it is also exported as CMAKE_TOOLCHAIN_FILE
 * so that the CRT's own configure runs see it); `defines`: extra -D cache entries; `label`: the target
 * named in the progress lines.
 */
export async function build({ debug = false, out = path.join(root, 'build'), toolchain, defines = {}, env = {}, label } = {}) {
    const need = toolchain ? ['cmake'] : ['cmake', 'c++'];
    const missing = need.filter((tool) => spawnSync(tool, ['--version']).error);
    if (missing.length) {
        throw new Error(
            `cannot build from source: ${missing.join(' and ')} not found on PATH.\n` +
                'Install a C/C++ toolchain and CMake >= 3.16 (Debian/Ubuntu: apt-get install build-essential cmake ninja-build;\n' +
                'Alpine: apk add build-base cmake samurai linux-headers; macOS: xcode-select --install && brew install cmake),\n' +
                'or use a platform with a prebuilt binary (see the README).',
        );
    }
    let cmakeJs;
    try {
        cmakeJs = require.resolve('cmake-js/bin/cmake-js');
    } catch {
        throw new Error(
            'cmake-js is missing: it is a dependency of mqtt5-crt, so `npm install` should have installed it; ' +
                'run `npm install` again (or npm install --no-save cmake-js node-addon-api)',
        );
    }
    fs.mkdirSync(out, { recursive: true });
    const logFile = path.join(out, 'build.log');
    const log = fs.createWriteStream(logFile);
    const t0 = Date.now();
    const { say, close } = reporter(t0, logFile);
    try {
        say(`building the native addon from source for ${label ?? `${process.platform}-${process.arch}`}`);
        fetchCrt();
        say('CRT sources ready; configuring (the first build on a machine also builds the CRT: about 5 min on 2 cores)');
        const args = [cmakeJs, 'build', '--out', out, '--directory', root];
        if (debug) args.push('--debug');
        if (toolchain) defines = { CMAKE_TOOLCHAIN_FILE: toolchain, ...defines };
        for (const [k, v] of Object.entries(defines)) args.push(`--CD${k}=${v}`);
        const childEnv = { ...process.env, ...env, ...(toolchain ? { CMAKE_TOOLCHAIN_FILE: toolchain } : {}) };
        const phases = { crt: 0, crtDone: 0, compile: 0 };
        const code = await new Promise((resolve, reject) => {
            const child = spawn(process.execPath, args, { cwd: root, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
            const tail = [];
            const onLine = (line) => {
                log.write(`${line}\n`);
                process.stdout.write(`${line}\n`);
                tail.push(line);
                if (tail.length > 40) tail.shift();
                let m;
                if (/mqtt5-crt: building the CRT/.test(line)) {
                    phases.crt = Date.now();
                    say('building the CRT libraries (cold cache: several minutes, once per machine)');
                } else if ((m = /mqtt5-crt: CRT (aws-\S+|s2n)$/.exec(line))) {
                    say(`  CRT library ${m[1]}`);
                } else if ((m = /mqtt5-crt: CRT built in (\d+) s/.exec(line))) {
                    phases.crtDone = Date.now();
                    say(`CRT built in ${clock(Number(m[1]) * 1000)}`);
                } else if (/mqtt5-crt: CRT build cache hit/.test(line)) {
                    say('CRT libraries: found in the build cache');
                } else if (/Build files have been written to/.test(line)) {
                    phases.compile = Date.now();
                    say('compiling and linking the addon (under a minute to two on 2 cores)');
                }
            };
            readline.createInterface({ input: child.stdout }).on('line', onLine);
            readline.createInterface({ input: child.stderr }).on('line', onLine);
            child.on('error', reject);
            child.on('close', (c) => {
                if (c !== 0) process.stderr.write(`\n--- last lines of ${logFile} ---\n${tail.join('\n')}\n`);
                resolve(c);
            });
        });
        if (code !== 0) {
            throw new Error(`the native build failed (exit ${code}); the full output is in ${logFile}`);
        }
        const built = path.join(out, debug ? 'Debug' : 'Release', 'mqtt5_crt.node');
        const crt = phases.crt ? `CRT ${clock((phases.crtDone || phases.compile) - phases.crt)}` : 'CRT from the cache';
        say(
            `done: built from source in ${clock(Date.now() - t0)} (${crt}, addon ${clock(Date.now() - (phases.compile || t0))}): ` +
                `${path.relative(root, built)} ${(fs.statSync(built).size / 1048576).toFixed(1)} MiB`,
        );
        return built;
    } finally {
        close();
        log.end();
    }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
    build({ debug: process.argv.includes('--debug') }).catch((err) => {
        console.error(`mqtt5-crt: ${err.message}`);
        process.exit(1);
    });
}
