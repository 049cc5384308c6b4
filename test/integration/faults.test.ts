// Fault injection: broker crashes, stalled links, cut and reset connections, refused and flapping
// connections, slow links and oversized packets. Real mosquitto brokers, real sockets, and the
// fault proxy of test/helpers/fault_proxy.ts between them and the client; the client is not mocked.
// Time bounds are generous (the tests run on 2 noisy cores); every test takes well under 15 s.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
    ClientSessionBehavior,
    type ConnectionSuccessEvent,
    CrtError,
    type Mqtt5Client,
    type Mqtt5ClientConfig,
    PubackReasonCode,
    QoS,
    RetryJitterType,
    SubackReasonCode,
} from '../../dist/index.js';
import { type Broker, type BrokerOptions, startBroker } from '../helpers/broker';
import { brokerPort, closeAll, connectedClient, newClient, uniqueTopic, withBuffers } from '../helpers/client';
import { sleep, track, waitFor } from '../helpers/wait';
import { type FaultProxy, startFaultProxy } from '../helpers/fault_proxy';

// ---------------------------------------------------------------------------------------------
// Helpers, local to this file.

/** Records a client's lifecycle events with their times (performance.now()). */
function watch(client: Mqtt5Client) {
    const w = {
        attempts: [] as number[],
        successes: [] as Array<ConnectionSuccessEvent & { at: number }>,
        failures: [] as Array<{ at: number; error: CrtError }>,
        disconnections: [] as Array<{ at: number; error: CrtError }>,
        connected: false,
        /** Resolves once the client has had n successful connections. */
        connections: (n: number, ms = 10_000) =>
            waitFor(
                () => w.successes.length >= n,
                ms,
                () => `connection ${n} (have ${w.successes.length})`,
            ),
    };
    client.on('attemptingConnect', () => w.attempts.push(performance.now()));
    client.on('connectionSuccess', (e) => {
        w.connected = true;
        w.successes.push({ ...e, at: performance.now() });
    });
    client.on('connectionFailure', ({ error }) => w.failures.push({ at: performance.now(), error }));
    client.on('disconnection', ({ error }) => {
        w.connected = false;
        w.disconnections.push({ at: performance.now(), error });
    });
    return w;
}

/** Collects the messages received on `topic`. */
function collector(client: Mqtt5Client, topic: string) {
    const messages: any[] = [];
    client.on('messageReceived', ({ message }) => {
        if (message.topicName === topic) messages.push(withBuffers(message));
    });
    return {
        messages,
        until: (n: number, ms = 10_000) =>
            waitFor(
                () => messages.length >= n,
                ms,
                () => `${n} messages on ${topic} (got ${messages.length})`,
            ),
    };
}

/** The client subscribes to a fresh topic, publishes to it at QoS 1 and gets its own message back. */
async function roundTrip(client: Mqtt5Client, label: string): Promise<void> {
    const topic = uniqueTopic(`rt-${label}`);
    const got = collector(client, topic);
    const suback = await client.subscribe({ subscriptions: [{ topicFilter: topic, qos: QoS.AtLeastOnce }] });
    expect(suback.reasonCodes).toEqual([SubackReasonCode.GrantedQoS1]);
    const puback = await client.publish({ topicName: topic, qos: QoS.AtLeastOnce, payload: `round-trip ${label}` });
    expect(puback!.reasonCode).toBe(PubackReasonCode.Success);
    await got.until(1, 5000);
    expect(got.messages[0].payload.toString()).toBe(`round-trip ${label}`);
}

/**
 * Decodes the PUBLISH packets of one direction of one MQTT 5 connection, fed chunk by chunk
 * (proxy taps), and calls `onPublish` with each one's topic and payload.
 */
