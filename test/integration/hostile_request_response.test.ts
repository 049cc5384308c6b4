// The request-response client facing a hostile "service" (issue 20, item 5), over the real broker
// and both protocols: responses with malformed JSON, a correlation token of the wrong type, huge
// payloads, responses for unknown tokens, a flood of them, the same response twice, and the
// protocol client going away mid-request. Every request settles — resolved with its own response,
// or rejected with a CrtError within its timeout — and nothing is left pending or alive.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CrtError, io, type Mqtt5Client, mqtt, mqtt_request_response as rr } from '../../dist/index.js';
import { brokerPort, connectedClient, stopAndClose, uniqueTopic } from '../helpers/client';
import { distIndex, runNode } from '../helpers/child';

async function connected311(): Promise<mqtt.MqttClientConnection> {
    const c = new mqtt.MqttClient().new_connection({
        client_id: `rrh311-${randomUUID()}`,
        host_name: '127.0.0.1',
        port: brokerPort(),
        socket_options: new io.SocketOptions(),
        keep_alive: 60,
    });
    await c.connect();
    return c;
}

const base = uniqueTopic('rrh');
const OPTIONS = { maxRequestResponseSubscriptions: 4, maxStreamingSubscriptions: 2, operationTimeoutInSeconds: 3 };
const text = (b: ArrayBuffer) => Buffer.from(b).toString();

/** What the hostile service sends back for a request on `${base}/<scenario>`. */
type Answer = (token: string) => Array<string | Buffer>;
const SCENARIOS: Record<string, Answer> = {
    good: (t) => [JSON.stringify({ clientToken: t, ok: true })],
    malformed: (t) => ['{"clientToken": ', `{"clientToken":"${t}"`, '\u0000\xff', Buffer.from([0xff, 0xfe, 0x00]), ''],
    malformedThenGood: (t) => ['{{{not json', JSON.stringify({ clientToken: t, ok: 'after junk' })],
    wrongTokenType: (t) => [
        JSON.stringify({ clientToken: 5 }),
        JSON.stringify({ clientToken: { t } }),
        JSON.stringify({ clientToken: [t] }),
        JSON.stringify({ clientToken: null }),
        JSON.stringify([t]),
        JSON.stringify(t),
        '5',
    ],
    unknownTokens: (t) => [
        ...Array.from({ length: 20 }, (_, i) => JSON.stringify({ clientToken: `${t}-other-${i}` })),
        JSON.stringify({ clientToken: t, ok: 'mine' }),
    ],
    twice: (t) => [JSON.stringify({ clientToken: t, n: 1 }), JSON.stringify({ clientToken: t, n: 2 })],
    huge: (t) => [Buffer.from(JSON.stringify({ clientToken: t, blob: 'x'.repeat(4 * 1024 * 1024) }))],
    silent: () => [],
};
const FLOOD = 2_000;

