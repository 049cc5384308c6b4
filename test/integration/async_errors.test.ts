// aws-crt's publish/subscribe/unsubscribe are async: every failure, bad input included, arrives as
// a rejected promise, so `client.publish(p).catch(h)` and `await expect(client.publish(bad)).rejects`
// work. These run against the broker, on a connected client that stays usable afterwards.
import { afterAll, describe, expect, it } from 'vitest';
import { CrtError, isSuccessfulPubackReasonCode, type Mqtt5Client, QoS } from '../../dist/index.js';
import { closeAll, connectedClient, uniqueTopic } from '../helpers/client';

afterAll(closeAll);

type Call = [string, (c: Mqtt5Client) => Promise<unknown>, ErrorConstructor, string];

const BAD: Call[] = [
    [
        'wildcard topic',
        (c) => c.publish({ topicName: 'a/+', qos: QoS.AtMostOnce }),
        RangeError,
        "publish.topicName must not contain the wildcards '+' or '#' (got 'a/+')",
    ],
    [
        'QoS 2',
        (c) => c.publish({ topicName: 't', qos: 2 as QoS.AtLeastOnce }),
        RangeError,
        'publish.qos must be 0 (AtMostOnce) or 1 (AtLeastOnce): QoS 2 is not supported',
    ],
    ['null packet', (c) => c.publish(null as never), TypeError, 'publish must be an object (got null)'],
    [
        'expiry out of range',
        (c) => c.publish({ topicName: 't', qos: QoS.AtMostOnce, messageExpiryIntervalSeconds: 2 ** 32 }),
        RangeError,
        'publish.messageExpiryIntervalSeconds must be an integer from 0 to 4294967295 (got 4294967296)',
    ],
    [
        'payload of a wrong type',
        (c) => c.publish({ topicName: 't', qos: QoS.AtMostOnce, payload: 5 as never }),
        TypeError,
        'publish.payload must be a Buffer, TypedArray, DataView, ArrayBuffer or string or a JSON-serialisable object (got number)',
    ],
    [
        'bad topic filter',
        (c) => c.subscribe({ subscriptions: [{ topicFilter: 'a/#/b', qos: QoS.AtMostOnce }] }),
        RangeError,
        "subscribe.subscriptions[0].topicFilter: '#' must be a whole level and the last one (got 'a/#/b')",
    ],
    [
        'subscription identifier out of range',
        (c) => c.subscribe({ subscriptions: [{ topicFilter: 't', qos: QoS.AtMostOnce }], subscriptionIdentifier: 0 }),
        RangeError,
        'subscribe.subscriptionIdentifier must be an integer from 1 to 268435455 (got 0)',
    ],
    ['no subscribe packet', (c) => c.subscribe(undefined as never), TypeError, 'subscribe must be an object (got undefined)'],
    ['null unsubscribe packet', (c) => c.unsubscribe(null as never), TypeError, 'unsubscribe must be an object (got null)'],
    [
        'empty topic filter',
        (c) => c.unsubscribe({ topicFilters: [''] }),
        RangeError,
        'unsubscribe.topicFilters[0] must not be empty',
    ],
];

describe('operations report every failure through their promise', () => {
    it.each(BAD)(
        '%s: nothing thrown, the promise rejects with the error naming the field and the rule',
        async (_, call, Ctor, text) => {
            const client = await connectedClient();
            let promise: Promise<unknown> | undefined;
            expect(() => {
                promise = call(client);
            }).not.toThrow();
            expect(promise).toBeInstanceOf(Promise);
            const error = await promise!.then(
                () => undefined,
                (e: unknown) => e,
            );
            expect(error).toBeInstanceOf(Ctor);
            expect((error as Error).message).toBe(text);
            // The client is not affected: a good publish still gets its PUBACK.
            const puback = await client.publish({ topicName: uniqueTopic('async-errors'), qos: QoS.AtLeastOnce, payload: 'ok' });
            expect(isSuccessfulPubackReasonCode(puback!.reasonCode)).toBe(true);
        },
    );

    it('`.catch(handler)` and `await expect(...).rejects` work as with aws-crt', async () => {
        const client = await connectedClient();
        const caught = await client.publish({ topicName: '#', qos: QoS.AtMostOnce }).catch((e: unknown) => e);
        expect(caught).toBeInstanceOf(RangeError);
        await expect(client.subscribe({ subscriptions: [] })).rejects.toThrow(/subscribe\.subscriptions/);
        await expect(client.unsubscribe({ topicFilters: 'a' as never })).rejects.toBeInstanceOf(TypeError);
    });

    it('after close(): operations reject with a CrtError, stop() does nothing, and stop(); close() in any order never throws', async () => {
        const client = await connectedClient();
        const stopped = new Promise((r) => client.once('stopped', r));
        client.stop();
        await stopped;
        client.close();
        for (const op of [
            () => client.publish({ topicName: 't', qos: QoS.AtLeastOnce }),
            () => client.subscribe({ subscriptions: [{ topicFilter: 't', qos: QoS.AtMostOnce }] }),
            () => client.unsubscribe({ topicFilters: ['t'] }),
        ]) {
            let promise: Promise<unknown> | undefined;
            expect(() => {
                promise = op();
            }).not.toThrow();
            const error = await promise!.then(
                () => undefined,
                (e: unknown) => e,
            );
            expect(error).toBeInstanceOf(CrtError);
            expect((error as CrtError).error_name).toBe('AWS_ERROR_MQTT5_CLIENT_TERMINATED');
        }
        // Clean-up code in `finally` calls both, in either order, maybe twice.
        expect(() => {
            client.stop();
            client.stop({ reasonCode: 0 });
            client.close();
            client.stop();
        }).not.toThrow();
        // Synchronous methods keep throwing.
        expect(() => client.start()).toThrow(CrtError);
    });

    it('a client closed while connected: stop() afterwards does not throw, and the pending publish rejects', async () => {
        const client = await connectedClient();
        const pending = client.publish({ topicName: uniqueTopic('async-errors'), qos: QoS.AtLeastOnce, payload: 'x' });
        client.close();
        expect(() => client.stop()).not.toThrow();
        await expect(pending).rejects.toBeInstanceOf(CrtError);
    });
});
