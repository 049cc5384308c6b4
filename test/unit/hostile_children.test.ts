// Hostile input that has crashed the process when the library was wrong (re-entrant close(), huge
// sparse arrays, ALPN lists), and user callbacks that misbehave (handshake transforms, credentials
// delegates, throwing listeners): each runs in a child process, so that a crash or a hang is
// reported as a failed test instead of killing this worker. The messageReceived listener test uses
// the broker.
import { describe, it, type ExpectStatic } from 'vitest';
import { distIndex, distNative, runNode, type ChildResult } from '../helpers/child';
import { brokerPort, uniqueTopic } from '../helpers/client';

// ---- Child processes: inputs that have crashed the process ----------------------------------------

const childPrelude = `
const { Mqtt5Client, CrtError, QoS, io, auth } = require(${JSON.stringify(distIndex)});
const { binding } = require(${JSON.stringify(distNative)});
const config = { hostName: '127.0.0.1', port: 1 };
const report = (o) => console.log('RESULT ' + JSON.stringify(o));
const describeError = (e) => ({ threw: true, name: e && e.constructor && e.constructor.name, message: String(e && e.message),
    clean: e instanceof CrtError || e instanceof TypeError || e instanceof RangeError });
async function outcome(f) {
    let v;
    try { v = f(); } catch (e) { return describeError(e); }
    if (v && typeof v.then === 'function') {
        // Operations report bad input by rejecting with a TypeError/RangeError (as aws-crt's): judged
        // like a throw. A CrtError is how an accepted operation fails.
        const s = await Promise.race([
            v.then(() => 'resolved', (e) => (e instanceof CrtError ? 'rejected' : { rejected: e })),
            new Promise((r) => setTimeout(() => r('pending'), 1500)),
        ]);
        if (typeof s === 'object') return describeError(s.rejected);
        return { threw: false, settled: s };
    }
    return { threw: false };
}
const huge = () => { const a = []; a.length = 2 ** 32 - 1; return a; };
`;

async function childCase(body: string, timeoutMs = 60_000): Promise<{ r: ChildResult; result: any }> {
    const r = await runNode(`${childPrelude}(async () => { report(await outcome(() => { ${body} })); })();`, { timeoutMs });
    const line = r.stdout.split('\n').find((l) => l.startsWith('RESULT '));
    return { r, result: line ? JSON.parse(line.slice('RESULT '.length)) : undefined };
}

function expectCleanChild(expect: ExpectStatic, label: string, { r, result }: { r: ChildResult; result: any }): void {
    const died = r.timedOut
        ? 'did not exit (killed after the timeout)'
        : r.signal
          ? `was killed by ${r.signal}`
          : r.code !== 0
            ? `exited with code ${r.code}`
            : '';
    expect(died, `${label}: the process ${died}; result: ${JSON.stringify(result)}\n${r.stderr.slice(0, 600)}`).toBe('');
    expect(result, `${label}: no result\n${r.stdout}\n${r.stderr}`).toBeDefined();
    if (result.threw) expect(result.clean, `${label}: threw ${result.name}: ${result.message}`).toBe(true);
    else expect(result.settled ?? 'not a promise', label).not.toMatch(/^(pending|rejected with)/);
}

