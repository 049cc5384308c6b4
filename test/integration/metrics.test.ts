// client.metrics(): each field checked against what the test made happen, including a broker that
// goes away and comes back (reconnect counts, last error, state).
import { afterAll, expect, it } from 'vitest';
import { type ClientMetrics, QoS } from '../../dist/index.js';
import { type Broker, startBroker } from '../helpers/broker';
import { closeAll, connectedClient, newClient, once, uniqueTopic } from '../helpers/client';
import { connack, PacketType, startScriptedServer } from '../helpers/scripted_server';
import { waitFor } from '../helpers/wait';

afterAll(closeAll);

const zero = { started: 0, succeeded: 0, failed: 0 };
const idle = { incompleteOperationCount: 0, incompleteOperationSize: 0, unackedOperationCount: 0, unackedOperationSize: 0 };

it('a new client: stopped, nothing counted, no error', () => {
    const client = newClient();
    expect(client.metrics()).toEqual({
        state: 'stopped',
        connectionAttempts: 0,
        connectionSuccesses: 0,
        connectionFailures: 0,
        disconnections: 0,
        reconnects: 0,
        publishes: zero,
        subscribes: zero,
        unsubscribes: zero,
        messagesReceived: 0,
        operations: idle,
    } satisfies ClientMetrics);
    client.close();
    expect(client.metrics().state).toBe('closed');
});

it('counts operations and messages as they happen, and the queue while offline', async () => {
    const client = await connectedClient();
    const m0 = client.metrics();
    expect(m0.state).toBe('connected');
    expect(m0.connectionAttempts).toBe(1);
    expect(m0.connectionSuccesses).toBe(1);
    expect(m0.connectedSince).toBeGreaterThan(Date.now() - 60_000);
    expect(m0.negotiatedSettings?.clientId).toMatch(/^test-/);
    const topic = uniqueTopic('metrics');
    await client.subscribe({ subscriptions: [{ topicFilter: topic, qos: QoS.AtLeastOnce }] });
    await Promise.all([
        ...Array.from({ length: 7 }, () => client.publish({ topicName: topic, qos: QoS.AtMostOnce, payload: 'x' })),
        ...Array.from({ length: 5 }, () => client.publish({ topicName: topic, qos: QoS.AtLeastOnce, payload: 'y' })),
        // The slow path (a property) is counted too.
        client.publish({ topicName: topic, qos: QoS.AtLeastOnce, payload: 'z', contentType: 'text/plain' }),
    ]);
    await waitFor(
        () => client.metrics().messagesReceived === 13,
        5000,
        () => `13 messages (got ${client.metrics().messagesReceived})`,
    );
    await client.unsubscribe({ topicFilters: [topic] });
    const m = client.metrics();
    expect(m.publishes).toEqual({ started: 13, succeeded: 13, failed: 0 });
    expect(m.subscribes).toEqual({ started: 1, succeeded: 1, failed: 0 });
    expect(m.unsubscribes).toEqual({ started: 1, succeeded: 1, failed: 0 });
    expect(m.operations).toEqual(idle);
    expect(m.lastError).toBeUndefined();

    // Input rejected before submission is not an operation.
    await expect(client.publish({ topicName: 'a/+', qos: QoS.AtMostOnce })).rejects.toThrow(RangeError);
    expect(client.metrics().publishes.started).toBe(13);

    client.stop();
    expect(client.metrics().state).toBe('stopping');
    await once(client, 'stopped');
    const stopped = client.metrics();
    expect(stopped.state).toBe('stopped');
    expect(stopped.connectedSince).toBeUndefined();
    expect(stopped.negotiatedSettings).toBeUndefined();
    expect(stopped.disconnections).toBe(1);
    // A stop is not an error.
    expect(stopped.lastError).toBeUndefined();

    // Offline, QoS 1 publishes wait in the client's queue: they are the queue depth.
    const queued = [1, 2, 3].map(() => client.publish({ topicName: topic, qos: QoS.AtLeastOnce, payload: 'q' }));
    // The client hands the publishes of one turn to the CRT's thread together, at the end of the turn.
    await waitFor(
        () => client.metrics().operations.incompleteOperationCount === 3,
        10_000,
        () => `3 queued (got ${client.metrics().operations.incompleteOperationCount})`,
    );
    const offline = client.metrics();
    expect(offline.publishes).toEqual({ started: 16, succeeded: 13, failed: 0 });
    expect(offline.operations.incompleteOperationCount).toBe(3);
    expect(offline.operations.incompleteOperationSize).toBeGreaterThan(0);
    client.close();
    await Promise.allSettled(queued);
    const closed = client.metrics();
    expect(closed.state).toBe('closed');
    expect(closed.publishes).toEqual({ started: 16, succeeded: 13, failed: 3 });
    expect(closed.operations).toEqual(idle);
});

