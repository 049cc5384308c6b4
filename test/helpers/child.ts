import { spawn } from 'node:child_process';
import path from 'node:path';

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
