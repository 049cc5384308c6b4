// The real addon, no broker traffic: validation, errors, close semantics.
import { describe, expect, it } from 'vitest';
import { CrtError, Mqtt5Client, QoS } from '../../dist/index.js';

const config = { hostName: '127.0.0.1', port: 1 };

describe('config validation', () => {
    it('rejects a missing or wrong config with errors naming the field and the rule', () => {
        expect(() => new Mqtt5Client(undefined as any)).toThrow(new TypeError('config must be an object (got undefined)'));
        expect(() => new Mqtt5Client({ port: 1883 } as any)).toThrow(new TypeError('config.hostName is required'));
        expect(() => new Mqtt5Client({ hostName: 5, port: 1883 } as any)).toThrow(
            new TypeError('config.hostName must be a string'),
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
        ).toThrow(new TypeError('config.connectProperties.clientId must be a string'));
        expect(() => new Mqtt5Client({ hostName: 'h', port: 1, tlsCtx: {} } as any)).toThrow(
            new TypeError('config.tlsCtx must be an io.ClientTlsContext'),
        );
    });
});

describe('operation validation', () => {
    it('throws synchronously, naming the field, for bad packets', () => {
        const c = new Mqtt5Client(config);
        try {
            expect(() => c.publish(null as any)).toThrow(new TypeError('publish must be an object (got null)'));
            expect(() => c.publish({ qos: QoS.AtMostOnce } as any)).toThrow(new TypeError('publish.topicName is required'));
            expect(() => c.publish({ topicName: 't' } as any)).toThrow(new TypeError('publish.qos is required'));
            expect(() => c.publish({ topicName: 't', qos: QoS.ExactlyOnce })).toThrow(RangeError);
            expect(() => c.publish({ topicName: 't', qos: 5 as any })).toThrow(/publish\.qos must be an integer from 0 to 2/);
            expect(() => c.publish({ topicName: 't', qos: 0, payload: 42 as any })).toThrow(/publish\.payload must be a Buffer/);
            expect(() => c.publish({ topicName: 't', qos: 0, userProperties: [{ name: 'a' }] as any })).toThrow(
                new TypeError('publish.userProperties[0].value must be a string'),
            );
            expect(() => c.subscribe({ subscriptions: [{ topicFilter: 'a', qos: 1 }, { qos: 1 }] } as any)).toThrow(
                new TypeError('subscribe.subscriptions[1].topicFilter is required'),
            );
            expect(() => c.unsubscribe({ topicFilters: 'a' } as any)).toThrow(
                new TypeError('unsubscribe.topicFilters must be an array'),
            );
        } finally {
            c.close();
        }
    });

    it('checks topic rules before anything is sent', () => {
        const c = new Mqtt5Client(config);
        try {
            expect(() => c.publish({ topicName: 'a/+/b', qos: 0 })).toThrow(
                new RangeError("publish.topicName must not contain the wildcards '+' or '#' (got 'a/+/b')"),
            );
            expect(() => c.publish({ topicName: '', qos: 0 })).toThrow(new RangeError('publish.topicName must not be empty'));
            expect(() => c.publish({ topicName: 'a\uD800', qos: 0 })).toThrow(/publish\.topicName must be well-formed/);
            expect(() => c.subscribe({ subscriptions: [{ topicFilter: 'a/#/b', qos: 0 }] })).toThrow(
                /subscribe\.subscriptions\[0\]\.topicFilter: '#' must be a whole level and the last one/,
            );
            expect(() => c.subscribe({ subscriptions: [{ topicFilter: 'a/b+', qos: 0 }] })).toThrow(/'\+' must be a whole level/);
            expect(() => c.subscribe({ subscriptions: [{ topicFilter: '$share/g', qos: 0 }] })).toThrow(
                /\$share\/<group>\/<filter>/,
            );
            expect(() => c.subscribe({ subscriptions: [] })).toThrow(new RangeError('subscribe.subscriptions must not be empty'));
            expect(() => c.subscribe({ subscriptions: [{ topicFilter: 'a', qos: 0 }], subscriptionIdentifier: 0 })).toThrow(
                new RangeError('subscribe.subscriptionIdentifier must be an integer from 1 to 268435455 (got 0)'),
            );
            expect(() =>
                c.subscribe({ subscriptions: [{ topicFilter: 'a', qos: 0 }], subscriptionIdentifier: 268435456 }),
            ).toThrow(RangeError);
            expect(() => c.unsubscribe({ topicFilters: ['ok', 'x/#/y'] })).toThrow(/unsubscribe\.topicFilters\[1\]/);
            expect(() => c.publish({ topicName: 't', qos: 0, topicAlias: 0 })).toThrow(
                /publish\.topicAlias must be an integer from 1 to 65535/,
            );
            expect(() => c.publish({ topicName: 't', qos: 0, subscriptionIdentifiers: [1] })).toThrow(TypeError);
        } finally {
            c.close();
        }
    });

    it('reports what the CRT itself rejects as a CrtError with the CRT code', () => {
        const c = new Mqtt5Client(config);
        try {
            let caught: any;
            try {
                // The CRT rejects a PUBLISH with a payload format of UTF-8 whose payload is not UTF-8.
                c.publish({ topicName: 'a/b', qos: QoS.AtMostOnce, payloadFormat: 1, payload: Buffer.from([0xff, 0xfe, 0xfd]) });
            } catch (e) {
                caught = e;
            }
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
    it('is idempotent, rejects what is pending, and makes every method throw', async () => {
        const c = new Mqtt5Client(config);
        const pending = c.publish({ topicName: 't', qos: QoS.AtLeastOnce, payload: 'x' });
        c.close();
        c.close();
        await expect(pending).rejects.toMatchObject({ code: 'AWS_ERROR_MQTT5_CLIENT_TERMINATED' });
        await expect(pending).rejects.toBeInstanceOf(CrtError);
        for (const call of [
            () => c.start(),
            () => c.stop(),
            () => c.publish({ topicName: 't', qos: 0 }),
            () => c.subscribe({ subscriptions: [{ topicFilter: 't', qos: 0 }] }),
            () => c.unsubscribe({ topicFilters: ['t'] }),
            () => c.getOperationalStatistics(),
        ]) {
            expect(call).toThrow(CrtError);
            expect(call).toThrow(/closed/);
        }
    });
});
