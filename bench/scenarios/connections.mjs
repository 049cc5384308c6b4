// connections: --clients (1,000) clients connecting at once: the time until every one has its
// CONNACK, and the resident memory they cost while idle (RSS delta / (clients / 100) = MB per 100
// idle clients). One client is connected first so that the library's one-time set-up (threads,
// buffers) is in the baseline, not in the delta. Run node with --expose-gc for steadier RSS.
// node --expose-gc bench/scenarios/connections.mjs --client mqtt5-crt|aws-crt|mqttjs --port P
//   [--clients 1000] [--settle 2000]
import { loadClient } from '../lib/clients.mjs';
import { emit, main, ownCpuSeconds, parseArgs, round } from '../lib/common.mjs';

const rssMb = () => process.memoryUsage.rss() / (1024 * 1024);
const settle = async (ms) => {
    for (let i = 0; i < 3; i++) {
        globalThis.gc?.();
        await new Promise((r) => setTimeout(r, ms / 3));
    }
};

main('connections', async () => {
    const a = parseArgs({ client: '', port: 0, 'broker-pid': 0, clients: 1000, settle: 2000 });
    const C = await loadClient(a.client);
    const first = C.create({ port: a.port, clientId: `conn-warm-${process.pid}` });
    await first.connect();
    await settle(a.settle);
    const rss0 = rssMb();
    const cpu0 = ownCpuSeconds();
    const t0 = performance.now();
    const clients = [];
    const connected = [];
    for (let i = 0; i < a.clients; i++) {
        const c = C.create({ port: a.port, clientId: `conn${i}-${process.pid}` });
        clients.push(c);
        connected.push(c.connect());
    }
    const outcomes = await Promise.allSettled(connected);
    const connectMs = performance.now() - t0;
    const cpu = ownCpuSeconds() - cpu0;
    const failed = outcomes.filter((o) => o.status === 'rejected');
    await settle(a.settle);
    const rss1 = rssMb();
    await Promise.all([first, ...clients].map((c) => c.close().catch(() => {})));
    emit({
        scenario: 'connections',
        client: a.client,
        clients: a.clients,
        connected: a.clients - failed.length,
        failed: failed.length,
        ...(failed.length ? { first_error: String(failed[0].reason) } : {}),
        connect_all_ms: round(connectMs, 1),
        connect_cpu_s: round(cpu, 3),
        rss_base_mb: round(rss0, 1),
        rss_mb: round(rss1, 1),
        rss_mb_per_100: round(((rss1 - rss0) * 100) / a.clients, 2),
    });
});
