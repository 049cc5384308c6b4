// Hostile callers of the request-response client (mqtt_request_response): newFromMqtt5 /
// newFromMqtt311 with hostile protocol clients and options, submitRequest and createStream with
// hostile fields (wrong types, nasty numbers and strings, odd and throwing objects, detached and
// shared buffers), streaming operations opened and closed in every order, calls after close and
// re-entrant calls from listeners: a TypeError/RangeError naming the field (a rejected promise
// from submitRequest), a CrtError where the CRT refuses, never a crash or a pending promise.
// Nothing connects (port 1): requests wait offline until the client is closed.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CrtError, io, Mqtt5Client, mqtt, mqtt_request_response as rr } from '../../dist/index.js';
import { CONFIG, plainHostile, RUNS, show, thrown, trappedObjects } from '../helpers/hostile_values';
import {
    attempt,
    attemptOp,
    BYTES,
    display,
    type Expect,
    expectation,
    type Field,
    int,
    judge,
    LIST,
    mustTry,
    type Outcome,
    safeExpectation,
    STR,
    Tracker,
    valueAt,
    valuesFor,
    withClosed,
    withThrowingRead,
    withValue,
} from '../helpers/hostile_oracle';

const OPTIONS = () => ({ maxRequestResponseSubscriptions: 4, maxStreamingSubscriptions: 2, operationTimeoutInSeconds: 30 });
const OPTION_FIELDS: Field[] = [
    { path: ['maxRequestResponseSubscriptions'], kind: int(2, 65535), required: true },
    { path: ['maxStreamingSubscriptions'], kind: int(0, 65535), required: true },
    // The CRT refuses a timeout of 0; absent means aws-crt's 60 s.
    { path: ['operationTimeoutInSeconds'], kind: int(1, 4294967295) },
];

const REQUEST = () => ({
    subscriptionTopicFilters: ['hostile/rr/+'],
    responsePaths: [{ topic: 'hostile/rr/accepted', correlationTokenJsonPath: 'clientToken' }],
    publishTopic: 'hostile/rr',
    payload: Buffer.from('{"clientToken":"t"}'),
    correlationToken: 't',
});
const REQUEST_FIELDS: Field[] = [
    { path: ['subscriptionTopicFilters'], kind: LIST, required: true },
    { path: ['subscriptionTopicFilters', 0], kind: { t: 'topicFilter' }, required: true },
    { path: ['responsePaths'], kind: LIST, required: true },
    { path: ['responsePaths', 0], kind: { t: 'entry' }, required: true },
    { path: ['responsePaths', 0, 'topic'], kind: { t: 'topicName' }, required: true },
    { path: ['responsePaths', 0, 'correlationTokenJsonPath'], kind: STR },
    { path: ['publishTopic'], kind: { t: 'topicName' }, required: true },
    { path: ['payload'], kind: BYTES, required: true },
    { path: ['correlationToken'], kind: STR },
];

let protocolClient: Mqtt5Client | undefined;
/** One protocol client (never started) for every request-response client of the file. */
function mqtt5(): Mqtt5Client {
    return (protocolClient ??= new Mqtt5Client(CONFIG));
}

function make(options: unknown, over: unknown = mqtt5()): Outcome {
    const out = attempt(() => rr.RequestResponseClient.newFromMqtt5(over as Mqtt5Client, options as any));
    if (!out.threw) (out.value as rr.RequestResponseClient).close();
    return out;
}

function withRr(body: (c: rr.RequestResponseClient, t: Tracker) => Promise<void> | void): Promise<void> {
    return withClosed(() => rr.RequestResponseClient.newFromMqtt5(mqtt5(), OPTIONS()), body);
}

