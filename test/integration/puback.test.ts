// Manual PUBACK control, observed through the broker's flow control: with receiveMaximum 1 the
// broker sends the next QoS 1 message only after the previous one was acknowledged.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Mqtt5Client, PublishAcknowledgementHandle, QoS } from '../../dist/index.js';
import { Broker, startBroker } from '../helpers/broker';
import { closeAll, connectedClient, uniqueTopic } from '../helpers/client';

afterAll(closeAll);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function setup() {
    const sub = await connectedClient({
        connectProperties: { keepAliveIntervalSeconds: 60, clientId: `puback-${Math.random()}`, receiveMaximum: 1 },
    });
    const pub = await connectedClient();
    const topic = uniqueTopic('puback');
    await sub.subscribe({ subscriptions: [{ topicFilter: topic, qos: QoS.AtLeastOnce }] });
    return { sub, pub, topic };
}

async function waitFor(cond: () => boolean, ms = 5000) {
    const end = Date.now() + ms;
    while (!cond()) {
        if (Date.now() > end) throw new Error('condition not met in time');
        await sleep(10);
    }
}

it('holds the PUBACK while a listener owns the handle, and sends it on invokeAcknowledgement()', async () => {
    const { sub, pub, topic } = await setup();
    const got: string[] = [];
    const handles: PublishAcknowledgementHandle[] = [];
    sub.on('messageReceived', ({ message, acknowledgementControl }) => {
        got.push(message.payload!.toString());
        const h = acknowledgementControl!.acquireHandle();
        expect(h).not.toBeNull();
        expect(acknowledgementControl!.acquireHandle()).toBeNull(); // single use
        handles.push(h!);
    });
    await pub.publish({ topicName: topic, qos: QoS.AtLeastOnce, payload: 'one' });
    await pub.publish({ topicName: topic, qos: QoS.AtLeastOnce, payload: 'two' });
    await waitFor(() => got.length === 1);
    // The second message is held back by the broker: the first one is not acknowledged.
    await sleep(700);
    expect(got).toEqual(['one']);
    handles[0].invokeAcknowledgement();
    handles[0].invokeAcknowledgement(); // harmless
    await waitFor(() => got.length === 2);
    expect(got).toEqual(['one', 'two']);
    handles[1].invokeAcknowledgement();
});

it('acknowledges by itself after the listeners ran when nobody takes the handle', async () => {
    const { sub, pub, topic } = await setup();
    const got: string[] = [];
    let late: (() => unknown) | undefined;
    sub.on('messageReceived', ({ message, acknowledgementControl }) => {
        got.push(message.payload!.toString());
        late = () => acknowledgementControl!.acquireHandle();
    });
    for (const p of ['a', 'b', 'c']) await pub.publish({ topicName: topic, qos: QoS.AtLeastOnce, payload: p });
    await waitFor(() => got.length === 3);
    expect(got).toEqual(['a', 'b', 'c']);
    // Once the listeners have returned, the handle can no longer be taken.
    expect(late!()).toBeNull();
});

it('QoS 0 messages carry no acknowledgement control', async () => {
    const sub: Mqtt5Client = await connectedClient();
    const topic = uniqueTopic('qos0');
    await sub.subscribe({ subscriptions: [{ topicFilter: topic, qos: QoS.AtMostOnce }] });
    const received = new Promise<any>((resolve) => sub.once('messageReceived', resolve));
    await sub.publish({ topicName: topic, qos: QoS.AtMostOnce, payload: 'x' });
    const e = await received;
    expect(e.acknowledgementControl).toBeUndefined();
});

describe('receiveMaximum', () => {
    // A broker without its own in-flight limit: the client's receive maximum is the only bound.
    let broker: Broker;
    beforeAll(async () => {
        broker = await startBroker({ extraConfig: ['max_inflight_messages 0', 'max_queued_messages 0', 'set_tcp_nodelay true'] });
    });
    afterAll(() => broker?.stop());

    async function heldDeliveries(connectProperties: Record<string, unknown>): Promise<{ held: number; after: number }> {
        const mk = (props: Record<string, unknown>) =>
            connectedClient({ port: broker.port, connectProperties: { clientId: `rm-${Math.random()}`, ...props } });
        const sub = await mk(connectProperties);
        const pub = await mk({});
        const topic = uniqueTopic('receive-maximum');
        await sub.subscribe({ subscriptions: [{ topicFilter: topic, qos: QoS.AtLeastOnce }] });
        const handles: PublishAcknowledgementHandle[] = [];
        let received = 0;
        sub.on('messageReceived', ({ acknowledgementControl }) => {
            received++;
            handles.push(acknowledgementControl!.acquireHandle()!);
        });
        const total = 5000;
        await Promise.all(Array.from({ length: total }, (_, i) => pub.publish({ topicName: topic, qos: QoS.AtLeastOnce, payload: `${i}` })));
        // The broker stops at the receive maximum while every PUBACK is held...
        let last = -1;
        while (received !== last) {
            last = received;
            await sleep(300);
        }
        const held = received;
        // ...and sends the rest once they go out.
        sub.removeAllListeners('messageReceived');
        sub.on('messageReceived', ({ acknowledgementControl }) => {
            received++;
            acknowledgementControl!.acquireHandle()!.invokeAcknowledgement();
        });
        for (const h of handles) h.invokeAcknowledgement();
        await waitFor(() => received >= total, 20_000);
        return { held, after: received };
    }

    it('is 4096 unless set (bounds unacknowledged QoS 1 deliveries; see the README), and a set value is used', async () => {
        expect(await heldDeliveries({})).toEqual({ held: 4096, after: 5000 });
        expect(await heldDeliveries({ receiveMaximum: 100 })).toEqual({ held: 100, after: 5000 });
    });
});
