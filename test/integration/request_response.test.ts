// mqtt_request_response.RequestResponseClient (aws-c-mqtt's request-response engine over this
// package's clients) and cancel.newCancellablePromiseFromNextEvent, against the real broker.
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CrtError, cancel, io, mqtt, mqtt_request_response as rr, Mqtt5Client } from '../../dist/index.js';
import { brokerPort, connectedClient, stopAndClose, uniqueTopic } from '../helpers/client';
import { distIndex, runNode } from '../helpers/child';

const options = { maxRequestResponseSubscriptions: 4, maxStreamingSubscriptions: 2, operationTimeoutInSeconds: 10 };

const text = (b: ArrayBuffer) => Buffer.from(b).toString();

describe('RequestResponseClient', () => {
    let responder: Mqtt5Client;
    let device: Mqtt5Client;
    const base = uniqueTopic('rr');
    beforeAll(async () => {
        responder = await connectedClient();
        device = await connectedClient();
        // Answers `${base}/req` on `${base}/req/accepted` with the request's token, after a delay
        // that reverses the order of concurrent requests.
        responder.on('messageReceived', ({ message }) => {
            const body = JSON.parse(Buffer.from(message.payload as Buffer).toString());
            setTimeout(
                () =>
                    responder.publish({
                        topicName: `${base}/req/accepted`,
                        payload: JSON.stringify({ clientToken: body.clientToken, echo: body.n }),
                        qos: 1,
                    }),
                body.delay ?? 0,
            );
        });
        await responder.subscribe({ subscriptions: [{ topicFilter: `${base}/req`, qos: 1 }] });
    });
    afterAll(async () => {
        await stopAndClose(responder);
        await stopAndClose(device);
    });

    const request = (n: number, delay = 0) => ({
        subscriptionTopicFilters: [`${base}/req/+`],
        responsePaths: [
            { topic: `${base}/req/accepted`, correlationTokenJsonPath: 'clientToken' },
            { topic: `${base}/req/rejected`, correlationTokenJsonPath: 'clientToken' },
        ],
        publishTopic: `${base}/req`,
        payload: Buffer.from(JSON.stringify({ clientToken: `token-${n}`, n, delay })),
        correlationToken: `token-${n}`,
    });

    it('newFromMqtt5: concurrent requests each get the response carrying their token', async () => {
        const client = rr.RequestResponseClient.newFromMqtt5(device, options);
        try {
            const responses = await Promise.all(
                [request(1, 300), request(2, 150), request(3, 0)].map((r) => client.submitRequest(r)),
            );
            for (const [i, response] of responses.entries()) {
                expect(response.topic).toBe(`${base}/req/accepted`);
                expect(response.payload).toBeInstanceOf(ArrayBuffer);
                expect(JSON.parse(text(response.payload))).toEqual({ clientToken: `token-${i + 1}`, echo: i + 1 });
            }
        } finally {
            client.close();
        }
    });

    it('newFromMqtt311: the same over an MQTT 3.1.1 connection', async () => {
        const connection = new mqtt.MqttClient().new_connection({
            client_id: `rr311-${randomUUID()}`,
            host_name: '127.0.0.1',
            port: brokerPort(),
            socket_options: new io.SocketOptions(),
        });
        await connection.connect();
        const client = rr.RequestResponseClient.newFromMqtt311(connection, options);
        try {
            const response = await client.submitRequest(request(7));
            expect(JSON.parse(text(response.payload)).echo).toBe(7);
        } finally {
            client.close();
            await connection.disconnect();
        }
    });

    it('a request nobody answers times out with a CrtError; close() rejects what is pending', async () => {
        const client = rr.RequestResponseClient.newFromMqtt5(device, { ...options, operationTimeoutInSeconds: 1 });
        const lonely = {
            ...request(9),
            publishTopic: `${base}/nobody`,
            subscriptionTopicFilters: [`${base}/nobody/+`],
            responsePaths: [{ topic: `${base}/nobody/accepted`, correlationTokenJsonPath: 'clientToken' }],
        };
        const err = await client.submitRequest(lonely).catch((e) => e);
        expect(err).toBeInstanceOf(CrtError);
        expect(err.code).toBe('AWS_ERROR_MQTT_REQUEST_RESPONSE_TIMEOUT');
        const pending = client.submitRequest({ ...lonely, correlationToken: 'other' });
        client.close();
        await expect(pending).rejects.toMatchObject({ code: 'AWS_ERROR_MQTT_REQUEST_RESPONSE_CLIENT_SHUT_DOWN' });
        await expect(client.submitRequest(request(1))).rejects.toBeInstanceOf(CrtError);
        expect(() => client.createStream({ subscriptionTopicFilter: 'a' })).toThrow(CrtError);
        client.close(); // idempotent
    });

    it('a streaming operation: established, its messages, nothing after close(); open() after close() throws', async () => {
        const client = rr.RequestResponseClient.newFromMqtt5(device, options);
        try {
            const topic = `${base}/stream`;
            const stream = client.createStream({ subscriptionTopicFilter: `${topic}/+` });
            const statuses: rr.SubscriptionStatusEvent[] = [];
            const publishes: rr.IncomingPublishEvent[] = [];
            stream.on('subscriptionStatus', (e) => statuses.push(e));
            stream.on('incomingPublish', (e) => publishes.push(e));
            const established = cancel.newCancellablePromiseFromNextEvent({
                emitter: stream,
                eventName: rr.StreamingOperationBase.SUBSCRIPTION_STATUS,
            });
            stream.open();
            stream.open(); // a second open is ignored
            await established;
            expect(statuses[0]).toEqual({ type: rr.SubscriptionStatusEventType.SubscriptionEstablished });
            const next = cancel.newCancellablePromiseFromNextEvent<string>({
                emitter: stream,
                eventName: rr.StreamingOperationBase.INCOMING_PUBLISH,
                eventDataTransformer: (e: rr.IncomingPublishEvent) => `${e.topic}=${text(e.payload)}`,
            });
            await responder.publish({ topicName: `${topic}/a`, payload: 'one', qos: 1 });
            expect(await next).toBe(`${topic}/a=one`);
            stream.close();
            await responder.publish({ topicName: `${topic}/b`, payload: 'two', qos: 1 });
            await new Promise((r) => setTimeout(r, 300));
            expect(publishes.map((p) => text(p.payload))).toEqual(['one']);
            expect(() => stream.open()).toThrow(CrtError);
            stream.close(); // idempotent
        } finally {
            client.close();
        }
    });

    it('bad input: TypeError/RangeError naming the field (thrown, or rejected by submitRequest)', async () => {
        expect(() => rr.RequestResponseClient.newFromMqtt5({} as any, options)).toThrow(
            /protocolClient must be an mqtt5\.Mqtt5Client/,
        );
        expect(() => rr.RequestResponseClient.newFromMqtt311(device as any, options)).toThrow(TypeError);
        expect(() => rr.RequestResponseClient.newFromMqtt5(device, { ...options, maxRequestResponseSubscriptions: 1 })).toThrow(
            /maxRequestResponseSubscriptions must be at least 2 \(got 1\)/,
        );
        expect(() => rr.RequestResponseClient.newFromMqtt5(device, { maxRequestResponseSubscriptions: 2 } as any)).toThrow(
            /maxStreamingSubscriptions is required/,
        );
        const client = rr.RequestResponseClient.newFromMqtt5(device, options);
        try {
            await expect(client.submitRequest({ ...request(1), subscriptionTopicFilters: [] })).rejects.toThrow(RangeError);
            await expect(client.submitRequest({ ...request(1), subscriptionTopicFilters: ['a/#/b'] })).rejects.toThrow(
                /subscriptionTopicFilters\[0\]/,
            );
            await expect(client.submitRequest({ ...request(1), publishTopic: 'a/+' })).rejects.toThrow(/publishTopic/);
            await expect(client.submitRequest({ ...request(1), payload: 5 as any })).rejects.toThrow(/payload must be/);
            await expect(client.submitRequest({ ...request(1), responsePaths: [{ topic: 3 }] as any })).rejects.toThrow(
                /responsePaths\[0\]\.topic must be a string/,
            );
            await expect(client.submitRequest(undefined as any)).rejects.toThrow(TypeError);
            expect(() => client.createStream({ subscriptionTopicFilter: 7 } as any)).toThrow(
                /subscriptionTopicFilter must be a string/,
            );
        } finally {
            client.close();
        }
    });

    it('a client whose protocol client was closed cannot be made', async () => {
        const closed = new Mqtt5Client({ hostName: '127.0.0.1', port: brokerPort() });
        closed.close();
        expect(() => rr.RequestResponseClient.newFromMqtt5(closed, options)).toThrow(CrtError);
    });
});