function publishDecoder(onPublish: (topic: string, payload: Buffer) => void) {
    let buf: Buffer = Buffer.alloc(0);
    const varint = (b: Buffer, at: number): [number, number] | undefined => {
        let value = 0;
        for (let mul = 1, i = at; i < b.length && i < at + 4; i++, mul *= 128) {
            value += (b[i] & 127) * mul;
            if (!(b[i] & 128)) return [value, i + 1];
        }
        return undefined;
    };
    return (chunk: Buffer) => {
        buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
        for (;;) {
            const len = varint(buf, 1);
            if (!len || buf.length < len[1] + len[0]) return;
            const [type, qos] = [buf[0] >> 4, (buf[0] >> 1) & 3];
            const body = buf.subarray(len[1], len[1] + len[0]);
            buf = buf.subarray(len[1] + len[0]);
            if (type !== 3) continue;
            const topicLength = body.readUInt16BE(0);
            const topic = body.toString('utf8', 2, 2 + topicLength);
            const props = varint(body, 2 + topicLength + (qos > 0 ? 2 : 0))!;
            onPublish(topic, body.subarray(props[1] + props[0]));
        }
    };
}

/** Fast, deterministic reconnects unless a test says otherwise. */
const QUICK_RECONNECT: Partial<Mqtt5ClientConfig> = {
    retryJitterMode: RetryJitterType.None,
    minReconnectDelayMs: 200,
    maxReconnectDelayMs: 1000,
};

/** A client id and keep-alive for clients made here (newClient's default keep-alive is 60 s). */
const connectProps = (extra: Record<string, unknown> = {}) => ({
    clientId: `faults-${randomUUID()}`,
    keepAliveIntervalSeconds: 60,
    ...extra,
});

// Everything a test starts beyond clients; afterEach tears it all down (clients first).
const brokers: Broker[] = [];
const proxies: FaultProxy[] = [];

async function privateBroker(opts: BrokerOptions = {}): Promise<Broker> {
    // Started as root, mosquitto drops to user `mosquitto`, which must be able to write its
    // persistence file into the directory.
    const dir = opts.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'mqtt5-crt-faults-'));
    fs.chmodSync(dir, 0o777);
    const b = await startBroker({ ...opts, dir });
    brokers.push(b);
    return b;
}

async function faultProxy(targetPort: number): Promise<FaultProxy> {
    const p = await startFaultProxy(targetPort);
    proxies.push(p);
    return p;
}

afterEach(async () => {
    await closeAll();
    await Promise.all(proxies.splice(0).map((p) => p.close()));
    const dirs = new Set(brokers.map((b) => b.dir));
    await Promise.all(brokers.splice(0).map((b) => b.kill()));
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});
afterAll(closeAll);

// ---------------------------------------------------------------------------------------------

