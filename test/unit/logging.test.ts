// The CRT logger, from code and from the environment, in a child process (it is process-wide).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { distIndex, runNode } from '../helpers/child';

it('MQTT5_CRT_LOG_LEVEL and MQTT5_CRT_LOG_FILE turn on CRT logging without code changes', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'mqtt5-crt-log-')), 'crt.log');
    const r = await runNode(
        `const { Mqtt5Client } = require(${JSON.stringify(distIndex)});
         const c = new Mqtt5Client({ hostName: '127.0.0.1', port: 1 });
         c.on('connectionFailure', () => { c.close(); });
         c.start();`,
        { env: { MQTT5_CRT_LOG_LEVEL: 'debug', MQTT5_CRT_LOG_FILE: file } },
    );
    expect(r.code).toBe(0);
    const log = fs.readFileSync(file, 'utf8');
    expect(log).toMatch(/\[(INFO|DEBUG)\] .*\[mqtt5-client\]/);
});

it('a process that dies at once keeps the log lines written before it died', async () => {
    // Lines were handed to a background thread and a fully buffered file: a process killed (or
    // aborting) lost them all, and a quick exit under load lost the tail.
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'mqtt5-crt-log-')), 'crt.log');
    const r = await runNode(
        `const { Mqtt5Client } = require(${JSON.stringify(distIndex)});
         const c = new Mqtt5Client({ hostName: '127.0.0.1', port: 1 });
         c.on('connectionFailure', () => process.kill(process.pid, 'SIGKILL'));
         c.start();`,
        { env: { MQTT5_CRT_LOG_LEVEL: 'debug', MQTT5_CRT_LOG_FILE: file } },
    );
    expect(r.signal).toBe('SIGKILL');
    const log = fs.readFileSync(file, 'utf8');
    // The client's connection attempt, logged on the CRT thread before the failure reached JS.
    expect(log).toMatch(/\[(INFO|DEBUG)\] .*\[mqtt5-client\]/);
    expect(log.endsWith('\n')).toBe(true);
});

it('io.enable_logging(level) logs to stderr; bad levels are rejected', async () => {
    const r = await runNode(
        `const { io, Mqtt5Client } = require(${JSON.stringify(distIndex)});
         try { io.enable_logging(9); } catch (e) { console.log(e.constructor.name + ': ' + e.message); }
         io.enable_logging(io.LogLevel.INFO);
         const c = new Mqtt5Client({ hostName: '127.0.0.1', port: 1 });
         c.on('connectionFailure', () => c.close());
         c.start();`,
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('RangeError: logging level must be an integer from 0 (None) to 6 (Trace)');
    expect(r.stderr).toMatch(/\[INFO\] .*\[mqtt5-client\]/);
    expect(r.stderr).not.toMatch(/\[DEBUG\]/);
});
