// Hostile input: huge inputs (sizes, lists, sparse arrays), methods called on the wrong receiver
// or without new, and the native class called directly, bypassing the TypeScript layer.
import { EventEmitter } from 'node:events';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { auth, CrtError, Mqtt5Client, Mqtt5ClientBuilder } from '../../dist/index.js';
import { binding } from '../../dist/native.js';
import {
    Boom,
    CONFIG,
    nastyNumber,
    of,
    plainHostile,
    type Recipe,
    recipe,
    show,
    trappedObjects,
    trapProxy,
} from '../helpers/hostile_values';
import {
    attempt,
    attemptOp,
    baseConfig,
    baseNativeConfig,
    basePublish,
    CONFIG_FIELDS,
    construct,
    display,
    type Expect,
    expectation,
    type Field,
    judge,
    type Outcome,
    ROOTS,
    sharedTlsContext,
    valuesFor,
    withClient,
    withValue,
} from '../helpers/hostile_oracle';

describe('huge inputs', () => {
    const BIG_PROPS = 1000; // the CRT allows at most 1024 per packet
    const props = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `n${i}`, value: 'v' }));
    const badEntries: [Recipe, Expect][] = [
        [of('null', null), 'type'],
        [of('42', 42), 'type'],
        [recipe('{name: 1, value: "v"}', () => ({ name: 1, value: 'v' })), 'type'],
        [recipe('{name: "n"}', () => ({ name: 'n' })), 'type'],
        [recipe('{name: "n", value: Symbol()}', () => ({ name: 'n', value: Symbol('v') })), 'type'],
        [recipe('{name: "\\uD800", value: "v"}', () => ({ name: '\uD800', value: 'v' })), 'range'],
        [recipe('{name: "n", value: "a\\u0000b"}', () => ({ name: 'n', value: 'a\u0000b' })), 'range'],
    ];
    const sites = [
        'publish',
        'subscribe',
        'unsubscribe',
        'disconnect',
        'config.connectProperties',
        'config.connectProperties.will',
    ] as const;

    async function withProps(
        site: (typeof sites)[number],
        userProperties: unknown[],
        client: Mqtt5Client,
    ): Promise<{ names: string; out: Outcome }> {
        const root = ROOTS.find((r) => r.name === site);
        if (root)
            return {
                names: `${site}.userProperties`,
                out: await attemptOp(() => root.call(client, { ...root.base(), userProperties })),
            };
        const cfg: any = baseConfig();
        if (site === 'config.connectProperties') cfg.connectProperties.userProperties = userProperties;
        else cfg.connectProperties.will.userProperties = userProperties;
        return { names: `${site}.userProperties`, out: construct(cfg) };
    }

    it(`${BIG_PROPS} user properties, one of them bad at a random index: the error names that index`, async () => {
        await withClient(async (client, tracker) => {
            await fc.assert(
                fc.asyncProperty(
                    fc.constantFrom(...sites),
                    fc.integer({ min: 0, max: BIG_PROPS - 1 }),
                    fc.constantFrom(...badEntries),
                    async (site, index, [bad, exp]) => {
                        const list: unknown[] = props(BIG_PROPS);
                        list[index] = bad.make();
                        const { names, out } = await withProps(site, list, client);
                        judge(`${names}[${index}]`, exp, out, `${bad.label} at ${index}`);
                        if (!out.threw) tracker.track(out.value, site);
                    },
                ),
                { numRuns: 60 },
            );
        });
    });

    it(`${BIG_PROPS} valid user properties anywhere: a CrtError (the CRT's limit) or accepted`, async () => {
        await withClient(async (client, tracker) => {
            for (const site of sites) {
                const { names, out } = await withProps(site, props(BIG_PROPS), client);
                judge(names, 'ok', out, `${BIG_PROPS} user properties`);
                if (!out.threw) tracker.track(out.value, site);
            }
        });
    });

    it('lists over the CRT limit of 1024 entries are a RangeError naming the list', async () => {
        await withClient(async (client) => {
            const subs = Array.from({ length: 2000 }, (_, i) => ({ topicFilter: `big/${i}/+`, qos: 1 }));
            judge(
                'subscribe.subscriptions',
                'range',
                await attemptOp(() => client.subscribe({ subscriptions: subs })),
                '2000 subscriptions',
            );
            judge(
                'unsubscribe.topicFilters',
                'range',
                await attemptOp(() => client.unsubscribe({ topicFilters: subs.map((s) => s.topicFilter) })),
                '2000 filters',
            );
            const props = Array.from({ length: 5000 }, (_, i) => ({ name: `n${i}`, value: 'v' }));
            judge(
                'publish.userProperties',
                'range',
                await attemptOp(() => client.publish({ topicName: 't', qos: 0, userProperties: props })),
                '5000 properties',
            );
            const metadata = Array.from({ length: 5000 }, (_, i) => [`k${i}`, 'v']);
            judge(
                'config.metrics.metadata',
                'range',
                construct({ ...CONFIG, metrics: { libraryName: 'x', metadata } } as any),
                '5000 metadata pairs',
            );
        });
    });

    it('1,000 subscriptions, 1,000 topic filters, 1,000 metadata pairs, 70,000-character strings everywhere', async () => {
        await withClient(async (client, tracker) => {
            const subs = Array.from({ length: 1000 }, (_, i) => ({ topicFilter: `big/${i}/+`, qos: 1 }));
            let out = await attemptOp(() => client.subscribe({ subscriptions: subs }));
            judge('subscribe', 'ok', out, '1000 subscriptions');
            if (!out.threw) tracker.track(out.value, 'subs');
            out = await attemptOp(() => client.unsubscribe({ topicFilters: subs.map((s) => s.topicFilter) }));
            judge('unsubscribe', 'ok', out, '1000 topic filters');
            if (!out.threw) tracker.track(out.value, 'unsubs');
            const metadata = Array.from({ length: 1000 }, (_, i) => [`k${i}`, 'v']);
            judge(
                'config.metrics',
                'ok',
                construct({ ...CONFIG, metrics: { libraryName: 'x', metadata } } as any),
                '1000 metadata pairs',
            );
            // A bad subscription at the end of a long list is named by its index.
            const bad = [...subs, { topicFilter: 'x', qos: 'one' }];
            judge(
                'subscribe.subscriptions[1000].qos',
                'type',
                await attemptOp(() => client.subscribe({ subscriptions: bad as any })),
                'qos "one" at 1000',
            );
            const badFilters = [...subs.map((s) => s.topicFilter), 7];
            judge(
                'unsubscribe.topicFilters[1000]',
                'type',
                await attemptOp(() => client.unsubscribe({ topicFilters: badFilters as any })),
                '7 at 1000',
            );
        });
        const huge = 'h'.repeat(70_000);
        await withClient(async (client, tracker) => {
            const allStrings = [
                ...CONFIG_FIELDS.filter((f) => ['string', 'topicName', 'topicFilter', 'bytes', 'payload'].includes(f.kind.t)).map(
                    (f) => ({ root: 'config', f }),
                ),
                ...ROOTS.flatMap((r) =>
                    r.fields
                        .filter((f) => ['string', 'topicName', 'topicFilter', 'bytes', 'payload'].includes(f.kind.t))
                        .map((f) => ({ root: r.name, f })),
                ),
            ];
            for (const { root: rootName, f } of allStrings) {
                const root = ROOTS.find((r) => r.name === rootName);
                const input = withValue(root ? root.base() : baseConfig(), f.path, huge);
                const out = root ? await attemptOp(() => root.call(client, input)) : construct(input);
                judge(f.names ?? display(rootName, f.path), expectation(f, huge), out, '70,000 characters');
                if (!out.threw) tracker.track(out.value, display(rootName, f.path));
            }
        });
    });
});

