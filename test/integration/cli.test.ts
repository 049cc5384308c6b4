// The command-line tool (bin/mqtt5-crt.mjs) and the `npm start` demo (bin/demo.mjs), run as
// child processes against the test broker.
//
// Nothing here may depend on the machine's speed: a node process starting on a busy 2-core
// machine can take seconds. Every time limit (the kill timer, waiting for stderr, the CLI's own
// -W) is a safety net far above what a run needs; the tests assert on exit codes and output.
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type Broker, freePort, startBroker } from '../helpers/broker';
import { brokerPort, uniqueTopic } from '../helpers/client';
import { makeTlsMaterial } from '../helpers/tls';
import { startTlsBroker } from '../helpers/tls_broker';
import { waitFor } from '../helpers/wait';

const ROOT = path.resolve(__dirname, '../..');
const CLI = path.join(ROOT, 'bin/mqtt5-crt.mjs');
const DEMO = path.join(ROOT, 'bin/demo.mjs');
const VERSION: string = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version;

interface Result {
    code: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
    timedOut: boolean;
}

interface Running {
    child: ChildProcess;
    /** Resolves once stderr matches `re` (rejects if the process exits first or after `ms`). */
    waitStderr(re: RegExp, ms?: number): Promise<void>;
    done: Promise<Result>;
}

/** How long a child may run before it is killed (and the test fails with timedOut). */
const CHILD_MS = 60_000;
/** For tests that run several children one after the other. */
const TEST_MS = 180_000;

const children = new Set<ChildProcess>();
afterAll(() => {
    for (const c of children) c.kill('SIGKILL');
});

function start(
    script: string,
    args: string[],
    { input, env = {}, timeoutMs = CHILD_MS }: { input?: string; env?: Record<string, string>; timeoutMs?: number } = {},
): Running {
    const child = spawn(process.execPath, [script, ...args], {
        cwd: ROOT,
        stdio: ['pipe', 'pipe', 'pipe'],
        env: { ...process.env, MQTT5_CRT_LOG_LEVEL: '', ...env },
    });
    children.add(child);
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    if (input !== undefined) child.stdin!.end(input);
    else child.stdin!.end();
    const timer = setTimeout(() => {
        timedOut = true;
        child.kill('SIGKILL');
    }, timeoutMs);
    const done = new Promise<Result>((resolve) =>
        child.on('close', (code, signal) => {
            clearTimeout(timer);
            children.delete(child);
            resolve({ code, signal, stdout, stderr, timedOut });
        }),
    );
    const waitStderr = (re: RegExp, ms = CHILD_MS) =>
        new Promise<void>((resolve, reject) => {
            const check = () => {
                if (re.test(stderr)) {
                    cleanup();
                    resolve();
                }
            };
            const onExit = () => {
                cleanup();
                reject(new Error(`exited before stderr matched ${re}: ${stderr}`));
            };
            const t = setTimeout(() => {
                cleanup();
                reject(new Error(`stderr did not match ${re} within ${ms} ms: ${stderr}`));
            }, ms);
            const cleanup = () => {
                clearTimeout(t);
                child.stderr!.off('data', check);
                child.off('exit', onExit);
            };
            child.stderr!.on('data', check);
            child.once('exit', onExit);
            check();
        });
    return { child, waitStderr, done };
}

const cli = (args: string[], opts?: Parameters<typeof start>[2]) => start(CLI, args, opts);
const run = (args: string[], opts?: Parameters<typeof start>[2]) => cli(args, opts).done;
const broker = () => ['-h', '127.0.0.1', '-p', String(brokerPort())];

