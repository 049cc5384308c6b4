// Packet-level behaviour against the real mosquitto, what the broker decides: will messages, ACL
// denials (a private broker with an acl_file), server DISCONNECTs and the dynamic security plugin.
import { spawn } from 'node:child_process';
import { pbkdf2Sync, randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
    CrtError,
    DisconnectReasonCode,
    PacketType,
    PubackReasonCode,
    QoS,
    RetryJitterType,
    SubackReasonCode,
    type PublishPacket,
} from '../../dist/index.js';
import { startBroker, type Broker } from '../helpers/broker';
import { brokerPort, closeAll, connectedClient, once, uniqueTopic } from '../helpers/client';
import { collector, flush, text } from '../helpers/collector';

afterAll(closeAll);

/** Runs a client with `connectProperties` in a child process; resolves once it is connected. */
async function childClient(connectProperties: object) {
    const script = `
        const { Mqtt5Client } = require(${JSON.stringify(path.resolve(__dirname, '../../dist/index.js'))});
        const c = new Mqtt5Client({ hostName: '127.0.0.1', port: ${brokerPort()}, connectProperties: ${JSON.stringify(connectProperties)} });
        c.on('connectionSuccess', () => console.log('connected'));
        c.on('connectionFailure', ({ error }) => console.log('failure ' + error.code));
        c.start();
    `;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    await new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => {
            child.kill('SIGKILL');
            reject(new Error(`child did not connect: ${out} ${err}`));
        }, 15_000);
        child.stdout.on('data', (d) => {
            out += d;
            if (out.includes('connected')) {
                clearTimeout(t);
                resolve();
            }
        });
        child.once('exit', (code) => {
            clearTimeout(t);
            reject(new Error(`child exited (${code}) before connecting: ${out} ${err}`));
        });
    });
    return {
        /** SIGKILLs it: the socket closes without a DISCONNECT. Resolves with the time of the kill. */
        async kill(): Promise<number> {
            const t = Date.now();
            child.kill('SIGKILL');
            await exited;
            return t;
        },
    };
}

describe('will message', () => {
    const will = (topic: string): PublishPacket => ({
        topicName: topic,
        qos: QoS.AtLeastOnce,
        payload: 'gone 🚀',
        contentType: 'text/plain',
        userProperties: [{ name: 'why', value: 'killed' }],
    });

    it('is published when the client dies without DISCONNECT', async () => {
        const sub = await connectedClient();
        const topic = uniqueTopic('will-kill');
        const got = collector(sub);
        await sub.subscribe({ subscriptions: [{ topicFilter: topic, qos: QoS.AtLeastOnce }] });
        const child = await childClient({ keepAliveIntervalSeconds: 60, clientId: `will-${randomUUID()}`, will: will(topic) });
        const killedAt = await child.kill();
        await got.count(topic, 1);
        const elapsed = Date.now() - killedAt;
        const m = got.on(topic)[0];
        expect(text(m)).toBe('gone 🚀');
        expect(m.contentType).toBe('text/plain');
        expect(m.userProperties).toEqual([{ name: 'why', value: 'killed' }]);
        // No will delay: the broker sees the socket close at once (keep-alive would take 90 s).
        expect(elapsed).toBeLessThan(5000);
    });

    it('waits for willDelayIntervalSeconds before publishing it', async () => {
        const sub = await connectedClient();
        const topic = uniqueTopic('will-delay');
        const got = collector(sub);
        await sub.subscribe({ subscriptions: [{ topicFilter: topic, qos: QoS.AtLeastOnce }] });
        const child = await childClient({
            keepAliveIntervalSeconds: 60,
            clientId: `will-delay-${randomUUID()}`,
            sessionExpiryIntervalSeconds: 10,
            willDelayIntervalSeconds: 2,
            will: will(topic),
        });
        const killedAt = await child.kill();
        await got.count(topic, 1, 15_000);
        const elapsed = Date.now() - killedAt;
        expect(text(got.on(topic)[0])).toBe('gone 🚀');
        expect(elapsed).toBeGreaterThanOrEqual(1500);
        expect(elapsed).toBeLessThan(10_000);
    });

    it('stop() with DisconnectWithWillMessage makes the broker publish the will', async () => {
        const sub = await connectedClient();
        const topic = uniqueTopic('will-stop');
        const got = collector(sub);
        await sub.subscribe({ subscriptions: [{ topicFilter: topic, qos: QoS.AtLeastOnce }] });
        const client = await connectedClient({
            connectProperties: { keepAliveIntervalSeconds: 60, clientId: `will-stop-${randomUUID()}`, will: will(topic) },
        });
        const stopped = once(client, 'stopped');
        client.stop({ reasonCode: DisconnectReasonCode.DisconnectWithWillMessage });
        await stopped;
        await got.count(topic, 1);
        const m = got.on(topic)[0];
        expect(text(m)).toBe('gone 🚀');
        expect(m.userProperties).toEqual([{ name: 'why', value: 'killed' }]);
    });

    it('control: stop() with NormalDisconnection discards the will', async () => {
        const sub = await connectedClient();
        const pub = await connectedClient();
        const topic = uniqueTopic('will-normal');
        const got = collector(sub);
        await sub.subscribe({ subscriptions: [{ topicFilter: topic, qos: QoS.AtLeastOnce }] });
        const client = await connectedClient({
            connectProperties: { keepAliveIntervalSeconds: 60, clientId: `will-normal-${randomUUID()}`, will: will(topic) },
        });
        const stopped = once(client, 'stopped');
        client.stop({ reasonCode: DisconnectReasonCode.NormalDisconnection });
        await stopped;
        await flush(sub, got, pub);
        expect(got.on(topic)).toEqual([]);
    });

    it('stop() without a packet sends no DISCONNECT, so the broker publishes the will (as aws-crt)', async () => {
        // aws-c-mqtt's aws_mqtt5_client_stop(client, NULL, ...) "stops immediately": it shuts the
        // channel down without writing a DISCONNECT, which the broker treats as a lost connection.
        const sub = await connectedClient();
        const topic = uniqueTopic('will-nopacket');
        const got = collector(sub);
        await sub.subscribe({ subscriptions: [{ topicFilter: topic, qos: QoS.AtLeastOnce }] });
        const client = await connectedClient({
            connectProperties: { keepAliveIntervalSeconds: 60, clientId: `will-nopacket-${randomUUID()}`, will: will(topic) },
        });
        const stopped = once(client, 'stopped');
        client.stop();
        await stopped;
        await got.count(topic, 1);
        expect(text(got.on(topic)[0])).toBe('gone 🚀');
    });
});

