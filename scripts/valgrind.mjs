#!/usr/bin/env node
// Memory-safety run: the addon's native paths under valgrind memcheck (`npm run test:valgrind`).
//
// Starts a private mosquitto (a plain listener, a TLS listener and an mTLS listener, with a test
// PKI made by the openssl CLI), then runs node under memcheck on test/memcheck/exercise.cjs:
//   1. "main":     every native path (see the script's header), ending with everything closed;
//                  errors AND leaks count.
//   2. "teardown": workers terminated and the process exiting with clients mid-traffic;
//                  memory errors count (leaks at a forced exit are reported, not counted).
// Unit tests' native paths (loading, logging, validation, TLS contexts, credentials) are
// covered by "main"; integration paths by both.
//
// Suppressions (test/memcheck/node.supp) cover node, V8, libuv, OpenSSL-in-node and glibc
// internals only: every entry names the allocating/erring frame and requires the frame right
// after the allocator to be in the node binary or a system library, never in the addon. The run
// then checks, from valgrind's XML, that no remaining error or leak exists, prints how many
// errors each suppression absorbed, and (--audit) re-checks without our suppression file that no
// error or leak of the whole run has a frame in the addon (our binding/*.cc and the CRT, which is
// linked into mqtt5_crt.node).
//
// Usage: node scripts/valgrind.mjs [--only main|teardown] [--audit] [--track-origins] [--keep]
//        [--no-valgrind]   (runs the exercise under plain node: a quick functional check)
// Exit code 0 = no errors, 1 = errors/leaks found or the exercise failed.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startMosquitto } from './mosquitto.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values: opt } = parseArgs({
    options: {
        only: { type: 'string' },
        audit: { type: 'boolean' },
        'track-origins': { type: 'boolean' },
        keep: { type: 'boolean' },
        'no-valgrind': { type: 'boolean' },
        'timeout-s': { type: 'string', default: '1500' },
    },
});
const exercise = path.join(root, 'test/memcheck/exercise.cjs');
const suppFile = path.join(root, 'test/memcheck/node.supp');
const ADDON = 'mqtt5_crt.node';
const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mqtt5-crt-valgrind-'));