describe('mqtt5-crt sub/pub', { timeout: TEST_MS }, () => {
    it('a `sub -C 2 -v` and a `sub --json` receive what two `pub` runs send (QoS 1, retain, user properties, content type)', async () => {
        const base = uniqueTopic('cli');
        const plain = cli(['sub', ...broker(), '-t', `${base}/#`, '-C', '2', '-v', '-d', '-W', '60']);
        const json = cli([
            'sub',
            ...broker(),
            '-t',
            `${base}/#`,
            '-C',
            '2',
            '--json',
            '-q',
            '1',
            '--retain-as-published',
            '-d',
            '-W',
            '60',
        ]);
        await Promise.all([plain.waitStderr(/subscribed to/), json.waitStderr(/subscribed to .*GrantedQoS1/)]);

        const first = await run([
            'pub',
            ...broker(),
            '-t',
            `${base}/one`,
            '-m',
            'hello',
            '-q',
            '1',
            '-r',
            '--user-property',
            'k=v',
            '--user-property',
            'who=cli=yes',
            '--content-type',
            'text/plain',
            '-d',
        ]);
        expect(first.stderr).toMatch(/PUBACK reason code 0 \(Success\)/);
        expect(first.code).toBe(0);
        // The second message comes from stdin (-s).
        const second = await run(
            ['pub', ...broker(), '-t', `${base}/two`, '-s', '-q', '1', '--content-type', 'application/json'],
            {
                input: '{"n":2}',
            },
        );
        expect(second.code, second.stderr).toBe(0);

        const [p, j] = await Promise.all([plain.done, json.done]);
        expect(p.code, p.stderr).toBe(0);
        expect(p.stdout).toBe(`${base}/one hello\n${base}/two {"n":2}\n`);
        expect(j.code, j.stderr).toBe(0);
        const lines = j.stdout
            .trim()
            .split('\n')
            .map((l) => JSON.parse(l));
        expect(lines).toEqual([
            {
                topic: `${base}/one`,
                payload: 'hello',
                payloadEncoding: 'utf8',
                qos: 1,
                retain: true,
                contentType: 'text/plain',
                userProperties: [
                    { name: 'k', value: 'v' },
                    { name: 'who', value: 'cli=yes' },
                ],
            },
            {
                topic: `${base}/two`,
                payload: '{"n":2}',
                payloadEncoding: 'utf8',
                qos: 1,
                retain: false,
                contentType: 'application/json',
            },
        ]);

        // The retained message is there for a later subscriber; `pub -n -r` clears it.
        const later = await run(['sub', ...broker(), '-t', `${base}/one`, '-C', '1', '--json', '-W', '60']);
        expect(later.code, later.stderr).toBe(0);
        expect(JSON.parse(later.stdout)).toMatchObject({ topic: `${base}/one`, payload: 'hello', retain: true });
        const clear = await run(['pub', ...broker(), '-t', `${base}/one`, '-n', '-r', '-q', '1']);
        expect(clear.code, clear.stderr).toBe(0);
    });

    it('a binary payload (-f) comes out base64 in --json', async () => {
        const topic = uniqueTopic('cli-bin');
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'mqtt5-crt-cli-')), 'payload.bin');
        const bytes = Buffer.from([0x00, 0xff, 0xc3, 0x28, 0x10]);
        fs.writeFileSync(file, bytes);
        const sub = cli(['sub', ...broker(), '-t', topic, '-C', '1', '--json', '-d', '-W', '60']);
        await sub.waitStderr(/subscribed to/);
        const pub = await run(['pub', ...broker(), '-t', topic, '-f', file]);
        expect(pub.code, pub.stderr).toBe(0);
        const r = await sub.done;
        expect(r.code, r.stderr).toBe(0);
        expect(JSON.parse(r.stdout)).toMatchObject({ payload: bytes.toString('base64'), payloadEncoding: 'base64', qos: 0 });
        fs.rmSync(path.dirname(file), { recursive: true, force: true });
    });

    it('stops by itself on SIGINT (sub exits 0)', async () => {
        const sub = cli(['sub', ...broker(), '-t', uniqueTopic('cli-int'), '-d']);
        await sub.waitStderr(/subscribed to/);
        sub.child.kill('SIGINT');
        const r = await sub.done;
        expect(r.timedOut).toBe(false);
        expect(r.code, r.stderr).toBe(0);
        expect(r.stderr).toMatch(/stopped/);
    });
});