describe('ACL denials (private broker with acl_file)', () => {
    let broker: Broker;
    let aclDir: string;
    // The CRT appends SDK metrics to the CONNECT username by default (`?SDK=...`, as aws-crt does),
    // which would make these clients non-anonymous, so the anonymous ACL lines would not apply.
    const opts = () => ({ port: broker.port, disableMetrics: true });

    beforeAll(async () => {
        aclDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mqtt5-crt-acl-'));
        // mosquitto started as root runs as user 'mosquitto': let it read the file.
        fs.chmodSync(aclDir, 0o755);
        const acl = path.join(aclDir, 'acl');
        // Lines before any `user` line apply to anonymous clients; everything else is denied.
        fs.writeFileSync(
            acl,
            ['topic readwrite mqtt5-crt-test/allowed/#', 'topic read mqtt5-crt-test/readonly/#', ''].join('\n'),
        );
        fs.chmodSync(acl, 0o644);
        broker = await startBroker({ extraConfig: [`acl_file ${acl}`] });
    });

    afterAll(async () => {
        await closeAll();
        await broker?.stop();
        if (broker) fs.rmSync(broker.dir, { recursive: true, force: true });
        if (aclDir) fs.rmSync(aclDir, { recursive: true, force: true });
    });

    it('a QoS 1 publish to a denied topic resolves with PUBACK NotAuthorized and is not delivered', async () => {
        const sub = await connectedClient(opts());
        const pub = await connectedClient(opts());
        const denied = uniqueTopic('readonly'); // may be read, not written
        const got = collector(sub);
        const suback = await sub.subscribe({ subscriptions: [{ topicFilter: denied, qos: QoS.AtLeastOnce }] });
        expect(suback.reasonCodes).toEqual([SubackReasonCode.GrantedQoS1]);

        // mosquitto 2.0.11 (handle__publish, "Denied PUBLISH" in its log): an ACL-denied QoS 1
        // PUBLISH is answered with a PUBACK carrying 0x87 Not authorized and the message is
        // dropped; the connection stays up.
        const puback = await pub.publish({ topicName: denied, qos: QoS.AtLeastOnce, payload: 'nope' });
        expect(puback).toBeDefined();
        expect(puback!.reasonCode).toBe(PubackReasonCode.NotAuthorized);
        // A QoS 0 publish has no acknowledgement: it resolves (once written) and is dropped too.
        await expect(pub.publish({ topicName: denied, qos: QoS.AtMostOnce, payload: 'nope0' })).resolves.toBeUndefined();

        // Nothing was delivered, and the publisher can still publish where it may.
        const allowed = uniqueTopic('allowed');
        await sub.subscribe({ subscriptions: [{ topicFilter: allowed, qos: QoS.AtLeastOnce }] });
        const ok = await pub.publish({ topicName: allowed, qos: QoS.AtLeastOnce, payload: 'ok' });
        expect(ok!.reasonCode).toBe(PubackReasonCode.Success);
        await got.count(allowed, 1);
        expect(got.on(denied)).toEqual([]);
    });
});