// A getter (or Proxy trap) on a packet may call back into the client. Closing the client from there
// must not leave the native call holding a released CRT client.
describe.concurrent('re-entrant close() from inside a packet getter (child processes)', () => {
    const cases: [string, string][] = [
        [
            'publish: retain getter calls client.close()',
            `const c = new Mqtt5Client(config); return c.publish({ topicName: 't', qos: 1, get retain() { c.close(); return false; } });`,
        ],
        [
            'publish on a started client: correlationData getter calls client.close()',
            `const c = new Mqtt5Client(config); c.start(); return c.publish({ topicName: 't', qos: 1, get correlationData() { c.close(); return 'x'; } });`,
        ],
        [
            'subscribe: subscriptions[0].qos getter calls client.close()',
            `const c = new Mqtt5Client(config); return c.subscribe({ subscriptions: [{ topicFilter: 'a', get qos() { c.close(); return 1; } }] });`,
        ],
        [
            'stop: disconnect.reasonCode getter calls client.close()',
            `const c = new Mqtt5Client(config); return c.stop({ get reasonCode() { c.close(); return 0; } });`,
        ],
        [
            'publish: Proxy get trap calls client.close()',
            `const c = new Mqtt5Client(config); return c.publish(new Proxy({ topicName: 't', qos: 1 }, { get(t, k) { if (k === 'messageExpiryIntervalSeconds') c.close(); return t[k]; } }));`,
        ],
        [
            'native publish: retain getter calls nativeClient.close()',
            `const n = new binding.NativeMqtt5Client(config, () => {}); return n.publish({ topicName: 't', qos: 1, get retain() { n.close(); return false; } });`,
        ],
    ];
    for (const [label, body] of cases) {
        it.concurrent(label, async ({ expect }) => {
            expectCleanChild(expect, label, await childCase(body));
        }, 90_000);
    }
});

// A sparse array's length is up to 2^32-1 while it holds nothing: the native walker must not size
// an allocation by the length before it has looked at the elements (std::bad_alloc aborts the process).
describe.concurrent('huge sparse arrays (child processes)', () => {
    const cases: [string, string][] = [
        [
            'native publish: userProperties of length 2^32-1',
            `const n = new binding.NativeMqtt5Client(config, () => {}); return n.publish({ topicName: 't', qos: 0, userProperties: huge() });`,
        ],
        [
            'native subscribe: subscriptions of length 2^32-1',
            `const n = new binding.NativeMqtt5Client(config, () => {}); return n.subscribe({ subscriptions: huge() });`,
        ],
        [
            'native unsubscribe: topicFilters of length 2^32-1',
            `const n = new binding.NativeMqtt5Client(config, () => {}); return n.unsubscribe({ topicFilters: huge() });`,
        ],
        [
            'native constructor: metrics.metadata of length 2^32-1',
            `return new binding.NativeMqtt5Client({ ...config, metrics: { libraryName: 'x', metadata: huge() } }, () => {});`,
        ],
        [
            'unsubscribe: topicFilters of length 2^32-1 with its own forEach',
            `const c = new Mqtt5Client(config); const a = huge(); a.forEach = () => {}; return c.unsubscribe({ topicFilters: a });`,
        ],
        [
            'subscribe: subscriptions of length 2^32-1 with its own forEach',
            `const c = new Mqtt5Client(config); const a = huge(); a.forEach = () => {}; return c.subscribe({ subscriptions: a });`,
        ],
    ];
    for (const [label, body] of cases) {
        it.concurrent(label, async ({ expect }) => {
            expectCleanChild(expect, label, await childCase(body));
        }, 90_000);
    }
});

// The ALPN list is handed to the CRT joined with ';': entries that contain ';', are empty, or are
// longer than a protocol name may be (255 bytes) must be refused, not passed on.
describe.concurrent('TLS ALPN lists (child processes)', () => {
    const alpn = (list: string) =>
        `return new io.ClientTlsContext(Object.assign(new io.TlsContextOptions(), { alpn_list: ${list} }));`;
    const cases: [string, string][] = [
        ["alpn_list ['h2', 'a;b'] (separator inside an entry)", alpn(`['h2', 'a;b']`)],
        ["alpn_list ['h2', ''] (an empty entry)", alpn(`['h2', '']`)],
        ["alpn_list ['x' * 600] (longer than 255 bytes)", alpn(`['x'.repeat(600)]`)],
        ["alpn_list ['x' * 70000]", alpn(`['x'.repeat(70000)]`)],
    ];
    for (const [label, body] of cases) {
        it.concurrent(label, async ({ expect }) => {
            expectCleanChild(expect, label, await childCase(body));
        }, 90_000);
    }
});

