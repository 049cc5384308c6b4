// The API report against aws-crt 1.33 (a devDependency): every name of its mqtt5, io, iot, http and
// auth namespaces exists here, or is on scripts/api-omissions.json with its reason.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { expect, it } from 'vitest';

const root = path.resolve(__dirname, '../..');

it('scripts/api-report.mjs finds no missing name that is not a declared omission, and no stale omission', () => {
    const r = spawnSync(process.execPath, [path.join(root, 'scripts', 'api-report.mjs')], {
        cwd: root,
        encoding: 'utf8',
        timeout: 120_000,
    });
    const summary = r.stdout.split('\n').find((l) => l.startsWith('api-report:'));
    expect(r.stdout.split('\n').filter((l) => l.startsWith('MISSING') || l.startsWith('STALE'))).toEqual([]);
    expect(summary, r.stderr).toMatch(/: \d+ present, \d+ deliberately omitted, 0 missing, 0 stale$/);
    expect(r.status, r.stderr).toBe(0);
});
