#!/usr/bin/env node
// The prebuilt binaries the package ships, one definition each. Read by scripts/prebuild.mjs (build
// and smoke-test one target, `npm run prebuild -- --target <name>`), scripts/check-prebuilds.mjs
// (`npm pack` refuses a package without them) and .github/workflows/prebuild.yml, whose job matrix
// is `node scripts/targets.mjs --matrix`: the workflow runs the same command per target as a
// developer does, so it is not a second, untested path.
//
// Fields: platform/arch/libc as Node reports them (libc on Linux only); `build`: how it is built:
// 'native' on a machine of that platform (darwin), else cross on a linux-x64 host, with zig for
// Linux (`zig`: the zig target; glibc targets name glibc 2.28, Node's own floor, so the binary
// does not depend on the build machine's glibc, and libc++ is linked in) or 'mingw-w64'; `smoke`:
// how its smoke test runs (scripts/smoke/target.mjs); `runner`: the workflow's runner for it;
// `strip`: the strip program prebuildify runs on it (none: linked stripped); `apt`: the Debian
// packages its build and smoke test need on a linux-x64 host.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const TARGETS = {
    'linux-x64-glibc': {
        platform: 'linux',
        arch: 'x64',
        libc: 'glibc',
        build: 'zig',
        zig: 'x86_64-linux-gnu.2.28',
        smoke: 'native',
        runner: 'ubuntu-24.04',
        strip: 'strip',
        apt: [],
    },
    'linux-x64-musl': {
        platform: 'linux',
        arch: 'x64',
        libc: 'musl',
        build: 'zig',
        zig: 'x86_64-linux-musl',
        smoke: 'musl',
        runner: 'ubuntu-24.04',
        strip: 'strip',
        apt: [],
    },
    'linux-arm64-glibc': {
        platform: 'linux',
        arch: 'arm64',
        libc: 'glibc',
        build: 'zig',
        zig: 'aarch64-linux-gnu.2.28',
        smoke: 'qemu',
        runner: 'ubuntu-24.04',
        strip: 'aarch64-linux-gnu-strip',
        // qemu-user runs the arm64 Node with Debian's arm64 libc and libstdc++ as its sysroot.
        apt: ['qemu-user-static', 'binutils-aarch64-linux-gnu', 'libc6-arm64-cross', 'libstdc++6-arm64-cross'],
    },
    'win32-x64': {
        platform: 'win32',
        arch: 'x64',
        build: 'mingw-w64',
        smoke: 'wine',
        runner: 'ubuntu-24.04',
        apt: ['mingw-w64', 'g++-mingw-w64-x86-64-posix', 'gcc-mingw-w64-x86-64-posix', 'wine', 'wine64'],
    },
    'darwin-x64': { platform: 'darwin', arch: 'x64', build: 'native', smoke: 'native', runner: 'macos-15-intel', apt: [] },
    'darwin-arm64': { platform: 'darwin', arch: 'arm64', build: 'native', smoke: 'native', runner: 'macos-15', apt: [] },
};

/** The file node-gyp-build loads for a target, as prebuildify names it (package name, libc tag). */
export function prebuildFile(name) {
    const t = TARGETS[name];
    return path.join('prebuilds', `${t.platform}-${t.arch}`, `mqtt5-crt${t.libc ? `.${t.libc}` : ''}.node`);
}

/** The target this Node process runs as, or undefined when the package has none for it. */
export function hostTarget() {
    const libc =
        process.platform === 'linux' ? (process.report.getReport().header.glibcVersionRuntime ? 'glibc' : 'musl') : undefined;
    return Object.keys(TARGETS).find((n) => {
        const t = TARGETS[n];
        return t.platform === process.platform && t.arch === process.arch && t.libc === libc;
    });
}

/** Whether this machine can build a target: natively, or cross from linux-x64 (glibc). */
export function buildableHere(name) {
    const t = TARGETS[name];
    if (t.build === 'native') return name === hostTarget();
    return hostTarget() === 'linux-x64-glibc';
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
    if (process.argv[2] === '--matrix') {
        // GitHub Actions: strategy.matrix.include, one entry per target.
        console.log(
            JSON.stringify({
                include: Object.keys(TARGETS).map((target) => ({
                    target,
                    runner: TARGETS[target].runner,
                })),
            }),
        );
    } else {
        for (const n of Object.keys(TARGETS)) {
            console.log(
                `${n.padEnd(18)} ${prebuildFile(n).padEnd(40)} build: ${TARGETS[n].build}, smoke: ${TARGETS[n].smoke}${buildableHere(n) ? '' : ' (not buildable here)'}`,
            );
        }
    }
}
