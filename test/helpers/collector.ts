import { QoS, type Mqtt5Client, type PublishPacket } from '../../dist/index.js';
import { uniqueTopic, withBuffers } from './client';

/** Collects every message a client receives; `until(pred)` waits for one matching `pred`. */
export function collector(client: Mqtt5Client) {
    const messages: PublishPacket[] = [];
    const waiters: Array<{ pred: (m: PublishPacket[]) => boolean; resolve: () => void }> = [];
    client.on('messageReceived', ({ message }) => {
        messages.push(withBuffers(message));
        for (const w of waiters.filter((w) => w.pred(messages))) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve();
        }
    });
    const until = (pred: (m: PublishPacket[]) => boolean, what: string, ms = 10_000): Promise<void> => {
        if (pred(messages)) return Promise.resolve();
        return new Promise((resolve, reject) => {
            const t = setTimeout(() => reject(new Error(`timed out waiting for ${what}; got ${messages.length} messages`)), ms);
            waiters.push({ pred, resolve: () => (clearTimeout(t), resolve()) });
        });
    };
    return {
        messages,
        /** Messages on `topic` (in arrival order). */
        on: (topic: string) => messages.filter((m) => m.topicName === topic),
        until,
        /** Resolves once `n` messages on `topic` have arrived. */
        count: (topic: string, n: number, ms?: number) =>
            until((all) => all.filter((m) => m.topicName === topic).length >= n, `${n} messages on ${topic}`, ms),
    };
}

export type Collector = ReturnType<typeof collector>;

/** Polls `cond` until it holds, or fails after `ms`. */
export async function waitFor(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!cond()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 10));
    }
}

/**
 * Proves nothing more is in flight to `sub`: subscribes it to a fresh topic, has `pub` publish a
 * marker there and waits for it. The broker writes to one connection in order, so anything it had
 * queued for `sub` before handling the marker (live messages, retained messages sent on SUBSCRIBE)
 * has arrived by then.
 */
export async function flush(sub: Mqtt5Client, got: Collector, pub: Mqtt5Client): Promise<void> {
    const marker = uniqueTopic('marker');
    await sub.subscribe({ subscriptions: [{ topicFilter: marker, qos: QoS.AtLeastOnce }] });
    await pub.publish({ topicName: marker, qos: QoS.AtLeastOnce, payload: 'marker' });
    await got.count(marker, 1);
}

export const text = (m: PublishPacket) => (m.payload as Buffer).toString('utf8');

/** Removes a retained message (an empty retained payload), so the shared broker keeps nothing. */
export async function clearRetained(client: Mqtt5Client, topic: string): Promise<void> {
    await client.publish({ topicName: topic, qos: QoS.AtLeastOnce, retain: true });
}
