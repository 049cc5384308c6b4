// client.messages() seen from the server's side: how many messages the broker holds
// unacknowledged while a loop works through them (mosquitto's own $SYS counts), and which PUBACKs
// reach the wire when (a scripted server, which also grants no subscription identifiers, so the
// stream matches by topic).
import { afterAll, describe, expect, it } from 'vitest';
import { type Mqtt5Client, QoS } from '../../dist/index.js';
import { type Broker, startBroker } from '../helpers/broker';
import { SYS_EVERY_SECOND, watchBrokerStore } from '../helpers/broker_store';
import { closeAll, connectedClient, stopAndClose, uniqueTopic } from '../helpers/client';
import {
    connack,
    type Packet,
    PacketType,
    packetIdOf,
    prop,
    publish,
    startScriptedServer,
    suback,
    unsuback,
} from '../helpers/scripted_server';
import { waitFor } from '../helpers/wait';

afterAll(closeAll);

const text = (payload: unknown) => Buffer.from(payload as ArrayBuffer).toString();

describe("the broker's count of messages held unacknowledged follows the loop", () => {
    const brokers: Broker[] = [];
    afterAll(async () => {
        await closeAll();
        await Promise.all(brokers.map((b) => b.stop()));
    });

    it.each(['break', 'throw'] as const)(
        'a stalled loop, then one that catches up and ends by %s',
        async (ending) => {
            const broker = await startBroker({ extraConfig: [SYS_EVERY_SECOND] });
            brokers.push(broker);
            const store = await watchBrokerStore(broker.port);
            await store.until((held) => held === 0, 'nothing');
            const receiveMaximum = 3;
            const total = 20;
            const client = await connectedClient({
                port: broker.port,
                connectProperties: { keepAliveIntervalSeconds: 60, clientId: `flow-${ending}`, receiveMaximum },
            });
            const pub = await connectedClient({ port: broker.port });
            const topic = uniqueTopic(`flow-${ending}`);
            const arrived: string[] = [];
            client.on('messageReceived', ({ message }) => arrived.push(text(message.payload)));
            const stream = client.messages(topic);
            await stream.subscribed;
            for (let i = 0; i < total; i++) await pub.publish({ topicName: topic, qos: QoS.AtLeastOnce, payload: `${i}` });

            // The loop takes message 0 and stalls: the broker holds all 20 (receiveMaximum of them in
            // flight to the client, the rest queued), and keeps holding them.
            expect(text((await stream.next()).value!.payload)).toBe('0');
            await store.until((held) => held === total, `${total}`);
            expect(await store.next(2)).toEqual([total, total]);
            expect(arrived).toEqual(['0', '1', '2']);

            // The loop moves on: each message it is done with is one the broker no longer holds.
            const got = ['0'];
            const stop = new Error('the loop stops');
            const loop = (async () => {
                for await (const m of stream) {
                    got.push(text(m.payload));
                    if (got.length < 10) continue;
                    // Working on message 9: 0 to 8 are finished (9 PUBACKs).
                    await store.until((held) => held === total - 9, `${total - 9}`);
                    if (ending === 'break') break;
                    throw stop;
                }
            })();
            if (ending === 'throw') await expect(loop).rejects.toBe(stop);
            else await loop;
            expect(got).toEqual(Array.from({ length: 10 }, (_, i) => `${i}`));

            // Ending acknowledged what the stream held and unsubscribed; what the broker had queued
            // still comes, and nothing takes its PUBACK over: the broker holds nothing.
            await store.until((held) => held === 0, 'nothing');
            expect((await pub.publish({ topicName: topic, qos: QoS.AtLeastOnce, payload: 'late' }))?.reasonCode).toBe(16);
            await stopAndClose(client);
        },
        90_000,
    );
});

/** The PUBACKs the client has sent so far on a scripted connection, by packet id. */
const pubacks = (packets: Packet[]) => packets.filter((p) => p.type === PacketType.PUBACK).map((p) => p.body.readUInt16BE(0));

describe('on the wire, against a broker without subscription identifiers', () => {
    it('matches by topic, and sends each PUBACK when the loop asks for the next message', async () => {
        const server = await startScriptedServer(async (conn) => {
            await conn.expect(PacketType.CONNECT);
            // Subscription Identifiers Available: 0.
            conn.send(connack({ properties: [prop(0x29, Buffer.from([0]))] }));
            const sub = await conn.expect(PacketType.SUBSCRIBE);
            // After the packet id: no properties (so no subscription identifier).
            expect(sub.body[2]).toBe(0);
            conn.send(suback(packetIdOf(sub), [1]));
            conn.send(publish({ topic: 'a/b', qos: 1, packetId: 1, payload: 'first' }));
            conn.send(publish({ topic: 'x/y', qos: 1, packetId: 2, payload: 'not the filter' }));
            conn.send(publish({ topic: 'a/b/c', qos: 1, packetId: 3, payload: 'a level too deep' }));
            conn.send(publish({ topic: 'a/c', qos: 1, packetId: 4, payload: 'second' }));
        });
        let client: Mqtt5Client | undefined;
        try {
            client = await connectedClient({ port: server.port });
            const conn = await server.connection(0);
            const stream = client.messages('a/+');
            const first = (await stream.next()).value!;
            expect([first.topicName, text(first.payload)]).toEqual(['a/b', 'first']);
            // The two messages that are not the stream's are acknowledged as usual, at once.
            await waitFor(
                () => pubacks(conn.packets).length >= 2,
                10_000,
                () => `2 PUBACKs (got ${pubacks(conn.packets)})`,
            );
            expect(pubacks(conn.packets)).toEqual([2, 3]);
            const second = (await stream.next()).value!;
            expect([second.topicName, text(second.payload)]).toEqual(['a/c', 'second']);
            // Asking for the second finished the first.
            await waitFor(
                () => pubacks(conn.packets).includes(1),
                10_000,
                () => `the PUBACK of 1 (got ${pubacks(conn.packets)})`,
            );
            expect(pubacks(conn.packets)).toEqual([2, 3, 1]);
            const ending = stream.return();
            await waitFor(
                () => conn.packets.some((p) => p.type === PacketType.UNSUBSCRIBE),
                10_000,
                () => 'the UNSUBSCRIBE',
            );
            // Ending finished the second, before the UNSUBSCRIBE.
            expect(conn.packets.filter((p) => p.type !== PacketType.CONNECT).map((p) => p.type)).toEqual([
                PacketType.SUBSCRIBE,
                PacketType.PUBACK,
                PacketType.PUBACK,
                PacketType.PUBACK,
                PacketType.PUBACK,
                PacketType.UNSUBSCRIBE,
            ]);
            expect(pubacks(conn.packets)).toEqual([2, 3, 1, 4]);
            conn.send(unsuback(packetIdOf(conn.packets.find((p) => p.type === PacketType.UNSUBSCRIBE)!), [0]));
            expect(await ending).toEqual({ value: undefined, done: true });
            expect(server.scriptErrors).toEqual([]);
        } finally {
            if (client) await stopAndClose(client);
            await server.close();
        }
    });
});