describe('wrong receivers and calls without new', () => {
    const receivers: Recipe[] = [
        of('undefined', undefined),
        of('null', null),
        of('1', 1),
        of('"client"', 'client'),
        recipe('{}', () => ({})),
        recipe('Object.create(Mqtt5Client.prototype)', () => Object.create(Mqtt5Client.prototype)),
        recipe('new EventEmitter()', () => new EventEmitter()),
        recipe('a native client', () => new binding.NativeMqtt5Client(CONFIG, () => {})),
        // Objects wrapped by the addon's other classes: their wrapped pointer is not a client's.
        recipe("a ClientTlsContext's native object", () => (sharedTlsContext() as any).native),
        recipe(
            "a credentials provider's native object",
            () => (auth.AwsCredentialsProvider.newStatic('AKID', 'SECRET') as any).native,
        ),
        recipe('Object.create(NativeMqtt5Client.prototype)', () => Object.create((binding.NativeMqtt5Client as any).prototype)),
        recipe('Proxy(get throws)', () => trapProxy('get')),
        recipe('Proxy of a client', () => new Proxy(new Mqtt5Client(CONFIG), {})),
        recipe('a builder', () => new Mqtt5ClientBuilder('h', 1)),
        recipe('Mqtt5Client (the class)', () => Mqtt5Client),
    ];
    const argsArb = fc.array(fc.oneof(plainHostile, fc.constant(recipe('a valid publish', basePublish))), { maxLength: 2 });

    it('Mqtt5Client.prototype methods called on anything but a client throw a TypeError', async () => {
        const proto = Mqtt5Client.prototype as any;
        const methods: (string | symbol)[] = [
            ...Object.getOwnPropertyNames(proto).filter(
                (n) => n !== 'constructor' && typeof Object.getOwnPropertyDescriptor(proto, n)?.value === 'function',
            ),
            Symbol.asyncDispose,
        ];
        const asyncResults: Promise<unknown>[] = [];
        fc.assert(
            fc.property(fc.constantFrom(...methods), fc.constantFrom(...receivers), argsArb, (m, rr, args) => {
                const receiver = rr.make();
                const out = attempt(() =>
                    proto[m].apply(
                        receiver,
                        args.map((a) => a.make()),
                    ),
                );
                if (!out.threw && out.value instanceof Promise) {
                    // async methods report through the promise
                    asyncResults.push(
                        out.value.then(
                            () => {
                                throw new Error(`${String(m)} on ${rr.label}: resolved`);
                            },
                            (e) => {
                                if (!(e instanceof TypeError))
                                    throw new Error(`${String(m)} on ${rr.label}: rejected with ${show(e)}`);
                            },
                        ),
                    );
                    return;
                }
                // getQueueStatistics/getOperationStatistics call this.getOperationalStatistics(): any
                // receiver that has one (a native client) answers; a receiver's own throwing trap
                // throws its own error.
                const delegates = m === 'getQueueStatistics' || m === 'getOperationStatistics';
                if (!out.threw && delegates && typeof (receiver as any)?.getOperationalStatistics === 'function') return;
                if (out.threw && out.error instanceof Boom) return;
                if (!out.threw) throw new Error(`${String(m)} on ${rr.label}: returned ${show(out.value)} instead of throwing`);
                if (!(out.error instanceof TypeError))
                    throw new Error(`${String(m)} on ${rr.label}: threw ${show(out.error)}, not a TypeError`);
            }),
            { numRuns: 300 },
        );
        await Promise.all(asyncResults);
    });

    it('NativeMqtt5Client.prototype methods on anything but a native client, and the class without new, throw a TypeError', () => {
        const Native = binding.NativeMqtt5Client as any;
        const methods = Object.getOwnPropertyNames(Native.prototype).filter((n) => n !== 'constructor');
        expect(methods.length).toBeGreaterThanOrEqual(8);
        const nativeReceivers = receivers.filter((r) => r.label !== 'a native client');
        fc.assert(
            fc.property(fc.constantFrom(...methods), fc.constantFrom(...nativeReceivers), argsArb, (m, rr, args) => {
                const out = attempt(() =>
                    Native.prototype[m].apply(
                        rr.make(),
                        args.map((a) => a.make()),
                    ),
                );
                if (!out.threw || !(out.error instanceof TypeError)) {
                    throw new Error(
                        `native ${m} on ${rr.label}: ${out.threw ? `threw ${show(out.error)}` : 'returned'} instead of a TypeError`,
                    );
                }
            }),
            { numRuns: 300 },
        );
        fc.assert(
            fc.property(fc.array(plainHostile, { maxLength: 3 }), fc.constantFrom('call', 'apply', 'bind'), (args, how) => {
                const a = args.map((r) => r.make());
                const out = attempt(() =>
                    how === 'call'
                        ? Native(...a)
                        : how === 'apply'
                          ? Reflect.apply(Native, undefined, a)
                          : Native.bind(null, ...a)(),
                );
                if (!out.threw || !(out.error instanceof TypeError)) {
                    throw new Error(`NativeMqtt5Client() without new (${how}): ${out.threw ? show(out.error) : 'returned'}`);
                }
            }),
            { numRuns: 100 },
        );
        // And the JS class without new.
        expect(() => (Mqtt5Client as any)(CONFIG)).toThrow(TypeError);
    });
});