describe('broker crash (SIGKILL) with a persistent session', () => {
    it('a QoS 1 stream of 2000 messages across a broker crash and restart: nothing the client is responsible for is lost', async () => {
        const broker = await privateBroker();
        const topic = uniqueTopic('crash');
        const N = 2000;
        const WINDOW = 200;
        const KILL_AFTER_ACKS = 600;

        // The subscriber reaches the broker through a proxy so that the test can cut its first
        // connection (below), and see which messages the broker actually sent it; the proxy
        // injects no other fault.
        const subProxy = await faultProxy(broker.port);
        const onWire = new Set<number>();
        const decoders = new Map<number, (chunk: Buffer) => void>();
        subProxy.tap((direction, chunk, connection) => {
            if (direction !== 's2c') return;
            if (!decoders.has(connection)) {
                decoders.set(
                    connection,
                    publishDecoder((t, payload) => t === topic && onWire.add(Number(payload.toString()))),
                );
            }
            decoders.get(connection)!(chunk);
        });
        const sub = newClient({
            port: subProxy.port,
            ...QUICK_RECONNECT,
            maxReconnectDelayMs: 500,
            sessionBehavior: ClientSessionBehavior.RejoinPostSuccess,
            connectProperties: connectProps({ sessionExpiryIntervalSeconds: 600 }),
        });
        const subW = watch(sub);
        const copies = new Array<number>(N).fill(0);
        let received = 0;
        sub.on('messageReceived', ({ message }) => {
            if (message.topicName !== topic) return;
            copies[Number(Buffer.from(message.payload!).toString())]++;
            received++;
        });
        sub.start();
        await subW.connections(1);
        const suback = await sub.subscribe({ subscriptions: [{ topicFilter: topic, qos: QoS.AtLeastOnce }] });
        expect(suback.reasonCodes).toEqual([SubackReasonCode.GrantedQoS1]);

        // Getting the subscription onto disk takes two things with mosquitto 2.0:
        // 1. It persists a session (its subscriptions and queued messages) only while the client's
        //    current connection has clean start 0 (persist_write.c: `context->clean_start == false`).
        //    RejoinPostSuccess sends clean start 1 on the first connection and 0 from the second on,
        //    so cut the first connection and let the client rejoin (the session is still in memory).
        // 2. The helper's config autosaves every 1 s (autosave_interval 1), so a SIGKILL loses what
        //    changed since the last save: wait 2 s (> 1.5 s) before the crash so a save has run.
        subProxy.drop();
        await subW.connections(2);
        expect(subW.successes[1].connack.sessionPresent).toBe(true);
        await sleep(2000);

        const pub = newClient({
            port: broker.port,
            ...QUICK_RECONNECT,
            maxReconnectDelayMs: 500,
            connectProperties: connectProps(),
        });
        const pubW = watch(pub);
        pub.start();
        await pubW.connections(1);

        // Stream 0..N-1 with at most WINDOW in flight; a publish that fails is submitted again.
        // After KILL_AFTER_ACKS PUBACKs the broker is SIGKILLed, and restarted 500 ms later on the
        // same port and persistence directory. The publishes in flight at the kill stay with the
        // client (the default offline queue policy keeps QoS 1 publishes across disconnections) and
        // are sent again once it has reconnected; the stream then goes on.
        const ackedOnConnection = new Array<number>(N).fill(0); // the publisher's connection number at PUBACK
        const ackedAt = new Array<number>(N).fill(0);
        let inFlightAtKill = 0;
        const reasonCodes = new Map<number, number>();
        const retryErrors: string[] = [];
        let next = 0;
        let inFlight = 0;
        let acked = 0;
        const retry: number[] = [];
        let crash: Promise<void> | undefined;
        let killedAt = 0;
        let restartedAt = 0;
        const crashAndRestart = async () => {
            killedAt = performance.now();
            inFlightAtKill = inFlight;
            await broker.kill();
            await sleep(500);
            await privateBroker({ port: broker.port, dir: broker.dir });
            restartedAt = performance.now();
        };
        let streaming = true; // cleared when the test is done with the publisher, even on failure
        const pump = () => {
            while (streaming && inFlight < WINDOW && (retry.length > 0 || next < N)) {
                const i = retry.length > 0 ? retry.shift()! : next++;
                inFlight++;
                pub.publish({ topicName: topic, qos: QoS.AtLeastOnce, payload: String(i) }).then(
                    (puback) => {
                        inFlight--;
                        acked++;
                        ackedOnConnection[i] = pubW.successes.length;
                        ackedAt[i] = performance.now();
                        reasonCodes.set(puback!.reasonCode, (reasonCodes.get(puback!.reasonCode) ?? 0) + 1);
                        if (acked >= KILL_AFTER_ACKS && !crash) crash = crashAndRestart();
                        pump();
                    },
                    (err) => {
                        inFlight--;
                        retryErrors.push(err?.code ?? String(err));
                        retry.push(i);
                        pump();
                    },
                );
            }
        };
        try {
            pump();
            await waitFor(
                () => acked === N,
                12_000,
                () =>
                    `all ${N} PUBACKs (acked ${acked}, in flight ${inFlight}, submitted ${next}, to retry ${retry.length}, ` +
                    `retried ${retryErrors.length} ${JSON.stringify(countBy(retryErrors))}, publisher connections ${pubW.successes.length}, ` +
                    `statistics ${JSON.stringify(pub.getOperationalStatistics())})`,
            );
        } finally {
            streaming = false;
        }
        await crash;
        const streamEnd = performance.now();

        // The crash happened mid-stream, and both clients came back by themselves.
        expect(crash).toBeDefined();
        const ackedAfterRestart = ackedOnConnection.flatMap((c, i) => (c >= 2 ? [i] : []));
        expect(ackedAfterRestart.length, 'messages PUBACKed by the restarted broker').toBeGreaterThan(0);
        expect(pubW.successes.length).toBeGreaterThanOrEqual(2);
        await subW.connections(3);
        // The restarted broker restored the subscriber's session from its persistence file.
        expect(subW.successes[2].connack.sessionPresent).toBe(true);
        expect(subW.successes[2].settings.rejoinedSession).toBe(true);
        // ... with its subscription: every PUBACK says Success, never NoMatchingSubscribers.
        expect(Object.fromEntries(reasonCodes)).toEqual({ [PubackReasonCode.Success]: N });

        // Wait for the stream, then flush: a marker published last arrives after every redelivery.
        await waitFor(
            () => ackedAfterRestart.every((i) => copies[i] > 0),
            10_000,
            () => 'the messages acknowledged by the restarted broker',
        );
        const marker = uniqueTopic('crash-marker');
        const markerGot = collector(sub, marker);
        await sub.subscribe({ subscriptions: [{ topicFilter: marker, qos: QoS.AtLeastOnce }] });
        await pub.publish({ topicName: marker, qos: QoS.AtLeastOnce, payload: 'marker' });
        await markerGot.until(1);
        await sleep(200);

        const lost = copies.flatMap((c, i) => (c === 0 ? [i] : []));
        const duplicates = received - (N - lost.length);
        const ackedBeforeCrash = ackedOnConnection.filter((c) => c === 1).length;
        const wireNotDelivered = [...onWire].filter((i) => copies[i] === 0);
        const range = (xs: number[]) => (xs.length ? `${Math.min(...xs)}..${Math.max(...xs)}` : '-');
        const lostAckedBeforeKill = lost.map((i) => Math.round(killedAt - ackedAt[i]));
        console.log(
            `broker crash: ${N} messages, SIGKILL after ${KILL_AFTER_ACKS} PUBACKs with ${inFlightAtKill} publishes in flight; ` +
                `PUBACKed by the crashed broker ${ackedBeforeCrash}, by the restarted one ${ackedAfterRestart.length}; ` +
                `publishes that failed and were retried ${retryErrors.length} ${JSON.stringify(countBy(retryErrors))}; ` +
                `received ${received}, distinct ${N - lost.length}, DUPLICATES ${duplicates}, ` +
                `LOST ${lost.length} (${range(lost)}, all PUBACKed by the crashed broker ` +
                `${lost.length ? `${Math.min(...lostAckedBeforeKill)}..${Math.max(...lostAckedBeforeKill)} ms before the kill` : ''}, ` +
                `none sent to the subscriber: ${lost.filter((i) => onWire.has(i)).length} on its wire); ` +
                `outage ${Math.round(restartedAt - killedAt)} ms; stream done ${Math.round(streamEnd - killedAt)} ms after the kill`,
        );
        // What the client is responsible for, and must get exactly right:
        // 1. Every message the restarted broker acknowledged arrives: the publishes in flight at the
        //    crash (resent by the client after reconnecting) and everything after them. Checked above
        //    (the waitFor) and here.
        expect(ackedAfterRestart.filter((i) => copies[i] === 0)).toEqual([]);
        // 2. Every message the broker put on the wire to the subscriber reached the application.
        expect(wireNotDelivered).toEqual([]);
        // (And the wire record is complete: everything received was seen on the wire.)
        expect(copies.flatMap((c, i) => (c > 0 && !onWire.has(i) ? [i] : []))).toEqual([]);
        // What the broker is responsible for: mosquitto keeps messages in memory and writes them
        // to disk only at the next autosave (every 1 s here) or on a clean shutdown, so a SIGKILL
        // loses the QoS 1 messages it had PUBACKed to the publisher since the last save but not yet
        // sent to the subscriber (50-530 of them in our runs, all acknowledged within ~10 ms of the
        // kill). That is the broker's durability trade-off, not a client bug, so those are reported
        // (above), not required. The checks below pin that explanation down: a loss of any other
        // kind fails the test.
        for (const i of lost) {
            expect(ackedOnConnection[i], `lost message ${i} was acknowledged by the crashed broker`).toBe(1);
            expect(onWire.has(i), `lost message ${i} was never sent to the subscriber`).toBe(false);
            // Acknowledged within the last autosave interval (1 s; 2 s allows for a slow save).
            expect(killedAt - ackedAt[i], `lost message ${i} was acknowledged shortly before the kill`).toBeLessThan(2000);
        }
    });
});

