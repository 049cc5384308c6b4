// Lifetime like a socket: started keeps the process alive, stopped/closed does not and can be
// collected; process exit (also process.exit() mid-traffic) never crashes or hangs; workers.
import { describe, expect, it } from 'vitest';
import { brokerPort } from '../helpers/client';
import { distIndex, distNative, runNode } from '../helpers/child';

const prelude = () => `
    const { Mqtt5Client, QoS } = require(${JSON.stringify(distIndex)});
    const { binding } = require(${JSON.stringify(distNative)});
    const port = ${brokerPort()};
    const config = (id) => ({ hostName: '127.0.0.1', port, connectProperties: { keepAliveIntervalSeconds: 30, clientId: id } });
    const once = (e, name) => new Promise((r) => e.once(name, r));
`;

describe('keeping the process alive', () => {
    it('a started, connected client keeps the process alive', async () => {
        const r = await runNode(
            prelude() +
                `const c = new Mqtt5Client(config('alive-' + process.pid));
                 c.on('connectionSuccess', () => console.log('connected'));
                 c.start();`,
            { timeoutMs: 3000 },
        );
        expect(r.stdout.trim()).toBe('connected');
        expect(r.timedOut).toBe(true); // still running when killed
    });

    it('a started client that cannot connect keeps retrying and keeps the process alive', async () => {
        const r = await runNode(
            prelude() +
                `const c = new Mqtt5Client({ hostName: '127.0.0.1', port: 1, minReconnectDelayMs: 100, maxReconnectDelayMs: 200 });
                 let failures = 0;
                 c.on('connectionFailure', () => { if (++failures === 3) console.log('retrying'); });
                 c.start();`,
            { timeoutMs: 3000 },
        );
        expect(r.stdout.trim()).toBe('retrying');
        expect(r.timedOut).toBe(true);
    });

    it('a client that was never started, or was closed while connected, lets the process exit', async () => {
        const r = await runNode(
            prelude() +
                `const idle = new Mqtt5Client(config('idle-' + process.pid));
                 const c = new Mqtt5Client(config('closed-' + process.pid));
                 c.on('connectionSuccess', async () => {
                     await c.publish({ topicName: 'lifetime/x', qos: QoS.AtLeastOnce, payload: 'x' });
                     c.close();
                     console.log('closed');
                 });
                 c.start();`,
        );
        expect(r.timedOut).toBe(false);
        expect(r.stderr).toBe('');
        expect(r.stdout.trim()).toBe('closed');
        expect(r.code).toBe(0);
        expect(r.ms).toBeLessThan(5000);
    });
});

describe('garbage collection', () => {
    it('frees the native client of forgotten, stopped clients', async () => {
        const r = await runNode(
            prelude() +
                `(async () => {
                    const gcUntil = async (cond) => {
                        for (let i = 0; i < 50 && !cond(); i++) { globalThis.gc(); await new Promise((r) => setTimeout(r, 20)); }
                    };
                    // Never started.
                    for (let i = 0; i < 20; i++) new Mqtt5Client(config('gc-idle-' + i));
                    console.log('created', binding._liveClientCount());
                    await gcUntil(() => binding._liveClientCount() === 0);
                    console.log('after gc', binding._liveClientCount());
                    // Started, used, stopped, forgotten. (In a function of its own, so that no
                    // suspended async frame of this one still holds the last client.)
                    const useOne = async (i) => {
                        const c = new Mqtt5Client(config('gc-used-' + process.pid + '-' + i));
                        const ok = once(c, 'connectionSuccess');
                        c.start();
                        await ok;
                        await c.publish({ topicName: 'lifetime/gc', qos: QoS.AtLeastOnce, payload: 'x' });
                        const stopped = once(c, 'stopped');
                        c.stop();
                        await stopped;
                    };
                    for (let i = 0; i < 5; i++) await useOne(i);
                    console.log('used', binding._liveClientCount());
                    await gcUntil(() => binding._liveClientCount() === 0);
                    console.log('after gc', binding._liveClientCount());
                    // A started one is not collected.
                    let kept = new Mqtt5Client(config('gc-kept-' + process.pid));
                    const ok = once(kept, 'connectionSuccess');
                    kept.start();
                    await ok;
                    kept = null;
                    await gcUntil(() => false);
                    console.log('started and unreferenced', binding._liveClientCount());
                    process.exit(0);
                })();`,
            { flags: ['--expose-gc'], timeoutMs: 20_000 },
        );
        expect(r.stderr).toBe('');
        expect(r.stdout.trim().split('\n')).toEqual([
            'created 20',
            'after gc 0',
            'used 5',
            'after gc 0',
            'started and unreferenced 1',
        ]);
        expect(r.code).toBe(0);
    });
});

