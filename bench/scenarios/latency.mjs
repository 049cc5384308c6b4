// latency: QoS 1 publisher -> QoS 1 subscriber in this process at a fixed --rate (2,000 msg/s)
// for --duration (10 s); each payload carries its send time (performance.now()), the subscriber
// takes the difference on receipt: p50/p99/max one-way latency in ms.
// node bench/scenarios/latency.mjs --client mqtt5-crt|aws-crt|mqttjs --port P [--broker-pid PID]
//   [--size 64] [--rate 2000] [--duration 10] [--idle 5000]
import { loadClient } from '../lib/clients.mjs';
import { emit, figures, main, parseArgs, payload, percentile, round, snapshot, topic, waitUntil } from '../lib/common.mjs';

main('latency', async () => {
    const a = parseArgs({ client: '', port: 0, 'broker-pid': 0, size: 64, rate: 2000, duration: 10, idle: 5000 });
    if (a.size < 12) throw new Error('--size must be at least 12');
    const C = await loadClient(a.client);
    const t = topic('latency');
    const sub = C.create({ port: a.port, clientId: `latency-sub-${process.pid}` });
    const pub = C.create({ port: a.port, clientId: `latency-pub-${process.pid}` });
    await sub.connect();
    await pub.connect();
    const total = Math.round(a.rate * a.duration);
    const lat = new Float64Array(total).fill(NaN);
    let received = 0;
    let duplicates = 0;
    let acked = 0;
    let pubErrors = 0;
    sub.onMessage((buf) => {
        const now = performance.now();
        const seq = buf.readUInt32LE(0);
        if (seq >= total) return; // warm-up
        if (!Number.isNaN(lat[seq])) duplicates++;
        else {
            lat[seq] = now - buf.readDoubleLE(4);
            received++;
        }
    });
    await sub.subscribe(t, 1);
    // Warm-up: 200 messages at the same rate, not recorded.
    await paced(pub, t, a, 200, total, () => {});
    await new Promise((r) => setTimeout(r, 200));

    const onAck = (err) => {
        if (err) pubErrors++;
        acked++;
    };
    const start = snapshot(a['broker-pid']);
    const sendMs = await paced(pub, t, a, total, 0, onAck);
    const { stalled } = await waitUntil(
        () => received === total && acked === total,
        () => received + acked,
        a.idle,
    );
    const end = snapshot(a['broker-pid']);
    const sorted = Float64Array.from(lat.filter((x) => !Number.isNaN(x))).sort();
    const w = figures(start, end, total);
    await Promise.all([pub.close(), sub.close()]);
    emit({
        scenario: 'latency',
        client: a.client,
        size: a.size,
        rate: a.rate,
        duration_s: a.duration,
        count: total,
        achieved_rate: round(total / (sendMs / 1000), 0),
        p50_ms: round(percentile(sorted, 50), 3),
        p99_ms: round(percentile(sorted, 99), 3),
        max_ms: round(sorted[sorted.length - 1], 3),
        mean_ms: round(sorted.reduce((s, x) => s + x, 0) / sorted.length, 3),
        client_cpu_s: w.client_cpu_s,
        cpu_s_per_100k: w.cpu_s_per_100k,
        broker_cpu_share: w.broker_cpu_share,
        received,
        losses: total - received,
        duplicates,
        pub_errors: pubErrors,
        ...(stalled ? { stalled: true } : {}),
    });
});

/**
 * Publishes n messages (sequence numbers from `base`) at a.rate/s: a 1 ms timer sends whatever
 * the schedule says is due, each stamped just before its publish. Resolves with the send time in ms.
 */
function paced(pub, t, a, n, base, onAck) {
    return new Promise((resolve) => {
        const t0 = performance.now();
        let sent = 0;
        const tick = () => {
            const due = Math.min(n, Math.floor(((performance.now() - t0) * a.rate) / 1000) + 1);
            while (sent < due) pub.publish(t, payload(a.size, base + sent++, true), 1, onAck);
            if (sent >= n) {
                clearInterval(timer);
                resolve(performance.now() - t0);
            }
        };
        const timer = setInterval(tick, 1);
        tick();
    });
}
