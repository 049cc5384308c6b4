// Hostile input, property-based (fast-check), field by field: the constructor and each config
// field, publish/subscribe/unsubscribe/stop and each packet field either throw a TypeError/RangeError
// whose message names the field (a CrtError where the CRT itself rejects) or accept; unreadable
// fields, values that change between reads, topic syntax. The other hostile_*.test.ts files cover
// huge inputs and the native class, the helper classes, and inputs that crashed the process.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Mqtt5Client } from '../../dist/index.js';
import {
    CONFIG,
    MAX_SAFE,
    oddObjects,
    plainHostile,
    type Recipe,
    recipe,
    revoked,
    RUNS,
    show,
    thrown,
    trappedObjects,
    trapProxy,
} from '../helpers/hostile_values';
import {
    attemptOp,
    baseConfig,
    CONFIG_FIELDS,
    construct,
    display,
    type Expect,
    expectation,
    type Field,
    judge,
    mustTry,
    ROOTS,
    safeExpectation,
    type Style,
    SUBSCRIBE_FIELDS,
    Tracker,
    valueAt,
    valuesFor,
    withChangingValue,
    withClient,
    withThrowingRead,
    withValue,
} from '../helpers/hostile_oracle';

// ==================================================================================================

describe('sanity of the bases the properties mutate', () => {
    it('every base input is accepted', async () => {
        const c = construct(baseConfig());
        expect(c.threw ? show(c.error) : 'accepted').toBe('accepted');
        await withClient(async (client, tracker) => {
            for (const root of ROOTS) {
                const out = await attemptOp(() => root.call(client, root.base()));
                expect(out.threw ? show(out.error) : 'accepted', root.name).toBe('accepted');
                if (!out.threw) tracker.track(out.value, root.name);
            }
        });
    });
});

describe('the constructor', () => {
    it('rejects a config that is not an object with a TypeError naming config', async () => {
        await fc.assert(
            fc.asyncProperty(plainHostile, async (r) => {
                const v = r.make();
                const exp: Expect = typeof v === 'object' && v !== null ? 'ok' : 'type';
                judge('config', exp, construct(v), r.label);
            }),
            { numRuns: 300 },
        );
    });

    for (const f of CONFIG_FIELDS) {
        const names = f.names ?? display('config', f.path);
        it(`${display('config', f.path)}: wrong types, out-of-range numbers, odd strings and objects`, async () => {
            await fc.assert(
                fc.asyncProperty(valuesFor(f), async (r) => {
                    const v = r.make();
                    judge(names, expectation(f, v), construct(withValue(baseConfig(), f.path, v)), r.label);
                }),
                { numRuns: RUNS, examples: mustTry(f) },
            );
        });
    }
});

describe('config.port', () => {
    it('out-of-range ports are a RangeError stating the range 1-65535', async () => {
        await fc.assert(
            fc.asyncProperty(
                fc.oneof(
                    fc.integer({ min: 65536, max: 2 ** 31 - 1 }),
                    fc.constantFrom(2 ** 32 - 1, 2 ** 32, 2 ** 40, MAX_SAFE, 1e300, -1, -(2 ** 32), 0),
                ),
                async (port) => {
                    const out = construct({ ...CONFIG, port });
                    judge('config.port', 'range', out, String(port));
                    const msg = (out as { error: Error }).error.message;
                    if (!msg.includes('1 to 65535'))
                        throw new Error(`port ${port}: "${msg}" does not state the range 1 to 65535`);
                },
            ),
            { numRuns: 100 },
        );
    });

    it('port 0 is a RangeError naming config.port (not an anonymous CrtError)', async () => {
        judge('config.port', 'range', construct({ ...CONFIG, port: 0 }), '0');
        const out = construct({ ...CONFIG, port: 0 });
        if (out.threw) expect(out.error, 'port 0').toBeInstanceOf(RangeError);
    });
});

