// The real addon, no broker traffic: validation, errors, close semantics.
import { describe, expect, it } from 'vitest';
import { CrtError, Mqtt5Client, QoS } from '../../dist/index.js';

const config = { hostName: '127.0.0.1', port: 1 };

describe('config validation', () => {
    it('rejects a missing or wrong config with errors naming the field and the rule', () => {
        expect(() => new Mqtt5Client(undefined as any)).toThrow(new TypeError('config must be an object (got undefined)'));
        expect(() => new Mqtt5Client({ port: 1883 } as any)).toThrow(new TypeError('config.hostName is required'));
        expect(() => new Mqtt5Client({ hostName: 5, port: 1883 } as any)).toThrow(
            new TypeError('config.hostName must be a string (got 5)'),
        );
        expect(() => new Mqtt5Client({ hostName: 'h', port: 70000 })).toThrow(RangeError);
        expect(() => new Mqtt5Client({ hostName: 'h', port: 70000 })).toThrow(/config\.port must be an integer from 1 to 65535/);
        expect(() => new Mqtt5Client({ hostName: 'h', port: 1.5 })).toThrow(/config\.port must be an integer/);
        expect(() => new Mqtt5Client({ hostName: 'h', port: 1, sessionBehavior: 9 as any })).toThrow(
            /config\.sessionBehavior must be an integer from 0 to 3/,
        );
        expect(() => new Mqtt5Client({ hostName: 'h', port: 1, connectProperties: { keepAliveIntervalSeconds: 70000 } })).toThrow(
            /config\.connectProperties\.keepAliveIntervalSeconds must be an integer from 0 to 65535/,
        );
        expect(
            () =>
                new Mqtt5Client({
                    hostName: 'h',
                    port: 1,
                    connectProperties: { keepAliveIntervalSeconds: 1, clientId: 7 as any },
                }),
        ).toThrow(new TypeError('config.connectProperties.clientId must be a string (got 7)'));
        expect(() => new Mqtt5Client({ hostName: 'h', port: 1, tlsCtx: {} } as any)).toThrow(
            new TypeError('config.tlsCtx must be an io.ClientTlsContext'),
        );
    });
});