// The websocket handshake transform is user code: whatever it does to the request, a connection
// attempt must end (fail) and stop() must still stop the client.
describe.concurrent('hostile websocket handshake transforms (child processes)', () => {
    const run = (transform: string) =>
        runNode(
            `${childPrelude}
            const errors = [];
            process.on('uncaughtException', (e) => errors.push(String(e && e.message)));
            const c = new Mqtt5Client({ ...config, minReconnectDelayMs: 50, maxReconnectDelayMs: 100, websocketHandshakeTransform: ${transform} });
            const events = [];
            for (const e of ['attemptingConnect', 'connectionFailure', 'stopped']) c.on(e, (x) => events.push(e + (x && x.error ? ':' + x.error.code : '')));
            const pending = c.publish({ topicName: 'a', qos: 1 });
            c.start();
            setTimeout(async () => {
                const stopped = new Promise((r) => c.once('stopped', () => r(true)));
                c.stop();
                const ok = await Promise.race([stopped, new Promise((r) => setTimeout(() => r(false), 1000))]);
                c.close();
                const publish = await outcome(() => pending);
                report({ stopped: ok, publish, events: events.slice(0, 4), errors: errors.slice(0, 2) });
            }, 300);`,
            { timeoutMs: 15_000 },
        );
    const cases: [string, string][] = [
        ['replaces request.headers with a number, then calls done()', `(req, done) => { req.headers = 5; done(); }`],
        ['sets request.path to a number, then calls done()', `(req, done) => { req.path = 5; done(); }`],
        ['adds a header with a symbol value, then calls done()', `(req, done) => { req.headers.add('x', Symbol('v')); done(); }`],
        ['never calls done()', `(req, done) => {}`],
    ];
    for (const [label, transform] of cases) {
        it.concurrent(`a transform that ${label}: stop() still stops the client`, async ({ expect }) => {
            const r = await run(transform);
            expect(r.signal, r.stderr).toBeNull();
            expect(r.timedOut).toBe(false);
            const line = r.stdout.split('\n').find((l) => l.startsWith('RESULT '));
            expect(line, `${r.stdout}\n${r.stderr}`).toBeDefined();
            const result = JSON.parse(line!.slice('RESULT '.length));
            expect(
                result.stopped,
                `no 'stopped' within 1 s of stop(); events: ${JSON.stringify(result.events)}, uncaught: ${JSON.stringify(result.errors)}`,
            ).toBe(true);
            expect(result.publish.settled).not.toMatch(/^(pending|rejected with)/);
        });
    }
});

// A delegate is user code: whatever it returns, getCredentials() must settle (and not keep the
// process alive forever).
describe.concurrent('credentials delegates returning hostile values (child processes)', () => {
    const cases: [string, string][] = [
        [
            'an object whose accessKeyId getter throws',
            `({ get accessKeyId() { throw new Error('getter'); }, secretAccessKey: 's' })`,
        ],
        ['a Proxy whose get trap throws', `new Proxy({}, { get() { throw new Error('trap'); } })`],
        [
            'a promise of an object whose getter throws',
            `Promise.resolve({ get aws_access_key_id() { throw new Error('getter'); } })`,
        ],
    ];
    for (const [label, value] of cases) {
        it.concurrent(`a delegate returning ${label}: getCredentials() settles`, async ({ expect }) => {
            const body = `return auth.AwsCredentialsProvider.newDelegate(() => ${value}).getCredentials();`;
            expectCleanChild(expect, label, await childCase(body, 4000));
        });
    }
});

// ---- Listeners that throw ------------------------------------------------------------------------