function countBy(xs: string[]): Record<string, number> {
    const out: Record<string, number> = {};
    for (const x of xs) out[x] = (out[x] ?? 0) + 1;
    return out;
}

// ---------------------------------------------------------------------------------------------

describe('stalled link: ping timeout', () => {
    it('a link that stops forwarding is detected by the ping timeout; after it recovers the client reconnects and works', async () => {
        const proxy = await faultProxy(brokerPort());
        const client = newClient({
            port: proxy.port,
            ...QUICK_RECONNECT,
            pingTimeoutMs: 1000,
            connectProperties: connectProps({ keepAliveIntervalSeconds: 2 }),
        });
        const w = watch(client);
        client.start();
        await w.connections(1);
        expect(w.successes[0].settings.serverKeepAlive).toBe(2);

        // While the link works, pings are answered and the connection stays up past a keep-alive period.
        const inBefore = proxy.stats.serverToClient;
        await sleep(3000);
        expect(w.disconnections).toHaveLength(0);
        expect(proxy.stats.serverToClient, 'PINGRESPs came back').toBeGreaterThan(inBefore);

        proxy.pause();
        const pausedAt = performance.now();
        await waitFor(
            () => w.disconnections.length >= 1,
            10_000,
            () => 'the disconnection',
        );
        const detectedAfter = w.disconnections[0].at - pausedAt;
        const { error } = w.disconnections[0];
        console.log(
            `ping timeout: disconnection ${Math.round(detectedAfter)} ms after the pause, ${error.code} (${error.errorCode})`,
        );
        expect(error).toBeInstanceOf(CrtError);
        expect(error.code).toBe('AWS_ERROR_MQTT5_PING_RESPONSE_TIMEOUT');
        // At most one keep-alive period until the next PINGREQ, plus the 1 s ping timeout.
        expect(detectedAfter).toBeGreaterThanOrEqual(500);
        expect(detectedAfter).toBeLessThan(2000 + 1000 + 3000);

        // While the link is stalled the client's new attempts do not get through.
        await sleep(500);
        expect(w.successes).toHaveLength(1);
        proxy.resume();
        await w.connections(2);
        expect(proxy.stats.accepted).toBeGreaterThanOrEqual(2);
        await roundTrip(client, 'after-ping-timeout');
        expect(w.disconnections).toHaveLength(1);
    });
});

