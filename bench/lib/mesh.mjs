// The throughput engine behind qos1, qos0, fanin and fanout: P publishers and S subscribers in
// this process, all on one topic, `count` messages published in total (publisher j sends the
// sequence numbers j, j+P, j+2P, ...), each delivered to every subscriber. With no subscriber
// (S = 0, the publish scenario) only the publishing direction is measured: the broker drops the
// messages, QoS 1 PUBACKs pace the publisher and the rates count messages published.
//
// Flow control, the same for every client:
//  - QoS 1: each publisher keeps at most ceil(window / P) publishes unacknowledged (so at most
//    `window` in all);
//  - every QoS: at most `window` messages published and not yet delivered (to each subscriber:
//    published*S - delivered <= window*S), so the broker never queues without bound and QoS 0 is
//    paced by what the subscriber receives.
// A short warm-up phase (not measured) precedes the measured one. Every delivery is checked off by
// (subscriber, sequence number): losses = expected deliveries - distinct deliveries seen.
import { loadClient } from './clients.mjs';
import { emit, figures, payloadSource, snapshot, topic, waitUntil } from './common.mjs';

/** Connects n clients, `batch` at a time (connection time is not what these scenarios measure). */
export async function connectMany(C, port, prefix, n, batch = 25) {
    const clients = [];
    for (let i = 0; i < n; i += batch) {
        const group = [];
        for (let k = i; k < Math.min(n, i + batch); k++) {
            const c = C.create({ port, clientId: `${prefix}${k}-${process.pid}` });
            clients.push(c);
            group.push(c.connect());
        }
        await Promise.all(group);
    }
    return clients;
}

export async function runMesh(name, o) {
    const { client, port, qos, size } = o;
    const P = o.pubs;
    const S = o.subs;
    if (size < 12) throw new Error('--size must be at least 12 (sequence number and timestamp)');
    const C = await loadClient(client);
    const t = topic(name);
    const subs = await connectMany(C, port, `${name}-sub`, S);
    const pubs = await connectMany(C, port, `${name}-pub`, P);
    const payloads = pubs.map(() => payloadSource(o.payload, size, C.copiesPayload));

    let phase = null;
    subs.forEach((c, si) => {
        c.onMessage((buf) => phase.onMessage(si, buf));
    });
    await Promise.all(subs.map((c) => c.subscribe(t, qos)));

    async function runPhase(n, measured) {
        const expected = n * S;
        const seen = new Uint8Array(expected);
        const nextSeq = new Int32Array(P).map((_, j) => j);
        const sentBy = new Int32Array(P);
        const ackedBy = new Int32Array(P);
        const pubWindow = Math.max(1, Math.ceil(o.window / P));
        const deliveryWindow = o.window * S;
        let sent = 0;
        let acked = 0;
        let delivered = 0;
        let duplicates = 0;
        let pubErrors = 0;
        let firstError = null;
        let blocked = false; // some publisher waits for deliveries (not for PUBACKs)
        let rr = 0;
        let end = null;

        const finished = () => delivered === expected && (qos === 0 || acked === n);
        const maybeEnd = () => {
            if (end === null && finished()) end = snapshot(o.brokerPid);
        };
        const pump = (j) => {
            const pub = pubs[j];
            while (nextSeq[j] < n) {
                if (qos > 0 && sentBy[j] - ackedBy[j] >= pubWindow) return;
                if (S > 0 && sent * S - delivered >= deliveryWindow) {
                    blocked = true;
                    return;
                }
                const seq = nextSeq[j];
                nextSeq[j] += P;
                sent++;
                sentBy[j]++;
                pub.publish(t, payloads[j].make(seq, false), qos, qos > 0 ? acks[j] : undefined);
            }
        };
        const acks = pubs.map((_, j) => (err) => {
            if (err) {
                pubErrors++;
                firstError ??= String(err);
            }
            acked++;
            ackedBy[j]++;
            pump(j);
            maybeEnd();
        });
        phase = {
            onMessage(si, buf) {
                const idx = si * n + buf.readUInt32LE(0);
                if (seen[idx]) duplicates++;
                else {
                    seen[idx] = 1;
                    delivered++;
                }
                if (blocked) {
                    blocked = false;
                    for (let k = 0; k < P; k++) pump((rr + k) % P);
                    rr = (rr + 1) % P;
                }
                maybeEnd();
            },
        };

        const start = snapshot(o.brokerPid);
        for (let j = 0; j < P; j++) pump(j);
        const { stalled } = await waitUntil(finished, () => delivered + acked, o.idle);
        if (end === null) end = snapshot(o.brokerPid);
        if (!measured) return null;
        return {
            ...figures(start, end, S > 0 ? expected : n),
            published: sent,
            expected,
            received: delivered,
            losses: expected - delivered,
            duplicates,
            pub_errors: pubErrors,
            ...(firstError ? { first_error: firstError } : {}),
            ...(stalled ? { stalled: true } : {}),
        };
    }

    const warmup = o.warmup >= 0 ? o.warmup : Math.min(2000, Math.ceil(o.count / 10));
    if (warmup > 0) await runPhase(warmup, false);
    const r = await runPhase(o.count, true);
    await Promise.all([...pubs, ...subs].map((c) => c.close()));
    emit({
        scenario: name,
        client,
        size,
        count: o.count,
        qos,
        publishers: P,
        subscribers: S,
        window: o.window,
        payload: payloads[0]?.mode ?? o.payload,
        ...r,
    });
}

/** The flags every throughput scenario takes, with its own defaults. */
export function meshDefaults(over) {
    return {
        client: '',
        port: 0,
        'broker-pid': 0,
        size: 64,
        count: 100_000,
        window: 1000,
        warmup: -1, // default: min(2000, count/10)
        idle: 5000, // ms without progress before giving up (and reporting losses)
        payload: 'fresh', // or 'reused' (common.mjs payloadSource)
        ...over,
    };
}

export function meshOptions(a, { qos, pubs, subs }) {
    return { ...a, brokerPid: a['broker-pid'], qos, pubs, subs };
}
