import { randomUUID } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import { inject } from 'vitest';
import { Mqtt5Client, type Mqtt5ClientConfig } from '../../dist/index.js';

export const brokerPort = (): number => inject('brokerPort');

/**
 * A received message with its payload and correlation data as Buffers (views, no copy), after
 * checking that they arrived as aws-crt delivers them: ArrayBuffers (a listener that throws fails
 * the test). For tests about something else that read payloads as text or bytes.
 */
export function withBuffers<T extends { payload?: unknown; correlationData?: unknown }>(
    message: T,
): T & { payload: Buffer; correlationData?: Buffer } {
    const out: any = { ...message };
    for (const key of ['payload', 'correlationData'] as const) {
        const v = message[key];
        if (v === undefined) continue;
        if (!(v instanceof ArrayBuffer))
            throw new Error(`received ${key} is not an ArrayBuffer: ${Object.prototype.toString.call(v)}`);
        out[key] = Buffer.from(v);
    }
    out.payload ??= Buffer.alloc(0);
    return out;
}

export function uniqueTopic(prefix = 't'): string {
    return `mqtt5-crt-test/${prefix}/${randomUUID()}`;
}

/** Resolves with the first emission of `event`, or rejects after `ms`. */
export function once<T = any>(emitter: EventEmitter, event: string, ms = 10_000): Promise<T> {
    return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
            emitter.off(event, on);
            reject(new Error(`timed out after ${ms} ms waiting for '${event}'`));
        }, ms);
        const on = (arg: T) => {
            clearTimeout(timer);
            resolve(arg);
        };
        emitter.once(event, on);
    });
}

const clients: Mqtt5Client[] = [];
// Whether a client is between 'attemptingConnect' and 'stopped' (so stopping it will emit 'stopped').
const active = new WeakMap<Mqtt5Client, boolean>();

/** A client for the test broker; `closeAll()` stops and closes every one made. */
export function newClient(overrides: Partial<Mqtt5ClientConfig> = {}): Mqtt5Client {
    const client = new Mqtt5Client({
        hostName: '127.0.0.1',
        port: brokerPort(),
        connectProperties: { keepAliveIntervalSeconds: 60, clientId: `test-${randomUUID()}` },
        ...overrides,
    });
    clients.push(client);
    client.on('attemptingConnect', () => active.set(client, true));
    client.on('stopped', () => active.set(client, false));
    return client;
}

/** A started client, resolved once connected. */
export async function connectedClient(overrides: Partial<Mqtt5ClientConfig> = {}): Promise<Mqtt5Client> {
    const client = newClient(overrides);
    const connected = once(client, 'connectionSuccess');
    client.start();
    await connected;
    return client;
}

/** Whether close() was called (a closed client's statistics throw). */
export function isClosed(client: Mqtt5Client): boolean {
    try {
        client.getOperationalStatistics();
        return false;
    } catch {
        return true;
    }
}

export async function stopAndClose(client: Mqtt5Client): Promise<void> {
    if (active.get(client) && !isClosed(client)) {
        try {
            client.stop();
            await once(client, 'stopped', 5000);
        } catch {
            /* closed, or never reported stopped: close() below releases it either way */
        }
    }
    client.close();
}

export async function closeAll(): Promise<void> {
    const all = clients.splice(0);
    await Promise.all(all.map(stopAndClose));
}