// ---------------------------------------------------------------------------------------------

describe('cut connections', () => {
    for (const mode of ['drop', 'reset'] as const) {
        it(`${mode}(): disconnection with a CrtError, automatic reconnect, and an unacknowledged QoS 1 publish is delivered after all`, async () => {
            const topic = uniqueTopic(`cut-${mode}`);
            const observer = await connectedClient();
            const seen = collector(observer, topic);
            await observer.subscribe({ subscriptions: [{ topicFilter: topic, qos: QoS.AtLeastOnce }] });

            const proxy = await faultProxy(brokerPort());
            const client = newClient({ port: proxy.port, ...QUICK_RECONNECT, connectProperties: connectProps() });
            const w = watch(client);
            client.start();
            await w.connections(1);

            // Hold the PUBLISH in the proxy, so it is sent but never reaches the broker, then cut.
            proxy.pause();
            const pub = track(client.publish({ topicName: topic, qos: QoS.AtLeastOnce, payload: `across-${mode}` }));
            await waitFor(
                () => client.getOperationalStatistics().unackedOperationCount === 1,
                5000,
                () => `the publish to be sent (${JSON.stringify(client.getOperationalStatistics())})`,
            );
            const cutAt = performance.now();
            proxy[mode]();
            proxy.resume();
            await waitFor(
                () => w.disconnections.length >= 1,
                5000,
                () => 'the disconnection',
            );
            const { error } = w.disconnections[0];
            console.log(
                `${mode}(): disconnection after ${Math.round(w.disconnections[0].at - cutAt)} ms with ${error.code} (${error.errorCode}): ${error.message}`,
            );
            expect(error).toBeInstanceOf(CrtError);
            expect(error.errorCode).toBeGreaterThan(0);
            expect(error.code).toMatch(/^AWS_/);
            expect(error.code).not.toBe('AWS_ERROR_MQTT5_USER_REQUESTED_STOP');

            await w.connections(2);
            await waitFor(
                () => pub.settled,
                10_000,
                () => 'the held publish to complete',
            );
            expect(pub.status, String(pub.reason)).toBe('fulfilled');
            expect((pub.value as any).reasonCode).toBe(PubackReasonCode.Success);
            // The copy the proxy held was destroyed with the connection: the client sent it again.
            await seen.until(1);
            expect(seen.messages[0].payload.toString()).toBe(`across-${mode}`);
            await roundTrip(client, `after-${mode}`);
            expect(w.disconnections).toHaveLength(1);
            expect(proxy.stats.accepted).toBe(2);
        });
    }
});