describe('server DISCONNECT', () => {
    it('session takeover: the old connection gets `disconnection` with a CrtError (mosquitto 2.0.11 sends no DISCONNECT)', async () => {
        // MQTT 5 says the server SHOULD send DISCONNECT 0x8E Session taken over here; mosquitto
        // 2.0.11 does not: it closes the old socket right after the new CONNACK (checked with a raw
        // socket: the old connection receives its CONNACK, then EOF). So there is no `disconnect`
        // packet to report, only the socket error. A real server DISCONNECT is tested below.
        const clientId = `takeover-${randomUUID()}`;
        // No quick reconnect, or the two would keep taking the session from each other.
        const first = await connectedClient({
            connectProperties: { keepAliveIntervalSeconds: 60, clientId },
            retryJitterMode: RetryJitterType.None,
            minReconnectDelayMs: 60_000,
            maxReconnectDelayMs: 60_000,
        });
        const disconnection = once(first, 'disconnection');
        const second = await connectedClient({ connectProperties: { keepAliveIntervalSeconds: 60, clientId } });
        const { error, disconnect } = await disconnection;
        expect(error).toBeInstanceOf(CrtError);
        expect(error.code).toBe('AWS_IO_SOCKET_CLOSED');
        expect(error.errorCode).toBeGreaterThan(0);
        expect(disconnect).toBeUndefined();

        // The new connection works.
        const topic = uniqueTopic('takeover');
        const got = collector(second);
        await second.subscribe({ subscriptions: [{ topicFilter: topic, qos: QoS.AtLeastOnce }] });
        await second.publish({ topicName: topic, qos: QoS.AtLeastOnce, payload: 'still here' });
        await got.count(topic, 1);
    });
});

