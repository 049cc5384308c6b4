// Shared by the scenario scripts: flags, CPU readings, payload stamping, the JSON result line.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

/**
 * Parses `--name value` flags (and bare `--flag` as true) over the given defaults; numbers stay
 * numbers. Unknown flags are an error, so that a typo never silently runs the default.
 */
export function parseArgs(defaults, argv = process.argv.slice(2)) {
    const out = { ...defaults };
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}`);
        const key = a.slice(2);
        if (!(key in defaults))
            throw new Error(
                `unknown flag --${key} (known: ${Object.keys(defaults)
                    .map((k) => `--${k}`)
                    .join(' ')})`,
            );
        const next = argv[i + 1];
        if (typeof defaults[key] === 'boolean' && (next === undefined || next.startsWith('--'))) {
            out[key] = true;
            continue;
        }
        if (next === undefined) throw new Error(`--${key} needs a value`);
        i++;
        out[key] = typeof defaults[key] === 'number' ? Number(next) : next;
        if (typeof defaults[key] === 'number' && !Number.isFinite(out[key])) throw new Error(`--${key}: not a number: ${next}`);
    }
    if (!out.client) throw new Error('--client is required (mqtt5-crt|aws-crt|mqttjs)');
    if (!out.port) throw new Error('--port is required');
    return out;
}

let clkTck;
/** Clock ticks per second of /proc/<pid>/stat times. */
function ticksPerSecond() {
    if (clkTck === undefined) {
        try {
            clkTck = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
        } catch {
            clkTck = 100;
        }
    }
    return clkTck;
}

/** CPU seconds (user + system) used so far by another process, from /proc/<pid>/stat; NaN without a pid. */
export function processCpuSeconds(pid) {
    if (!pid) return NaN;
    const tck = ticksPerSecond();
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces: split after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state): utime and stime are fields 14 and 15.
    return (Number(fields[11]) + Number(fields[12])) / tck;
}

/** This process's CPU seconds (user + system, all threads). */
export function ownCpuSeconds() {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
}

/**
 * This process's CPU seconds split by thread: the JS main thread, the CRT's event loop threads
 * (named AwsEventLoop*), and the rest (V8 and libuv helpers, the CRT host resolver). From
 * /proc/self/task; threads that ended in between are not counted.
 */
export function threadCpuSeconds() {
    const out = { main: 0, event_loops: 0, other: 0 };
    let tids;
    try {
        tids = fs.readdirSync('/proc/self/task');
    } catch {
        return null;
    }
    for (const tid of tids) {
        let stat;
        try {
            stat = fs.readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
        } catch {
            continue;
        }
        const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        const cpu = (Number(fields[11]) + Number(fields[12])) / ticksPerSecond();
        if (Number(tid) === process.pid) out.main += cpu;
        else if (name.startsWith('AwsEventLoop')) out.event_loops += cpu;
        else out.other += cpu;
    }
    return out;
}

/** A snapshot to diff at the end of the measured window: wall, own CPU (and per thread), broker CPU. */
export function snapshot(brokerPid) {
    ticksPerSecond();
    return { t: performance.now(), cpu: ownCpuSeconds(), threads: threadCpuSeconds(), broker: processCpuSeconds(brokerPid) };
}

/** The usual figures from two snapshots. */
export function figures(a, b, messages) {
    const elapsed = (b.t - a.t) / 1000;
    const cpu = b.cpu - a.cpu;
    const broker = b.broker - a.broker;
    return {
        elapsed_s: round(elapsed, 4),
        msgs_per_s: round(messages / elapsed, 0),
        client_cpu_s: round(cpu, 4),
        cpu_s_per_100k: round((cpu * 100_000) / messages, 4),
        broker_cpu_share: round(broker / elapsed, 3),
        broker_cpu_s_per_100k: round((broker * 100_000) / messages, 4),
        // The client CPU by thread (clock-tick resolution): where a binding spends it.
        ...(a.threads && b.threads
            ? {
                  cpu_threads_s: {
                      main: round(b.threads.main - a.threads.main, 2),
                      event_loops: round(b.threads.event_loops - a.threads.event_loops, 2),
                      other: round(b.threads.other - a.threads.other, 2),
                  },
              }
            : {}),
    };
}

export function round(x, digits) {
    if (!Number.isFinite(x)) return null;
    const f = 10 ** digits;
    return Math.round(x * f) / f;
}

/**
 * A fresh payload of `size` bytes (at least 12) carrying the sequence number at offset 0 and,
 * when asked, the send time in ms (performance.now(), float64) at offset 4. A new buffer per
 * message, as applications do: MQTT.js may still hold the previous one.
 */
export function payload(size, seq, stamp) {
    const b = Buffer.allocUnsafe(size);
    b.writeUInt32LE(seq, 0);
    if (stamp) b.writeDoubleLE(performance.now(), 4);
    return b;
}

/** The payload modes (--payload): see payloadSource. */
export const PAYLOAD_MODES = ['fresh', 'reused'];

/**
 * One publisher's payloads, `(seq, stamp) => Buffer`, and the mode in effect. The application's
 * work per message is the same in every client and in the C client (bench/native make_payload):
 *  - `fresh`: a new block per message, uninitialised (Buffer.allocUnsafe: malloc'd outside V8's
 *    heap from 4 KiB, a slice of an 8 KiB pool below), with the stamp written into it; the C
 *    client frees its block once publish returned, V8 at a later garbage collection;
 *  - `reused`: one Buffer per publisher, allocated and written once, its stamp rewritten per
 *    message. Only for clients that copy the payload during publish() (`copiesPayload`: the CRT
 *    clients, checked by bench/payload_copy_check.mjs); MQTT.js keeps the Buffer until it is
 *    written (at QoS 1 until the PUBACK, to resend it), so it gets fresh ones in either mode.
 */
export function payloadSource(mode, size, copiesPayload) {
    if (!PAYLOAD_MODES.includes(mode)) throw new Error(`--payload must be one of ${PAYLOAD_MODES.join(', ')} (got ${mode})`);
    if (mode === 'fresh' || !copiesPayload) return { mode: 'fresh', make: (seq, stamp) => payload(size, seq, stamp) };
    const b = Buffer.alloc(size);
    return {
        mode,
        make(seq, stamp) {
            b.writeUInt32LE(seq, 0);
            if (stamp) b.writeDoubleLE(performance.now(), 4);
            return b;
        },
    };
}

/** Percentile (0..100) of an ascending array. */
export function percentile(sorted, p) {
    if (sorted.length === 0) return NaN;
    const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
    return sorted[i];
}

/**
 * Resolves when `done()` is true, or when `progress()` has not changed for `idleMs` (then
 * `stalled` is true). Polls every 50 ms; the moment of the last observed change is not used for
 * timing: callers record their own end time where it happens.
 */
export function waitUntil(done, progress, idleMs) {
    return new Promise((resolve) => {
        let last = progress();
        let lastChange = Date.now();
        const timer = setInterval(() => {
            if (done()) {
                clearInterval(timer);
                return resolve({ stalled: false });
            }
            const p = progress();
            if (p !== last) {
                last = p;
                lastChange = Date.now();
            } else if (Date.now() - lastChange > idleMs) {
                clearInterval(timer);
                resolve({ stalled: true });
            }
        }, 50);
    });
}

/** Prints the one JSON result line and exits once stdout is flushed. */
export function emit(result) {
    process.stdout.write(JSON.stringify(result) + '\n', () => process.exit(0));
}

/** Runs a scenario body: an exception becomes an error result (and a non-zero exit). */
export async function main(name, body) {
    try {
        await body();
    } catch (err) {
        process.stdout.write(JSON.stringify({ scenario: name, error: String(err?.stack ?? err) }) + '\n', () => process.exit(1));
    }
}

/** A topic unique to this process. */
export function topic(name) {
    return `bench/${name}/${process.pid}/${Math.random().toString(36).slice(2, 8)}`;
}