function makePki(dir) {
    const run = (args) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    const p = (f) => path.join(dir, f);
    const ec = (name) => run(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', p(`${name}.key`)]);
    ec('ca');
    run([
        'req',
        '-x509',
        '-new',
        '-key',
        p('ca.key'),
        '-subj',
        '/CN=mqtt5-crt memcheck CA',
        '-days',
        '30',
        '-sha256',
        '-addext',
        'basicConstraints=critical,CA:TRUE',
        '-addext',
        'keyUsage=critical,keyCertSign,cRLSign',
        '-out',
        p('ca.crt'),
    ]);
    const leaf = (name, cn, exts) => {
        ec(name);
        run(['req', '-new', '-key', p(`${name}.key`), '-subj', `/CN=${cn}`, '-out', p(`${name}.csr`)]);
        fs.writeFileSync(p(`${name}.ext`), exts.join('\n') + '\n');
        run([
            'x509',
            '-req',
            '-in',
            p(`${name}.csr`),
            '-CA',
            p('ca.crt'),
            '-CAkey',
            p('ca.key'),
            '-CAcreateserial',
            '-days',
            '30',
            '-sha256',
            '-extfile',
            p(`${name}.ext`),
            '-out',
            p(`${name}.crt`),
        ]);
    };
    leaf('server', 'localhost', [
        'basicConstraints=critical,CA:FALSE',
        'extendedKeyUsage=serverAuth',
        'subjectAltName=DNS:localhost,IP:127.0.0.1',
    ]);
    leaf('client', 'memcheck-client', ['basicConstraints=critical,CA:FALSE', 'extendedKeyUsage=clientAuth']);
    for (const f of fs.readdirSync(dir)) fs.chmodSync(p(f), 0o644);
    fs.chmodSync(dir, 0o755);
    return {
        ca: p('ca.crt'),
        serverCert: p('server.crt'),
        serverKey: p('server.key'),
        clientCert: p('client.crt'),
        clientKey: p('client.key'),
    };
}

// ---- a small parser for valgrind's XML (protocol 4) --------------------------------------------
const unxml = (s) =>
    s
        .replace(/&lt;/g, '<')
        .replace(/&gt;/g, '>')
        .replace(/&quot;/g, '"')
        .replace(/&apos;/g, "'")
        .replace(/&amp;/g, '&');
function tag(s, name) {
    const m = new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(s);
    return m ? unxml(m[1].trim()) : undefined;
}
function parseXml(file) {
    const xml = fs.readFileSync(file, 'utf8');
    const errors = [];
    for (const m of xml.matchAll(/<error>([\s\S]*?)<\/error>/g)) {
        const body = m[1];
        const kind = tag(body, 'kind');
        const what = tag(body, 'what') ?? tag(tag(body, 'xwhat') ?? '', 'text') ?? '';
        const frames = [...body.matchAll(/<frame>([\s\S]*?)<\/frame>/g)].map((f) => ({
            obj: tag(f[1], 'obj') ?? '',
            fn: tag(f[1], 'fn') ?? '',
            file: tag(f[1], 'file'),
            line: tag(f[1], 'line'),
        }));
        const leakedBytes = Number(/<leakedbytes>(\d+)<\/leakedbytes>/.exec(body)?.[1] ?? 0);
        // The first frame that is not valgrind's allocator replacement (malloc, operator new, ...),
        // i.e. whoever allocated (leaks) or whoever erred (memory errors).
        const first = frames.find((f) => !/vgpreload_memcheck/.test(f.obj));
        errors.push({
            kind,
            what,
            frames,
            leakedBytes,
            // the allocating/erring code is the addon's (our binding/*.cc or the CRT)
            ours: !!first && first.obj.endsWith(ADDON),
            // some frame of the stack is in the addon (e.g. glibc allocating a CRT thread's TLS)
            through: frames.some((f) => f.obj.endsWith(ADDON)),
        });
    }
    const suppcounts = [...xml.matchAll(/<pair>\s*<count>(\d+)<\/count>\s*<name>([\s\S]*?)<\/name>\s*<\/pair>/g)].map((m) => ({
        count: Number(m[1]),
        name: unxml(m[2]),
    }));
    const exitedCleanly = xml.includes('</valgrindoutput>');
    return { errors, suppcounts, exitedCleanly };
}

function fmtFrames(frames, n = 12) {
    return frames
        .slice(0, n)
        .map((f) => `      ${f.fn || '???'} (${f.file ? `${f.file}:${f.line}` : path.basename(f.obj)})`)
        .join('\n');
}

function runOne(mode, env, { withSupp = true, label = mode } = {}) {
    const xml = path.join(outDir, `${label}.xml`);
    const log = path.join(outDir, `${label}.log`);
    const nodeArgs = ['--expose-gc', exercise, mode];
    const vgArgs = [
        '--tool=memcheck',
        '--leak-check=full',
        '--show-leak-kinds=all',
        '--errors-for-leak-kinds=definite,indirect,possible',
        '--num-callers=40',
        '--smc-check=all-non-file',
        '--fair-sched=try',
        '--xml=yes',
        `--xml-file=${xml}`,
        `--log-file=${log}`,
        ...(withSupp ? [`--suppressions=${suppFile}`] : []),
        ...(opt['track-origins'] ? ['--track-origins=yes'] : []),
        process.execPath,
        ...nodeArgs,
    ];
    const cmd = opt['no-valgrind'] ? process.execPath : 'valgrind';
    const args = opt['no-valgrind'] ? nodeArgs : vgArgs;
    console.log(`\n$ ${cmd} ${args.map((a) => (a.includes(' ') ? JSON.stringify(a) : a)).join(' ')}`);
    const t0 = Date.now();
    return new Promise((resolve) => {
        const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        const tee = (d, stream) => {
            out += d;
            stream.write(d);
        };
        child.stdout.on('data', (d) => tee(d, process.stdout));
        child.stderr.on('data', (d) => tee(d, process.stderr));
        const timer = setTimeout(() => child.kill('SIGKILL'), Number(opt['timeout-s']) * 1000);
        child.on('exit', (code, signal) => {
            clearTimeout(timer);
            resolve({
                mode,
                label,
                code,
                signal,
                seconds: (Date.now() - t0) / 1000,
                ok: /EXERCISE OK (\d+) checks/.test(out),
                checks: Number(/EXERCISE OK (\d+) checks/.exec(out)?.[1] ?? 0),
                xml,
                log,
            });
        });
    });
}

const isReachable = (e) => e.kind === 'Leak_StillReachable';
const isLeak = (e) => e.kind?.startsWith('Leak_') && !isReachable(e);
const sumBytes = (list, kind) => list.filter((e) => e.kind === kind).reduce((n, e) => n + e.leakedBytes, 0);
const leakLine = (list) =>
    `definitely lost ${sumBytes(list, 'Leak_DefinitelyLost')} B, indirectly lost ${sumBytes(list, 'Leak_IndirectlyLost')} B, ` +
    `possibly lost ${sumBytes(list, 'Leak_PossiblyLost')} B (${list.length} records)`;
function classify(errors) {
    const memErrors = errors.filter((e) => !isLeak(e) && !isReachable(e));
    const leaks = errors.filter(isLeak);
    const reachable = errors.filter(isReachable);
    const bytes = (list) => list.reduce((n, e) => n + e.leakedBytes, 0);
    return {
        memErrors,
        leaks,
        lines: [
            `memory errors: ${memErrors.length} (in the addon: ${memErrors.filter((e) => e.ours).length}; ` +
                `with the addon on the stack: ${memErrors.filter((e) => e.through).length})`,
            `leaks: ${leakLine(leaks)}`,
            `  allocated by the addon (binding/*.cc or the CRT): ${leakLine(leaks.filter((e) => e.ours))}`,
            `  allocated elsewhere, the addon on the stack: ${leakLine(leaks.filter((e) => !e.ours && e.through))}`,
            `still reachable at exit (not errors): ${bytes(reachable)} B in ${reachable.length} records; ` +
                `allocated by the addon: ${bytes(reachable.filter((e) => e.ours))} B in ${reachable.filter((e) => e.ours).length} records`,
        ],
    };
}

function report(r, { leaksCount }) {
    console.log(
        `\n=== ${r.label}: exit ${r.signal ?? r.code}, ${r.seconds.toFixed(0)} s, exercise ${r.ok ? `OK (${r.checks} checks)` : 'FAILED'}`,
    );
    if (opt['no-valgrind']) return { failed: !r.ok };
    const { errors, suppcounts, exitedCleanly } = parseXml(r.xml);
    const { memErrors, leaks, lines } = classify(errors);
    if (!exitedCleanly) console.log('valgrind output is incomplete: valgrind did not finish');
    console.log('unsuppressed:');
    for (const l of lines) console.log(`  ${l}`);
    const supTotal = suppcounts.reduce((n, s) => n + s.count, 0);
    console.log(`suppressed: ${supTotal} errors/leak records, by ${suppcounts.length} suppressions:`);
    for (const s of suppcounts.sort((a, b) => b.count - a.count)) console.log(`  ${String(s.count).padStart(6)}  ${s.name}`);
    for (const e of [...memErrors, ...leaks].slice(0, 30)) {
        console.log(
            `\n  ${e.kind}: ${e.what}${e.ours ? '  [in the addon]' : e.through ? '  [addon on the stack]' : ''}\n${fmtFrames(e.frames)}`,
        );
    }
    const counted = memErrors.length + (leaksCount ? leaks.length : 0);
    return { failed: !r.ok || !exitedCleanly || counted > 0 || !!r.signal, memErrors: memErrors.length, leaks: leaks.length };
}

async function main() {
    if (!opt['no-valgrind']) {
        try {
            execFileSync('valgrind', ['--version'], { stdio: 'ignore' });
        } catch {
            console.error('valgrind is not installed (Debian/Ubuntu: apt-get install valgrind)');
            process.exit(1);
        }
    }
    const pkiDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mqtt5-crt-memcheck-pki-'));
    const pki = makePki(pkiDir);
    const { freePort } = await import('./mosquitto.mjs');
    const tlsPort = await freePort();
    const mtlsPort = await freePort();
    const broker = await startMosquitto({
        extraConfig: [
            'max_queued_messages 0',
            'set_tcp_nodelay true',
            `listener ${tlsPort} 127.0.0.1`,
            `cafile ${pki.ca}`,
            `certfile ${pki.serverCert}`,
            `keyfile ${pki.serverKey}`,
            `listener ${mtlsPort} 127.0.0.1`,
            `cafile ${pki.ca}`,
            `certfile ${pki.serverCert}`,
            `keyfile ${pki.serverKey}`,
            'require_certificate true',
        ],
    });
    const env = {
        MEMCHECK_PORT: String(broker.port),
        MEMCHECK_TLS_PORT: String(tlsPort),
        MEMCHECK_MTLS_PORT: String(mtlsPort),
        MEMCHECK_CA: pki.ca,
        MEMCHECK_CLIENT_CERT: pki.clientCert,
        MEMCHECK_CLIENT_KEY: pki.clientKey,
        MQTT5_CRT_LOG_LEVEL: '',
        // Valgrind runs one thread at a time, far slower than 100 us between wake-ups: with a 20 ms
        // delay the dense-stream step takes the moderated path (the clients' timers) here too.
        MQTT5_CRT_WAKE_DELAY_US: '20000',
    };
    const t0 = Date.now();
    const results = [];
    try {
        for (const mode of ['main', 'teardown']) {
            if (opt.only && opt.only !== mode) continue;
            const r = await runOne(mode, env);
            results.push(report(r, { leaksCount: mode === 'main' }));
            if (opt.audit && !opt['no-valgrind']) {
                // The same run without our suppression file: every error or leak that remains must
                // have no frame in the addon, i.e. the suppressions hid nothing of ours.
                const a = await runOne(mode, env, { withSupp: false, label: `${mode}-audit` });
                const { errors } = parseXml(a.xml);
                const { memErrors, leaks, lines } = classify(errors);
                console.log(`\n=== ${mode} audit (valgrind's default suppressions only): ${errors.length} error/leak records`);
                for (const l of lines) console.log(`  ${l}`);
                const ours = [...memErrors.filter((e) => e.through), ...leaks.filter((e) => e.ours)];
                for (const e of ours.slice(0, 20)) console.log(`\n  ${e.kind}: ${e.what}\n${fmtFrames(e.frames, 20)}`);
                // main: nothing of ours at all; teardown: no memory error of ours (a forced exit leaks by design).
                results.push({ failed: !a.ok || (mode === 'main' ? ours.length > 0 : memErrors.some((e) => e.through)) });
            }
        }
    } finally {
        await broker.stop();
        fs.rmSync(pkiDir, { recursive: true, force: true });
    }
    const failed = results.some((r) => r.failed);
    console.log(
        `\nvalgrind run ${failed ? 'FAILED' : 'PASSED'} in ${((Date.now() - t0) / 1000).toFixed(0)} s (outputs in ${outDir})`,
    );
    if (!failed && !opt.keep) fs.rmSync(outDir, { recursive: true, force: true });
    process.exit(failed ? 1 : 0);
}

main().catch((e) => {
    console.error(e);
    process.exit(1);
});
