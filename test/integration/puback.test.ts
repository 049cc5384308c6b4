// Manual PUBACK control, observed through the broker's flow control: with receiveMaximum 1 the
// broker sends the next QoS 1 message only after the previous one was acknowledged.
import { afterAll, expect, it } from 'vitest';
import { Mqtt5Client, PublishAcknowledgementHandle, QoS } from '../../dist/index.js';
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