describe('private broker with the dynamic security plugin', () => {
    // mosquitto 2.0.11's acl_file never refuses a SUBSCRIBE (it filters on delivery instead: a
    // subscription to a topic with no ACL line is granted), but the dynamic security plugin does,
    // and it can kick a client, which makes mosquitto send a real DISCONNECT.
    const PLUGIN_CANDIDATES = [
        '/usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so',
        '/usr/lib/aarch64-linux-gnu/mosquitto_dynamic_security.so',
        '/usr/lib/mosquitto_dynamic_security.so',
        '/usr/local/lib/mosquitto_dynamic_security.so',
        '/opt/homebrew/lib/mosquitto_dynamic_security.so',
    ];
    let broker: Broker;
    let dir: string;

    /** A dynsec client entry, its password hashed as the plugin does (PBKDF2-SHA512, 64 bytes). */
    const dynsecClient = (username: string, password: string, roles: string[]) => {
        const salt = randomBytes(12);
        const iterations = 101;
        return {
            username,
            password: pbkdf2Sync(password, salt, iterations, 64, 'sha512').toString('base64'),
            salt: salt.toString('base64'),
            iterations,
            roles: roles.map((rolename) => ({ rolename })),
        };
    };

    /** A client of this broker logged in as `username`. */
    const login = (username: string, overrides: object = {}) =>
        connectedClient({
            port: broker.port,
            // No SDK metrics: they would be appended to the username and the login would fail.
            disableMetrics: true,
            connectProperties: {
                keepAliveIntervalSeconds: 60,
                clientId: `${username}-${randomUUID()}`,
                username,
                password: `${username}-pw`,
            },
            ...overrides,
        });

    beforeAll(async () => {
        const plugin = PLUGIN_CANDIDATES.find((p) => fs.existsSync(p));
        if (!plugin) throw new Error(`mosquitto_dynamic_security.so not found in ${PLUGIN_CANDIDATES.join(', ')}`);
        dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mqtt5-crt-dynsec-'));
        // mosquitto started as root runs as user 'mosquitto': let it read (and save) the config.
        fs.chmodSync(dir, 0o777);
        const config = path.join(dir, 'dynamic-security.json');
        fs.writeFileSync(
            config,
            JSON.stringify({
                clients: [
                    dynsecClient('admin', 'admin-pw', ['admin']),
                    dynsecClient('victim', 'victim-pw', []),
                    dynsecClient('limited', 'limited-pw', ['limited']),
                ],
                roles: [
                    {
                        rolename: 'admin',
                        acls: [
                            { acltype: 'publishClientSend', topic: '$CONTROL/dynamic-security/#', allow: true },
                            { acltype: 'publishClientReceive', topic: '$CONTROL/dynamic-security/#', allow: true },
                            { acltype: 'subscribePattern', topic: '$CONTROL/dynamic-security/#', allow: true },
                        ],
                    },
                    {
                        rolename: 'limited',
                        acls: [
                            { acltype: 'subscribePattern', topic: 'mqtt5-crt-test/allowed/#', allow: true },
                            { acltype: 'publishClientSend', topic: 'mqtt5-crt-test/allowed/#', allow: true },
                        ],
                    },
                ],
                defaultACLAccess: { publishClientSend: false, publishClientReceive: true, subscribe: false, unsubscribe: true },
            }),
        );
        fs.chmodSync(config, 0o666);
        broker = await startBroker({ extraConfig: [`plugin ${plugin}`, `plugin_opt_config_file ${config}`] });
    });

    afterAll(async () => {
        await closeAll();
        await broker?.stop();
        if (broker) fs.rmSync(broker.dir, { recursive: true, force: true });
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it('SUBACK reports NotAuthorized next to granted subscriptions, without throwing', async () => {
        const client = await login('limited');
        const allowed = uniqueTopic('allowed');
        const suback = await client.subscribe({
            subscriptions: [
                { topicFilter: allowed, qos: QoS.AtLeastOnce },
                { topicFilter: uniqueTopic('denied'), qos: QoS.AtLeastOnce },
                { topicFilter: `${allowed}/+/x`, qos: QoS.AtMostOnce },
            ],
        });
        expect(suback.reasonCodes).toEqual([
            SubackReasonCode.GrantedQoS1,
            SubackReasonCode.NotAuthorized,
            SubackReasonCode.GrantedQoS0,
        ]);

        // The granted subscription works.
        const got = collector(client);
        const puback = await client.publish({ topicName: allowed, qos: QoS.AtLeastOnce, payload: 'granted' });
        expect(puback!.reasonCode).toBe(PubackReasonCode.Success);
        await got.count(allowed, 1);
    });

    it('a server DISCONNECT reaches the `disconnection` event: AdministrativeAction when the client is disabled', async () => {
        const victim = await login('victim', {
            retryJitterMode: RetryJitterType.None,
            minReconnectDelayMs: 60_000,
            maxReconnectDelayMs: 60_000,
        });
        const admin = await login('admin');
        const got = collector(admin);
        const response = '$CONTROL/dynamic-security/v1/response';
        await admin.subscribe({ subscriptions: [{ topicFilter: response, qos: QoS.AtLeastOnce }] });

        const disconnection = once(victim, 'disconnection');
        await admin.publish({
            topicName: '$CONTROL/dynamic-security/v1',
            qos: QoS.AtLeastOnce,
            payload: { commands: [{ command: 'disableClient', username: 'victim' }] },
        });
        const { error, disconnect } = await disconnection;
        // mosquitto kicks it with DISCONNECT 0x98 (checked with a raw socket: e0 01 98).
        expect(disconnect).toBeDefined();
        expect(disconnect!.type).toBe(PacketType.Disconnect);
        expect(disconnect!.reasonCode).toBe(DisconnectReasonCode.AdministrativeAction);
        expect(disconnect!.reasonString).toBeUndefined();
        // aws-crt gives every DISCONNECT a userProperties array, empty when there are none.
        expect(disconnect!.userProperties).toEqual([]);
        expect(error).toBeInstanceOf(CrtError);
        expect(error.code).toBe('AWS_ERROR_MQTT5_DISCONNECT_RECEIVED');
        expect(error.errorCode).toBeGreaterThan(0);

        // The plugin confirmed the command.
        await got.count(response, 1);
        const answer = JSON.parse(text(got.on(response)[0]));
        expect(answer.responses[0].command).toBe('disableClient');
        expect(answer.responses[0].error).toBeUndefined();
    });
});