describe('RequestResponseClient.newFromMqtt5 / newFromMqtt311', () => {
    it('the base options are accepted over both protocols', () => {
        expect(make(OPTIONS()).threw).toBe(false);
        const connection = new mqtt.MqttClient().new_connection({
            client_id: 'rr-hostile',
            host_name: '127.0.0.1',
            port: 1,
            socket_options: new io.SocketOptions(),
        });
        try {
            rr.RequestResponseClient.newFromMqtt311(connection, OPTIONS()).close();
        } finally {
            connection.close();
        }
    });

    it('a protocol client that is not one of this package is a TypeError naming protocolClient', () => {
        fc.assert(
            fc.property(fc.oneof(plainHostile, fc.constantFrom(...trappedObjects)), (r) => {
                for (const factory of ['newFromMqtt5', 'newFromMqtt311'] as const) {
                    const out = attempt(() => rr.RequestResponseClient[factory](r.make() as any, OPTIONS()));
                    judge('protocolClient', 'type', out, `${factory}(${r.label})`);
                }
            }),
            { numRuns: 200 },
        );
        // The other protocol's client, and an object made from the class's prototype.
        judge(
            'protocolClient',
            'type',
            attempt(() => rr.RequestResponseClient.newFromMqtt311(mqtt5() as any, OPTIONS())),
            'an Mqtt5Client',
        );
        const fake = Object.create(Mqtt5Client.prototype);
        judge(
            'protocolClient',
            'type',
            attempt(() => rr.RequestResponseClient.newFromMqtt5(fake, OPTIONS())),
            'a fake Mqtt5Client',
        );
    });

    it('options that are not an object are a TypeError naming options', () => {
        fc.assert(
            fc.property(plainHostile, (r) => {
                const v = r.make();
                const exp: Expect = typeof v === 'object' && v !== null ? 'ok' : 'type';
                judge('options', exp, make(v), r.label);
            }),
            { numRuns: 200 },
        );
    });

    for (const f of OPTION_FIELDS) {
        const names = display('options', f.path);
        it(`${names}: wrong types, out-of-range numbers, odd objects`, () => {
            fc.assert(
                fc.property(valuesFor(f), (r) => {
                    const v = r.make();
                    judge(names, expectation(f, v), make(withValue(OPTIONS(), f.path, v)), r.label);
                }),
                { numRuns: RUNS, examples: mustTry(f) },
            );
        });
    }

    it('option reads that throw are a TypeError naming the option', () => {
        fc.assert(
            fc.property(
                fc.constantFrom(...OPTION_FIELDS),
                fc.constantFrom('accessor', 'proxy-get') as any,
                thrown,
                (f, style, t) => {
                    const out = make(withThrowingRead(OPTIONS(), f.path, style, t.make));
                    judge(display('options', f.path), 'type', out, `${style} throwing ${t.label}`);
                },
            ),
            { numRuns: 150 },
        );
    });
});

