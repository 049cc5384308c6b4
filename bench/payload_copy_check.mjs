#!/usr/bin/env node
// Does publish() copy the payload, so that the application may rewrite its Buffer as soon as the
// call returns? The `reused` payload mode (bench/lib/common.mjs payloadSource) relies on it for the
// clients whose adapter says `copiesPayload`. For each client and size this publishes several
// messages in one turn from ONE Buffer, refilling it with the next message's byte right after each
// publish() (and with 0xEE after the last), then checks that every message arrived holding only its
// own byte. A client that keeps a reference to the Buffer (until it is written, or until the PUBACK)
// sends a later fill instead.
//
//   node bench/payload_copy_check.mjs [--clients mqtt5-crt,aws-crt,mqttjs,...]
//
// Prints one line per client, size and QoS, and exits non-zero when a client's behaviour differs
// from what its adapter declares.
import { startBroker } from './lib/broker.mjs';
import { loadClient } from './lib/clients.mjs';
import { topic as uniqueTopic, waitUntil } from './lib/common.mjs';

const SIZES = [1024, 65536, 1048576]; // the batched path, the direct path (>= 16 KiB), and 1 MiB
const MESSAGES = 8;
const REFILL_AFTER_LAST = 0xee;

function flag(name, fallback) {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? process.argv[i + 1] : fallback;
}

/** Publishes MESSAGES messages of `size` from one Buffer in one turn; resolves with what arrived wrong. */
async function checkOne(pub, sub, size, qos) {
    const t = uniqueTopic('copycheck');
    const got = [];
    sub.handler = (buf) => got.push(Buffer.from(buf));
    await sub.subscribe(t, qos);
    const b = Buffer.alloc(size);
    let acked = 0;
    let failed = null;
    b.fill(1);
    for (let i = 1; i <= MESSAGES; i++) {
        pub.publish(t, b, qos, (err) => {
            if (err) failed ??= String(err);
            acked++;
        });
        b.fill(i < MESSAGES ? i + 1 : REFILL_AFTER_LAST);
    }
    const { stalled } = await waitUntil(
        () => got.length === MESSAGES && acked === MESSAGES,
        () => got.length + acked,
        5000,
    );
    if (failed) throw new Error(`publish failed: ${failed}`);
    if (stalled) throw new Error(`only ${got.length} of ${MESSAGES} messages arrived`);
    const wrong = [];
    got.sort((x, y) => x[0] - y[0]);
    for (let i = 0; i < MESSAGES; i++) {
        const m = got[i];
        const want = i + 1;
        if (m.length !== size || m[0] !== want || m.some((v) => v !== m[0])) wrong.push(`message ${want} held ${m[0]}`);
    }
    return wrong;
}

const clients = flag('clients', 'mqtt5-crt,aws-crt,mqttjs,mqtt5-crt-311,aws-crt-311,mqttjs-311').split(',');
const broker = await startBroker();
let mismatches = 0;
try {
    for (const kind of clients) {
        const C = await loadClient(kind);
        const pub = C.create({ port: broker.port, clientId: `copycheck-pub-${process.pid}` });
        const sub = C.create({ port: broker.port, clientId: `copycheck-sub-${process.pid}` });
        await Promise.all([pub.connect(), sub.connect()]);
        sub.onMessage((buf) => sub.handler(buf));
        let copies = true;
        for (const qos of [0, 1]) {
            for (const size of SIZES) {
                const wrong = await checkOne(pub, sub, size, qos);
                if (wrong.length) copies = false;
                console.log(
                    `${kind} QoS ${qos} ${size} B: ${wrong.length ? `borrows the Buffer (${wrong.slice(0, 3).join(', ')})` : 'copies'}`,
                );
            }
        }
        const agrees = copies === C.copiesPayload;
        if (!agrees) mismatches++;
        console.log(
            `${kind}: ${copies ? 'copies' : 'does not copy'} the payload during publish(); adapter copiesPayload=${C.copiesPayload}${agrees ? '' : '  <-- MISMATCH'}`,
        );
        await Promise.all([pub.close(), sub.close()]);
    }
} finally {
    await broker.stop();
}
process.exit(mismatches ? 1 : 0);
