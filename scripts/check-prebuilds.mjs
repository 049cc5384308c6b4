#!/usr/bin/env node
// `npm pack` / `npm publish` (the prepack hook): refuses to pack a package without the prebuilt
// binaries a release carries (scripts/targets.mjs), since it would install from source, or not at
// all, on most machines. MQTT5_CRT_PACK_TARGETS narrows the check:
//   (unset)  every target: what the release workflow packs;
//   local    the targets this machine builds (`npm run prebuild:all`);
//   host     only this machine's own target (a quick local package; `npm run test:pack` uses it);
//   a comma-separated list of target names.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildableHere, hostTarget, prebuildFile, TARGETS } from './targets.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const all = Object.keys(TARGETS);

export function requiredTargets(spec = process.env.MQTT5_CRT_PACK_TARGETS) {
    if (!spec) return all;
    if (spec === 'local') return all.filter(buildableHere);
    if (spec === 'host') return [hostTarget()].filter(Boolean);
    const names = spec.split(',').map((s) => s.trim());
    const unknown = names.filter((n) => !TARGETS[n]);
    if (unknown.length)
        throw new Error(`MQTT5_CRT_PACK_TARGETS names unknown targets ${unknown.join(', ')}; targets: ${all.join(', ')}`);
    return names;
}

export function missingPrebuilds(names) {
    return names.filter((n) => !fs.existsSync(path.join(root, prebuildFile(n))));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
    const names = requiredTargets();
    const missing = missingPrebuilds(names);
    if (missing.length) {
        const here = missing.filter(buildableHere);
        const elsewhere = missing.filter((n) => !buildableHere(n));
        console.error(
            [
                `mqtt5-crt: not packing: the package would lack the prebuilt binaries of ${missing.join(', ')}`,
                ...missing.map((n) => `  missing ${prebuildFile(n)}`),
                'Fix:',
                ...(here.length
                    ? [`  npm run prebuild -- ${here.map((n) => `--target ${n}`).join(' ')}   (or npm run prebuild:all)`]
                    : []),
                ...(elsewhere.length
                    ? [
                          `  ${elsewhere.join(', ')}: built by .github/workflows/prebuild.yml on their own runners; a release packs there`,
                      ]
                    : []),
                '  or pack for fewer targets: MQTT5_CRT_PACK_TARGETS=local (what this machine builds), host (only this one)',
                '  or a list (MQTT5_CRT_PACK_TARGETS=linux-x64-glibc,win32-x64) npm pack',
            ].join('\n'),
        );
        process.exit(1);
    }
    console.log(`mqtt5-crt: prebuilds present for ${names.join(', ')}`);
}
