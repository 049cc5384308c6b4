// Every example in examples/ runs with --local (what `npm run example:*` does): it starts its own
// local servers, connects, does a publish/subscribe round trip, cleans up and exits 0 with its
// SUCCESS line. The examples run concurrently, each in its own node process.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '../..');

interface Run {
    code: number | null;
    signal: string | null;
    stdout: string;
    stderr: string;
    ms: number;
}

// The examples read AWS_IOT_* (and proxy) settings from the environment: not from this one.
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(AWS_IOT_|HTTPS?_PROXY$|https?_proxy$)/.test(k)));

function runExample(file: string, args: string[]): Promise<Run> {
    const t0 = performance.now();
    return new Promise((resolve) => {
        execFile(
            process.execPath,
            [path.join('examples', file), ...args],
            { cwd: root, env, timeout: 30_000, encoding: 'utf8' },
            (err, stdout, stderr) => {
                const e = err as (Error & { code?: number | string; signal?: string }) | null;
                resolve({
                    code: e ? (typeof e.code === 'number' ? e.code : null) : 0,
                    signal: e?.signal ?? null,
                    stdout,
                    stderr,
                    ms: performance.now() - t0,
                });
            },
        );
    });
}

const EXAMPLES: Array<{ script: string; file: string; args?: string[]; success: RegExp; also?: RegExp[] }> = [
    { script: 'example:tcp', file: 'quickstart.mjs', success: /^SUCCESS: quickstart \(MQTT 5 over TCP\)/m },
    { script: 'example:mtls', file: 'mtls.mjs', success: /^SUCCESS: mtls \(X\.509 client certificate\) \(localhost:\d+\)$/m },
    {
        script: 'example:websocket',
        file: 'websocket_sigv4.mjs',
        success: /^SUCCESS: websocket_sigv4 \(wss \+ SigV4\) \(the gateway verified 1 signed handshake\(s\)\)$/m,
    },
    {
        script: 'example:custom-auth',
        file: 'custom_auth.mjs',
        success: /^SUCCESS: custom_auth \(custom authorizer, TLS, ALPN mqtt\)/m,
        also: [
            /only user: example-user\?x-amz-customauthorizer-name=local-authorizer&x-example-token=token\+value\/1=&x-amz-customauthorizer-signature=c2lnbmF0dXJl%2B%2F%3D%3D$/m,
        ],
    },
    {
        script: 'example:proxy',
        file: 'http_proxy.mjs',
        success: /^SUCCESS: http_proxy \(mTLS through an HTTP CONNECT proxy\) \(the proxy tunnelled to localhost:\d+\)$/m,
    },
];

describe('examples (--local)', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));

    it('package.json has an example:* script for each, running it with --local', () => {
        for (const e of EXAMPLES) expect(pkg.scripts[e.script], e.script).toBe(`node examples/${e.file} --local`);
    });

    it('each example connects, round-trips a message, cleans up and exits 0 with its success line', async () => {
        const runs = await Promise.all([
            ...EXAMPLES.map((e) => runExample(e.file, ['--local', ...(e.args ?? [])])),
            runExample('custom_auth.mjs', ['--local', '--websocket']),
        ]);
        const all = [
            ...EXAMPLES,
            {
                script: 'custom_auth --websocket',
                file: 'custom_auth.mjs',
                success: /^SUCCESS: custom_auth \(custom authorizer, wss\)/m,
            },
        ];
        all.forEach((e, i) => {
            const r = runs[i];
            const where = `${e.file}: exit ${r.code} ${r.signal ?? ''}\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`;
            expect(r.code, where).toBe(0);
            expect(r.stdout, where).toMatch(e.success);
            expect(r.stdout, where).toMatch(/received 'hello from \w+' on /);
            for (const re of (e as { also?: RegExp[] }).also ?? []) expect(r.stdout, where).toMatch(re);
            expect(r.stderr, where).toBe('');
        });
    }, 60_000);

    it('without --local and without the required options, an example explains what it needs (exit 2)', async () => {
        const r = await runExample('mtls.mjs', []);
        expect(r.code).toBe(2);
        expect(r.stderr).toMatch(/missing --endpoint, --cert, --key \(or use --local\)/);
        const help = await runExample('websocket_sigv4.mjs', ['--help']);
        expect(help.code).toBe(0);
        expect(help.stdout).toMatch(/^usage: node examples\/websocket_sigv4\.mjs/);
    });
});
