// Issue 19 item 9: a QoS 0 flood faster than the listeners grew the native queue without bound.
// The backlog now has a policy the application chooses (config.slowConsumer): `slowConsumer` is
// emitted with counts when the backlog reaches a threshold, and with dropQos0 the QoS 0 messages
// beyond it are dropped, so memory stays flat; QoS 1 is never dropped.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { SlowConsumerEvent } from '../../dist/index.js';
import { distIndex, runNode } from '../helpers/child';
import { closeAll, newClient } from '../helpers/client';
import { acceptThen, PacketType, publish, type ScriptedServer, startScriptedServer } from '../helpers/scripted_server';
import { waitFor } from '../helpers/wait';

const servers: ScriptedServer[] = [];
afterEach(async () => {
    await closeAll();
    await Promise.all(servers.splice(0).map((s) => s.close()));
});

const flood = (n: number, qos: (i: number) => number) =>
    Buffer.concat(
        Array.from({ length: n }, (_, i) =>
            publish({ topic: 'flood', qos: qos(i), packetId: (i % 60000) + 1, payload: `m${i}` }),
        ),
    );

/** Blocks the JS thread (a listener slower than the flood). */
function busy(ms: number): void {
    const end = Date.now() + ms;
    while (Date.now() < end) {
        /* spin */
    }
}

describe('a flood faster than the listeners (item 9)', () => {
    it('slowConsumer is emitted with the backlog at the threshold; by default nothing is dropped', async () => {
        const N = 20_000;
        const server = await startScriptedServer(acceptThen((conn) => conn.send(flood(N, () => 0))));
        servers.push(server);
        const client = newClient({ port: server.port, slowConsumer: { thresholdMessages: 1000 } });
        const slow: SlowConsumerEvent[] = [];
        let received = 0;
        client.on('slowConsumer', (e) => slow.push(e));
        client.on('messageReceived', () => {
            if (received++ === 0) busy(1000); // the flood piles up behind the first message
        });
        client.start();
        await waitFor(
            () => received === N,
            60_000,
            () => `${N} messages (got ${received})`,
        );
        expect(slow.length).toBeGreaterThanOrEqual(1);
        expect(slow[0].queuedMessages).toBeGreaterThanOrEqual(1000);
        expect(slow[0].droppedMessages).toBe(0);
    }, 90_000);

    it('with dropQos0, QoS 0 beyond the threshold is dropped and QoS 1 never is', async () => {
        const N = 20_000;
        // Every tenth message is QoS 1 (the scripted server does not wait for PUBACKs).
        const server = await startScriptedServer(acceptThen((conn) => conn.send(flood(N, (i) => (i % 10 === 9 ? 1 : 0)))));
        servers.push(server);
        const client = newClient({ port: server.port, slowConsumer: { thresholdMessages: 500, dropQos0: true } });
        const slow: SlowConsumerEvent[] = [];
        let qos0 = 0;
        let qos1 = 0;
        client.on('slowConsumer', (e) => slow.push(e));
        client.on('messageReceived', ({ message }) => {
            if (qos0 + qos1 === 0) busy(1000);
            if (message.qos === 1) qos1++;
            else qos0++;
        });
        client.start();
        await waitFor(
            () => qos1 === N / 10,
            60_000,
            () => `${N / 10} QoS 1 messages (got ${qos1})`,
        );
        // The PUBACKs went out for every QoS 1 message.
        await waitFor(
            () => server.connections[0].packets.filter((p) => p.type === PacketType.PUBACK).length === N / 10,
            30_000,
            () => 'a PUBACK for each QoS 1 message',
        );
        expect(slow.length).toBeGreaterThanOrEqual(1);
        expect(qos0).toBeLessThan((N * 9) / 10);
        expect(qos0).toBeGreaterThanOrEqual(1);
    }, 90_000);

    it('with dropQos0, memory stays flat under a 100 MB flood the listener cannot keep up with', async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mqtt5-crt-slow-'));
        const sent = path.join(dir, 'sent');
        const payload = Buffer.alloc(1024, 0x61);
        const N = 100_000;
        const server = await startScriptedServer(
            acceptThen(async (conn) => {
                await conn.expect(PacketType.PUBLISH, 60_000); // the child is ready
                for (let i = 0; i < N; i += 1000) {
                    const chunk = Buffer.concat(Array.from({ length: 1000 }, () => publish({ topic: 'flood', payload })));
                    if (!conn.socket.write(chunk)) await new Promise((r) => conn.socket.once('drain', r));
                }
                conn.socket.write(Buffer.alloc(0), () => fs.writeFileSync(sent, 'done'));
            }),
        );
        servers.push(server);
        // The child blocks its JS thread from the first message until the whole flood is written
        // (plus a second for the client's thread to read it), sampling its RSS meanwhile.
        const script = `
            const fs = require('fs');
            const { Mqtt5Client } = require(${JSON.stringify(distIndex)});
            const client = new Mqtt5Client({ hostName: '127.0.0.1', port: ${server.port},
                connectProperties: { keepAliveIntervalSeconds: 60 }, slowConsumer: { thresholdMessages: 1000, dropQos0: true } });
            let base = 0, peak = 0, first = true, got = 0;
            client.on('connectionSuccess', () => {
                global.gc(); base = process.memoryUsage.rss();
                client.publish({ topicName: 'ready', qos: 0, payload: 'go' });
            });
            client.on('messageReceived', () => {
                got++;
                if (!first) return;
                first = false;
                const deadline = Date.now() + 60000;
                let doneAt = 0;
                while (Date.now() < deadline) {
                    peak = Math.max(peak, process.memoryUsage.rss());
                    if (!doneAt && fs.existsSync(${JSON.stringify(sent)})) doneAt = Date.now();
                    if (doneAt && Date.now() - doneAt > 1000) break;
                }
                setTimeout(() => { console.log(JSON.stringify({ base, peak, got })); client.stop(); }, 200);
            });
            client.on('stopped', () => client.close());
            client.start();
        `;
        const r = await runNode(script, { flags: ['--expose-gc'], timeoutMs: 120_000 });
        fs.rmSync(dir, { recursive: true, force: true });
        expect(r.timedOut).toBe(false);
        expect(r.stderr).toBe('');
        const { base, peak, got } = JSON.parse(r.stdout.trim());
        console.log(
            `flood of ${N} x 1 KiB: ${got} delivered, RSS peak ${((peak - base) / 1048576).toFixed(1)} MiB over the baseline`,
        );
        expect(got).toBeLessThan(N);
        // Unbounded, the backlog held the whole flood (100 MB of payloads and more); bounded at
        // 1,000 messages of 1 KiB it is a few MB. Allow generous slack for the allocator.
        expect(peak - base).toBeLessThan(40 * 1024 * 1024);
    }, 150_000);
});