describe('binary fields backed by a SharedArrayBuffer', () => {
    const sab: Recipe[] = [
        recipe('Uint8Array over a SharedArrayBuffer', () => new Uint8Array(new SharedArrayBuffer(4))),
        recipe('Buffer over a SharedArrayBuffer', () => Buffer.from(new SharedArrayBuffer(4))),
        recipe('DataView over a SharedArrayBuffer', () => new DataView(new SharedArrayBuffer(4))),
        recipe('Float32Array over a SharedArrayBuffer', () => new Float32Array(new SharedArrayBuffer(8))),
        recipe('SharedArrayBuffer', () => new SharedArrayBuffer(4)),
    ];
    it('are sent or rejected with a TypeError naming the field, never a plain Error', async () => {
        const binaryFields = [
            ...CONFIG_FIELDS.filter((f) => f.kind.t === 'bytes' || f.kind.t === 'payload').map((f) => ({ root: 'config', f })),
            ...ROOTS.flatMap((r) =>
                r.fields.filter((f) => f.kind.t === 'bytes' || f.kind.t === 'payload').map((f) => ({ root: r.name, f })),
            ),
        ];
        expect(binaryFields.length).toBeGreaterThanOrEqual(5);
        await withClient(async (client, tracker) => {
            await fc.assert(
                fc.asyncProperty(fc.constantFrom(...binaryFields), fc.constantFrom(...sab), async ({ root: rootName, f }, r) => {
                    const root = ROOTS.find((x) => x.name === rootName);
                    const input = withValue(root ? root.base() : baseConfig(), f.path, r.make());
                    const out = root ? await attemptOp(() => root.call(client, input)) : construct(input);
                    judge(display(rootName, f.path), 'ok', out, r.label);
                    if (!out.threw) tracker.track(out.value, r.label);
                }),
                { numRuns: 60 },
            );
        });
    });
});

describe('operations: every field of every packet', () => {
    for (const root of ROOTS) {
        it(`${root.name} itself: anything that is not an object is a TypeError naming ${root.name}`, async () => {
            await withClient(async (client, tracker) => {
                await fc.assert(
                    fc.asyncProperty(plainHostile, async (r) => {
                        const v = r.make();
                        let exp: Expect = typeof v === 'object' && v !== null ? 'ok' : 'type';
                        if (root.name === 'disconnect' && v === undefined) exp = 'ok'; // stop() without a packet
                        const out = await attemptOp(() => root.call(client, v));
                        judge(root.name, exp, out, r.label);
                        if (!out.threw) tracker.track(out.value, r.label);
                    }),
                    { numRuns: 300 },
                );
            });
        });

        for (const f of root.fields) {
            const names = f.names ?? display(root.name, f.path);
            it(`${names}: wrong types, out-of-range numbers, odd strings and objects`, async () => {
                await withClient(async (client, tracker) => {
                    await fc.assert(
                        fc.asyncProperty(valuesFor(f), async (r) => {
                            const v = r.make();
                            const out = await attemptOp(() => root.call(client, withValue(root.base(), f.path, v)));
                            judge(names, expectation(f, v), out, r.label);
                            if (!out.threw) tracker.track(out.value, r.label);
                        }),
                        { numRuns: RUNS, examples: mustTry(f) },
                    );
                });
            });
        }
    }
});

