// The MQTT 3.1.1 connection's reconnects: the deprecated reconnect() does what aws-crt 1.33 does (the
// same script runs on both libraries), and a lost connection comes back by itself with its events in
// the CRT's order, its subscriptions kept or lost as the session says.
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CrtError, io, mqtt } from '../../dist/index.js';
import { distIndex, runNode } from '../helpers/child';
import { brokerPort, once, uniqueTopic } from '../helpers/client';
import { startFaultProxy } from '../helpers/fault_proxy';
import { waitFor } from '../helpers/wait';

const open: mqtt.MqttClientConnection[] = [];

function connection(overrides: Partial<mqtt.MqttConnectionConfig> = {}): mqtt.MqttClientConnection {
    const c = new mqtt.MqttClient().new_connection({
        client_id: `t311-rc-${randomUUID()}`,
        host_name: '127.0.0.1',
        port: brokerPort(),
        socket_options: new io.SocketOptions(io.SocketType.STREAM, io.SocketDomain.IPV4, 10_000),
        clean_session: true,
        keep_alive: 60,
        ...overrides,
    });
    open.push(c);
    return c;
}

afterEach(() => {
    for (const c of open.splice(0)) c.close();
});

const text = (b: ArrayBuffer) => Buffer.from(b).toString();

/**
 * The same program for aws-crt and for this package (`lib`: the path to require): connect,
 * subscribe, reconnect(), then publish to the subscription and disconnect. Prints what it saw.
 */
function reconnectScript(lib: string): string {
    return `const { io, mqtt } = require(${JSON.stringify(lib)});
    (async () => {
        const c = new mqtt.MqttClient().new_connection({
            client_id: 'rc-' + process.pid, host_name: '127.0.0.1', port: ${brokerPort()}, clean_session: true,
            keep_alive: 60, socket_options: new io.SocketOptions(io.SocketType.STREAM, io.SocketDomain.IPV4, 10000) });
        const events = [];
        for (const e of ['connect', 'connection_success', 'connection_failure', 'interrupt', 'resume', 'error',
            'disconnect', 'closed']) c.on(e, () => events.push(e));
        const closed = new Promise((r) => c.on('closed', r));
        const first = await c.connect();
        const got = [];
        const topic = 'mqtt5-crt-test/reconnect/' + process.pid;
        await c.subscribe(topic, 1, (t, p) => got.push(Buffer.from(p).toString()));
        const error = await c.reconnect().then(() => undefined, (e) => e);
        await new Promise((r) => setTimeout(r, 50)); // the 'error' event comes on a later tick
        await c.publish(topic, 'after reconnect()', 1);
        for (let i = 0; i < 200 && got.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
        await c.disconnect();
        await Promise.race([closed, new Promise((r) => setTimeout(r, 5000))]);
        const unsupported = /AWS_ERROR_UNSUPPORTED_OPERATION/.test(String(error && error.message));
        console.log(JSON.stringify({ first, isError: error instanceof Error, unsupported, events, got }));
        process.exit(0);
    })().catch((e) => { console.error(e); process.exit(1); });`;
}

describe('reconnect() (deprecated)', () => {
    it('as in aws-crt 1.33: rejects with AWS_ERROR_UNSUPPORTED_OPERATION, emits error, the connection carries on', async () => {
        const awsCrt = path.resolve(__dirname, '../../node_modules/aws-crt');
        const [ours, theirs] = await Promise.all(
            [distIndex, awsCrt].map((lib) => runNode(reconnectScript(lib), { timeoutMs: 30_000 })),
        );
        expect(theirs.code, theirs.stderr).toBe(0);
        expect(ours.code, ours.stderr).toBe(0);
        const expected = { first: false, isError: true, unsupported: true, got: ['after reconnect()'] };
        const [o, t] = [JSON.parse(ours.stdout), JSON.parse(theirs.stdout)];
        expect({ ...t, events: undefined }).toEqual(expected);
        expect({ ...o, events: undefined }).toEqual(expected);
        // The same events. Their order here is the CRT's (a connect completes, then succeeds; the
        // disconnect completes, then the connection is closed); aws-crt delivers each kind through a
        // thread-safe function of its own, and those made first (connection_success, closed) tend to run
        // first when two are pending at once.
        expect(o.events).toEqual(['connect', 'connection_success', 'error', 'disconnect', 'closed']);
        expect([...t.events].sort()).toEqual([...o.events].sort());
        // aws-crt rejects with a plain Error (its 'error' event carries a CrtError); here it is a CrtError.
        const c = connection();
        await c.connect();
        const err = await c.reconnect().catch((e) => e);
        expect(err).toBeInstanceOf(CrtError);
        expect(err).toMatchObject({ code: 'AWS_ERROR_UNSUPPORTED_OPERATION', error_name: 'AWS_ERROR_UNSUPPORTED_OPERATION' });
    });

    it('rejects the same way before connect(); after disconnect() the connection is closed', async () => {
        const c = connection();
        await expect(c.reconnect()).rejects.toMatchObject({ code: 'AWS_ERROR_UNSUPPORTED_OPERATION' });
        await c.connect();
        await c.disconnect();
        await expect(c.reconnect()).rejects.toMatchObject({ code: 'AWS_ERROR_MQTT_CONNECTION_DESTROYED' });
    });
});

describe('reconnecting by itself after a lost connection', () => {
    it('events in the CRT order; a clean session loses its subscriptions until subscribed again', async () => {
        const proxy = await startFaultProxy(brokerPort());
        try {
            const c = connection({ port: proxy.port, clean_session: true, reconnect_min_sec: 1, reconnect_max_sec: 2 });
            const events: string[] = [];
            c.on('connect', (present) => events.push(`connect ${present}`));
            c.on('connection_success', (d) => events.push(`connection_success ${d.session_present}`));
            c.on('interrupt', () => events.push('interrupt'));
            c.on('resume', (code, present) => events.push(`resume ${code} ${present}`));
            c.on('disconnect', () => events.push('disconnect'));
            c.on('closed', () => events.push('closed'));
            await c.connect();
            const topic = uniqueTopic('clean-resume');
            const got: string[] = [];
            await c.subscribe(topic, mqtt.QoS.AtLeastOnce, (_t, p) => got.push(`first ${text(p)}`));

            const resumed = once(c, 'resume', 20_000);
            proxy.drop();
            await resumed;
            // No session: the broker forgot the subscription, so this message goes nowhere...
            const other = connection();
            await other.connect();
            await other.publish(topic, 'while unsubscribed', mqtt.QoS.AtLeastOnce);
            // ...and once subscribed again, the new callback gets what follows.
            await c.subscribe(topic, mqtt.QoS.AtLeastOnce, (_t, p) => got.push(`again ${text(p)}`));
            await other.publish(topic, 'subscribed again', mqtt.QoS.AtLeastOnce);
            await waitFor(
                () => got.length > 0,
                10_000,
                () => 'nothing delivered after subscribing again',
            );
            expect(got).toEqual(['again subscribed again']);

            await c.disconnect();
            await waitFor(
                () => events.includes('closed'),
                5000,
                () => events.join(),
            );
            // A failed attempt in between (a busy machine) would add connection_failure: not listened to here.
            expect(events).toEqual([
                'connect false',
                'connection_success false',
                'interrupt',
                'resume 0 false',
                'connection_success false',
                'disconnect',
                'closed',
            ]);
        } finally {
            await proxy.close();
        }
    });
});
