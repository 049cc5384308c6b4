// Hostile callers of the MQTT 3.1.1 client (mqtt.MqttClient, MqttClientConnection,
// MqttConnectionConfig), property-based like hostile_fields.test.ts: every config field and every
// argument of publish/subscribe/unsubscribe fed wrong types, nasty numbers and strings, odd and
// throwing objects gives a TypeError/RangeError naming the field (a rejected promise for the
// promise-returning methods) or is accepted; calls after close/disconnect and re-entrant calls
// from callbacks settle every promise. Nothing connects (port 1): the broker is not needed.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CrtError, io, mqtt } from '../../dist/index.js';
import { binding } from '../../dist/native.js';
import { plainHostile, RUNS, show, thrown, trappedObjects } from '../helpers/hostile_values';
import {
    attempt,
    attemptOp,
    BOOL,
    display,
    type Expect,
    expectation,
    type Field,
    int,
    judge,
    type Key,
    mustTry,
    OBJECT,
    type Outcome,
    RAW_STR,
    STR,
    safeExpectation,
    Tracker,
    U16,
    U32,
    valuesFor,
    withClosed,
    withThrowingRead,
    withValue,
} from '../helpers/hostile_oracle';

const SOCKET = () => new io.SocketOptions(io.SocketType.STREAM, io.SocketDomain.IPV4, 1000);
const baseConfig = (): any => ({
    client_id: 'hostile-311',
    host_name: '127.0.0.1',
    port: 1,
    socket_options: SOCKET(),
    clean_session: true,
    keep_alive: 60,
    will: { topic: 'hostile/will', qos: 1, payload: 'w', retain: false },
    username: 'u',
    password: 'p',
});

const CONFIG_FIELDS: Field[] = [
    { path: ['client_id'], kind: STR, required: true },
    { path: ['host_name'], kind: RAW_STR, required: true },
    { path: ['port'], kind: int(1, 65535), required: true },
    { path: ['clean_session'], kind: BOOL },
    { path: ['keep_alive'], kind: U16 },
    { path: ['ping_timeout'], kind: U32 },
    { path: ['protocol_operation_timeout'], kind: U32 },
    { path: ['reconnect_min_sec'], kind: U32 },
    { path: ['reconnect_max_sec'], kind: U32 },
    { path: ['will'], kind: OBJECT },
    { path: ['will', 'topic'], kind: { t: 'topicName' }, required: true },
    { path: ['will', 'qos'], kind: int(0, 2), required: true },
    { path: ['will', 'payload'], kind: { t: 'payload' } },
    { path: ['will', 'retain'], kind: BOOL },
    { path: ['username'], kind: STR },
    { path: ['password'], kind: STR },
    { path: ['socket_options'], kind: OBJECT, required: true },
    { path: ['socket_options', 'type'], kind: int(0, 1) },
    { path: ['socket_options', 'domain'], kind: int(0, 2) },
    { path: ['socket_options', 'connect_timeout_ms'], kind: U32 },
    { path: ['socket_options', 'keepalive'], kind: BOOL },
    { path: ['socket_options', 'keep_alive_interval_sec'], kind: U16 },
    { path: ['socket_options', 'keep_alive_timeout_sec'], kind: U16 },
    { path: ['socket_options', 'keep_alive_max_failed_probes'], kind: U16 },
    { path: ['socket_options', 'tcp_nodelay'], kind: int(0, 2) },
    { path: ['use_websocket'], kind: BOOL },
    { path: ['tls_ctx'], kind: { t: 'tlsContext' } },
    { path: ['websocket_handshake_transform'], kind: { t: 'function' } },
];

/** A config field's value is plain data: a SocketOptions instance is copied as a plain object. */
function configWith(path: Key[], value: unknown): any {
    const base = baseConfig();
    if (path[0] === 'socket_options' && path.length > 1) base.socket_options = { ...base.socket_options };
    return path.length === 0 ? value : withValue(base, path, value);
}

/** new_connection(config), closing what was made; then connect(), which may also refuse it. */
async function construct(config: unknown): Promise<Outcome> {
    const out = attempt(() => new mqtt.MqttClient().new_connection(config as mqtt.MqttConnectionConfig));
    if (out.threw) return out;
    const connection = out.value as mqtt.MqttClientConnection;
    try {
        // Options read at connect() must be refused as the constructor would have refused them.
        const connected = await attemptOp(() => connection.connect());
        if (connected.threw && !(connected.error instanceof CrtError)) return connected;
        return out;
    } finally {
        connection.close();
    }
}

/** The checks judge() leaves out: a refusal states its rule (must/is required) and the value. */
function statesRuleAndValue(out: Outcome, input: string): void {
    if (!out.threw || out.error instanceof CrtError) return;
    const msg = (out.error as Error).message;
    if (!/must|is required|could not|cannot|is a detached/.test(msg)) throw new Error(`${input}: "${msg}" states no rule`);
}