// ---------------------------------------------------------------------------------------------

describe('reconnect backoff', () => {
    it('while connections are refused, attempts follow min/maxReconnectDelayMs; once accepted, the client connects', async () => {
        const proxy = await faultProxy(brokerPort());
        const client = newClient({
            port: proxy.port,
            retryJitterMode: RetryJitterType.None,
            minReconnectDelayMs: 200,
            maxReconnectDelayMs: 1000,
            connectProperties: connectProps(),
        });
        const w = watch(client);
        client.start();
        await w.connections(1);

        proxy.refuse(true);
        proxy.drop();
        await waitFor(
            () => w.disconnections.length >= 1,
            5000,
            () => 'the disconnection',
        );
        const t0 = w.disconnections[0].at;
        const attemptsBefore = w.attempts.length;
        await sleep(4000);
        const attempts = w.attempts.slice(attemptsBefore).filter((t) => t - t0 <= 4000);
        const failures = w.failures.filter((f) => f.at > t0);
        // Gaps between each failure and the next attempt.
        const gaps = failures.slice(0, attempts.length - 1).map((f, i) => Math.round(w.attempts[attemptsBefore + i + 1] - f.at));
        const firstDelay = Math.round(attempts[0] - t0);
        console.log(
            `refused: ${attempts.length} attempts in 4 s, first ${firstDelay} ms after the disconnection, gaps ${JSON.stringify(gaps)}; ` +
                `failure codes ${JSON.stringify(countBy(failures.map((f) => f.error.code)))}; proxy refused ${proxy.stats.refused}`,
        );
        // No jitter: 200, 400, 800, 1000, 1000 ms → about 5 attempts in 4 s.
        expect(attempts.length).toBeGreaterThanOrEqual(3);
        expect(attempts.length).toBeLessThanOrEqual(15);
        expect(firstDelay).toBeGreaterThanOrEqual(140);
        for (const g of gaps) {
            expect(g, JSON.stringify(gaps)).toBeGreaterThanOrEqual(140);
            expect(g, JSON.stringify(gaps)).toBeLessThanOrEqual(1000 + 1000);
        }
        // The delay grows: the later gaps are longer than the first.
        expect(Math.max(...gaps.slice(1)), JSON.stringify(gaps)).toBeGreaterThan(gaps[0] * 1.5);
        for (const f of failures) expect(f.error).toBeInstanceOf(CrtError);
        // Each attempt reached the proxy and was refused there.
        expect(proxy.stats.refused).toBeGreaterThanOrEqual(attempts.length - 1);
        expect(w.successes).toHaveLength(1);

        proxy.refuse(false);
        const acceptedAt = performance.now();
        await w.connections(2, 1000 + 4000);
        console.log(`refused: connected ${Math.round(w.successes[1].at - acceptedAt)} ms after refuse(false)`);
        await roundTrip(client, 'after-refused');
    });

    it('a flapping link (cut every 300 ms for 4 s) causes no reconnect storm, and the client recovers afterwards', async () => {
        const proxy = await faultProxy(brokerPort());
        // No jitter, so the counts below are deterministic. Each connection is cut at the next
        // 300 ms tick, long before minConnectedTimeToResetReconnectDelayMs, so the delay is never
        // reset and doubles: 250, 500, 1000, 2000 ms → attempts at about 0.55, 1.1, 2.2 s (then 4.4).
        // If a successful CONNACK reset the backoff (measured by setting the reset time to 1 ms),
        // the client reconnects after every cut: 12 attempts in 4 s, which the brief's bound of 12
        // would still let through; hence the tighter bound of 6 as well.
        const client = newClient({
            port: proxy.port,
            retryJitterMode: RetryJitterType.None,
            minReconnectDelayMs: 250,
            maxReconnectDelayMs: 2000,
            minConnectedTimeToResetReconnectDelayMs: 5000,
            connectProperties: connectProps(),
        });
        const w = watch(client);
        client.start();
        await w.connections(1);

        const t0 = performance.now();
        const attemptsBefore = w.attempts.length;
        let drops = 0;
        const flapper = setInterval(() => {
            if (proxy.stats.active > 0) drops++;
            proxy.drop();
        }, 300);
        try {
            await sleep(4000);
        } finally {
            clearInterval(flapper);
        }
        const attempts = w.attempts.slice(attemptsBefore).map((t) => Math.round(t - t0));
        const connectedDuring = w.successes.length - 1;
        console.log(
            `flapping: ${drops} connections cut, ${attempts.length} attempts in 4 s at ${JSON.stringify(attempts)} ms, ` +
                `${connectedDuring} reconnected; disconnection codes ${JSON.stringify(countBy(w.disconnections.map((d) => d.error.code)))}`,
        );
        expect(attempts.length).toBeGreaterThanOrEqual(2);
        expect(attempts.length).toBeLessThanOrEqual(12);
        expect(attempts.length, 'the backoff was reset by short-lived connections').toBeLessThanOrEqual(6);
        expect(connectedDuring).toBeGreaterThanOrEqual(1);

        // After the flapping the client gets (and stays) connected, and works.
        await waitFor(
            () => w.connected,
            2000 + 4000,
            () => 'the client to be connected',
        );
        await roundTrip(client, 'after-flapping');
        expect(w.connected).toBe(true);
    });
});

