// The CRT stays pinned as git submodules at the commits the source distribution carries
// (scripts/crt-sources.json). A `git add -A` made while crt/ was absent once deleted every gitlink;
// this test fails when that happens again, or when a pin and the sdist's manifest drift apart.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '../..');
const pins = JSON.parse(fs.readFileSync(path.join(root, 'scripts/crt-sources.json'), 'utf8'));
const inGit = fs.existsSync(path.join(root, '.git'));

describe.runIf(inGit)('crt/ submodules', () => {
    it('holds one gitlink per CRT library, at the commit scripts/crt-sources.json pins', () => {
        const out = execFileSync('git', ['ls-files', '-s', 'crt'], { cwd: root, encoding: 'utf8' });
        const links: Record<string, string> = {};
        for (const line of out.trim().split('\n')) {
            const [mode, sha, , file] = line.split(/\s+/);
            expect(mode, `${file} must be a gitlink (mode 160000)`).toBe('160000');
            links[file.replace(/^crt\//, '')] = sha;
        }
        expect(links).toEqual(pins.libraries);
    });

    it('lists each library in .gitmodules with its upstream URL', () => {
        const modules = fs.readFileSync(path.join(root, '.gitmodules'), 'utf8');
        for (const lib of Object.keys(pins.libraries)) {
            expect(modules).toContain(`path = crt/${lib}\n`);
            expect(modules).toMatch(new RegExp(`url = https://github\\.com/awslabs/${lib}\\.git`));
        }
    });
});