describe('mqtt5-crt usage', { timeout: TEST_MS }, () => {
    const cases: Array<[string[], RegExp]> = [
        [['pub', '-t', 'x', '-m', 'y', '--bogus'], /unknown option '--bogus'/],
        [['sub', '-t', 'x', '--retain-handlng', '1'], /did you mean --retain-handling\?/],
        [['pub', '-m', 'y'], /pub needs -t <topic>/],
        [['sub', '-C', '1'], /sub needs at least one -t/],
        [['pub', '-t', 'x'], /pub needs a message/],
        [['pub', '-t', 'x', '-m', 'y', '-n'], /choose one message source/],
        [['pub', '-t', 'a/#', '-m', 'y'], /wildcards/],
        [['sub', '-t', 'x', '-q', '3'], /-q\/--qos must be 0 or 1/],
        [['sub', '-t', 'x', '-C', 'many'], /-C\/--count must be a whole number \(got 'many'\)/],
        [['pub', '-t', 'x', '-m', 'y', '-p', '70000'], /-p\/--port must be between 1 and 65535/],
        [['pub', '-t', 'x', '-m', 'y', '--user-property', 'novalue'], /--user-property must be key=value/],
        [['sub', '-t'], /argument missing/],
        [['pub', '-t', 'x', '-m', 'y', '--proxy-host', '127.0.0.1'], /needs TLS to the broker/],
        [['frob'], /unknown command 'frob'/],
        [[], /expected a command/],
    ];
    it('bad flags exit 2 with a message and a hint to --help, without connecting', async () => {
        const results = await Promise.all(cases.map(([args]) => run(args)));
        results.forEach((r, i) => {
            const [args, re] = cases[i];
            expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
            expect(r.stderr, args.join(' ')).toMatch(re);
            expect(r.stderr, args.join(' ')).toMatch(/--help/);
            expect(r.stdout).toBe('');
        });
    });

    it('--help lists the flags; each command has its own; --version', async () => {
        const [main, sub, pub, version] = await Promise.all([
            run(['--help']),
            run(['sub', '--help']),
            run(['pub', '--help']),
            run(['--version']),
        ]);
        for (const r of [main, sub, pub]) {
            expect(r.code).toBe(0);
            for (const flag of [
                '-h, --host',
                '-p, --port',
                '-i, --id',
                '-u, --username',
                '-P, --password',
                '-k, --keepalive',
                '--clean',
                '--session-expiry',
                '-d, --debug',
                '--cafile',
                '--capath',
                '--cert',
                '--key',
                '--insecure',
                '--alpn',
                '--ws',
                '--sigv4',
                '--region',
                '--custom-auth-name',
                '--custom-auth-username',
                '--custom-auth-password',
                '--custom-auth-token-key',
                '--custom-auth-token-value',
                '--custom-auth-token-signature',
                '--proxy-host',
                '--proxy-port',
                '--proxy-user',
                '--proxy-pass',
                '--disable-metrics',
                '--help',
                '--version',
            ]) {
                expect(r.stdout).toContain(flag);
            }
            expect(r.stdout).toMatch(/amazonaws\.com/); // the metrics default is explained
        }
        expect(main.stdout).toMatch(/Exit codes/);
        for (const flag of [
            '-t, --topic',
            '-q, --qos',
            '-C, --count',
            '-v, --verbose',
            '--json',
            '--no-local',
            '--retain-as-published',
            '--retain-handling',
        ]) {
            expect(sub.stdout).toContain(flag);
        }
        for (const flag of [
            '-t, --topic',
            '-m, --message',
            '-f, --file',
            '-s, --stdin',
            '-n, --null-message',
            '-r, --retain',
            '--content-type',
            '--user-property',
            '--message-expiry',
            '--repeat',
            '--interval',
        ]) {
            expect(pub.stdout).toContain(flag);
        }
        expect(version.code).toBe(0);
        expect(version.stdout.trim()).toBe(`mqtt5-crt ${VERSION}`);
    });
});