// ---------------------------------------------------------------------------------------------

describe('slow link', () => {
    it('a 64 KiB QoS 1 publish through a link throttled to 32 KiB/s completes, with no spurious timeout', async () => {
        const proxy = await faultProxy(brokerPort());
        proxy.slow(32 * 1024);
        const client = newClient({
            port: proxy.port,
            ...QUICK_RECONNECT,
            ackTimeoutSeconds: 15,
            connectProperties: connectProps(),
        });
        const w = watch(client);
        client.start();
        await w.connections(1);
        const topic = uniqueTopic('slow');
        const got = collector(client, topic);
        await client.subscribe({ subscriptions: [{ topicFilter: topic, qos: QoS.AtLeastOnce }] });

        const payload = Buffer.alloc(64 * 1024);
        for (let i = 0; i < payload.length; i++) payload[i] = (i * 7919 + (i >> 8)) & 0xff;
        const t0 = performance.now();
        const puback = await client.publish({ topicName: topic, qos: QoS.AtLeastOnce, payload });
        const published = performance.now() - t0;
        expect(puback!.reasonCode).toBe(PubackReasonCode.Success);
        // Back through the same throttle to the client itself.
        await got.until(1, 12_000);
        const roundTripMs = performance.now() - t0;
        console.log(`slow link: PUBACK after ${Math.round(published)} ms, message back after ${Math.round(roundTripMs)} ms`);
        expect(Buffer.compare(got.messages[0].payload, payload)).toBe(0);
        // The throttle was really in effect: 64 KiB at 32 KiB/s is 2 s each way. (The PUBACK comes
        // back behind the broker's copy of the message to this same client, so after ~4 s.)
        expect(published).toBeGreaterThanOrEqual(1500);
        expect(roundTripMs).toBeGreaterThanOrEqual(3000);
        expect(roundTripMs).toBeLessThan(12_000);
        expect(w.disconnections).toHaveLength(0);
        expect(w.failures).toHaveLength(0);
        expect(w.attempts).toHaveLength(1);
    });
});

