// Hostile input to the helper objects: the builder, SocketOptions, the packet classes, TLS context
// options and credentials providers; and close(), which must settle every promise.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { auth, CrtError, io, Mqtt5, Mqtt5Client, Mqtt5ClientBuilder } from '../../dist/index.js';
import {
    CONFIG,
    nastyBytes,
    nastyNumber,
    nastyString,
    plainHostile,
    primitives,
    type Recipe,
    show,
    thrown,
} from '../helpers/hostile_values';
import {
    attempt,
    attemptOp,
    basePublish,
    baseSubscribe,
    baseUnsubscribe,
    CONFIG_FIELDS,
    construct,
    type Expect,
    expectation,
    judge,
    Tracker,
    withClient,
    withThrowingRead,
} from '../helpers/hostile_oracle';

describe('builder, SocketOptions and packet classes', () => {
    const setters: [string, string][] = [
        ['withHostName', 'config.hostName'],
        ['withPort', 'config.port'],
        ['withBootstrap', 'config'],
        ['withSocketOptions', 'config.socketOptions'],
        ['withConnectOptions', 'config.connectProperties'],
        ['withSessionBehavior', 'config.sessionBehavior'],
        ['withClientExtendedValidationAndFlowControl', 'config.extendedValidationAndFlowControlOptions'],
        ['withOfflineQueueBehavior', 'config.offlineQueueBehavior'],
        ['withReconnectOptions', 'config'],
        ['withMinConnectedTimeToResetReconnectDelayMs', 'config.minConnectedTimeToResetReconnectDelayMs'],
        ['withTopicAliasingOptions', 'config.topicAliasingOptions'],
        ['withPingTimeoutMs', 'config.pingTimeoutMs'],
        ['withConnackTimeoutMs', 'config.connackTimeoutMs'],
        ['withAckTimeoutSeconds', 'config.ackTimeoutSeconds'],
        ['withAckTimeoutSec', 'config.ackTimeoutSeconds'],
        ['withMetricsCollection', 'config'],
    ];

    it('Mqtt5ClientBuilder setters with hostile values: build() throws naming the field, or builds', () => {
        fc.assert(
            fc.property(
                fc.array(fc.tuple(fc.constantFrom(...setters), fc.oneof(plainHostile, nastyNumber, nastyString)), {
                    minLength: 1,
                    maxLength: 3,
                }),
                (calls) => {
                    const b: any = new Mqtt5ClientBuilder('127.0.0.1', 1);
                    for (const [[setter], r] of calls) {
                        const out = attempt(() => b[setter](r.make()));
                        // a setter may refuse at once (TypeError/RangeError), without knowing the config path
                        if (out.threw) {
                            judge(null, 'ok', out, `${setter}(${r.label})`);
                            return;
                        }
                    }
                    const out = attempt(() => b.build());
                    const names = calls.length === 1 ? calls[0][0][1] : 'config';
                    judge(names, 'ok', out, calls.map(([[s], r]) => `${s}(${r.label})`).join('.'));
                    if (!out.threw) (out.value as Mqtt5Client).close();
                },
            ),
            { numRuns: 300 },
        );
        // newMqtt5Client with anything
        fc.assert(
            fc.property(plainHostile, (r) => {
                const v = r.make();
                const out = attempt(() => Mqtt5Client.newMqtt5Client(v as any));
                judge(null, 'ok', out, r.label);
                if (!out.threw) (out.value as Mqtt5Client).close();
            }),
            { numRuns: 200 },
        );
    });

    it('io.SocketOptions with hostile constructor arguments: the client names config.socketOptions.<field>', () => {
        const so = [
            'type',
            'domain',
            'connect_timeout_ms',
            'keepalive',
            'keep_alive_interval_sec',
            'keep_alive_timeout_sec',
            'keep_alive_max_failed_probes',
            'tcp_nodelay',
        ];
        fc.assert(
            fc.property(fc.integer({ min: 0, max: so.length - 1 }), fc.oneof(plainHostile, nastyNumber), (i, r) => {
                const args: unknown[] = [0, 0, 1000, false, 0, 0, 0, 0];
                args[i] = r.make();
                const options = new (io.SocketOptions as any)(...args);
                const f = CONFIG_FIELDS.find((x) => x.path[0] === 'socketOptions' && x.path[1] === so[i])!;
                // undefined means "the default" for a constructor parameter
                const exp = args[i] === undefined ? 'ok' : expectation(f, args[i]);
                judge(`config.socketOptions.${so[i]}`, exp, construct({ ...CONFIG, socketOptions: options }), r.label);
            }),
            { numRuns: 300 },
        );
    });

    it('Mqtt5 packet classes filled with hostile values: the operation names the field', async () => {
        await withClient(async (client, tracker) => {
            const hostile = fc.oneof(plainHostile, nastyNumber, nastyString);
            await fc.assert(
                fc.asyncProperty(
                    fc.constantFrom('publish', 'subscribe', 'unsubscribe', 'disconnect'),
                    fc.tuple(hostile, fc.oneof(nastyBytes, nastyString, primitives), hostile),
                    async (which, rs) => {
                        const [a, b, c] = rs.map((r) => r.make()) as any[];
                        const label = `${which}(${rs.map((r) => r.label).join(', ')})`;
                        const build = attempt((): unknown => {
                            switch (which) {
                                case 'publish':
                                    return new Mqtt5.PublishPacket(a, b, c);
                                case 'subscribe':
                                    return new Mqtt5.SubscribePacket().withSubscription(
                                        new Mqtt5.Subscription(a, b).withNoLocal(c),
                                    );
                                case 'unsubscribe':
                                    return new Mqtt5.UnsubscribePacket()
                                        .withTopicFilter(a)
                                        .withUserProperty(new Mqtt5.UserProperty(b, c));
                                default:
                                    return new Mqtt5.DisconnectPacket()
                                        .withReasonCode(a)
                                        .withReasonString(b)
                                        .withSessionExpiryIntervalSec(c);
                            }
                        });
                        if (build.threw) return judge(null, 'ok', build, label);
                        const out = await attemptOp(() =>
                            which === 'publish'
                                ? client.publish(build.value as any)
                                : which === 'subscribe'
                                  ? client.subscribe(build.value as any)
                                  : which === 'unsubscribe'
                                    ? client.unsubscribe(build.value as any)
                                    : client.stop(build.value as any),
                        );
                        judge(which, 'ok', out, label);
                        if (!out.threw) tracker.track(out.value, label);
                    },
                ),
                { numRuns: 300 },
            );
        });
    });

    it('CrtError with any error code constructs or throws a TypeError', () => {
        fc.assert(
            fc.property(fc.oneof(nastyNumber, plainHostile), (r) => {
                const v = r.make();
                const out = attempt(() => new CrtError(v as any));
                if (out.threw) judge(null, 'type', out, r.label);
                else expect(typeof (out.value as CrtError).code).toBe('string');
            }),
            { numRuns: 200 },
        );
    });
});