describe('submitRequest', () => {
    it('the base request is accepted (it waits for a connection)', async () => {
        await withRr(async (client, tracker) => {
            const out = await attemptOp(() => client.submitRequest(REQUEST()));
            expect(out.threw ? show((out as any).error) : 'accepted').toBe('accepted');
            tracker.track((out as any).value, 'base');
        });
    });

    for (const f of REQUEST_FIELDS) {
        const names = display('requestOptions', f.path);
        it(`${names}: hostile values reject naming the field, or are accepted`, async () => {
            await withRr(async (client, tracker) => {
                await fc.assert(
                    fc.asyncProperty(valuesFor(f), async (r) => {
                        const v = r.make();
                        const input = withValue(REQUEST(), f.path, v);
                        const sync = attempt(() => client.submitRequest(input));
                        if (sync.threw) throw new Error(`${names} = ${r.label}: submitRequest threw instead of rejecting`);
                        const out = await attemptOp(() => client.submitRequest(withValue(REQUEST(), f.path, v)));
                        if (!out.threw) {
                            tracker.track(sync.value, `${names} = ${r.label}`);
                            tracker.track(out.value, `${names} = ${r.label}`);
                        }
                        judge(names, expectation(f, v), out, r.label);
                    }),
                    { numRuns: RUNS, examples: mustTry(f) },
                );
            });
        });
    }

    it('fields whose read throws reject with a TypeError naming the field', async () => {
        await withRr(async (client, tracker) => {
            await fc.assert(
                fc.asyncProperty(
                    fc.constantFrom(...REQUEST_FIELDS),
                    fc.constantFrom('accessor', 'proxy-get') as any,
                    thrown,
                    async (f, style, t) => {
                        const input = withThrowingRead(
                            withValue(REQUEST(), f.path, valueAt(REQUEST(), f.path)),
                            f.path,
                            style,
                            t.make,
                        );
                        const out = await attemptOp(() => client.submitRequest(input));
                        if (!out.threw) tracker.track(out.value, 'throwing read');
                        judge(display('requestOptions', f.path), 'type', out, `${style} throwing ${t.label}`);
                    },
                ),
                { numRuns: 200 },
            );
        });
    });

    it('trapped objects as the request or its lists reject naming the field', async () => {
        await withRr(async (client, tracker) => {
            for (const r of trappedObjects) {
                for (const f of [
                    { path: [], kind: { t: 'object' } } as Field,
                    ...REQUEST_FIELDS.filter((x) => x.kind.t === 'list'),
                ]) {
                    const v = r.make();
                    const input = f.path.length === 0 ? v : withValue(REQUEST(), f.path, v);
                    const out = await attemptOp(() => client.submitRequest(input as any));
                    if (!out.threw) tracker.track(out.value, r.label);
                    judge(display('requestOptions', f.path), safeExpectation(f, v), out, r.label);
                }
            }
        });
    });

    it('1,025 topic filters or response paths: a RangeError naming the list, not a native failure', async () => {
        await withRr(async (client, tracker) => {
            for (const key of ['subscriptionTopicFilters', 'responsePaths'] as const) {
                const base = REQUEST();
                const input = { ...base, [key]: new Array(1025).fill(base[key][0]) };
                const out = await attemptOp(() => client.submitRequest(input as any));
                if (!out.threw) tracker.track(out.value, key);
                judge(`requestOptions.${key}`, 'range', out, `${key} x 1025`);
            }
        });
    });

    it('after close(): a rejected promise (CrtError); pending requests reject at close', async () => {
        const client = rr.RequestResponseClient.newFromMqtt5(mqtt5(), OPTIONS());
        const tracker = new Tracker();
        for (let i = 0; i < 5; i++) tracker.track(client.submitRequest({ ...REQUEST(), correlationToken: `t${i}` }), 'pending');
        client.close();
        client.close();
        const out = await attemptOp(() => client.submitRequest(REQUEST()));
        expect(out.threw && (out as any).error instanceof CrtError).toBe(true);
        await tracker.expectAllSettled();
        expect(tracker.states.every((s) => s.state === 'rejected')).toBe(true);
    });

    it('closing the protocol client under pending requests settles them when the request client closes', async () => {
        for (const kind of [5, 311]) {
            const own =
                kind === 5
                    ? new Mqtt5Client(CONFIG)
                    : new mqtt.MqttClient().new_connection({
                          client_id: 'rr-gone',
                          host_name: '127.0.0.1',
                          port: 1,
                          socket_options: new io.SocketOptions(),
                      });
            const client =
                kind === 5
                    ? rr.RequestResponseClient.newFromMqtt5(own as Mqtt5Client, OPTIONS())
                    : rr.RequestResponseClient.newFromMqtt311(own as mqtt.MqttClientConnection, OPTIONS());
            const tracker = new Tracker();
            tracker.track(client.submitRequest(REQUEST()), 'before the protocol client closed');
            own.close();
            tracker.track(client.submitRequest({ ...REQUEST(), correlationToken: 'u' }), 'after it closed');
            const stream = client.createStream({ subscriptionTopicFilter: 'hostile/gone/+' });
            stream.open();
            await new Promise((r) => setTimeout(r, 50));
            client.close();
            await tracker.expectAllSettled();
        }
    });
});