describe('process exit', () => {
    it('process.exit() with clients mid-traffic neither crashes nor hangs', async () => {
        const script =
            prelude() +
            `(async () => {
                const clients = [];
                for (let i = 0; i < 4; i++) {
                    const c = new Mqtt5Client(config('exit-' + process.pid + '-' + i));
                    const ok = once(c, 'connectionSuccess');
                    c.start();
                    await ok;
                    await c.subscribe({ subscriptions: [{ topicFilter: 'lifetime/exit/' + process.pid, qos: 1 }] });
                    clients.push(c);
                }
                let received = 0;
                clients.forEach((c) => c.on('messageReceived', () => received++));
                const pump = () => {
                    for (const c of clients) for (let k = 0; k < 50; k++) {
                        c.publish({ topicName: 'lifetime/exit/' + process.pid, qos: k % 2, payload: Buffer.alloc(512) }).catch(() => {});
                    }
                    setImmediate(pump);
                };
                pump();
                setTimeout(() => { console.log(received > 0 ? 'traffic' : 'no traffic'); process.exit(7); }, 400);
            })();`;
        for (let run = 0; run < 4; run++) {
            const r = await runNode(script, { timeoutMs: 15_000 });
            expect(r.timedOut).toBe(false);
            expect(r.signal).toBeNull();
            expect(r.stdout.trim()).toBe('traffic');
            expect(r.code).toBe(7);
            expect(r.ms).toBeLessThan(8000);
        }
    });

    it('an uncaught exception with a running client exits with the error, not a crash', async () => {
        const r = await runNode(
            prelude() +
                `const c = new Mqtt5Client(config('throw-' + process.pid));
                 c.on('connectionSuccess', () => { throw new Error('listener boom'); });
                 c.start();`,
        );
        expect(r.timedOut).toBe(false);
        expect(r.signal).toBeNull();
        expect(r.code).toBe(1);
        expect(r.stderr).toContain('listener boom');
    });
});