// A getter that throws, a Proxy whose trap throws, a revoked Proxy: the library must report which
// field could not be read (binding/convert.cc words it `<field> could not be read: <message>`),
// never let the raw exception through.
describe('fields that cannot be read', () => {
    const styles = fc.constantFrom<Style>('accessor', 'proxy-get');

    function readFailureProperty(
        rootName: string,
        fields: Field[],
        base: () => any,
        call: (input: any) => unknown,
        tracker?: Tracker,
    ) {
        for (const f of fields) {
            const names = f.names ?? display(rootName, f.path);
            const parentIsArray = typeof f.path[f.path.length - 1] === 'number';
            it(`${names}: a throwing getter or Proxy get trap is a TypeError naming the field`, async () => {
                await fc.assert(
                    fc.asyncProperty(parentIsArray ? fc.constant<Style>('accessor') : styles, thrown, async (style, t) => {
                        const input = withThrowingRead(base(), f.path, style, t.make);
                        const out = await attemptOp(() => call(input));
                        judge(names, 'type', out, `${style} throwing ${t.label}`);
                    }),
                    { numRuns: 40 },
                );
            });
            it(`${names}: a Proxy or revoked Proxy as the value is accepted or rejected naming the field`, async () => {
                await fc.assert(
                    fc.asyncProperty(fc.constantFrom(...trappedObjects), async (r) => {
                        const v = r.make();
                        const out = await attemptOp(() => call(withValue(base(), f.path, v)));
                        judge(names, safeExpectation(f, v), out, r.label);
                        if (!out.threw) tracker?.track(out.value, r.label);
                    }),
                    // every one of them, then some more at random
                    { numRuns: trappedObjects.length + 10, examples: trappedObjects.map((r) => [r] as [Recipe]) },
                );
            });
        }
    }

    describe('config', () => {
        readFailureProperty('config', CONFIG_FIELDS, baseConfig, (input) => {
            const out = new Mqtt5Client(input);
            out.close();
            return undefined;
        });
    });
    for (const root of ROOTS) {
        describe(root.name, () => {
            const client = new Mqtt5Client(CONFIG);
            const tracker = new Tracker();
            readFailureProperty(root.name, root.fields, root.base, (input) => root.call(client, input), tracker);
            it('every accepted operation settles once the client is closed', async () => {
                client.close();
                await tracker.expectAllSettled();
            });
        });
    }

    it('a config or packet that is itself a throwing Proxy: TypeError naming it, or accepted', async () => {
        const traps = ['get', 'has', 'ownKeys', 'getOwnPropertyDescriptor', 'getPrototypeOf', 'revoked'] as const;
        await withClient(async (client, tracker) => {
            await fc.assert(
                fc.asyncProperty(
                    fc.constantFrom(...traps),
                    fc.constantFrom('config', ...ROOTS.map((r) => r.name)),
                    async (trap, rootName) => {
                        const root = ROOTS.find((r) => r.name === rootName);
                        const base = root ? root.base() : baseConfig();
                        const input = trap === 'revoked' ? revoked() : trapProxy(trap, base);
                        const out = root ? await attemptOp(() => root.call(client, input)) : construct(input);
                        // Reads through get must fail; other traps may not be used at all.
                        judge(rootName, trap === 'get' || trap === 'revoked' ? 'type' : 'ok', out, `Proxy(${trap} throws)`);
                        if (!out.threw) tracker.track(out.value, trap);
                    },
                ),
                { numRuns: 100 },
            );
        });
    });

    it('getters that throw for reads other than the first (the native walker reads after the JS checks)', async () => {
        await withClient(async (client, tracker) => {
            const all = [
                ...CONFIG_FIELDS.map((f) => ({ root: 'config', f })),
                ...ROOTS.flatMap((r) => r.fields.map((f) => ({ root: r.name, f }))),
            ];
            await fc.assert(
                fc.asyncProperty(fc.constantFrom(...all), thrown, async ({ root: rootName, f }, t) => {
                    const root = ROOTS.find((r) => r.name === rootName);
                    const base = root ? root.base() : baseConfig();
                    const input = withChangingValue(base, f.path, valueAt(base, f.path), () => {
                        throw t.make();
                    });
                    const out = root ? await attemptOp(() => root.call(client, input)) : construct(input);
                    judge(f.names ?? display(rootName, f.path), 'ok', out, `getter valid once, then throwing ${t.label}`);
                    if (!out.threw) tracker.track(out.value, display(rootName, f.path));
                }),
                { numRuns: 300 },
            );
        });
    });
});