describe('MqttConnectionConfig', () => {
    it('the base config is accepted', async () => {
        const out = await construct(baseConfig());
        expect(out.threw ? show(out.error) : 'accepted').toBe('accepted');
    });

    it('a config that is not an object is a TypeError naming config', async () => {
        await fc.assert(
            fc.asyncProperty(plainHostile, async (r) => {
                const v = r.make();
                const exp: Expect = typeof v === 'object' && v !== null ? 'ok' : 'type';
                judge('config', exp, await construct(v), r.label);
            }),
            { numRuns: 200 },
        );
    });

    for (const f of CONFIG_FIELDS) {
        const names = display('config', f.path);
        it(`${names}: wrong types, out-of-range numbers, odd strings and objects`, async () => {
            await fc.assert(
                fc.asyncProperty(valuesFor(f), async (r) => {
                    const v = r.make();
                    const out = await construct(configWith(f.path, v));
                    judge(names, expectation(f, v), out, r.label);
                    statesRuleAndValue(out, `${names} = ${r.label}`);
                }),
                { numRuns: RUNS, examples: mustTry(f) },
            );
        });
    }

    it('fields whose read throws (getter or proxy) are a TypeError naming the field', async () => {
        const styles = ['accessor', 'proxy-get'] as const;
        await fc.assert(
            fc.asyncProperty(fc.constantFrom(...CONFIG_FIELDS), fc.constantFrom(...styles), thrown, async (f, style, t) => {
                const config = withThrowingRead(configWith(f.path, valueAtBase(f.path)), f.path, style, t.make);
                const out = await construct(config);
                judge(display('config', f.path), 'type', out, `${style} throwing ${t.label}`);
            }),
            { numRuns: 300 },
        );
    });

    it('trapped objects and revoked proxies in object fields are refused naming the field', async () => {
        const objectFields = CONFIG_FIELDS.filter((f) => f.kind.t === 'object');
        await fc.assert(
            fc.asyncProperty(fc.constantFrom(...objectFields), fc.constantFrom(...trappedObjects), async (f, r) => {
                const v = r.make();
                const out = await construct(configWith(f.path, v));
                judge(display('config', f.path), safeExpectation(f, v), out, r.label);
            }),
            { numRuns: 150 },
        );
    });

    // aws-c-mqtt aborts the process (AWS_FATAL_ASSERT) at connect() when the keep-alive is not
    // longer than the ping timeout; the 3.1.1 client refuses such a config instead.
    it('a keep-alive not longer than the ping timeout is a RangeError naming both, not a crash', async () => {
        const cases: Array<[number | undefined, number | undefined]> = [
            [1, undefined], // 1 s against the default ping timeout of 3 s
            [3, undefined],
            [10, 10_000],
            [10, 20_000],
            [2, 2000],
        ];
        for (const [keep_alive, ping_timeout] of cases) {
            const out = await construct({ ...baseConfig(), keep_alive, ping_timeout });
            const label = `keep_alive ${keep_alive}, ping_timeout ${ping_timeout}`;
            expect(out.threw, label).toBe(true);
            const e = (out as { error: Error }).error;
            expect(e, label).toBeInstanceOf(RangeError);
            expect(e.message, label).toMatch(/config\.keep_alive.*config\.ping_timeout/);
        }
        for (const [keep_alive, ping_timeout] of [
            [4, undefined],
            [10, 9_999],
            [0, undefined], // 0: the CRT's default keep-alive (1200 s)
        ]) {
            const out = await construct({ ...baseConfig(), keep_alive, ping_timeout });
            expect(out.threw ? show(out.error) : 'accepted', `keep_alive ${keep_alive}`).toBe('accepted');
        }
    });

    it('the client argument must be an mqtt.MqttClient', () => {
        for (const client of [undefined, null, 1, 'c', {}, [], () => 1]) {
            const out = attempt(() => new mqtt.MqttClientConnection(client as any, baseConfig()));
            judge('client', 'type', out, show(client));
        }
    });
});

function valueAtBase(path: Key[]): unknown {
    return path.reduce((o: any, k) => (o == null ? undefined : o[k]), baseConfig());
}

// ---- Operations --------------------------------------------------------------------------------

