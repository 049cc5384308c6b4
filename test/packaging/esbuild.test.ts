// Bundlers: an app importing 'mqtt5-crt', bundled by esbuild for Node, still finds and loads the
// native addon, connects and round-trips a message (the recipes of docs/bundlers.md).
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import * as esbuild from 'esbuild';
import { afterAll, describe, expect, inject, it } from 'vitest';

const run = promisify(execFile);
const root = path.resolve(__dirname, '../..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mqtt5-crt-esbuild-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

// The consumer: node_modules/mqtt5-crt is this checkout; the entry is the ESM smoke test.
const app = path.join(tmp, 'app');
fs.mkdirSync(path.join(app, 'node_modules'), { recursive: true });
fs.symlinkSync(root, path.join(app, 'node_modules', 'mqtt5-crt'), 'dir');
fs.copyFileSync(path.join(root, 'scripts', 'smoke', 'smoke.mjs'), path.join(app, 'main.mjs'));
// The binary the package would load (build/Release/... or prebuilds/<platform>-<arch>/...).
const binary: string = require('node-gyp-build').resolve(root);

async function bundle(outfile: string, extra: esbuild.BuildOptions = {}) {
    const result = await esbuild.build({
        entryPoints: [path.join(app, 'main.mjs')],
        absWorkingDir: app,
        bundle: true,
        platform: 'node',
        target: 'node20',
        format: 'cjs',
        outfile,
        logLevel: 'silent',
        ...extra,
    });
    expect(result.errors).toEqual([]);
    return fs.readFileSync(outfile, 'utf8');
}

async function start(file: string, env: Record<string, string> = {}) {
    const { stdout } = await run(process.execPath, [file], {
        cwd: path.dirname(file),
        env: { ...process.env, NODE_PATH: '', MQTT_PORT: String(inject('brokerPort')), ...env },
        timeout: 45_000,
    });
    return stdout;
}

describe('esbuild --bundle --platform=node', () => {
    it('bundles mqtt5-crt and node-gyp-build; the binary is found beside the bundle folder', async () => {
        // Recipe 1: out/dist/app.js + out/<binary folder> (the loader looks in the folder above the
        // bundle's own, as it looks in the package root above dist/).
        const out = path.join(tmp, 'out');
        const code = await bundle(path.join(out, 'dist', 'app.js'));
        expect(code).not.toMatch(/require\(["']mqtt5-crt["']\)/);
        expect(code).not.toMatch(/require\(["']node-gyp-build["']\)/);
        const dest = path.join(out, path.relative(root, binary));
        fs.mkdirSync(path.dirname(dest), { recursive: true });
        fs.copyFileSync(binary, dest);
        expect(await start(path.join(out, 'dist', 'app.js'))).toMatch(/^smoke ok \(esm\)/);
    }, 60_000);

    it('with mqtt5-crt external, the bundle require()s the installed package', async () => {
        // Recipe 2 (recommended): --external:mqtt5-crt, ship node_modules/mqtt5-crt with the app.
        const outfile = path.join(app, 'dist', 'app.js');
        const code = await bundle(outfile, { external: ['mqtt5-crt'] });
        expect(code).toMatch(/require\(["']mqtt5-crt["']\)/);
        expect(await start(outfile)).toMatch(/^smoke ok \(esm\)/);
    }, 60_000);

    const hasOverride = fs.readFileSync(path.join(root, 'lib', 'native.ts'), 'utf8').includes('MQTT5_CRT_BINARY');
    it.skipIf(!hasOverride)(
        'MQTT5_CRT_BINARY points a bundle at the binary wherever it is',
        async () => {
            const outfile = path.join(tmp, 'anywhere', 'app.js');
            await bundle(outfile);
            expect(await start(outfile, { MQTT5_CRT_BINARY: binary })).toMatch(/^smoke ok \(esm\)/);
        },
        60_000,
    );
});
