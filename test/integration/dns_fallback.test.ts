// Clients reconnecting to a host whose only address refuses connections retry that address: every
// failure is a refused connection, never a DNS failure, and they connect once a broker listens.
// aws-c-io's resolver marks an address bad after a refused connection and answered the next
// resolution with AWS_IO_DNS_QUERY_FAILED when no good address was left: at once when several
// connections to the host failed together, and always once the DNS TTL (30 s) had passed since the
// address was last refreshed (patches/aws-c-io/0002-host-resolver-return-fallback-address.patch).
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { CrtError, io, mqtt, mqtt5 } from '../../dist/index.js';
import { type Broker, freePort, startBroker } from '../helpers/broker';
import { sleep, waitFor } from '../helpers/wait';

// Longer than aws-c-io's default DNS TTL (AWS_DEFAULT_DNS_TTL, 30 s), counted from the first resolution.
const REFUSED_FOR_MS = 34_000;
const REFUSED = 'AWS_IO_SOCKET_CONNECTION_REFUSED';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
});

const errorName = (e: unknown) => (e instanceof CrtError ? (e.error_name ?? e.message) : String(e));

/** An MQTT 5 client retrying localhost:port every 50-100 ms; records the name of each failure. */
function retryingClient(port: number, failures: string[]): { client: mqtt5.Mqtt5Client; connected: () => boolean } {
    const client = new mqtt5.Mqtt5Client({
        hostName: 'localhost',
        port,
        minReconnectDelayMs: 50,
        maxReconnectDelayMs: 100,
        retryJitterMode: mqtt5.RetryJitterType.None,
        connectProperties: { keepAliveIntervalSeconds: 60, clientId: `dns-${randomUUID()}` },
    });
    let connected = false;
    client.on('connectionFailure', (e) => failures.push(errorName(e.error)));
    client.on('connectionSuccess', () => {
        connected = true;
    });
    client.start();
    cleanups.push(async () => {
        const stopped = new Promise((r) => client.once('stopped', r));
        client.stop();
        await Promise.race([stopped, sleep(10_000)]);
        client.close();
    });
    return { client, connected: () => connected };
}

/** An MQTT 3.1.1 connection whose connect() is called again 50 ms after each rejection. */
function retryingConnection(port: number, failures: string[]): { connected: () => boolean } {
    const connection = new mqtt.MqttClient().new_connection({
        client_id: `dns-311-${randomUUID()}`,
        host_name: 'localhost',
        port,
        socket_options: new io.SocketOptions(io.SocketType.STREAM, io.SocketDomain.IPV4, 10_000),
        clean_session: true,
        keep_alive: 60,
    });
    let connected = false;
    let closed = false;
    const loop = (async () => {
        while (!closed && !connected) {
            try {
                await connection.connect();
                connected = true;
            } catch (e) {
                failures.push(errorName(e));
                await sleep(50);
            }
        }
    })();
    cleanups.push(async () => {
        closed = true;
        await loop;
        if (connected) await connection.disconnect();
        connection.close();
    });
    return { connected: () => connected };
}

describe('reconnecting to a host whose only address refuses connections', () => {
    let broker: Broker | undefined;
    afterEach(async () => {
        await broker?.stop();
        broker = undefined;
    });

    it('MQTT 5 clients and 3.1.1 connections see only refused connections, past the DNS TTL, then connect', async () => {
        const port = await freePort();
        const failures5: string[][] = [[], []];
        const failures311: string[][] = [[], []];
        const clients = failures5.map((f) => retryingClient(port, f));
        const connections = failures311.map((f) => retryingConnection(port, f));
        await sleep(REFUSED_FOR_MS);
        broker = await startBroker({ port });
        const all = [...clients, ...connections];
        await waitFor(
            () => all.every((c) => c.connected()),
            30_000,
            () => `every client to connect (connected: ${all.map((c) => c.connected()).join(', ')})`,
        );
        for (const failures of [...failures5, ...failures311]) {
            expect(failures.length).toBeGreaterThan(0);
            expect(failures.filter((name) => name !== REFUSED)).toEqual([]);
        }
    }, 120_000);
});