describe('request-response against a hostile service', () => {
    let service: Mqtt5Client;
    let device5: Mqtt5Client;
    let device311: mqtt.MqttClientConnection;

    beforeAll(async () => {
        service = await connectedClient();
        device5 = await connectedClient();
        device311 = await connected311();
        service.on('messageReceived', ({ message }) => {
            const scenario = message.topicName.split('/').at(-1)!;
            const token = JSON.parse(Buffer.from(message.payload as Buffer).toString()).clientToken;
            const topic = `${message.topicName}/accepted`;
            if (scenario === 'flood') {
                // A flood of responses for other requests around the real one, fire and forget.
                for (let i = 0; i < FLOOD; i++) {
                    service
                        .publish({ topicName: topic, qos: 0, payload: JSON.stringify({ clientToken: `flood-${i}` }) })
                        .catch(() => {});
                    if (i === FLOOD / 2)
                        service.publish({ topicName: topic, qos: 1, payload: JSON.stringify({ clientToken: token }) });
                }
                return;
            }
            for (const payload of SCENARIOS[scenario](token))
                service.publish({ topicName: topic, qos: 1, payload }).catch(() => {});
        });
        await service.subscribe({ subscriptions: [{ topicFilter: `${base}/+/+`, qos: 1 }] });
    });
    afterAll(async () => {
        await stopAndClose(service);
        await stopAndClose(device5);
        await device311.disconnect().catch(() => {});
        device311.close();
    });

    let n = 0;
    function request(protocol: string, scenario: string) {
        const token = `tok-${++n}-${randomUUID()}`;
        const topic = `${base}/${protocol}/${scenario}`;
        return {
            subscriptionTopicFilters: [`${topic}/accepted`],
            responsePaths: [{ topic: `${topic}/accepted`, correlationTokenJsonPath: 'clientToken' }],
            publishTopic: topic,
            payload: Buffer.from(JSON.stringify({ clientToken: token })),
            correlationToken: token,
        };
    }

    for (const protocol of ['mqtt5', 'mqtt311'] as const) {
        const make = () =>
            protocol === 'mqtt5'
                ? rr.RequestResponseClient.newFromMqtt5(device5, OPTIONS)
                : rr.RequestResponseClient.newFromMqtt311(device311, OPTIONS);

        describe(`over ${protocol}`, () => {
            let client: rr.RequestResponseClient;
            beforeAll(() => {
                client = make();
            });
            afterAll(() => client.close());

            /** The request's outcome, with how long it took to settle. */
            async function outcome(scenario: string) {
                const t0 = performance.now();
                const result = await client.submitRequest(request(protocol, scenario)).then(
                    (r) => ({ response: JSON.parse(text(r.payload)), topic: r.topic }),
                    (e) => ({ error: e as CrtError }),
                );
                return { ...result, ms: performance.now() - t0 };
            }
            function expectTimedOut(r: { error?: CrtError; ms: number }): void {
                expect(r.error).toBeInstanceOf(CrtError);
                expect(r.error!.code).toBe('AWS_ERROR_MQTT_REQUEST_RESPONSE_TIMEOUT');
                expect(r.ms).toBeLessThan(30_000); // 3 s configured; generous for a busy machine
            }

            it('malformed JSON responses are dropped: the request times out with a CrtError', async () => {
                expectTimedOut(await outcome('malformed'));
            });

            it('a malformed response, then a good one: resolves with the good one', async () => {
                expect(await outcome('malformedThenGood')).toMatchObject({ response: { ok: 'after junk' } });
            });

            it('correlation tokens of the wrong type are dropped: the request times out', async () => {
                expectTimedOut(await outcome('wrongTokenType'));
            });

            it('responses for unknown tokens are ignored; the request gets its own', async () => {
                expect(await outcome('unknownTokens')).toMatchObject({ response: { ok: 'mine' } });
            });

            it('the same response twice: resolved once, the second ignored, the next request unaffected', async () => {
                const [first, next] = await Promise.all([outcome('twice'), outcome('good')]);
                expect(first).toMatchObject({ response: { n: 1 } });
                expect(next).toMatchObject({ response: { ok: true } });
            });

            it('a 4 MiB response arrives whole', async () => {
                const r = (await outcome('huge')) as { response: { blob: string } };
                expect(r.response.blob.length).toBe(4 * 1024 * 1024);
            });

            it(`a flood of ${FLOOD} responses for other tokens around the real one: resolves with it`, async () => {
                const r = await outcome('flood');
                expect(r).toMatchObject({ response: {} });
                expect('error' in r).toBe(false);
            }, 60_000);

            it('many concurrent requests, half never answered: each settles by its timeout', async () => {
                const all = await Promise.all(Array.from({ length: 20 }, (_, i) => outcome(i % 2 === 0 ? 'good' : 'silent')));
                all.forEach((r, i) => {
                    if (i % 2 === 0) expect(r, `request ${i}`).toMatchObject({ response: { ok: true } });
                    else expectTimedOut(r);
                });
            }, 60_000);
        });
    }

    it('a stream delivers whatever is published on its filter (malformed, empty, huge) as bytes', async () => {
        const client = rr.RequestResponseClient.newFromMqtt5(device5, OPTIONS);
        try {
            const topic = `${base}/stream/${randomUUID()}`;
            const stream = client.createStream({ subscriptionTopicFilter: `${topic}/+` });
            const got: Array<[string, number]> = [];
            const established = new Promise((r) => stream.once('subscriptionStatus', r));
            stream.on('incomingPublish', (e) => got.push([e.topic, e.payload.byteLength]));
            stream.open();
            await established;
            const payloads = [Buffer.from([0xff, 0x00]), Buffer.alloc(0), Buffer.alloc(2 * 1024 * 1024, 1), '{"x":'];
            for (const [i, payload] of payloads.entries()) await service.publish({ topicName: `${topic}/${i}`, qos: 1, payload });
            const deadline = Date.now() + 20_000;
            while (got.length < payloads.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
            expect(got).toEqual(payloads.map((p, i) => [`${topic}/${i}`, Buffer.byteLength(p)]));
            stream.close();
        } finally {
            client.close();
        }
    });
    it('a stream closed by its own listener emits nothing more, even from the same batch', async () => {
        const client = rr.RequestResponseClient.newFromMqtt5(device5, OPTIONS);
        try {
            const topic = `${base}/closing/${randomUUID()}`;
            const stream = client.createStream({ subscriptionTopicFilter: `${topic}/+` });
            const established = new Promise((r) => stream.once('subscriptionStatus', r));
            let seen = 0;
            stream.on('incomingPublish', () => {
                seen++;
                stream.close();
            });
            stream.open();
            await established;
            await Promise.all(
                Array.from({ length: 50 }, (_, i) => service.publish({ topicName: `${topic}/${i}`, qos: 1, payload: 'x' })),
            );
            const deadline = Date.now() + 10_000;
            while (seen === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
            await new Promise((r) => setTimeout(r, 500));
            expect(seen).toBe(1);
        } finally {
            client.close();
        }
    });
});

describe('the protocol client going away mid-request', () => {
    const SILENT = (topic: string) => ({
        subscriptionTopicFilters: [`${topic}/accepted`],
        responsePaths: [{ topic: `${topic}/accepted`, correlationTokenJsonPath: 'clientToken' }],
        publishTopic: topic,
        payload: Buffer.from('{"clientToken":"t"}'),
        correlationToken: 't',
    });

    it('MQTT 5 client stopped, then closed, under a pending request: it settles within its timeout', async () => {
        const device = await connectedClient();
        const client = rr.RequestResponseClient.newFromMqtt5(device, OPTIONS);
        const pending = client.submitRequest(SILENT(uniqueTopic('rrh-gone'))).catch((e) => e);
        await new Promise((r) => setTimeout(r, 100));
        await stopAndClose(device);
        const t0 = performance.now();
        const e = await pending;
        expect(e).toBeInstanceOf(CrtError);
        expect(performance.now() - t0).toBeLessThan(30_000);
        client.close();
    });

    it('MQTT 3.1.1 connection disconnected under a pending request: it settles within its timeout', async () => {
        const device = await connected311();
        const client = rr.RequestResponseClient.newFromMqtt311(device, OPTIONS);
        const pending = client.submitRequest(SILENT(uniqueTopic('rrh-gone311'))).catch((e) => e);
        await new Promise((r) => setTimeout(r, 100));
        await device.disconnect();
        expect(await pending).toBeInstanceOf(CrtError);
        client.close();
    });

    it('a process whose clients were closed mid-request exits, with every request settled', async () => {
        const script = `
            const { Mqtt5Client, mqtt, io, mqtt_request_response: rr } = require(${JSON.stringify(distIndex)});
            const port = ${brokerPort()};
            const options = { maxRequestResponseSubscriptions: 4, maxStreamingSubscriptions: 2, operationTimeoutInSeconds: 30 };
            const req = (t) => ({ subscriptionTopicFilters: [t + '/a'], responsePaths: [{ topic: t + '/a', correlationTokenJsonPath: 'k' }],
                publishTopic: t, payload: Buffer.from('{}'), correlationToken: 'k' });
            (async () => {
                const c5 = new Mqtt5Client({ hostName: '127.0.0.1', port, connectProperties: { keepAliveIntervalSeconds: 60 } });
                const up = new Promise((r) => c5.once('connectionSuccess', r));
                c5.start();
                await up;
                const c311 = new mqtt.MqttClient().new_connection({ client_id: 'gone-' + process.pid, host_name: '127.0.0.1', port,
                    socket_options: new io.SocketOptions(), keep_alive: 60 });
                await c311.connect();
                const a = rr.RequestResponseClient.newFromMqtt5(c5, options);
                const b = rr.RequestResponseClient.newFromMqtt311(c311, options);
                const s = a.createStream({ subscriptionTopicFilter: 'gone/+' });
                s.open();
                const settled = [a.submitRequest(req('gone/a')), b.submitRequest(req('gone/b')), a.submitRequest(req('gone/c'))]
                    .map((p) => p.then(() => 'resolved', (e) => e.code));
                setTimeout(() => { c5.close(); c311.close(); a.close(); b.close(); }, 200);
                console.log(JSON.stringify(await Promise.all(settled)));
            })();
        `;
        const r = await runNode(script, { timeoutMs: 60_000 });
        expect(r.timedOut).toBe(false);
        expect(r.code).toBe(0);
        const codes = JSON.parse(r.stdout.trim());
        expect(codes).toEqual([
            'AWS_ERROR_MQTT_REQUEST_RESPONSE_CLIENT_SHUT_DOWN',
            'AWS_ERROR_MQTT_REQUEST_RESPONSE_CLIENT_SHUT_DOWN',
            'AWS_ERROR_MQTT_REQUEST_RESPONSE_CLIENT_SHUT_DOWN',
        ]);
    }, 90_000);
});