// A getter that returns a valid value when the JS layer checks it and a hostile one when the native
// layer reads it: whatever the native layer gets must still be type- and range-checked.
describe('values that change between reads', () => {
    it('valid on the first read, hostile afterwards: still a clean outcome', async () => {
        await withClient(async (client, tracker) => {
            const all = [
                ...CONFIG_FIELDS.map((f) => ({ root: 'config', f })),
                ...ROOTS.flatMap((r) => r.fields.map((f) => ({ root: r.name, f }))),
            ];
            await fc.assert(
                fc.asyncProperty(
                    fc.constantFrom(...all).chain((x) => fc.tuple(fc.constant(x), valuesFor(x.f))),
                    async ([{ root: rootName, f }, r]: [{ root: string; f: Field }, Recipe]) => {
                        const root = ROOTS.find((x) => x.name === rootName);
                        const base = root ? root.base() : baseConfig();
                        const input = withChangingValue(base, f.path, valueAt(base, f.path), r.make);
                        const out = root ? await attemptOp(() => root.call(client, input)) : construct(input);
                        judge(f.names ?? display(rootName, f.path), 'ok', out, `valid, then ${r.label}`);
                        if (!out.threw) tracker.track(out.value, display(rootName, f.path));
                    },
                ),
                {
                    numRuns: 400,
                    // The JS checks read subscribe.subscriptions three times (isArray, length, forEach).
                    examples: [[[{ root: 'subscribe', f: SUBSCRIBE_FIELDS[0] }, oddObjects[0]]]],
                },
            );
        });
    });
});

describe('topics and topic filters', () => {
    const topicArb = fc.string({
        unit: fc.constantFrom('a', 'b', '/', '+', '#', '$share', '$', '\u0000', '\uD800', '€', ' '),
        maxLength: 8,
    });

    it('wildcards in a topic name are a RangeError naming the field (publish, responseTopic, will)', async () => {
        await withClient(async (client, tracker) => {
            await fc.assert(
                fc.asyncProperty(topicArb, fc.constantFrom('topicName', 'responseTopic', 'will'), async (topic, where) => {
                    const f: Field = { path: [], kind: { t: 'topicName' }, required: true };
                    const exp = expectation(f, topic);
                    if (where === 'will') {
                        const cfg = {
                            ...CONFIG,
                            connectProperties: { keepAliveIntervalSeconds: 60, will: { topicName: topic, qos: 0 } },
                        };
                        judge('config.connectProperties.will.topicName', exp, construct(cfg), JSON.stringify(topic));
                        return;
                    }
                    const packet =
                        where === 'topicName' ? { topicName: topic, qos: 0 } : { topicName: 'a', qos: 0, responseTopic: topic };
                    const out = await attemptOp(() => client.publish(packet));
                    judge(`publish.${where}`, exp, out, JSON.stringify(topic));
                    if (!out.threw) tracker.track(out.value, topic);
                }),
                { numRuns: 400 },
            );
        });
    });

    it('misplaced wildcards and malformed shared subscriptions in a filter are rejected naming it', async () => {
        await withClient(async (client, tracker) => {
            await fc.assert(
                fc.asyncProperty(
                    fc.oneof(
                        topicArb,
                        fc.constantFrom(
                            'a/#/b',
                            'a+',
                            '#a',
                            '+a',
                            'a/b#',
                            'a/#/',
                            '##',
                            '++',
                            'a/++',
                            '$share',
                            '$share/',
                            '$share/g',
                            '$share//a',
                            '$share/+/a',
                            '$share/g#/a',
                            '$share/g/',
                            '$share/g/a/#/b',
                        ),
                    ),
                    fc.integer({ min: 0, max: 3 }),
                    fc.boolean(),
                    async (filter, index, viaUnsubscribe) => {
                        const f: Field = { path: [], kind: { t: 'topicFilter' }, required: true };
                        const filters = Array.from({ length: 4 }, (_, i) => (i === index ? filter : `ok/${i}/+`));
                        const out = viaUnsubscribe
                            ? await attemptOp(() => client.unsubscribe({ topicFilters: filters }))
                            : await attemptOp(() =>
                                  client.subscribe({ subscriptions: filters.map((topicFilter) => ({ topicFilter, qos: 1 })) }),
                              );
                        const names = viaUnsubscribe
                            ? `unsubscribe.topicFilters[${index}]`
                            : `subscribe.subscriptions[${index}].topicFilter`;
                        judge(names, expectation(f, filter), out, JSON.stringify(filter));
                        if (!out.threw) tracker.track(out.value, filter);
                    },
                ),
                { numRuns: 400 },
            );
        });
    });
});