describe('cancel.newCancellablePromiseFromNextEvent', () => {
    it('resolves with the next event (transformed), rejects on cancel, and removes its listeners', async () => {
        const emitter = new EventEmitter();
        const p = cancel.newCancellablePromiseFromNextEvent({
            emitter,
            eventName: 'x',
            eventDataTransformer: (d: number) => d * 2,
        });
        emitter.emit('x', 21);
        expect(await p).toBe(42);
        expect(emitter.listenerCount('x')).toBe(0);

        const controller = new cancel.CancelController();
        const q = cancel.newCancellablePromiseFromNextEvent({
            emitter,
            eventName: 'x',
            cancelController: controller,
            cancelMessage: 'stop',
        });
        controller.cancel();
        await expect(q).rejects.toBe('stop');
        expect(controller.hasBeenCancelled()).toBe(true);
        expect(emitter.listenerCount('x')).toBe(0);
        // An already cancelled controller rejects at once.
        await expect(
            cancel.newCancellablePromiseFromNextEvent({
                emitter,
                eventName: 'x',
                cancelController: controller,
                cancelMessage: 'late',
            }),
        ).rejects.toBe('late');
        const failing = cancel.newCancellablePromiseFromNextEvent({
            emitter,
            eventName: 'x',
            eventDataTransformer: () => {
                throw new Error('bad data');
            },
        });
        emitter.emit('x', 1);
        await expect(failing).rejects.toThrow('bad data');
    });
});

