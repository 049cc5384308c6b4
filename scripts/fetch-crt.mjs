#!/usr/bin/env node
// Makes the CRT sources available to the build, in this order:
//   1. crt/ populated (git clone --recursive, or `git submodule update --init`): nothing to do;
//   2. else the awscrt source distribution from PyPI, whose crt/ folder holds the same libraries
//      at the same commits: downloaded once into the cache, sha256-verified, extracted there;
//   3. else an error that names both ways.
// The cache is $MQTT5_CRT_CACHE, else $XDG_CACHE_HOME/mqtt5-crt, else ~/.cache/mqtt5-crt; it is
// outside the working tree so nothing here is ever committed.
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pins = JSON.parse(fs.readFileSync(path.join(root, 'scripts', 'crt-sources.json'), 'utf8'));
const libs = Object.keys(pins.libraries);

export function cacheDir() {
    if (process.env.MQTT5_CRT_CACHE) return process.env.MQTT5_CRT_CACHE;
    if (process.env.XDG_CACHE_HOME) return path.join(process.env.XDG_CACHE_HOME, 'mqtt5-crt');
    return path.join(os.homedir(), '.cache', 'mqtt5-crt');
}

const complete = (dir) => libs.every((l) => fs.existsSync(path.join(dir, l, 'CMakeLists.txt')));

function sha256(file) {
    const h = createHash('sha256');
    const fd = fs.openSync(file, 'r');
    const buf = Buffer.allocUnsafe(1 << 20);
    let n;
    while ((n = fs.readSync(fd, buf, 0, buf.length, null)) > 0) h.update(buf.subarray(0, n));
    fs.closeSync(fd);
    return h.digest('hex');
}

function fail(msg) {
    console.error(
        `mqtt5-crt: ${msg}\n` +
            'Get the CRT sources either way:\n' +
            '  git submodule update --init --recursive   (needs access to github.com)\n' +
            `  python3 -m pip download --no-deps --no-binary :all: ${pins.sdist.pypi} -d ${path.join(cacheDir(), 'dist')}\n` +
            '    then run `node scripts/fetch-crt.mjs` again (it verifies the sha256 and extracts the archive)',
    );
    process.exit(1);
}

export function fetchCrt({ quiet = false } = {}) {
    const log = quiet ? () => {} : (m) => console.log(`mqtt5-crt: ${m}`);
    if (complete(path.join(root, 'crt'))) {
        log('CRT sources: git submodules in crt/');
        return path.join(root, 'crt');
    }
    const base = path.join(cacheDir(), 'src', `awscrt-${pins.version}`);
    if (complete(path.join(base, 'crt')) && fs.existsSync(path.join(base, '.verified'))) {
        log(`CRT sources: cached source distribution ${base}`);
        return path.join(base, 'crt');
    }
    const distDir = path.join(cacheDir(), 'dist');
    const archive = path.join(distDir, pins.sdist.name);
    fs.mkdirSync(distDir, { recursive: true });
    if (!fs.existsSync(archive)) {
        log(`downloading ${pins.sdist.pypi} source distribution from PyPI into ${distDir}`);
        const py = ['python3', 'python'].find((p) => spawnSync(p, ['-m', 'pip', '--version']).status === 0);
        if (!py) fail('crt/ is empty and neither python3 nor pip is available to download the source distribution.');
        const r = spawnSync(py, ['-m', 'pip', 'download', '--no-deps', '--no-binary', ':all:', pins.sdist.pypi, '-d', distDir], {
            stdio: quiet ? 'ignore' : 'inherit',
        });
        if (r.status !== 0 || !fs.existsSync(archive)) fail('downloading the source distribution failed.');
    }
    const got = sha256(archive);
    if (got !== pins.sdist.sha256) {
        fs.rmSync(archive, { force: true });
        fail(`${archive} has sha256 ${got}, expected ${pins.sdist.sha256}; the file was removed.`);
    }
    log(`sha256 verified: ${got}`);
    const tmp = `${base}.tmp-${process.pid}`;
    fs.rmSync(tmp, { recursive: true, force: true });
    fs.mkdirSync(tmp, { recursive: true });
    const r = spawnSync(
        'tar',
        ['-xzf', archive, '-C', tmp, '--strip-components=1', ...libs.map((l) => `awscrt-${pins.version}/crt/${l}`)],
        { stdio: 'inherit' },
    );
    if (r.status !== 0 || !complete(path.join(tmp, 'crt'))) fail(`extracting ${archive} failed.`);
    fs.writeFileSync(path.join(tmp, '.verified'), `${pins.sdist.sha256}\n`);
    fs.rmSync(base, { recursive: true, force: true });
    fs.renameSync(tmp, base);
    log(`CRT sources: extracted to ${base}`);
    return path.join(base, 'crt');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
    fetchCrt();
}