type Args = unknown[];
interface Op {
    name: string;
    fields: Array<Field & { index: number; label: string }>;
    base: () => Args;
    call: (c: mqtt.MqttClientConnection, args: Args) => unknown;
}
const OPS: Op[] = [
    {
        name: 'publish',
        fields: [
            { index: 0, label: 'topic', path: [], kind: { t: 'topicName' }, required: true },
            { index: 1, label: 'payload', path: [], kind: { t: 'payload' } },
            { index: 2, label: 'qos', path: [], kind: int(0, 2), required: true },
            { index: 3, label: 'retain', path: [], kind: BOOL },
        ],
        base: () => ['hostile/t', 'p', 1, false],
        call: (c, a) => (c.publish as any)(...a),
    },
    {
        name: 'subscribe',
        fields: [
            { index: 0, label: 'topic', path: [], kind: { t: 'topicFilter' }, required: true },
            { index: 1, label: 'qos', path: [], kind: int(0, 2), required: true },
            { index: 2, label: 'on_message', path: [], kind: { t: 'function' } },
        ],
        base: () => ['hostile/+/t', 1, () => {}],
        call: (c, a) => (c.subscribe as any)(...a),
    },
    {
        name: 'unsubscribe',
        fields: [{ index: 0, label: 'topic', path: [], kind: { t: 'topicFilter' }, required: true }],
        base: () => ['hostile/#'],
        call: (c, a) => (c.unsubscribe as any)(...a),
    },
];

function withConnection(body: (c: mqtt.MqttClientConnection, t: Tracker) => Promise<void>): Promise<void> {
    return withClosed(() => new mqtt.MqttClient().new_connection(baseConfig()), body);
}

describe('MqttClientConnection operations (offline: they wait for a connection)', () => {
    for (const op of OPS) {
        for (const f of op.fields) {
            it(`${op.name}(${f.label}): hostile values reject naming ${f.label}, or are accepted`, async () => {
                await withConnection(async (c, tracker) => {
                    await fc.assert(
                        fc.asyncProperty(valuesFor(f), async (r) => {
                            const args = op.base();
                            const v = r.make();
                            args[f.index] = v;
                            const out = await attemptOp(() => op.call(c, args));
                            if (!out.threw) tracker.track(out.value, `${op.name}(${f.label} = ${r.label})`);
                            else if (!(out.error instanceof CrtError) && !(out.error instanceof Error)) {
                                throw new Error(`${r.label}: threw a non-Error ${show(out.error)}`);
                            }
                            // Promise-returning methods never throw: a refusal is a rejected promise.
                            const sync = attempt(() => op.call(c, args));
                            if (sync.threw) throw new Error(`${op.name}(${f.label} = ${r.label}) threw instead of rejecting`);
                            // (Its promise settles like the first one's: tracked when that one was accepted.)
                            if (!out.threw) tracker.track(sync.value, `${op.name} again`);
                            judge(f.label, expectation(f, v), out, r.label);
                            statesRuleAndValue(out, `${op.name}(${f.label} = ${r.label})`);
                        }),
                        { numRuns: RUNS, examples: mustTry(f) },
                    );
                });
            });
        }
    }

    it('every method after close(): a rejected promise (CrtError), statistics throw a CrtError', async () => {
        const c = new mqtt.MqttClient().new_connection(baseConfig());
        const tracker = new Tracker();
        const pending = [c.publish('a/b', 'x', 1), c.subscribe('a/#', 1), c.connect()];
        for (const p of pending) tracker.track(p, 'before close');
        c.close();
        c.close(); // idempotent
        for (const [name, call] of [
            ['connect', () => c.connect()],
            ['reconnect', () => c.reconnect()],
            ['disconnect', () => c.disconnect()],
            ['publish', () => c.publish('a/b', 'x', 0)],
            ['subscribe', () => c.subscribe('a/b', 0)],
            ['unsubscribe', () => c.unsubscribe('a/b')],
        ] as const) {
            const out = await attemptOp(call);
            expect(out.threw, name).toBe(true);
            expect((out as { error: unknown }).error, name).toBeInstanceOf(CrtError);
        }
        expect(() => c.getOperationalStatistics()).toThrow(CrtError);
        await tracker.expectAllSettled();
        expect(tracker.states.every((s) => s.state === 'rejected')).toBe(true);
    });

    it('disconnect() of a connection that never connected settles; so does everything after it', async () => {
        const c = new mqtt.MqttClient().new_connection(baseConfig());
        const tracker = new Tracker();
        tracker.track(c.disconnect(), 'disconnect');
        tracker.track(c.publish('a/b', 'x', 1), 'publish');
        tracker.track(c.connect(), 'connect');
        tracker.track(c.disconnect(), 'disconnect again');
        await new Promise((r) => setTimeout(r, 50));
        c.close();
        await tracker.expectAllSettled();
    });

    it('re-entrant calls from inside a failed connect (connection_failure, error) settle', async () => {
        const c = new mqtt.MqttClient().new_connection(baseConfig());
        const tracker = new Tracker();
        let calls = 0;
        const reenter = () => {
            if (calls++ > 5) return;
            tracker.track(c.connect(), 'connect from a listener');
            tracker.track(c.publish('a/b', 'x', 1), 'publish from a listener');
            tracker.track(c.disconnect(), 'disconnect from a listener');
        };
        c.on('connection_failure', reenter);
        c.on('error', reenter);
        const first = c.connect();
        tracker.track(first, 'connect');
        await first.catch(() => {});
        await new Promise((r) => setTimeout(r, 100));
        c.close();
        await tracker.expectAllSettled();
    });

    it('a hostile `this` for the methods is a TypeError or CrtError, never a crash', async () => {
        const proto = mqtt.MqttClientConnection.prototype as any;
        for (const name of [
            'connect',
            'publish',
            'subscribe',
            'unsubscribe',
            'disconnect',
            'close',
            'getOperationalStatistics',
        ]) {
            for (const self of [undefined, null, {}, Object.create(proto)]) {
                const out = await attemptOp(() => proto[name].call(self, 'a/b', 'x', 0));
                if (out.threw && !(out.error instanceof TypeError) && !(out.error instanceof CrtError)) {
                    throw new Error(`${name} on ${show(self)}: ${show(out.error)}`);
                }
            }
        }
    });
});