describe('io.ClientTlsContext options', () => {
    const strings = [
        'ca_filepath',
        'ca_dirpath',
        'certificate_authority',
        'certificate_filepath',
        'certificate',
        'private_key_filepath',
        'private_key',
        'pkcs12_filepath',
        'pkcs12_password',
    ];
    const oracle: Record<string, (v: unknown) => Expect> = {
        min_tls_version: (v) =>
            v == null ? 'ok' : typeof v !== 'number' ? 'type' : [0, 1, 2, 3, 4, 128].includes(v) ? 'ok' : 'range',
        tls_cipher_preference: (v) =>
            v == null ? 'ok' : typeof v !== 'number' ? 'type' : Number.isInteger(v) && v >= 0 && v <= 255 ? 'ok' : 'range',
        alpn_list: (v) => (v == null ? 'ok' : Array.isArray(v) && v.every((x) => typeof x === 'string') ? 'ok' : 'type'),
        verify_peer: () => 'ok',
        pkcs11_options: () => 'ok',
        ...Object.fromEntries(
            strings.map((k) => [k, (v: unknown) => (v == null || typeof v === 'string' ? 'ok' : 'type') as Expect]),
        ),
    };
    // ALPN lists made only of strings reach the CRT, and some of them crash it: those are the
    // child-process cases below, not this worker's.
    const notAllStrings = (r: Recipe) => {
        const v = r.make();
        return !(Array.isArray(v) && v.every((x) => typeof x === 'string'));
    };
    const valueFor = (field: string): fc.Arbitrary<Recipe> =>
        field === 'alpn_list'
            ? plainHostile.filter(notAllStrings)
            : field === 'min_tls_version' || field === 'tls_cipher_preference'
              ? fc.oneof(nastyNumber, plainHostile)
              : fc.oneof(nastyString, plainHostile);

    it('hostile values in any field: a clean error or a context, never a plain Error', () => {
        fc.assert(
            fc.property(
                fc.constantFrom(...Object.keys(oracle)).chain((field) => fc.tuple(fc.constant(field), valueFor(field))),
                ([field, r]) => {
                    const v = r.make();
                    const options = Object.assign(new io.TlsContextOptions(), { [field]: v });
                    judge(
                        'tlsContextOptions',
                        oracle[field](v),
                        attempt(() => new io.ClientTlsContext(options)),
                        `${field} = ${r.label}`,
                    );
                },
            ),
            { numRuns: 250 },
        );
    });

    it('a field that cannot be read is a TypeError naming it', () => {
        fc.assert(
            fc.property(fc.constantFrom(...Object.keys(oracle)), thrown, (field, t) => {
                const options = withThrowingRead(new io.TlsContextOptions(), [field], 'accessor', t.make);
                judge(
                    `tlsContextOptions.${field}`,
                    'type',
                    attempt(() => new io.ClientTlsContext(options)),
                    `throwing ${t.label}`,
                );
            }),
            { numRuns: 40 },
        );
    });
});

