// The memcheck exercise's shared harness: the package under test, the broker and TLS settings the
// runner (scripts/valgrind.mjs) passes in the environment, the check counter behind the
// "EXERCISE OK <n> checks" line, and small waiting and client helpers. Used by exercise.cjs and
// the step modules beside it.
'use strict';

const assert = require('node:assert/strict');
const path = require('node:path');

const root = path.resolve(__dirname, '../..');
const lib = require(path.join(root, 'dist/index.js'));
const { binding } = require(path.join(root, 'dist/native.js'));
const { Mqtt5Client, CrtError } = lib;

const PORT = Number(process.env.MEMCHECK_PORT);
const TLS_PORT = Number(process.env.MEMCHECK_TLS_PORT || 0);
const MTLS_PORT = Number(process.env.MEMCHECK_MTLS_PORT || 0); // a listener that requires a client certificate
const CA = process.env.MEMCHECK_CA;
const CLIENT_CERT = process.env.MEMCHECK_CLIENT_CERT;
const CLIENT_KEY = process.env.MEMCHECK_CLIENT_KEY;
// Under valgrind everything is 20-50x slower.
const T = Number(process.env.MEMCHECK_TIMEOUT_MS || 120_000);

let checks = 0;
const t0 = Date.now();
function step(name) {
    console.log(`[${((Date.now() - t0) / 1000).toFixed(1)}s] ${name}`);
}
function ok(cond, what) {
    checks++;
    assert.ok(cond, what);
}
function throws(fn, kind, what) {
    checks++;
    assert.throws(fn, kind, what);
}
async function rejects(promise, kind) {
    checks++;
    await assert.rejects(promise, kind);
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
function once(emitter, name, ms = T) {
    return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
            emitter.off(name, on);
            reject(new Error(`timed out after ${ms} ms waiting for '${name}'`));
        }, ms);
        const on = (ev) => {
            clearTimeout(timer);
            resolve(ev);
        };
        emitter.once(name, on);
    });
}
async function until(cond, what, ms = T) {
    const end = Date.now() + ms;
    while (!cond()) {
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
        await sleep(20);
    }
}
async function gcUntilNoLiveClients() {
    for (let i = 0; i < 200 && binding._liveClientCount() !== 0; i++) {
        globalThis.gc();
        await sleep(20);
    }
    ok(binding._liveClientCount() === 0, `live clients after GC: ${binding._liveClientCount()}`);
}
const config = (id, extra = {}) => ({
    hostName: '127.0.0.1',
    port: PORT,
    connackTimeoutMs: 60_000,
    connectProperties: { keepAliveIntervalSeconds: 600, clientId: `memcheck-${id}-${process.pid}` },
    ...extra,
});
async function connected(cfg) {
    const c = new Mqtt5Client(cfg);
    const ev = once(c, 'connectionSuccess');
    c.start();
    await ev;
    return c;
}
async function stopClose(c, disconnect) {
    const stopped = once(c, 'stopped');
    c.stop(disconnect);
    await stopped;
    c.close();
}
// Attaches a handler at once (an operation may be rejected before the test gets to await it).
function settle(p) {
    return p.then(
        (value) => ({ ok: true, value }),
        (error) => ({ ok: false, error }),
    );
}
async function rejectsWith(settled, code, what) {
    checks++;
    const r = await settled;
    assert.ok(!r.ok, `${what}: resolved instead of rejecting`);
    assert.ok(r.error instanceof CrtError && (code === undefined || r.error.code === code), `${what}: ${r.error}`);
}

module.exports = {
    lib,
    binding,
    PORT,
    TLS_PORT,
    MTLS_PORT,
    CA,
    CLIENT_CERT,
    CLIENT_KEY,
    T,
    step,
    ok,
    throws,
    rejects,
    sleep,
    once,
    until,
    gcUntilNoLiveClients,
    config,
    connected,
    stopClose,
    settle,
    rejectsWith,
    /** How many checks have passed so far. */
    checks: () => checks,
};