// ---------------------------------------------------------------------------------------------

describe('oversized payload', () => {
    it('a publish larger than the maximum packet size the broker announced fails promptly; the connection stays up', async () => {
        const broker = await privateBroker({ extraConfig: ['max_packet_size 10000'] });
        const proxy = await faultProxy(broker.port);
        const client = newClient({ port: proxy.port, ...QUICK_RECONNECT, connectProperties: connectProps() });
        const w = watch(client);
        client.start();
        await w.connections(1);
        expect(w.successes[0].settings.maximumPacketSizeToServer).toBe(10000);
        expect(w.successes[0].connack.maximumPacketSize).toBe(10000);

        const topic = uniqueTopic('oversized');
        const got = collector(client, topic);
        await client.subscribe({ subscriptions: [{ topicFilter: topic, qos: QoS.AtLeastOnce }] });
        const sentBefore = proxy.stats.clientToServer;

        for (const qos of [QoS.AtLeastOnce, QoS.AtMostOnce]) {
            const t0 = performance.now();
            const big = track(client.publish({ topicName: topic, qos, payload: Buffer.alloc(20_000, 0x42) }));
            await waitFor(
                () => big.settled,
                5000,
                () => `the oversized QoS ${qos} publish to settle`,
            );
            const ms = performance.now() - t0;
            console.log(
                `oversized QoS ${qos}: ${big.status} after ${Math.round(ms)} ms with ${big.reason?.code} (${big.reason?.errorCode}): ${big.reason?.message}`,
            );
            expect(big.status).toBe('rejected');
            expect(big.reason).toBeInstanceOf(CrtError);
            expect(big.reason.errorCode).toBeGreaterThan(0);
            expect(ms).toBeLessThan(2000);
        }
        // It was never put on the wire.
        expect(proxy.stats.clientToServer - sentBefore).toBeLessThan(10_000);

        await sleep(1000);
        expect(w.disconnections).toHaveLength(0);
        expect(w.attempts).toHaveLength(1);
        // The connection works: a small publish and one just under the limit go through.
        const small = await client.publish({ topicName: topic, qos: QoS.AtLeastOnce, payload: 'small' });
        expect(small!.reasonCode).toBe(PubackReasonCode.Success);
        const nearLimit = Buffer.alloc(9000, 0x43);
        const near = await client.publish({ topicName: topic, qos: QoS.AtLeastOnce, payload: nearLimit });
        expect(near!.reasonCode).toBe(PubackReasonCode.Success);
        await got.until(2);
        expect(got.messages.map((m) => m.payload.length)).toEqual([5, 9000]);
        expect(w.disconnections).toHaveLength(0);
    });
});