describe('mqtt5-crt failures', { timeout: TEST_MS }, () => {
    it('TLS to a plain MQTT port: exits 1 naming the endpoint, with the hint to connect without TLS', async () => {
        const r = await run(['pub', '-h', 'localhost', '-p', String(brokerPort()), '--tls', '--insecure', '-t', 'x', '-m', 'y']);
        expect(r.timedOut).toBe(false);
        expect(r.code, r.stderr).toBe(1);
        // The server closes the connection (AWS_IO_SOCKET_CLOSED) or s2n sees it is not TLS.
        expect(r.stderr).toMatch(new RegExp(`(connecting to mqtts://|TLS handshake with )localhost:${brokerPort()}`));
        expect(r.stderr).toContain('connect without tlsCtx');
    });

    it('a TLS handshake the server certificate fails: "TLS handshake ... failed: <reason> (<code>)"', async () => {
        const m = makeTlsMaterial();
        const b = await startTlsBroker({ material: m });
        try {
            // Said on tlsHandshakeFailed, without waiting out s2n's blinding delay (10-30 s) that
            // delays connectionFailure; the run ends by closing the client.
            const r = await run([
                'pub',
                '-h',
                'localhost',
                '-p',
                String(b.tlsPort),
                '--cafile',
                m.wrongCa.cert.path,
                '-t',
                'x',
                '-m',
                'y',
            ]);
            expect(r.timedOut).toBe(false);
            expect(r.code, r.stderr).toBe(1);
            expect(r.stderr).toContain(
                `TLS handshake with localhost:${b.tlsPort} failed: the server's certificate is not trusted: no certificate authority of the trust store`,
            );
            expect(r.stderr).toContain('(AWS_IO_TLS_UNKNOWN_ROOT_CERTIFICATE)');
        } finally {
            await b.stop();
            fs.rmSync(b.broker.dir, { recursive: true, force: true });
            m.cleanup();
        }
    });

    it('connection refused exits 1 with the CrtError code', async () => {
        const port = await freePort(); // nothing listens there
        const [pub, sub] = await Promise.all([
            run(['pub', '-h', '127.0.0.1', '-p', String(port), '-t', 'x', '-m', 'y']),
            run(['sub', '-h', '127.0.0.1', '-p', String(port), '-t', 'x']),
        ]);
        for (const r of [pub, sub]) {
            expect(r.timedOut).toBe(false);
            expect(r.code, r.stderr).toBe(1);
            expect(r.stderr).toMatch(
                new RegExp(`connection to 127\\.0\\.0\\.1:${port} failed: AWS_IO_SOCKET_CONNECTION_REFUSED`),
            );
        }
    });

    it('sends the username unchanged unless metrics are enabled (or the host is AWS)', async () => {
        // A fake broker that records the CONNECT packet and hangs up.
        const seen: Buffer[] = [];
        const server = net.createServer((s) => {
            let buf = Buffer.alloc(0);
            s.on('data', (d) => {
                buf = Buffer.concat([buf, d]);
                if (buf.includes(Buffer.from('secret'))) {
                    seen.push(buf);
                    s.destroy();
                }
            });
            s.on('error', () => {});
        });
        await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
        const port = String((server.address() as net.AddressInfo).port);
        try {
            // One user name per run: the CLI exits at the first failure, but on a busy machine the
            // client may have tried again by then, so either run may send more than one CONNECT.
            const args = (user: string) => [
                'pub',
                '-h',
                '127.0.0.1',
                '-p',
                port,
                '-u',
                user,
                '-P',
                'secret',
                '-t',
                'x',
                '-m',
                'y',
            ];
            const off = await run(args('bob'));
            const on = await run([...args('alice'), '--enable-metrics']);
            expect(off.code).toBe(1);
            expect(on.code).toBe(1);
            const from = (user: string) => seen.map((b) => b.toString('latin1')).filter((c) => c.includes(user));
            await waitFor(
                () => from('bob').length > 0 && from('alice').length > 0,
                10_000,
                () => `CONNECTs seen: ${seen.length}`,
            );
            for (const connect of from('bob')) expect(connect).not.toContain('SDK=');
            for (const connect of from('alice')) expect(connect).toContain('alice?SDK=');
        } finally {
            await new Promise((r) => server.close(r));
        }
    });
});