describe('close() settles everything', () => {
    const op = fc.oneof(
        fc.constant('publish0'),
        fc.constant('publish1'),
        fc.constant('subscribe'),
        fc.constant('unsubscribe'),
        fc.constant('stats'),
        fc.constant('stop'),
        fc.constant('start'),
        fc.constant('hostile'),
    );

    it('any sequence of operations (started or not), then close(): every promise settles; then operations reject with a CrtError, sync methods throw one, stop() does nothing', async () => {
        await fc.assert(
            fc.asyncProperty(
                fc.array(fc.tuple(op, plainHostile), { minLength: 1, maxLength: 25 }),
                fc.integer({ min: 0, max: 20 }),
                async (ops, waitMs) => {
                    const client = new Mqtt5Client({ ...CONFIG, minReconnectDelayMs: 10, maxReconnectDelayMs: 20 });
                    const tracker = new Tracker();
                    for (const [name, r] of ops) {
                        const out = await attemptOp((): unknown => {
                            switch (name) {
                                case 'publish0':
                                    return client.publish({ topicName: 'a/b', qos: 0, payload: 'x' });
                                case 'publish1':
                                    return client.publish({ topicName: 'a/b', qos: 1, payload: Buffer.alloc(100) });
                                case 'subscribe':
                                    return client.subscribe({ subscriptions: [{ topicFilter: 'a/#', qos: 1 }] });
                                case 'unsubscribe':
                                    return client.unsubscribe({ topicFilters: ['a/#'] });
                                case 'stats':
                                    return client.getOperationalStatistics();
                                case 'stop':
                                    return client.stop();
                                case 'start':
                                    return client.start();
                                default:
                                    return client.publish(r.make() as any);
                            }
                        });
                        judge(null, 'ok', out, `${name} ${r.label}`);
                        if (!out.threw) tracker.track(out.value, name);
                    }
                    if (waitMs) await new Promise((res) => setTimeout(res, waitMs));
                    client.close();
                    await tracker.expectAllSettled();
                    for (const call of [() => client.start(), () => client.getOperationalStatistics()]) {
                        expect(call).toThrow(CrtError);
                    }
                    for (const call of [
                        () => client.publish(basePublish()),
                        () => client.subscribe(baseSubscribe()),
                        () => client.unsubscribe(baseUnsubscribe()),
                    ]) {
                        await expect(call()).rejects.toBeInstanceOf(CrtError);
                    }
                    expect(() => client.stop()).not.toThrow();
                    client.close();
                },
            ),
            { numRuns: 60 },
        );
    });
});

describe('credentials providers', () => {
    it('the provider factories with hostile arguments: a clean error or a provider', async () => {
        const settled: Promise<void>[] = [];
        fc.assert(
            fc.property(
                fc.constantFrom('newStatic', 'newProfile', 'newCached', 'newDelegate', 'newEnvironment', 'constructor'),
                fc.array(fc.oneof(plainHostile, nastyString, nastyNumber), { maxLength: 3 }),
                (factory, rs) => {
                    const args = rs.map((r) => r.make()) as any[];
                    const label = `${factory}(${rs.map((r) => r.label).join(', ')})`;
                    const A = auth.AwsCredentialsProvider as any;
                    const out = attempt(() => {
                        if (factory === 'constructor') return new A(...args);
                        if (factory === 'newCached') return A.newCached(A.newStatic('a', 'b'), args[0]);
                        return A[factory](...args);
                    });
                    judge(null, 'ok', out, label);
                    // Only providers that answer without the network or user code are asked.
                    if (!out.threw && factory !== 'newDelegate' && factory !== 'constructor') {
                        settled.push(
                            Promise.race([
                                (out.value as any).getCredentials().then(
                                    () => {},
                                    (e: unknown) => {
                                        if (!(e instanceof CrtError))
                                            throw new Error(`${label}: getCredentials rejected with ${show(e)}`);
                                    },
                                ),
                                new Promise((_, reject) =>
                                    setTimeout(
                                        () => reject(new Error(`${label}: getCredentials still pending after 5 s`)),
                                        5000,
                                    ).unref(),
                                ),
                            ]) as Promise<void>,
                        );
                    }
                },
            ),
            { numRuns: 150 },
        );
        await Promise.all(settled);
    });
});