describe('operation validation', () => {
    it('rejects, naming the field, for bad packets (nothing thrown, as aws-crt)', async () => {
        const c = new Mqtt5Client(config);
        try {
            await expect(c.publish(null as any)).rejects.toThrow(new TypeError('publish must be an object (got null)'));
            await expect(c.publish({ qos: QoS.AtMostOnce } as any)).rejects.toThrow(
                new TypeError('publish.topicName is required'),
            );
            await expect(c.publish({ topicName: 't' } as any)).rejects.toThrow(new TypeError('publish.qos is required'));
            await expect(c.publish({ topicName: 't', qos: QoS.ExactlyOnce })).rejects.toThrow(RangeError);
            await expect(c.publish({ topicName: 't', qos: 5 as any })).rejects.toThrow(
                /publish\.qos must be an integer from 0 to 2/,
            );
            await expect(c.publish({ topicName: 't', qos: 0, payload: 42 as any })).rejects.toThrow(
                /publish\.payload must be a Buffer/,
            );
            await expect(c.publish({ topicName: 't', qos: 0, userProperties: [{ name: 'a' }] as any })).rejects.toThrow(
                new TypeError('publish.userProperties[0].value must be a string'),
            );
            await expect(c.subscribe({ subscriptions: [{ topicFilter: 'a', qos: 1 }, { qos: 1 }] } as any)).rejects.toThrow(
                new TypeError('subscribe.subscriptions[1].topicFilter is required'),
            );
            await expect(c.unsubscribe({ topicFilters: 'a' } as any)).rejects.toThrow(
                new TypeError('unsubscribe.topicFilters must be an array'),
            );
        } finally {
            c.close();
        }
    });

    it('checks topic rules before anything is sent', async () => {
        const c = new Mqtt5Client(config);
        try {
            await expect(c.publish({ topicName: 'a/+/b', qos: 0 })).rejects.toThrow(
                new RangeError("publish.topicName must not contain the wildcards '+' or '#' (got 'a/+/b')"),
            );
            await expect(c.publish({ topicName: '', qos: 0 })).rejects.toThrow(
                new RangeError('publish.topicName must not be empty'),
            );
            await expect(c.publish({ topicName: 'a\uD800', qos: 0 })).rejects.toThrow(/publish\.topicName must be well-formed/);
            await expect(c.subscribe({ subscriptions: [{ topicFilter: 'a/#/b', qos: 0 }] })).rejects.toThrow(
                /subscribe\.subscriptions\[0\]\.topicFilter: '#' must be a whole level and the last one/,
            );
            await expect(c.subscribe({ subscriptions: [{ topicFilter: 'a/b+', qos: 0 }] })).rejects.toThrow(
                /'\+' must be a whole level/,
            );
            await expect(c.subscribe({ subscriptions: [{ topicFilter: '$share/g', qos: 0 }] })).rejects.toThrow(
                /\$share\/<group>\/<filter>/,
            );
            await expect(c.subscribe({ subscriptions: [] })).rejects.toThrow(
                new RangeError('subscribe.subscriptions must not be empty'),
            );
            await expect(
                c.subscribe({ subscriptions: [{ topicFilter: 'a', qos: 0 }], subscriptionIdentifier: 0 }),
            ).rejects.toThrow(new RangeError('subscribe.subscriptionIdentifier must be an integer from 1 to 268435455 (got 0)'));
            await expect(
                c.subscribe({ subscriptions: [{ topicFilter: 'a', qos: 0 }], subscriptionIdentifier: 268435456 }),
            ).rejects.toThrow(RangeError);
            await expect(c.unsubscribe({ topicFilters: ['ok', 'x/#/y'] })).rejects.toThrow(/unsubscribe\.topicFilters\[1\]/);
            await expect(c.publish({ topicName: 't', qos: 0, topicAlias: 0 })).rejects.toThrow(
                /publish\.topicAlias must be an integer from 1 to 65535/,
            );
            await expect(c.publish({ topicName: 't', qos: 0, subscriptionIdentifiers: [1] })).rejects.toThrow(TypeError);
        } finally {
            c.close();
        }
    });

    it('reports what the CRT itself rejects as a CrtError with the CRT code', async () => {
        const c = new Mqtt5Client(config);
        try {
            // The CRT rejects a PUBLISH with a payload format of UTF-8 whose payload is not UTF-8.
            const caught: any = await c
                .publish({ topicName: 'a/b', qos: QoS.AtMostOnce, payloadFormat: 1, payload: Buffer.from([0xff, 0xfe, 0xfd]) })
                .then(
                    () => undefined,
                    (e) => e,
                );
            expect(caught).toBeInstanceOf(CrtError);
            expect(caught.code).toMatch(/^AWS_ERROR_MQTT5_(PUBLISH_OPTIONS_VALIDATION|INVALID_UTF8_STRING)$/);
            expect(caught.error_name).toBe(caught.code);
            expect(typeof caught.errorCode).toBe('number');
        } finally {
            c.close();
        }
    });

    it("never modifies the caller's packet", () => {
        const c = new Mqtt5Client(config);
        try {
            const payload = { a: 1 };
            const packet = { topicName: 't', qos: QoS.AtMostOnce, payload };
            const p = c.publish(packet);
            p.catch(() => {});
            expect(packet.payload).toBe(payload);
            expect(Object.keys(packet)).toEqual(['topicName', 'qos', 'payload']);
        } finally {
            c.close();
        }
    });
});

describe('close', () => {
    it('is idempotent, rejects what is pending; then operations reject, sync methods throw, stop() does nothing', async () => {
        const c = new Mqtt5Client(config);
        const pending = c.publish({ topicName: 't', qos: QoS.AtLeastOnce, payload: 'x' });
        c.close();
        c.close();
        await expect(pending).rejects.toMatchObject({ code: 'AWS_ERROR_MQTT5_CLIENT_TERMINATED' });
        await expect(pending).rejects.toBeInstanceOf(CrtError);
        for (const call of [() => c.start(), () => c.getOperationalStatistics()]) {
            expect(call).toThrow(CrtError);
            expect(call).toThrow(/closed/);
        }
        for (const call of [
            () => c.publish({ topicName: 't', qos: 0 }),
            () => c.subscribe({ subscriptions: [{ topicFilter: 't', qos: 0 }] }),
            () => c.unsubscribe({ topicFilters: ['t'] }),
        ]) {
            await expect(call()).rejects.toBeInstanceOf(CrtError);
            await expect(call()).rejects.toThrow(/closed/);
        }
        expect(() => c.stop()).not.toThrow();
    });
});