describe('worker_threads', () => {
    const workerScript = () => `
        const { Mqtt5Client, QoS } = require(${JSON.stringify(distIndex)});
        const { parentPort, workerData } = require('node:worker_threads');
        const c = new Mqtt5Client({ hostName: '127.0.0.1', port: ${brokerPort()},
            connectProperties: { keepAliveIntervalSeconds: 30, clientId: 'worker-' + workerData.id } });
        const topic = 'lifetime/worker/' + workerData.id;
        let received = 0;
        c.on('messageReceived', () => { received++; if (received === workerData.n) { parentPort.postMessage({ received }); if (!workerData.keep) c.stop(); } });
        c.on('connectionSuccess', async () => {
            await c.subscribe({ subscriptions: [{ topicFilter: topic, qos: 1 }] });
            for (let i = 0; i < workerData.n; i++) c.publish({ topicName: topic, qos: 1, payload: 'w' + i }).catch(() => {});
        });
        c.start();
    `;

    it('runs clients in several workers at once, and survives terminating workers mid-traffic', async () => {
        const r = await runNode(
            `const { Worker } = require('node:worker_threads');
             const src = ${JSON.stringify(workerScript())};
             const run = (id, n, keep) => new Worker(src, { eval: true, workerData: { id, n, keep } });
             (async () => {
                 const results = await Promise.all([1, 2, 3].map((i) => new Promise((resolve, reject) => {
                     const w = run(process.pid + '-' + i, 200, false);
                     w.on('message', resolve); w.on('error', reject);
                 })));
                 console.log('parallel', results.map((m) => m.received).join(','));
                 // Terminate workers while their clients are connected and busy.
                 for (let i = 0; i < 5; i++) {
                     const w = run(process.pid + '-t' + i, 100000, true);
                     await new Promise((r) => setTimeout(r, 150));
                     await w.terminate();
                 }
                 console.log('terminated');
             })();`,
            { timeoutMs: 30_000 },
        );
        expect(r.stderr).toBe('');
        expect(r.signal).toBeNull();
        expect(r.stdout.trim().split('\n')).toEqual(['parallel 200,200,200', 'terminated']);
        expect(r.code).toBe(0);
    });

    it('many clients share one wake-up: a worker whose 50 clients stopped exits by itself; one terminated mid-traffic ends', async () => {
        const src = `
            const { Mqtt5Client } = require(${JSON.stringify(distIndex)});
            const { parentPort, workerData } = require('node:worker_threads');
            let done = 0;
            for (let k = 0; k < 50; k++) {
                const c = new Mqtt5Client({ hostName: '127.0.0.1', port: ${brokerPort()},
                    connectProperties: { keepAliveIntervalSeconds: 30, clientId: 'many-' + workerData.id + '-' + k } });
                const topic = 'lifetime/many/' + workerData.id + '/' + k;
                let received = 0;
                c.on('messageReceived', () => {
                    if (++received === workerData.n) {
                        if (++done === 50) parentPort.postMessage({ done });
                        if (!workerData.keep) c.stop();
                    }
                });
                c.on('connectionSuccess', async () => {
                    await c.subscribe({ subscriptions: [{ topicFilter: topic, qos: 1 }] });
                    for (let i = 0; i < workerData.n; i++) c.publish({ topicName: topic, qos: 1, payload: 'm' + i }).catch(() => {});
                });
                c.start();
            }`;
        const r = await runNode(
            `const { Worker } = require('node:worker_threads');
             const src = ${JSON.stringify(src)};
             (async () => {
                 const w = new Worker(src, { eval: true, workerData: { id: process.pid + '-s', n: 20, keep: false } });
                 const [msg, code] = await Promise.all([
                     new Promise((r) => w.once('message', r)),
                     new Promise((r) => w.once('exit', r)),
                 ]);
                 console.log('stopped', msg.done, 'exit', code);
                 const t = new Worker(src, { eval: true, workerData: { id: process.pid + '-t', n: 1000000, keep: true } });
                 await new Promise((r) => setTimeout(r, 300));
                 await t.terminate();
                 console.log('terminated');
             })();`,
            { timeoutMs: 60_000 },
        );
        expect(r.stderr).toBe('');
        expect(r.stdout.trim().split('\n')).toEqual(['stopped 50 exit 0', 'terminated']);
        expect(r.code).toBe(0);
    });

    it('50 create/use/terminate cycles do not grow memory', async () => {
        const r = await runNode(
            `const { Worker } = require('node:worker_threads');
             const src = ${JSON.stringify(workerScript())};
             const cycle = (id) => new Promise((resolve, reject) => {
                 const w = new Worker(src, { eval: true, workerData: { id, n: 20, keep: true } });
                 w.on('error', reject);
                 w.on('message', () => w.terminate().then(resolve));
             });
             (async () => {
                 for (let i = 0; i < 10; i++) await cycle(process.pid + '-warm' + i);
                 globalThis.gc();
                 const before = process.memoryUsage().rss;
                 for (let i = 0; i < 50; i++) await cycle(process.pid + '-' + i);
                 globalThis.gc();
                 const after = process.memoryUsage().rss;
                 console.log(JSON.stringify({ before, after }));
             })();`,
            { flags: ['--expose-gc'], timeoutMs: 90_000 },
        );
        expect(r.stderr).toBe('');
        expect(r.code).toBe(0);
        const { before, after } = JSON.parse(r.stdout.trim());
        const growthMiB = (after - before) / 1048576;
        console.log(`worker cycles: RSS ${(before / 1048576).toFixed(1)} MiB -> ${(after / 1048576).toFixed(1)} MiB`);
        // Generous: a leak of a client, a CRT client or a V8 isolate per cycle would exceed this.
        expect(growthMiB).toBeLessThan(40);
    }, 120_000);
});