describe('process lifetime', () => {
    it('an open stream keeps its client (and itself) alive through GC until closed', async () => {
        const script = `
            const { Mqtt5Client, mqtt_request_response } = require(${JSON.stringify(distIndex)});
            const client = new Mqtt5Client({ hostName: '127.0.0.1', port: ${brokerPort()} });
            const topic = 'mqtt5-crt-test/rr-gc/' + process.pid;
            // Defined out here: it must not keep the request-response client reachable itself.
            async function collectThenPublish() {
                for (let i = 0; i < 3; i++) { globalThis.gc(); await new Promise((r) => setTimeout(r, 50)); }
                client.publish({ topicName: topic, payload: 'after gc', qos: 1 });
            }
            client.on('connectionSuccess', () => {
                // Nothing but the stream's own listeners refers to the request-response client.
                (() => {
                    const rr = mqtt_request_response.RequestResponseClient.newFromMqtt5(client, { maxRequestResponseSubscriptions: 2, maxStreamingSubscriptions: 1 });
                    const stream = rr.createStream({ subscriptionTopicFilter: topic });
                    stream.on('subscriptionStatus', () => setTimeout(collectThenPublish, 0));
                    stream.on('incomingPublish', (e) => {
                        console.log('got', Buffer.from(e.payload).toString());
                        rr.close();
                        client.stop();
                    });
                    stream.open();
                })();
            });
            client.start();
        `;
        const r = await runNode(script, { flags: ['--expose-gc'], timeoutMs: 30_000 });
        expect(r.timedOut).toBe(false);
        expect(r.stderr).toBe('');
        expect(r.stdout).toContain('got after gc');
        expect(r.code).toBe(0);
    });

    it('a request-response client with nothing pending lets the process exit', async () => {
        const script = `
            const { Mqtt5Client, mqtt_request_response } = require(${JSON.stringify(distIndex)});
            const client = new Mqtt5Client({ hostName: '127.0.0.1', port: ${brokerPort()} });
            client.on('connectionSuccess', () => {
                const rr = mqtt_request_response.RequestResponseClient.newFromMqtt5(client, { maxRequestResponseSubscriptions: 2, maxStreamingSubscriptions: 1, operationTimeoutInSeconds: 1 });
                rr.submitRequest({ subscriptionTopicFilters: ['exit/rr/+'], responsePaths: [{ topic: 'exit/rr/accepted' }], publishTopic: 'exit/rr', payload: '{}' })
                    .catch((e) => console.log('timed out', e.code))
                    .finally(() => { client.stop(); console.log('stopping'); });
            });
            client.start();
        `;
        const r = await runNode(script, { timeoutMs: 30_000 });
        expect(r.timedOut).toBe(false);
        expect(r.stdout).toContain('timed out AWS_ERROR_MQTT_REQUEST_RESPONSE_TIMEOUT\nstopping');
        expect(r.code).toBe(0);
    });
});