describe.concurrent('a throwing messageReceived listener (broker, child process)', () => {
    const script = (handler: boolean) => `
        const { Mqtt5Client, QoS } = require(${JSON.stringify(distIndex)});
        const topic = ${JSON.stringify(uniqueTopic('hostile-listener'))};
        const errors = [];
        ${handler ? "process.on('uncaughtException', (e) => errors.push(String(e && e.message)));" : ''}
        (async () => {
            const c = new Mqtt5Client({ hostName: '127.0.0.1', port: ${brokerPort()},
                connectProperties: { keepAliveIntervalSeconds: 30, clientId: 'hostile-listener-' + process.pid } });
            const connected = new Promise((r) => c.once('connectionSuccess', r));
            c.start();
            await connected;
            let first = 0;
            const seen = [];
            c.on('messageReceived', () => { if (++first === 3) throw new Error('listener boom on message 3'); });
            c.on('messageReceived', (e) => seen.push(Buffer.from(e.message.payload).toString()));
            await c.subscribe({ subscriptions: [{ topicFilter: topic, qos: QoS.AtLeastOnce }] });
            await Promise.all(Array.from({ length: 50 }, (_, i) => c.publish({ topicName: topic, qos: QoS.AtLeastOnce, payload: String(i) })));
            for (let i = 0; i < 250 && first < 50; i++) await new Promise((r) => setTimeout(r, 20));
            // the client still works afterwards
            await c.publish({ topicName: topic, qos: QoS.AtLeastOnce, payload: 'after' });
            for (let i = 0; i < 250 && first < 51; i++) await new Promise((r) => setTimeout(r, 20));
            await new Promise((r) => setTimeout(r, 50));
            const stopped = new Promise((r) => c.once('stopped', r));
            c.stop();
            await stopped;
            c.close();
            console.log('RESULT ' + JSON.stringify({ seen, first, errors }));
        })();`;

    it.concurrent('the other listener still gets all 50 messages, the client keeps working, and the error surfaces once as uncaught', async ({
        expect,
    }) => {
        const r = await runNode(script(true), { timeoutMs: 20_000 });
        expect(r.signal, r.stderr).toBeNull();
        expect(r.timedOut, r.stderr).toBe(false);
        const line = r.stdout.split('\n').find((l) => l.startsWith('RESULT '));
        expect(line, `${r.stdout}\n${r.stderr}`).toBeDefined();
        const { seen, first, errors } = JSON.parse(line!.slice('RESULT '.length));
        expect(errors).toEqual(['listener boom on message 3']);
        expect(first).toBe(51);
        expect(seen.includes('after'), 'the client delivered nothing after the throw').toBe(true);
        const missing = Array.from({ length: 50 }, (_, i) => String(i)).filter((m) => !seen.includes(m));
        expect(missing, 'messages the second listener never saw').toEqual([]);
        expect(seen).toEqual([...Array.from({ length: 50 }, (_, i) => String(i)), 'after']);
        expect(r.code).toBe(0);
    });

    it.concurrent('without an uncaughtException handler the error is not swallowed: the process dies of it, not of a signal', async ({
        expect,
    }) => {
        const r = await runNode(script(false), { timeoutMs: 20_000 });
        expect(r.signal, r.stderr).toBeNull();
        expect(r.timedOut).toBe(false);
        expect(r.code).toBe(1);
        expect(r.stderr).toContain('listener boom on message 3');
    });

    it.concurrent('a sink handed to the native class that throws: the error surfaces as uncaught and later batches still arrive', async ({
        expect,
    }) => {
        const r = await runNode(
            `const { binding } = require(${JSON.stringify(distNative)});
             const errors = [];
             let batches = 0;
             process.on('uncaughtException', (e) => errors.push(String(e && e.message)));
             const n = new binding.NativeMqtt5Client({ hostName: '127.0.0.1', port: 1, minReconnectDelayMs: 20, maxReconnectDelayMs: 40 },
                 () => { if (++batches === 1) throw new Error('sink boom'); });
             n.start();
             setTimeout(() => { n.stop(); n.close(); console.log('RESULT ' + JSON.stringify({ batches, errors })); }, 800);`,
            { timeoutMs: 10_000 },
        );
        expect(r.signal, r.stderr).toBeNull();
        const line = r.stdout.split('\n').find((l) => l.startsWith('RESULT '));
        expect(line, `${r.stdout}\n${r.stderr}`).toBeDefined();
        const { batches, errors } = JSON.parse(line!.slice('RESULT '.length));
        expect(batches).toBeGreaterThan(1);
        expect(errors, `the sink's exception was swallowed; stderr: ${r.stderr.trim()}`).toEqual(['sink boom']);
    });
});