it('connection failures, a lost connection and a reconnect: counts, last error, state', async () => {
    let broker: Broker | undefined = await startBroker();
    const port = broker.port;
    try {
        const client = await connectedClient({ port, minReconnectDelayMs: 100, maxReconnectDelayMs: 300 });
        const lost = once(client, 'disconnection');
        await broker.kill();
        broker = undefined;
        await lost;
        await once(client, 'connectionFailure', 10_000);
        const down = client.metrics();
        expect(down.state).toBe('connecting');
        expect(down.disconnections).toBe(1);
        expect(down.connectionFailures).toBeGreaterThanOrEqual(1);
        // Each attempt succeeded or failed, except perhaps one in progress.
        expect(down.connectionAttempts - down.connectionSuccesses - down.connectionFailures).toBeGreaterThanOrEqual(0);
        expect(down.connectionAttempts - down.connectionSuccesses - down.connectionFailures).toBeLessThanOrEqual(1);
        expect(down.lastError?.source).toBe('connectionFailure');
        expect(down.lastError?.code).toBe('AWS_IO_SOCKET_CONNECTION_REFUSED');
        expect(down.lastError?.at).toBeLessThanOrEqual(Date.now());
        expect(down.reconnects).toBe(0);
        broker = await startBroker({ port });
        await client.connected({ signal: AbortSignal.timeout(20_000) });
        const up = client.metrics();
        expect(up.state).toBe('connected');
        expect(up.connectionSuccesses).toBe(2);
        expect(up.reconnects).toBe(1);
        // Connected: every attempt ended one way or the other.
        expect(up.connectionAttempts).toBe(up.connectionSuccesses + up.connectionFailures);
        // The last error stays until another one replaces it: more refused attempts may have come
        // after the snapshot above (the broker takes a while to restart), none of another kind.
        expect(up.lastError).toMatchObject({ source: 'connectionFailure', code: 'AWS_IO_SOCKET_CONNECTION_REFUSED' });
        expect(up.lastError!.at).toBeGreaterThanOrEqual(down.lastError!.at);
    } finally {
        await broker?.stop();
    }
});

it('an operation failure becomes the last error', async () => {
    // A server that never answers the SUBSCRIBE: the client's ACK timeout fails it.
    const server = await startScriptedServer(async (conn) => {
        await conn.expect(PacketType.CONNECT);
        conn.send(connack());
        await conn.expect(PacketType.SUBSCRIBE);
    });
    try {
        const client = await connectedClient({ port: server.port, ackTimeoutSeconds: 1 });
        const e = await client.subscribe({ subscriptions: [{ topicFilter: 'a', qos: QoS.AtMostOnce }] }).catch((x) => x);
        const m = client.metrics();
        expect(m.subscribes).toEqual({ started: 1, succeeded: 0, failed: 1 });
        expect(m.lastError).toMatchObject({ source: 'subscribe', code: e.code, errorCode: e.errorCode, message: e.message });
        client.close();
    } finally {
        await server.close();
    }
});
