// What mosquitto itself says it holds for delivery, read from its $SYS tree: so a test can see
// flow control from the broker's side, not only from what the client received.
//
// mosquitto keeps each message in its store until every subscriber it was sent or queued to has
// acknowledged it. Its $SYS tree gives the store's count and the retained messages' count; on a
// private broker the only retained messages are the $SYS topics themselves, so the difference is
// the number of messages the broker holds unacknowledged: in flight to a client or queued for it.
// The tree is published every `sys_interval` seconds (the broker needs `sys_interval 1`), each
// tick starting with `$SYS/broker/uptime`: a sample taken then sees the previous tick complete.
import type { Mqtt5Client } from '../../dist/index.js';
import { newClient } from './client';
import { waitFor } from './wait';

const UPTIME = '$SYS/broker/uptime';
const STORED = '$SYS/broker/store/messages/count';
const RETAINED = '$SYS/broker/retained messages/count';

/** The mosquitto.conf line a broker watched by {@link watchBrokerStore} needs. */
export const SYS_EVERY_SECOND = 'sys_interval 1';

export interface BrokerStore {
    /** Messages held unacknowledged, one sample per tick, oldest first. */
    readonly samples: number[];
    /** Waits for a tick whose sample satisfies `cond`; fails after `ms` naming `what`. */
    until(cond: (held: number) => boolean, what: string, ms?: number): Promise<number>;
    /** Waits for `ticks` more ticks and returns their samples. */
    next(ticks: number, ms?: number): Promise<number[]>;
    client: Mqtt5Client;
}

/** Subscribes a client of its own to the broker's $SYS counts (closed by the tests' closeAll). */
export async function watchBrokerStore(port: number): Promise<BrokerStore> {
    const client = newClient({ port });
    const samples: number[] = [];
    let stored: number | undefined;
    let retained: number | undefined;
    client.on('messageReceived', ({ message }) => {
        const value = Number(
            Buffer.from(message.payload as ArrayBuffer)
                .toString()
                .split(' ')[0],
        );
        if (message.topicName === STORED) stored = value;
        else if (message.topicName === RETAINED) retained = value;
        // Retained copies come at subscribe time, in no particular order: only live ticks count.
        else if (message.topicName === UPTIME && message.retain !== true && stored !== undefined && retained !== undefined)
            samples.push(stored - retained);
    });
    client.start();
    await client.connected({ signal: AbortSignal.timeout(10_000) });
    await client.subscribe({ subscriptions: [UPTIME, STORED, RETAINED].map((topicFilter) => ({ topicFilter, qos: 0 })) });
    const last = () => (samples.length === 0 ? 'no sample' : `last ${samples[samples.length - 1]}`);
    return {
        samples,
        client,
        async until(cond, what, ms = 20_000) {
            const from = samples.length;
            await waitFor(
                () => samples.slice(from).some(cond),
                ms,
                () => `the broker to hold ${what} (${last()}; samples ${samples.join(',')})`,
            );
            return samples.slice(from).find(cond)!;
        },
        async next(ticks, ms = 20_000) {
            const from = samples.length;
            await waitFor(
                () => samples.length >= from + ticks,
                ms,
                () => `${ticks} $SYS ticks (got ${samples.length - from})`,
            );
            return samples.slice(from, from + ticks);
        },
    };
}
