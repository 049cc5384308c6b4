// conns10k: --clients (10,000) clients started at once from one process, then a trickle of one QoS 1
// message per client per second (--clients msg/s in all) for --duration (30) s. Each client
// subscribes to its own topic and receives its own messages back through the broker, so every
// connection both sends and receives.
//
// Reported: the time until every client has its CONNACK (and its SUBACK), the client CPU that
// took, connection attempts that failed and were retried by the client's own reconnect logic,
// clients that never connected (`failed`), RSS (delta over a process with one client) and client
// CPU share while all sit idle (--idle s) and during the trickle, one-way latency p50/p99 during
// the trickle, and losses (messages not received by --drain (30) s after the trickle ended).
//
// node --expose-gc bench/scenarios/conns10k.mjs --client mqtt5-crt|aws-crt|mqttjs --port P
//   [--broker-pid PID] [--clients 10000] [--duration 30] [--idle 5] [--timeout 120] [--drain 30]
import { loadClient } from '../lib/clients.mjs';
import { emit, main, ownCpuSeconds, parseArgs, percentile, processCpuSeconds, round, threadCpuSeconds } from '../lib/common.mjs';

const rssMb = () => process.memoryUsage.rss() / (1024 * 1024);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const settle = async (ms) => {
    for (let i = 0; i < 3; i++) {
        globalThis.gc?.();
        await sleep(ms / 3);
    }
};

main('conns10k', async () => {
    const a = parseArgs({ client: '', port: 0, 'broker-pid': 0, clients: 10000, duration: 30, idle: 5, timeout: 120, drain: 30 });
    const C = await loadClient(a.client);
    const brokerCpu = () => (a['broker-pid'] ? processCpuSeconds(a['broker-pid']) : NaN);
    const first = C.create({ port: a.port, clientId: `k-warm-${process.pid}`, retry: true });
    await first.connect();
    await settle(1500);
    const rss0 = rssMb();

    // ---- connect all at once: every client is started in the same turn of the event loop
    let retries = 0;
    const cpu0 = ownCpuSeconds();
    const t0 = performance.now();
    const clients = [];
    const connecting = [];
    for (let i = 0; i < a.clients; i++) {
        const c = C.create({
            port: a.port,
            clientId: `k${i}-${process.pid}`,
            retry: true,
            onRetry: () => retries++,
        });
        clients.push(c);
        connecting.push(c.connect());
    }
    const deadline = sleep(a.timeout * 1000).then(() => 'timeout');
    const outcome = await Promise.race([Promise.allSettled(connecting), deadline]);
    const connectMs = performance.now() - t0;
    const connectCpu = ownCpuSeconds() - cpu0;
    const settled = outcome === 'timeout' ? null : outcome;
    const up = settled ? clients.filter((_, i) => settled[i].status === 'fulfilled') : [];
    const failed = a.clients - up.length;
    const firstError = settled?.find((o) => o.status === 'rejected')?.reason;

    // ---- subscribe: each to its own topic
    const topicOf = (i) => `k10k/${process.pid}/${i}`;
    const latencies = [];
    let received = 0;
    let sent = 0;
    let measuring = false;
    for (const c of up) {
        c.onMessage((payload) => {
            received++;
            if (measuring) latencies.push(performance.now() - payload.readDoubleLE(0));
        });
    }
    const ts0 = performance.now();
    await Promise.all(up.map((c, i) => c.subscribe(topicOf(i), 1)));
    const subscribeMs = performance.now() - ts0;

    // ---- idle
    await settle(1500);
    const rssIdle = rssMb();
    const idleCpu0 = ownCpuSeconds();
    const idleT0 = performance.now();
    await sleep(a.idle * 1000);
    const idleShare = (ownCpuSeconds() - idleCpu0) / ((performance.now() - idleT0) / 1000);

    // ---- trickle: client k publishes once a second, at offset (k mod 100) × 10 ms, so that
    // every 10 ms tick sends 1/100 of the clients' messages.
    const ticksPerSecond = 100;
    const payload = Buffer.alloc(64);
    let acked = 0;
    let pubErrors = 0;
    const done = (err) => {
        if (err) pubErrors++;
        else acked++;
    };
    const trickleCpu0 = ownCpuSeconds();
    const threads0 = threadCpuSeconds();
    const broker0 = brokerCpu();
    const tt0 = performance.now();
    measuring = true;
    let rssPeak = rssMb();
    const end = tt0 + a.duration * 1000;
    for (let tick = 0; ; tick++) {
        const due = tt0 + tick * (1000 / ticksPerSecond);
        if (due >= end) break;
        const wait = due - performance.now();
        if (wait > 0) await sleep(wait);
        const slot = tick % ticksPerSecond;
        for (let i = slot; i < up.length; i += ticksPerSecond) {
            const p = Buffer.from(payload);
            p.writeDoubleLE(performance.now(), 0);
            up[i].publish(topicOf(i), p, 1, done);
            sent++;
        }
        if (slot === 0) rssPeak = Math.max(rssPeak, rssMb());
    }
    // Let what is in flight arrive (at most --drain s). Counted here: what arrives later, while the
    // clients close, is lost for this measurement.
    const trickleEnd = performance.now();
    const drainEnd = trickleEnd + a.drain * 1000;
    while ((received < sent || acked + pubErrors < sent) && performance.now() < drainEnd) await sleep(20);
    measuring = false;
    const receivedInTime = received;
    const ackedInTime = acked;
    const drainMs = performance.now() - trickleEnd;
    const trickleS = (performance.now() - tt0) / 1000;
    const trickleShare = (ownCpuSeconds() - trickleCpu0) / trickleS;
    const threads1 = threadCpuSeconds();
    // CPU share by thread during the trickle: JS, CRT event loops, the rest.
    const threadShares =
        threads0 && threads1
            ? Object.fromEntries(Object.keys(threads1).map((k) => [k, round((threads1[k] - threads0[k]) / trickleS, 3)]))
            : null;
    const brokerShare = (brokerCpu() - broker0) / trickleS;
    rssPeak = Math.max(rssPeak, rssMb());

    const tc0 = performance.now();
    await Promise.all([first, ...clients].map((c) => c.close().catch(() => {})));
    const closeMs = performance.now() - tc0;
    latencies.sort((x, y) => x - y);
    emit({
        scenario: 'conns10k',
        client: a.client,
        clients: a.clients,
        connected: up.length,
        failed,
        ...(firstError ? { first_error: String(firstError) } : {}),
        connect_retries: retries,
        connect_all_ms: round(connectMs, 0),
        connect_cpu_s: round(connectCpu, 2),
        subscribe_all_ms: round(subscribeMs, 0),
        rss_base_mb: round(rss0, 1),
        rss_idle_mb: round(rssIdle - rss0, 1),
        rss_trickle_mb: round(rssPeak - rss0, 1),
        idle_cpu_share: round(idleShare, 3),
        trickle_cpu_share: round(trickleShare, 3),
        trickle_cpu_share_by_thread: threadShares,
        broker_cpu_share: round(brokerShare, 2),
        sent,
        received: receivedInTime,
        acked: ackedInTime,
        losses: sent - receivedInTime,
        publish_errors: pubErrors,
        drain_ms: round(drainMs, 0),
        msgs_per_s: round(receivedInTime / trickleS, 0),
        p50_ms: round(percentile(latencies, 50), 3),
        p99_ms: round(percentile(latencies, 99), 3),
        max_ms: round(latencies[latencies.length - 1] ?? NaN, 2),
        close_all_ms: round(closeMs, 0),
    });
});
