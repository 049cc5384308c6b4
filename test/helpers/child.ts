import { spawn } from 'node:child_process';
import path from 'node:path';
import { expect } from 'vitest';

export const distIndex = path.resolve(__dirname, '../../dist/index.js');
export const distNative = path.resolve(__dirname, '../../dist/native.js');

export interface ChildResult {
    code: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
    ms: number;
    /** true when we had to kill it after `timeoutMs` */
    timedOut: boolean;
}

/** Runs `node [flags] -e script`, killing it after timeoutMs. */
export function runNode(
    script: string,
    { flags = [] as string[], timeoutMs = 15_000, env = {} as Record<string, string> } = {},
): Promise<ChildResult> {
    return new Promise((resolve) => {
        const t0 = Date.now();
        const child = spawn(process.execPath, [...flags, '-e', script], {
            stdio: ['ignore', 'pipe', 'pipe'],
            env: { ...process.env, ...env },
        });
        let stdout = '';
        let stderr = '';
        let timedOut = false;
        child.stdout.on('data', (d) => (stdout += d));
        child.stderr.on('data', (d) => (stderr += d));
        const timer = setTimeout(() => {
            timedOut = true;
            child.kill('SIGKILL');
        }, timeoutMs);
        // 'close', not 'exit': only then has all of stdout/stderr been read.
        child.on('close', (code, signal) => {
            clearTimeout(timer);
            resolve({ code, signal, stdout, stderr, ms: Date.now() - t0, timedOut });
        });
    });
}

/**
 * Runs a child script that receives one large packet and prints `{ before, after, length }` (RSS
 * around it, after GC) and checks that the decoder gave its buffer back: before the fix it kept
 * one of at least the packet's size for the connection's lifetime; a third of that is allowed for
 * allocator slack.
 */
export async function expectDecoderBufferReleased(script: string, size: number): Promise<void> {
    const r = await runNode(script, { flags: ['--expose-gc'], timeoutMs: 120_000 });
    expect(r.timedOut).toBe(false);
    expect(r.stderr).toBe('');
    const { before, after, length } = JSON.parse(r.stdout.trim());
    expect(length).toBe(size);
    expect(after - before).toBeLessThan(size / 3);
}