describe('npm start (bin/demo.mjs)', { timeout: TEST_MS }, () => {
    it('runs end to end on a private mosquitto and prints the summary', async () => {
        const r = await start(DEMO, []).done;
        expect(r.timedOut).toBe(false);
        expect(r.code, r.stderr + r.stdout).toBe(0);
        expect(r.stdout).toMatch(/mosquitto .* listening on 127\.0\.0\.1:\d+/);
        expect(r.stdout).toMatch(/sub +connected/);
        expect(r.stdout).toMatch(/PUBACK Success/);
        expect(r.stdout).toMatch(/Summary/);
        expect(r.stdout).toMatch(/6 sent \(3 QoS 0, 3 QoS 1; PUBACKs: 3 Success\), 6 received, 0 lost/);
        expect(r.stdout).toMatch(/round trip +p50 [\d.]+ ms, max [\d.]+ ms/);
        expect(r.stdout).toMatch(/broker stopped/);
    });

    it('says what to install when mosquitto is missing', async () => {
        const r = await start(DEMO, [], { env: { MQTT5_CRT_MOSQUITTO: '/nonexistent/mosquitto' } }).done;
        expect(r.code).toBe(1);
        expect(r.stderr).toMatch(/sudo apt-get install mosquitto/);
        expect(r.stderr).toMatch(/brew install mosquitto/);
    });
});

// Issue 19 item 10: `sub` used to exit 1 when its broker restarted ("connection ... refused") and
// missed what followed. It keeps reconnecting (with backoff and a line on stderr) until
// interrupted, unless --no-reconnect.
describe('mqtt5-crt sub when its broker restarts', { timeout: TEST_MS }, () => {
    const brokers: Broker[] = [];
    afterAll(async () => {
        await Promise.all(brokers.splice(0).map((b) => b.kill()));
    });
    async function privateBroker(opts: { port?: number; dir?: string } = {}): Promise<Broker> {
        // mosquitto drops to user `mosquitto`, which must be able to write its persistence file.
        const dir = opts.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'mqtt5-crt-cli-'));
        fs.chmodSync(dir, 0o777);
        const b = await startBroker({ ...opts, dir });
        brokers.push(b);
        return b;
    }
    const subscribedTwice = /(subscribed to '[^']*'[\s\S]*){2}|session rejoined/;

    it('keeps reconnecting through the restart and prints the message sent after it', async () => {
        const b1 = await privateBroker();
        const at = ['-h', '127.0.0.1', '-p', String(b1.port)];
        const topic = uniqueTopic('cli-restart');
        const sub = cli(['sub', ...at, '-t', topic, '-C', '1', '-v', '-d'], { timeoutMs: TEST_MS });
        await sub.waitStderr(/subscribed to/);
        await b1.kill();
        // It keeps trying while the broker is down: two refused attempts, each with its line.
        await sub.waitStderr(/(failed: AWS_IO_SOCKET_CONNECTION_REFUSED[^\n]*; reconnecting\n[\s\S]*){2}/);
        await privateBroker({ port: b1.port, dir: b1.dir });
        await sub.waitStderr(subscribedTwice);
        const pub = await run(['pub', ...at, '-t', topic, '-m', 'after the restart']);
        expect(pub.code, pub.stderr).toBe(0);
        const r = await sub.done;
        expect(r.timedOut).toBe(false);
        expect(r.code, r.stderr).toBe(0);
        expect(r.stdout).toBe(`${topic} after the restart\n`);
    });

    it('--no-reconnect exits 1 when the connection is lost', async () => {
        const b = await privateBroker();
        const sub = cli(['sub', '-h', '127.0.0.1', '-p', String(b.port), '-t', 'x', '--no-reconnect', '-d']);
        await sub.waitStderr(/subscribed to/);
        await b.kill();
        const r = await sub.done;
        expect(r.timedOut).toBe(false);
        expect(r.code).toBe(1);
        expect(r.stderr).toMatch(/disconnected: /);
        expect(r.stderr).not.toMatch(/reconnecting/);
    });
});
