#!/usr/bin/env node
// Runs the smoke tests (smoke.cjs, smoke.mjs) against this checkout's binary and a private
// mosquitto: 'mqtt5-crt' resolves to this package by self-reference. For CI jobs that cannot run
// scripts/pack-smoke.mjs (Windows). Exit 0 when both pass.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBroker } from './broker.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const broker = await startBroker();
let failed = 0;
try {
    for (const f of ['smoke.cjs', 'smoke.mjs']) {
        const r = spawnSync(process.execPath, [path.join(here, f)], {
            stdio: 'inherit',
            env: { ...process.env, MQTT_PORT: String(broker.port) },
            timeout: 60_000,
        });
        if (r.status !== 0) failed++;
    }
} finally {
    await broker.stop();
}
process.exit(failed ? 1 : 0);
