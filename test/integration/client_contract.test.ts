// Issue 19, items 1 and 2: what the client's own code let through. A listener that closes the
// client stops every emission at once (the rest of the batch used to be emitted to the closed
// client), and publish() sends a SharedArrayBuffer's bytes (it used to send "{}") and refuses a
// detached ArrayBuffer (it used to send 0 bytes and resolve).
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { type Mqtt5Client, QoS } from '../../dist/index.js';
import { closeAll, newClient, once } from '../helpers/client';
import {
    acceptThen,
    type Packet,
    PacketType,
    publish,
    type ScriptedServer,
    startScriptedServer,
} from '../helpers/scripted_server';
import { sleep, waitFor } from '../helpers/wait';

const servers: ScriptedServer[] = [];
afterEach(async () => {
    await closeAll();
    await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(script: Parameters<typeof startScriptedServer>[0]): Promise<ScriptedServer> {
    const server = await startScriptedServer(script);
    servers.push(server);
    return server;
}

function clientOn(server: ScriptedServer): Mqtt5Client {
    return newClient({
        port: server.port,
        connectProperties: { keepAliveIntervalSeconds: 60, clientId: `contract-${randomUUID()}` },
    });
}

/** 1,000 small PUBLISHes in one write: the client decodes them in one read, into one batch. */
const burst = (qos: number) =>
    Buffer.concat(Array.from({ length: 1000 }, (_, i) => publish({ topic: 'burst', qos, packetId: i + 1, payload: `m${i}` })));

describe('close() inside a messageReceived listener (item 1)', () => {
    for (const qos of [0, 1]) {
        it(`QoS ${qos}: nothing is emitted after close() returns, not even to the other listeners`, async () => {
            const server = await serve(acceptThen((conn) => conn.send(burst(qos))));
            const client = clientOn(server);
            const seen: string[] = [];
            let closedAt = -1;
            client.on('messageReceived', (e) => {
                seen.push(`first ${e.message.topicName}`);
                if (closedAt < 0) {
                    client.close();
                    closedAt = seen.length;
                }
            });
            client.on('messageReceived', () => seen.push('second'));
            const events: string[] = [];
            for (const name of ['connectionFailure', 'disconnection', 'stopped'] as const)
                client.on(name, () => events.push(name));
            client.start();
            await waitFor(
                () => closedAt > 0,
                20_000,
                () => 'the first message',
            );
            await sleep(300); // anything still queued would be emitted by now
            expect(seen).toEqual(['first burst']);
            expect(events).toEqual([]);
        });
    }
});

describe('stop() inside a messageReceived listener (item 1)', () => {
    // The contract (stop()'s doc): messages received before the stop took effect may still be
    // emitted, but only until `stopped`; after it nothing more.
    for (const qos of [0, 1]) {
        it(`QoS ${qos}: 'stopped' comes once, and no message is emitted after it`, async () => {
            const server = await serve(acceptThen((conn) => conn.send(burst(qos))));
            const client = clientOn(server);
            const seen: string[] = [];
            client.on('messageReceived', () => {
                if (!seen.includes('message')) client.stop();
                seen.push('message');
            });
            for (const name of ['connectionFailure', 'disconnection', 'stopped'] as const) client.on(name, () => seen.push(name));
            client.start();
            await waitFor(
                () => seen.includes('stopped'),
                20_000,
                () => `'stopped' (${seen.length} events)`,
            );
            await sleep(300); // anything still queued would be emitted by now
            expect(seen.filter((e) => e === 'stopped')).toHaveLength(1);
            expect(seen.at(-1)).toBe('stopped');
            expect(seen[0]).toBe('message');
        });
    }
});

describe('publish() payload memory (item 2)', () => {
    /** A server that records the client's PUBLISHes. */
    async function recording(): Promise<{ client: Mqtt5Client; publishes: () => Packet[] }> {
        const server = await serve(acceptThen());
        const client = clientOn(server);
        const connected = once(client, 'connectionSuccess');
        client.start();
        await connected;
        return {
            client,
            publishes: () => (server.connections[0]?.packets ?? []).filter((p) => p.type === PacketType.PUBLISH),
        };
    }
    const payloadOf = (p: Packet): Buffer => {
        const topicLen = p.body.readUInt16BE(0);
        const propsAt = 2 + topicLen; // QoS 0: no packet id
        return p.body.subarray(propsAt + 1 + p.body[propsAt]);
    };
    const detached = (): ArrayBuffer => {
        const b = new ArrayBuffer(8);
        structuredClone(b, { transfer: [b] });
        return b;
    };

    it('a SharedArrayBuffer, or a view of one, publishes its bytes', async () => {
        const { client, publishes } = await recording();
        const sab = new SharedArrayBuffer(4);
        new Uint8Array(sab).set([1, 2, 3, 4]);
        await client.publish({ topicName: 'sab/whole', qos: QoS.AtMostOnce, payload: sab as unknown as ArrayBuffer });
        await client.publish({ topicName: 'sab/view', qos: QoS.AtMostOnce, payload: new Uint8Array(sab, 1, 2) });
        await waitFor(
            () => publishes().length === 2,
            10_000,
            () => 'two PUBLISHes',
        );
        expect(publishes().map((p) => [...payloadOf(p)])).toEqual([
            [1, 2, 3, 4],
            [2, 3],
        ]);
    });

    it('a detached ArrayBuffer, or a view of one, is refused with a TypeError naming the field', async () => {
        const { client, publishes } = await recording();
        // Views made before their buffer was transferred away.
        const view = new Uint8Array(8);
        structuredClone(view.buffer, { transfer: [view.buffer] });
        const dataView = new DataView(new ArrayBuffer(8));
        structuredClone(dataView.buffer, { transfer: [dataView.buffer] });
        // Bad input rejects the returned promise (as aws-crt's does) with a TypeError naming the field.
        for (const payload of [detached(), view, dataView]) {
            const p = client.publish({ topicName: 'detached', qos: QoS.AtMostOnce, payload });
            await expect(p).rejects.toThrow(TypeError);
            await expect(p).rejects.toThrow(/publish\.payload is a detached ArrayBuffer/);
        }
        await expect(
            client.publish({ topicName: 'detached', qos: QoS.AtMostOnce, payload: 'x', correlationData: detached() }),
        ).rejects.toThrow(/publish\.correlationData is a detached ArrayBuffer/);
        // Empty but not detached: still a 0-byte payload.
        await client.publish({ topicName: 'empty', qos: QoS.AtMostOnce, payload: new ArrayBuffer(0) });
        await client.publish({ topicName: 'empty', qos: QoS.AtMostOnce, payload: new Uint8Array(0) });
        await waitFor(
            () => publishes().length === 2,
            10_000,
            () => 'two PUBLISHes',
        );
        expect(publishes().map((p) => payloadOf(p).length)).toEqual([0, 0]);
    });
});