// ---- The native classes called directly, bypassing lib/ -------------------------------------------

describe('NativeMqtt311Connection and NativeRequestResponseClient called directly', () => {
    const argsArb = fc.array(fc.oneof(plainHostile, fc.constantFrom(...trappedObjects)), { maxLength: 5 });
    const clean = (out: Outcome) =>
        !out.threw || out.error instanceof TypeError || out.error instanceof RangeError || out.error instanceof CrtError;

    function natives(): { c311: any; rrc: any; close: () => void } {
        const c311 = new binding.NativeMqtt311Connection({ reconnectMinSec: 1, reconnectMaxSec: 2 }, () => {});
        const rrc = new binding.NativeRequestResponseClient(
            311,
            c311,
            { maxRequestResponseSubscriptions: 2, maxStreamingSubscriptions: 1, operationTimeoutInSeconds: 5 },
            () => {},
        );
        return {
            c311,
            rrc,
            close: () => {
                rrc.close();
                c311.close();
            },
        };
    }

    it('every method with hostile arguments: a clean error or a result, never a crash', () => {
        const { c311, rrc, close } = natives();
        try {
            for (const [label, target] of [
                ['NativeMqtt311Connection', c311],
                ['NativeRequestResponseClient', rrc],
            ] as const) {
                const methods = Object.getOwnPropertyNames(Object.getPrototypeOf(target)).filter(
                    (n) => n !== 'constructor' && n !== 'close',
                );
                fc.assert(
                    fc.property(fc.constantFrom(...methods), argsArb, (m, args) => {
                        const out = attempt(() => target[m](...args.map((a) => a.make())));
                        if (!clean(out)) throw new Error(`${label}.${m}: threw ${show((out as any).error)}`);
                    }),
                    { numRuns: 400 },
                );
            }
            // connect() with every options field hostile, the keep-alive rule included.
            fc.assert(
                fc.property(
                    fc.constantFrom('clientId', 'hostName', 'port', 'socketOptions', 'keepAliveSecs', 'pingTimeoutMs', 'tlsCtx'),
                    fc.oneof(plainHostile, fc.constantFrom(...trappedObjects)),
                    (key, r) => {
                        const options: any = { clientId: 'n', hostName: '127.0.0.1', port: 1, keepAliveSecs: 60 };
                        options[key] = r.make();
                        const out = attempt(() => c311.connect(options));
                        if (!clean(out)) throw new Error(`connect(${key} = ${r.label}): threw ${show((out as any).error)}`);
                    },
                ),
                { numRuns: 300 },
            );
            const out = attempt(() => c311.connect({ clientId: 'n', hostName: '127.0.0.1', port: 1, keepAliveSecs: 2 }));
            expect(out.threw && (out as any).error instanceof RangeError).toBe(true);
        } finally {
            close();
        }
    });

    it('methods on the wrong receiver, and the classes without new, throw a TypeError', () => {
        for (const Native of [binding.NativeMqtt311Connection, binding.NativeRequestResponseClient] as any[]) {
            const methods = Object.getOwnPropertyNames(Native.prototype).filter((n) => n !== 'constructor');
            for (const m of methods) {
                for (const self of [undefined, null, {}, Object.create(Native.prototype), new mqtt.MqttClient()]) {
                    const out = attempt(() => Native.prototype[m].call(self, 'a'));
                    if (!out.threw || !(out.error instanceof TypeError)) throw new Error(`${m} on ${show(self)}: ${show(out)}`);
                }
            }
            expect(() => Native({})).toThrow(TypeError);
        }
    });
});
