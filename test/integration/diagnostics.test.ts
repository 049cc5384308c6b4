// node:diagnostics_channel: the events an APM subscriber sees, in order, for a client's life and
// its operations; and nothing once it unsubscribes.
import diagnostics_channel from 'node:diagnostics_channel';
import { afterAll, afterEach, expect, it } from 'vitest';
import { ChannelNames, type Mqtt5Client, QoS } from '../../dist/index.js';
import { closeAll, newClient, once, uniqueTopic } from '../helpers/client';
import { sleep, waitFor } from '../helpers/wait';

afterAll(closeAll);

type Event = { channel: string; message: any };
const unsubscribers: Array<() => void> = [];
afterEach(() => {
    for (const u of unsubscribers.splice(0)) u();
});

/** Records every event of the five tracing channels of each operation and the two plain channels, for `client` only. */
function record(client: Mqtt5Client): Event[] {
    const events: Event[] = [];
    const names: string[] = [ChannelNames.message, ChannelNames.connection];
    for (const op of [ChannelNames.publish, ChannelNames.subscribe, ChannelNames.unsubscribe]) {
        for (const phase of ['start', 'end', 'asyncStart', 'asyncEnd', 'error']) names.push(`tracing:${op}:${phase}`);
    }
    for (const name of names) {
        const listener = (message: any) => {
            if (message.client === client) events.push({ channel: name.replace(/^tracing:mqtt5-crt:|^mqtt5-crt:/, ''), message });
        };
        diagnostics_channel.subscribe(name, listener);
        unsubscribers.push(() => diagnostics_channel.unsubscribe(name, listener));
    }
    return events;
}

const label = (e: Event) => (e.channel === 'connection' ? `connection:${e.message.event}` : e.channel);

it('operations: start and end around the call, asyncStart and asyncEnd at the ACK, in order, with one context object', async () => {
    const client = newClient();
    const events = record(client);
    client.start();
    await client.connected();
    const topic = uniqueTopic('dc');
    const subscribe = { subscriptions: [{ topicFilter: topic, qos: QoS.AtLeastOnce }] };
    const suback = await client.subscribe(subscribe);
    const received = once(client, 'messageReceived');
    const puback = await client.publish({ topicName: topic, qos: QoS.AtLeastOnce, payload: 'hi' });
    await received;
    await client.unsubscribe({ topicFilters: [topic] });
    const ops = events.filter((e) => e.channel !== 'connection');
    expect(ops.map(label)).toEqual([
        'subscribe:start',
        'subscribe:end',
        'subscribe:asyncStart',
        'subscribe:asyncEnd',
        'publish:start',
        'publish:end',
        // The broker sends the message to its subscriber before the PUBACK to its publisher.
        'message',
        'publish:asyncStart',
        'publish:asyncEnd',
        'unsubscribe:start',
        'unsubscribe:end',
        'unsubscribe:asyncStart',
        'unsubscribe:asyncEnd',
    ]);
    const sub = ops.filter((e) => e.channel.startsWith('subscribe'));
    expect(new Set(sub.map((e) => e.message)).size).toBe(1); // the same context throughout
    expect(sub[0].message).toMatchObject({ client, operation: 'subscribe', packet: subscribe, result: suback });
    const pub = ops.find((e) => e.channel === 'publish:asyncEnd')!.message;
    expect(pub.operation).toBe('publish');
    expect(pub.packet.topicName).toBe(topic);
    expect(pub.result).toBe(puback);
    const message = ops.find((e) => e.channel === 'message')!.message;
    expect(message.message.topicName).toBe(topic);
    expect(Buffer.from(message.message.payload).toString()).toBe('hi');
});

