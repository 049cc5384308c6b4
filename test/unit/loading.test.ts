// What a user sees when the binary or the CRT sources are missing.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';

const root = path.resolve(__dirname, '../..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mqtt5-crt-load-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

it('names the files tried, the platform, libc and Node-API version, and the fix when no binary loads', () => {
    // A copy of the package without build/ or prebuilds/.
    const pkg = path.join(tmp, 'pkg');
    fs.mkdirSync(pkg);
    fs.cpSync(path.join(root, 'dist'), path.join(pkg, 'dist'), { recursive: true });
    fs.copyFileSync(path.join(root, 'package.json'), path.join(pkg, 'package.json'));
    fs.symlinkSync(path.join(root, 'node_modules'), path.join(pkg, 'node_modules'));
    const r = spawnSync(process.execPath, ['-e', "require('./dist/index.js')"], { cwd: pkg, encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    const err = r.stderr;
    expect(err).toContain('mqtt5-crt: could not load the native addon.');
    expect(err).toContain(path.join(pkg, 'build', 'Release', '*.node'));
    expect(err).toContain(path.join(pkg, 'prebuilds', `${process.platform}-${process.arch}`, '*.node'));
    expect(err).toContain(`platform: ${process.platform}-${process.arch}`);
    expect(err).toMatch(/libc: (glibc [0-9.]+|musl|n\/a)/);
    expect(err).toContain(`Node-API ${process.versions.napi}`);
    expect(err).toContain('npm rebuild mqtt5-crt');
});

it('fails with both ways to get the CRT sources when neither is available', () => {
    // An empty cache, no submodules in this checkout's copy, and no python to download with.
    const pkg = path.join(tmp, 'fetch');
    fs.mkdirSync(path.join(pkg, 'scripts'), { recursive: true });
    for (const f of ['fetch-crt.mjs', 'crt-sources.json']) {
        fs.copyFileSync(path.join(root, 'scripts', f), path.join(pkg, 'scripts', f));
    }
    const r = spawnSync(process.execPath, [path.join(pkg, 'scripts', 'fetch-crt.mjs')], {
        encoding: 'utf8',
        env: { PATH: '/nonexistent', MQTT5_CRT_CACHE: path.join(tmp, 'empty-cache'), HOME: tmp },
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('neither python3 nor pip is available');
    expect(r.stderr).toContain('git submodule update --init --recursive');
    expect(r.stderr).toContain('pip download --no-deps --no-binary :all: awscrt==0.36.2');
});
