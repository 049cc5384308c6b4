// MQTT 3.1.1 connections to scripted servers on loopback (test/helpers/scripted_server.ts), shared by
// the tests that read or script a 3.1.1 client's bytes: the packets they send, and the servers and
// connections a test file made, all ended after each test.
import { randomUUID } from 'node:crypto';
import { afterEach } from 'vitest';
import { io, mqtt } from '../../dist/index.js';
import { packet, type ScriptedConnection, type ScriptedServer, startScriptedServer, u16 } from './scripted_server';

export const connack = (returnCode = 0, sessionPresent = false) =>
    packet(0x20, Buffer.from([sessionPresent ? 1 : 0, returnCode]));
export const puback = (id: number) => packet(0x40, u16(id));

export interface ScriptedMqtt311 {
    /** A scripted server, closed after the test. */
    server(script: (conn: ScriptedConnection) => Promise<void> | void): Promise<ScriptedServer>;
    /** A 3.1.1 connection to 127.0.0.1:port (not connected yet), ended after the test. */
    connection(port: number, overrides?: Partial<mqtt.MqttConnectionConfig>): mqtt.MqttClientConnection;
}

/** Registers the after-each clean-up; call once per test file, at the top level. */
export function scriptedMqtt311(clientIdPrefix: string): ScriptedMqtt311 {
    const servers: ScriptedServer[] = [];
    const connections: mqtt.MqttClientConnection[] = [];
    afterEach(async () => {
        // Each connection ends before its server does: a connection still reconnecting to a closed
        // port would keep trying it for nothing, and mark 127.0.0.1 as failed in aws-c-io's host
        // resolver for later tests.
        await Promise.all(connections.map((c) => c.disconnect().catch(() => {})));
        for (const c of connections.splice(0)) c.close();
        await Promise.all(servers.splice(0).map((s) => s.close()));
    });
    return {
        async server(script) {
            const server = await startScriptedServer(script);
            servers.push(server);
            return server;
        },
        connection(port, overrides = {}) {
            const c = new mqtt.MqttClient().new_connection({
                client_id: `${clientIdPrefix}-${randomUUID()}`,
                host_name: '127.0.0.1',
                port,
                socket_options: new io.SocketOptions(io.SocketType.STREAM, io.SocketDomain.IPV4, 10_000),
                clean_session: true,
                keep_alive: 60,
                reconnect_min_sec: 1,
                reconnect_max_sec: 1,
                ...overrides,
            });
            connections.push(c);
            return c;
        },
    };
}