it('errors: bad input, an abort and a failure inside the client: error, then asyncStart and asyncEnd', async () => {
    const client = newClient();
    const events = record(client);
    await expect(client.publish({ topicName: 'a/#', qos: QoS.AtMostOnce })).rejects.toThrow(RangeError);
    const controller = new AbortController();
    const aborted = client.publish({ topicName: 'a/b', qos: QoS.AtLeastOnce }, { signal: controller.signal });
    controller.abort();
    await expect(aborted).rejects.toMatchObject({ name: 'AbortError' });
    const failing = client.subscribe({ subscriptions: [{ topicFilter: 'x', qos: QoS.AtMostOnce }] });
    client.close();
    await expect(failing).rejects.toMatchObject({ code: 'AWS_ERROR_MQTT5_CLIENT_TERMINATED' });
    expect(events.filter((e) => e.channel !== 'connection').map(label)).toEqual([
        // Bad input rejects (it does not throw): the same sequence as any failure.
        'publish:start',
        'publish:end',
        'publish:error',
        'publish:asyncStart',
        'publish:asyncEnd',
        'publish:start',
        'publish:end',
        'publish:error',
        'publish:asyncStart',
        'publish:asyncEnd',
        'subscribe:start',
        'subscribe:end',
        'subscribe:error',
        'subscribe:asyncStart',
        'subscribe:asyncEnd',
    ]);
    const errors = events.filter((e) => e.channel.endsWith(':error')).map((e) => e.message.error);
    expect(errors[0]).toBeInstanceOf(RangeError);
    expect(errors[1].name).toBe('AbortError');
    expect(errors[2].code).toBe('AWS_ERROR_MQTT5_CLIENT_TERMINATED');
});

it('the C++ callback forms are traced too: a refused call (returns false) gets start, error, end', async () => {
    const client = newClient();
    const events = record(client);
    client.start();
    await client.connected();
    const topic = uniqueTopic('dc-cb');
    const done = new Promise<number>((resolve) => {
        const accepted = client.publish({ topicName: topic, qos: QoS.AtLeastOnce, payload: 'x' }, (_c, errorCode) =>
            resolve(errorCode),
        );
        expect(accepted).toBeInstanceOf(Promise);
    });
    expect(await done).toBe(0);
    const refused = new Promise<number>((resolve) => {
        expect(client.publish({ topicName: 'a/#', qos: QoS.AtLeastOnce }, (_c, errorCode) => resolve(errorCode))).toBe(false);
    });
    expect(await refused).not.toBe(0);
    expect(events.filter((e) => e.channel.startsWith('publish')).map(label)).toEqual([
        'publish:start',
        'publish:end',
        'publish:asyncStart',
        'publish:asyncEnd',
        'publish:start',
        'publish:error',
        'publish:end',
    ]);
    expect(events.find((e) => e.channel === 'publish:error')!.message.error).toBeInstanceOf(RangeError);
});

it('connection: the lifecycle events in order, with the CONNACK, settings and errors', async () => {
    // First a port where nothing listens, then the broker: one failure, then a connection.
    const client = newClient({ port: 1, minReconnectDelayMs: 50, maxReconnectDelayMs: 100 });
    const events = record(client);
    client.start();
    await once(client, 'connectionFailure');
    client.stop();
    await once(client, 'stopped');
    client.close();
    const labels = events.map(label);
    expect(labels.slice(0, 3)).toEqual(['connection:start', 'connection:attemptingConnect', 'connection:connectionFailure']);
    expect(labels.slice(-2)).toEqual(['connection:stopped', 'connection:close']);
    // Between them: stop(), and the retries before it took effect (an attempt in progress ends after it).
    const middle = labels.slice(3, -2);
    expect(middle.filter((l) => l === 'connection:stop')).toHaveLength(1);
    expect(middle.every((l) => /^connection:(stop|attemptingConnect|connectionFailure)$/.test(l))).toBe(true);
    expect(events[2].message.error.code).toBe('AWS_IO_SOCKET_CONNECTION_REFUSED');

    const good = newClient();
    const seen = record(good);
    good.start();
    const success = await good.connected();
    good.stop();
    await once(good, 'stopped');
    expect(seen.map(label)).toEqual([
        'connection:start',
        'connection:attemptingConnect',
        'connection:connectionSuccess',
        'connection:stop',
        'connection:disconnection',
        'connection:stopped',
    ]);
    expect(seen[2].message.settings).toBe(success.settings);
    expect(seen[2].message.connack).toBe(success.connack);
    expect(seen[4].message.error.code).toBe('AWS_ERROR_MQTT5_USER_REQUESTED_STOP');
});

it('nothing is published once the subscriber left', async () => {
    const client = newClient();
    const events = record(client);
    for (const u of unsubscribers.splice(0)) u();
    client.start();
    await client.connected();
    const topic = uniqueTopic('dc-off');
    await client.subscribe({ subscriptions: [{ topicFilter: topic, qos: QoS.AtLeastOnce }] });
    await client.publish({ topicName: topic, qos: QoS.AtLeastOnce, payload: 'x' });
    await waitFor(
        () => client.metrics().messagesReceived === 1,
        5000,
        () => 'the message',
    );
    await sleep(100);
    expect(events).toEqual([]);
});