describe('the native class called directly', () => {
    const Native = binding.NativeMqtt5Client as any;

    const fieldAt = (fields: Field[], path: string) => fields.find((f) => display('', f.path) === path)!;
    const trapped = (label: string) => trappedObjects.find((r) => r.label === label)!;
    const noopSink = recipe('() => {}', () => () => {});

    it('new NativeMqtt5Client(hostile config, hostile sink): clean error naming the field, or a client', () => {
        fc.assert(
            fc.property(
                fc
                    .constantFrom(...CONFIG_FIELDS)
                    .chain((f) => fc.tuple(fc.constant(f), fc.oneof(valuesFor(f), fc.constantFrom(...trappedObjects)))),
                fc.oneof(fc.constant(noopSink), plainHostile),
                ([f, r]: [Field, Recipe], sink: Recipe) => {
                    const cfg = withValue(baseNativeConfig(), f.path, r.make());
                    const s = sink.make();
                    const out = attempt(() => new Native(cfg, s));
                    const names = typeof s === 'function' ? (f.names ?? display('config', f.path)) : null;
                    judge(names, 'ok', out, `${r.label}, sink ${sink.label}`);
                    if (!out.threw) (out.value as any).close();
                },
            ),
            {
                numRuns: 400,
                // the native walker reads array elements and user properties without try/catch
                examples: [
                    [[fieldAt(CONFIG_FIELDS, '.connectProperties.userProperties'), trapped('[element getter throws]')], noopSink],
                    [
                        [fieldAt(CONFIG_FIELDS, '.connectProperties.userProperties[0]'), trapped('Proxy({}, get throws)')],
                        noopSink,
                    ],
                ],
            },
        );
    });

    it('native methods with hostile arguments: clean errors or operation ids, never a crash', () => {
        const nc = new Native(CONFIG, () => {});
        try {
            const packetArb = fc.oneof(
                ...ROOTS.map((root) =>
                    fc.constantFrom(...root.fields).chain((f) =>
                        fc.oneof(valuesFor(f), fc.constantFrom(...trappedObjects)).map((r) => ({
                            root,
                            f,
                            r,
                            [fc.toStringMethod]: () => `${display(root.name, f.path)} = ${r.label}`,
                        })),
                    ),
                ),
            );
            fc.assert(
                fc.property(packetArb, ({ root, f, r }) => {
                    const method = root.name === 'disconnect' ? 'stop' : root.name;
                    const out = attempt(() => nc[method](withValue(root.base(), f.path, r.make())));
                    judge(f.names ?? display(root.name, f.path), 'ok', out, r.label);
                }),
                {
                    numRuns: 400,
                    examples: [
                        [
                            {
                                root: ROOTS[0],
                                f: fieldAt(ROOTS[0].fields, '.userProperties[0]'),
                                r: trapped('Proxy({}, get throws)'),
                            },
                        ],
                        [{ root: ROOTS[2], f: fieldAt(ROOTS[2].fields, '.topicFilters'), r: trapped('[element getter throws]') }],
                    ] as any,
                },
            );
            fc.assert(
                fc.property(
                    fc.oneof(
                        fc
                            .array(nastyNumber, { maxLength: 5 })
                            .map((rs) => recipe(`[${rs.map((x) => x.label)}]`, () => rs.map((x) => x.make()))),
                        plainHostile,
                    ),
                    (r) => {
                        const out = attempt(() => nc.acknowledge(r.make()));
                        judge('controlIds', 'ok', out, r.label);
                    },
                ),
                { numRuns: 200 },
            );
            fc.assert(
                fc.property(fc.array(plainHostile, { maxLength: 3 }), (args) => {
                    const out = attempt(() => nc.getOperationalStatistics(...args.map((a) => a.make())));
                    expect(out.threw).toBe(false);
                }),
                { numRuns: 50 },
            );
        } finally {
            nc.close();
        }
        expect(() => nc.publish(basePublish())).toThrow(CrtError);
        expect(() => nc.close()).not.toThrow();
    });
});
