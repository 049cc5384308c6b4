// `npm pack` -> install the tarball with no compiler on PATH -> smoke tests, then the tarball
// without prebuilds with a compiler -> built from source (scripts/pack-smoke.mjs). Takes about two
// minutes, most of it the source build of the addon (the CRT comes from the machine's cache).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cacheDir } from '../../scripts/fetch-crt.mjs';

const root = path.resolve(__dirname, '../..');

function node(args: string[], timeoutMs: number): Promise<{ code: number | null; out: string }> {
    return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        child.stdout.on('data', (d) => (out += d));
        child.stderr.on('data', (d) => (out += d));
        const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
        child.on('error', reject);
        child.on('close', (code) => {
            clearTimeout(timer);
            resolve({ code, out });
        });
    });
}

describe.skipIf(process.platform === 'win32')('npm package', () => {
    it('packs, installs without a compiler, works from require and import, and builds from source without prebuilds', async () => {
        // The binary npm install just built is the prebuild; dist/ is fresh from `pretest`.
        const { code, out } = await node(['scripts/pack-smoke.mjs', '--prebuild-copy', '--no-build-ts'], 580_000);
        expect(code, out).toBe(0);
        const line = out.split('\n').find((l) => l.startsWith('PACK_SMOKE_RESULT '));
        const result = JSON.parse(line!.slice('PACK_SMOKE_RESULT '.length));
        console.log(
            out
                .split('\n')
                .filter((l) => l.startsWith('pack-smoke: SUMMARY'))
                .join('\n'),
        );
        expect(result.prebuilds.length).toBeGreaterThan(0);
        expect(result.smoke['smoke.cjs']).toBeGreaterThan(0);
        expect(result.smoke['smoke.mjs']).toBeGreaterThan(0);
        expect(result.negative).toBe('ok');
        // Without prebuilds, with a compiler: installed from source (the CRT from the machine's cache).
        expect(result.sourceBuildMs).toBeGreaterThan(0);
        // A few prebuilds of ~2 MiB each compressed; a tarball near this means something leaked in.
        expect(result.size).toBeLessThan(40 * 1024 * 1024);
    }, 600_000);

    const crtSources = [
        path.join(root, 'crt', 'aws-lc', 'LICENSE'),
        path.join(cacheDir(), 'src', 'awscrt-0.36.2', 'crt', 'aws-lc', 'LICENSE'),
    ];
    it.skipIf(!crtSources.some((f) => fs.existsSync(f)))(
        'THIRD_PARTY_NOTICES matches the CRT sources',
        async () => {
            const { code, out } = await node(['scripts/third-party-notices.mjs', '--check'], 60_000);
            expect(code, out).toBe(0);
        },
        60_000,
    );
});
