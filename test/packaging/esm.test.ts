// Module formats: the package's "exports" map, the generated ES module entry (dist/index.mjs) and
// the CommonJS build expose the same API, as one module instance.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { expect, it } from 'vitest';

const root = path.resolve(__dirname, '../..');

// Run inside the package folder so that 'mqtt5-crt' resolves to this package (self-reference).
function esm(code: string) {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd: root, encoding: 'utf8', timeout: 30_000 });
    expect(r.status, r.stderr).toBe(0);
    return JSON.parse(r.stdout);
}

it('import and require resolve through "exports" to the ESM wrapper and the CommonJS build', () => {
    const r = esm(`
        import { createRequire } from 'node:module';
        const require = createRequire(import.meta.url);
        console.log(JSON.stringify({ import: import.meta.resolve('mqtt5-crt'), require: require.resolve('mqtt5-crt') }));`);
    expect(r.import).toBe(`file://${path.join(root, 'dist', 'index.mjs')}`);
    expect(r.require).toBe(path.join(root, 'dist', 'index.js'));
});

it('named imports match the CommonJS exports and share one instance', () => {
    const r = esm(`
        import { createRequire } from 'node:module';
        import * as ns from 'mqtt5-crt';
        import def, { Mqtt5Client, mqtt5, io, iot, http, auth, CrtError, QoS } from 'mqtt5-crt';
        const cjs = createRequire(import.meta.url)('mqtt5-crt');
        console.log(JSON.stringify({
            esm: Object.keys(ns).filter((k) => k !== 'default').sort(),
            cjs: Object.keys(cjs).filter((k) => k !== '__esModule').sort(),
            same: Mqtt5Client === cjs.Mqtt5Client && def === cjs && CrtError === cjs.CrtError && mqtt5.Mqtt5Client === Mqtt5Client,
            namespaces: [io, iot, http, auth].every((n) => typeof n === 'object' && n !== null),
            qos: QoS.AtLeastOnce,
        }));`);
    expect(r.esm).toEqual(r.cjs);
    expect(r.esm).toEqual(expect.arrayContaining(['Mqtt5Client', 'mqtt5', 'io', 'iot', 'http', 'auth', 'CrtError']));
    expect(r.same).toBe(true);
    expect(r.namespaces).toBe(true);
    expect(r.qos).toBe(1);
});
