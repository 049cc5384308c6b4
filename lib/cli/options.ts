// The command-line tool's flags (as node:util parseArgs tables), their parsing with "did you mean"
// for unknown flags, and the checks of flag values that need no connection.
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { nearestName } from '../nearest_name';
import { setDebug } from './output';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERRUPTED = 130;

/** A mistake in the command line: exit code 2 and a hint to --help. */
export class UsageError extends Error {}

export const COMMON_OPTIONS = {
    host: { type: 'string', short: 'h' },
    port: { type: 'string', short: 'p' },
    id: { type: 'string', short: 'i' },
    username: { type: 'string', short: 'u' },
    password: { type: 'string', short: 'P' },
    keepalive: { type: 'string', short: 'k' },
    clean: { type: 'boolean' },
    'session-expiry': { type: 'string' },
    debug: { type: 'boolean', short: 'd' },
    help: { type: 'boolean' },
    // TLS
    tls: { type: 'boolean' },
    cafile: { type: 'string' },
    capath: { type: 'string' },
    cert: { type: 'string' },
    key: { type: 'string' },
    insecure: { type: 'boolean' },
    alpn: { type: 'string', multiple: true },
    // websockets
    ws: { type: 'boolean' },
    sigv4: { type: 'boolean' },
    region: { type: 'string' },
    // AWS IoT custom authorizer
    'custom-auth-name': { type: 'string' },
    'custom-auth-username': { type: 'string' },
    'custom-auth-password': { type: 'string' },
    'custom-auth-token-key': { type: 'string' },
    'custom-auth-token-value': { type: 'string' },
    'custom-auth-token-signature': { type: 'string' },
    // HTTP proxy
    'proxy-host': { type: 'string' },
    'proxy-port': { type: 'string' },
    'proxy-user': { type: 'string' },
    'proxy-pass': { type: 'string' },
    // metrics
    'disable-metrics': { type: 'boolean' },
    'enable-metrics': { type: 'boolean' },
} as const;

export const SUB_OPTIONS = {
    ...COMMON_OPTIONS,
    topic: { type: 'string', short: 't', multiple: true },
    qos: { type: 'string', short: 'q' },
    count: { type: 'string', short: 'C' },
    verbose: { type: 'boolean', short: 'v' },
    json: { type: 'boolean' },
    timeout: { type: 'string', short: 'W' },
    'no-local': { type: 'boolean' },
    'retain-as-published': { type: 'boolean' },
    'retain-handling': { type: 'string' },
    'no-reconnect': { type: 'boolean' },
} as const;

export const PUB_OPTIONS = {
    ...COMMON_OPTIONS,
    topic: { type: 'string', short: 't', multiple: true },
    message: { type: 'string', short: 'm' },
    file: { type: 'string', short: 'f' },
    stdin: { type: 'boolean', short: 's' },
    'stdin-line': { type: 'boolean', short: 'l' },
    'null-message': { type: 'boolean', short: 'n' },
    qos: { type: 'string', short: 'q' },
    retain: { type: 'boolean', short: 'r' },
    'content-type': { type: 'string' },
    'user-property': { type: 'string', multiple: true },
    'message-expiry': { type: 'string' },
    'response-topic': { type: 'string' },
    'correlation-data': { type: 'string' },
    repeat: { type: 'string' },
    interval: { type: 'string' },
} as const;

/** The result of parsing against the flag table `O`. */
export type Parsed<O extends ParseArgsConfig['options']> = ReturnType<
    typeof parseArgs<{ args: string[]; options: O; allowPositionals: true; strict: true }>
>;
/** The flags of `sub` or `pub`, as parsed. */
export type SubValues = Parsed<typeof SUB_OPTIONS>['values'];
export type PubValues = Parsed<typeof PUB_OPTIONS>['values'];
/** The connection flags, which both commands have. */
export type CommonValues = Parsed<typeof COMMON_OPTIONS>['values'];

/** " (did you mean --x?)" for a long flag close to one of `candidates`, else "". */
export function suggest(flag: string, candidates: Iterable<string>, prefix = '--'): string {
    if (prefix === '--' && !flag.startsWith('--')) return '';
    const name = prefix === '--' ? flag.slice(2).split('=')[0] : flag;
    const best = nearestName(name, candidates);
    return best ? ` (did you mean ${prefix}${best}?)` : '';
}

/** Parses `args` against a flag table; parse errors become UsageErrors in the tool's words. */
export function parse<O extends typeof COMMON_OPTIONS>(args: string[], options: O): Parsed<O> {
    try {
        return parseArgs({ args, options, allowPositionals: true, strict: true });
    } catch (err) {
        const e = err as { code?: string; message: string };
        if (e?.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
            const m = /'([^']+)'/.exec(e.message);
            const flag = m ? m[1] : '?';
            throw new UsageError(`unknown option '${flag}'${suggest(flag, Object.keys(options))}`);
        }
        if (e?.code?.startsWith('ERR_PARSE_ARGS')) {
            throw new UsageError(e.message.replace(/\. To specify a positional argument.*$/s, '').replace(/^Option/, 'option'));
        }
        throw err;
    }
}

/**
 * A command's flags: parsed, with no positional argument allowed, and --debug applied; undefined
 * when --help asked for the command's `help` (then printed).
 */
export function commandValues<O extends typeof COMMON_OPTIONS>(
    args: string[],
    options: O,
    help: string,
): Parsed<O>['values'] | undefined {
    const { values, positionals } = parse(args, options);
    const common = values as CommonValues;
    if (common.help) {
        process.stdout.write(help + '\n');
        return undefined;
    }
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    setDebug(Boolean(common.debug));
    return values;
}

export function integer(value: string | undefined, flag: string, min: number, max: number): number | undefined {
    if (value === undefined) return undefined;
    if (!/^\d+$/.test(value.trim())) throw new UsageError(`${flag} must be a whole number (got '${value}')`);
    const n = Number(value.trim());
    if (n < min || n > max) throw new UsageError(`${flag} must be between ${min} and ${max} (got ${n})`);
    return n;
}

export function qosOf(value: string | undefined): 0 | 1 {
    if (value === undefined) return 0;
    if (value === '2') throw new UsageError('-q/--qos 2 is not supported by the client: use 0 or 1');
    if (value !== '0' && value !== '1') throw new UsageError(`-q/--qos must be 0 or 1 (got '${value}')`);
    return value === '1' ? 1 : 0;
}

export function checkTopicName(topic: string): void {
    if (topic.length === 0) throw new UsageError('-t/--topic must not be empty');
    if (/[+#]/.test(topic)) throw new UsageError(`cannot publish to '${topic}': wildcards (+ #) are for subscriptions`);
    if (topic.includes('\0')) throw new UsageError('-t/--topic must not contain NUL');
}

export function checkTopicFilter(filter: string): void {
    if (filter.length === 0) throw new UsageError('-t/--topic must not be empty');
    const levels = filter.split('/');
    levels.forEach((level, i) => {
        if (level.includes('#') && (level !== '#' || i !== levels.length - 1)) {
            throw new UsageError(`bad topic filter '${filter}': '#' must be a whole level, and the last one`);
        }
        if (level.includes('+') && level !== '+') {
            throw new UsageError(`bad topic filter '${filter}': '+' must be a whole level`);
        }
    });
}

/** An AWS endpoint: TLS, metrics and IoT Core's limits by default. */
export function isAwsHost(host: string): boolean {
    return /(^|\.)amazonaws\.com(\.cn)?$/i.test(host);
}
