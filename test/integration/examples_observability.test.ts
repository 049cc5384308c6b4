// examples/otel and examples/prometheus: packages of their own (their dependencies are theirs,
// not the library's), installed here from their lockfiles if needed, then run with --local.
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';

const root = path.resolve(__dirname, '../..');

function install(dir: string) {
    if (fs.existsSync(path.join(root, dir, 'node_modules'))) return;
    execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: path.join(root, dir), stdio: 'pipe', timeout: 300_000 });
}

function run(file: string): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
        execFile(process.execPath, [file, '--local'], { cwd: root, timeout: 60_000, encoding: 'utf8' }, (err, stdout, stderr) => {
            resolve({ code: err ? ((err as { code?: number }).code ?? -1) : 0, stdout, stderr });
        });
    });
}

it('examples/otel: every operation, message and connection attempt becomes a span', async () => {
    install('examples/otel');
    const r = await run('examples/otel/demo.mjs');
    const where = `exit ${r.code}\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`;
    expect(r.code, where).toBe(0);
    expect(r.stderr, where).toBe('');
    expect(r.stdout, where).toMatch(/^SUCCESS: otel \(diagnostics_channel -> OpenTelemetry spans\) \(5 spans\)$/m);
    // In the order they ended; status 1 = OK.
    const spans = r.stdout.match(/^span: .*$/gm)!.map((l) => l.replace(/ [\d.]+ ms$/, '').replace(/\/\d+/g, ''));
    expect(spans).toEqual([
        'span: mqtt connect [CLIENT] status 1',
        'span: subscribe mqtt5-crt/examples/otel [CLIENT] status 1',
        'span: receive mqtt5-crt/examples/otel [CONSUMER] status 0',
        'span: publish mqtt5-crt/examples/otel [PRODUCER] status 1',
        'span: unsubscribe mqtt5-crt/examples/otel [CLIENT] status 1',
    ]);
}, 360_000);

it('examples/prometheus: client.metrics() on /metrics, scraped once', async () => {
    install('examples/prometheus');
    const r = await run('examples/prometheus/server.mjs');
    const where = `exit ${r.code}\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`;
    expect(r.code, where).toBe(0);
    expect(r.stderr, where).toBe('');
    expect(r.stdout, where).toMatch(/^SUCCESS: prometheus \(client\.metrics\(\) on \/metrics\) \(24 samples\)$/m);
    for (const line of [
        'mqtt5_crt_connection_state{client="main",state="connected"} 1',
        'mqtt5_crt_connection_attempts_total{client="main"} 1',
        'mqtt5_crt_operations_total{client="main",operation="subscribe",outcome="succeeded"} 1',
        'mqtt5_crt_operations_total{client="main",operation="publish",outcome="succeeded"} 3',
        'mqtt5_crt_messages_received_total{client="main"} 3',
        'mqtt5_crt_queue_operations{client="main"} 0',
    ]) {
        expect(r.stdout.split('\n'), where).toContain(line);
    }
}, 360_000);
