// patches/ holds fixes to the pinned CRT sources, applied by the build (cmake/CrtPatches.cmake) to a
// copy of the sources and verified there. Each must read like an upstream pull request: a
// description (what, why) before the diff, for one of the pinned libraries, in a known order. When
// the pinned sources are at hand (the source distribution in the cache, or populated submodules),
// the whole series must apply to them cleanly, in order, as the build applies it.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '../..');
const pins = JSON.parse(fs.readFileSync(path.join(root, 'scripts/crt-sources.json'), 'utf8'));
const dir = path.join(root, 'patches');
const libs = fs.existsSync(dir) ? fs.readdirSync(dir).sort() : [];
const patchesOf = (lib: string) =>
    fs
        .readdirSync(path.join(dir, lib))
        .filter((f) => f.endsWith('.patch'))
        .sort();

function sources(): string | undefined {
    const cache =
        process.env.MQTT5_CRT_CACHE ??
        (process.env.XDG_CACHE_HOME
            ? path.join(process.env.XDG_CACHE_HOME, 'mqtt5-crt')
            : path.join(os.homedir(), '.cache', 'mqtt5-crt'));
    const candidates = [path.join(root, 'crt'), path.join(cache, 'src', `awscrt-${pins.version}`, 'crt')];
    return candidates.find((c) => Object.keys(pins.libraries).every((l) => fs.existsSync(path.join(c, l, 'CMakeLists.txt'))));
}
const hasPatchTool = spawnSync('patch', ['--version']).status === 0;

describe('patches/ to the pinned CRT', () => {
    it('are for pinned libraries, numbered, and each explains what and why before its diff', () => {
        expect(libs.length).toBeGreaterThan(0);
        for (const lib of libs) {
            expect(Object.keys(pins.libraries)).toContain(lib);
            const files = patchesOf(lib);
            expect(files.length).toBeGreaterThan(0);
            files.forEach((f, i) => {
                expect(f).toMatch(new RegExp(`^${String(i + 1).padStart(4, '0')}-[a-z0-9-]+\\.patch$`));
                const text = fs.readFileSync(path.join(dir, lib, f), 'utf8');
                const header = text.slice(0, text.indexOf('\ndiff --git '));
                expect(header.length, `${lib}/${f} has no description`).toBeGreaterThan(200);
                expect(header).toMatch(/^What$/m);
                expect(header).toMatch(/^Why$/m);
            });
        }
    });

    const src = sources();
    it.runIf(src !== undefined && hasPatchTool)(
        'apply in order to the pinned sources, as the build applies them',
        () => {
            const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mqtt5-crt-patches-'));
            try {
                for (const lib of libs) {
                    const copy = path.join(tmp, lib);
                    fs.cpSync(path.join(src!, lib), copy, { recursive: true });
                    for (const f of patchesOf(lib)) {
                        const p = path.join(dir, lib, f);
                        execFileSync('patch', ['-p1', '--forward', '--batch', '--quiet', '-i', p], { cwd: copy });
                        // Applied completely: it reverses cleanly.
                        execFileSync('patch', ['-p1', '--reverse', '--dry-run', '--batch', '--quiet', '-i', p], { cwd: copy });
                    }
                }
            } finally {
                fs.rmSync(tmp, { recursive: true, force: true });
            }
        },
        60_000,
    );
});