describe('createStream and streaming operations', () => {
    const STREAM_FIELD: Field = { path: ['subscriptionTopicFilter'], kind: { t: 'topicFilter' }, required: true };

    it('subscriptionTopicFilter: hostile values throw naming the field, or make a stream', async () => {
        await withRr((client) => {
            fc.assert(
                fc.property(valuesFor(STREAM_FIELD), (r) => {
                    const v = r.make();
                    const out = attempt(() => client.createStream({ subscriptionTopicFilter: v } as any));
                    if (!out.threw) (out.value as rr.StreamingOperationBase).close();
                    judge('streamOptions.subscriptionTopicFilter', expectation(STREAM_FIELD, v), out, r.label);
                }),
                { numRuns: RUNS, examples: mustTry(STREAM_FIELD) },
            );
        });
    });

    it('streamOptions that are not an object, or whose read throws, are a TypeError naming them', async () => {
        await withRr((client) => {
            for (const r of [...trappedObjects]) {
                judge(
                    'streamOptions',
                    'type',
                    attempt(() => client.createStream(r.make() as any)),
                    r.label,
                );
            }
            fc.assert(
                fc.property(plainHostile, (r) => {
                    const v = r.make();
                    const exp =
                        typeof v === 'object' && v !== null
                            ? safeExpectation(STREAM_FIELD, (v as any).subscriptionTopicFilter)
                            : 'type';
                    const out = attempt(() => client.createStream(v as any));
                    if (!out.threw) (out.value as rr.StreamingOperationBase).close();
                    judge('streamOptions', exp, out, r.label);
                }),
                { numRuns: 150 },
            );
        });
    });

    it('open/close in every order, twice, after the client closed, and from inside listeners', async () => {
        await withRr((client) => {
            const ops = ['open', 'close'] as const;
            fc.assert(
                fc.property(fc.array(fc.constantFrom(...ops, 'clientClose' as const), { maxLength: 6 }), (sequence) => {
                    const own = rr.RequestResponseClient.newFromMqtt5(mqtt5(), OPTIONS());
                    const stream = own.createStream({ subscriptionTopicFilter: 'hostile/stream/+' });
                    stream.on('subscriptionStatus', () => stream.close());
                    stream.on('incomingPublish', () => own.close());
                    let closed = false;
                    for (const step of sequence) {
                        if (step === 'clientClose') {
                            own.close();
                            closed = true;
                            continue;
                        }
                        const out = attempt(() => stream[step]());
                        if (out.threw && !(out.error instanceof CrtError)) {
                            throw new Error(`${sequence.join(',')}: ${step} threw ${show(out.error)}`);
                        }
                        if (out.threw && step === 'close') throw new Error('close() must never throw');
                    }
                    if (!closed) own.close();
                }),
                { numRuns: 100 },
            );
            // A closed stream refuses open() with a CrtError (aws-crt's behaviour).
            const stream = client.createStream({ subscriptionTopicFilter: 'hostile/s' });
            stream.close();
            expect(() => stream.open()).toThrow(CrtError);
        });
    });

    it('createStream after close() throws a CrtError', () => {
        const client = rr.RequestResponseClient.newFromMqtt5(mqtt5(), OPTIONS());
        client.close();
        expect(() => client.createStream({ subscriptionTopicFilter: 'a/b' })).toThrow(CrtError);
    });

    it('StreamingOperationBase.new with a hostile client is a TypeError naming client', () => {
        for (const client of [undefined, null, {}, 1, mqtt5()]) {
            const out = attempt(() => rr.StreamingOperationBase.new({ subscriptionTopicFilter: 'a' }, client as any));
            judge('client', 'type', out, show(client));
        }
    });
});
