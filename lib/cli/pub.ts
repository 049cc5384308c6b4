// `mqtt5-crt pub`: publish a message (or each line of stdin) and exit once it is acknowledged.
import fs from 'node:fs';
import readline from 'node:readline';
import type { PublishPacket, UserProperty } from '../mqtt5_packet';
import { clientConfig, type Library, loadLibrary } from './config';
import { PUB_HELP } from './help';
import {
    checkTopicName,
    commandValues,
    EXIT_FAILURE,
    EXIT_INTERRUPTED,
    EXIT_OK,
    integer,
    PUB_OPTIONS,
    type PubValues,
    qosOf,
    UsageError,
} from './options';
import { debug, enumName, errorLine } from './output';
import { opError, type RunApi, runClient } from './run';

const SOURCES = ['message', 'file', 'stdin', 'stdin-line', 'null-message'] as const;

function readStdin(): Promise<Buffer> {
    return new Promise((resolve, reject) => {
        const chunks: Buffer[] = [];
        process.stdin.on('data', (c: Buffer) => chunks.push(c));
        process.stdin.on('end', () => resolve(Buffer.concat(chunks)));
        process.stdin.on('error', reject);
    });
}

/** The flags checked, and the PUBLISH packet they describe (without its payload). */
function publishTemplate(values: PubValues): PublishPacket {
    const topics = values.topic ?? [];
    if (topics.length === 0) throw new UsageError('pub needs -t <topic>');
    if (topics.length > 1) throw new UsageError('pub takes one -t <topic>');
    const topic = topics[0];
    checkTopicName(topic);
    const sources = SOURCES.filter((k) => values[k] !== undefined && values[k] !== false);
    if (sources.length === 0) throw new UsageError('pub needs a message: one of -m <text>, -f <file>, -s, -l or -n');
    if (sources.length > 1) throw new UsageError(`choose one message source (got ${sources.map((s) => '--' + s).join(' and ')})`);
    const qos = qosOf(values.qos);
    const expiry = integer(values['message-expiry'], '--message-expiry', 0, 4294967295);
    const userProperties: UserProperty[] = (values['user-property'] ?? []).map((kv) => {
        const eq = kv.indexOf('=');
        if (eq <= 0) throw new UsageError(`--user-property must be key=value (got '${kv}')`);
        return { name: kv.slice(0, eq), value: kv.slice(eq + 1) };
    });
    if (values['response-topic'] !== undefined) checkTopicName(values['response-topic']);
    const p: PublishPacket = { topicName: topic, qos };
    if (values.retain) p.retain = true;
    if (values['content-type'] !== undefined) p.contentType = values['content-type'];
    if (userProperties.length > 0) p.userProperties = userProperties;
    if (expiry !== undefined) p.messageExpiryIntervalSeconds = expiry;
    if (values['response-topic'] !== undefined) p.responseTopic = values['response-topic'];
    if (values['correlation-data'] !== undefined) p.correlationData = Buffer.from(values['correlation-data'], 'utf8');
    return p;
}

/** Publishes one message; false (and the run failed) when the PUBACK refuses it. */
async function publishOne(lib: Library, api: RunApi, packet: PublishPacket, n: number): Promise<boolean> {
    const topic = packet.topicName;
    let puback: Awaited<ReturnType<RunApi['client']['publish']>>;
    try {
        puback = await api.client.publish(packet);
    } catch (err) {
        throw opError('publish', err);
    }
    if (puback === undefined) {
        debug(`published #${n} to '${topic}' (QoS 0: no PUBACK)`);
        return true;
    }
    const name = enumName(lib.PubackReasonCode, puback.reasonCode);
    if (!lib.isSuccessfulPubackReasonCode(puback.reasonCode)) {
        const why = puback.reasonString ? `: ${puback.reasonString}` : '';
        api.fail(`publish to '${topic}' refused: PUBACK reason code ${puback.reasonCode} (${name})${why}`);
        return false;
    }
    debug(`published #${n} to '${topic}': PUBACK reason code ${puback.reasonCode} (${name})`);
    return true;
}

export async function pub(args: string[]): Promise<number> {
    const values = commandValues(args, PUB_OPTIONS, PUB_HELP);
    if (values === undefined) return EXIT_OK;
    const template = publishTemplate(values);
    const repeat = integer(values.repeat, '--repeat', 1, Number.MAX_SAFE_INTEGER) ?? 1;
    const interval = integer(values.interval, '--interval', 0, 2147483647) ?? 0;
    if (values['stdin-line'] && (values.repeat !== undefined || values.interval !== undefined)) {
        throw new UsageError('--repeat/--interval cannot be combined with -l');
    }

    const lib = loadLibrary();
    const { build, summary } = clientConfig(values, lib, 'pub');
    const built = { config: build(), summary };

    let payload: string | Buffer | undefined;
    if (values.message !== undefined) payload = values.message;
    else if (values.file !== undefined) {
        try {
            payload = fs.readFileSync(values.file);
        } catch (err) {
            errorLine(`cannot read ${values.file}: ${(err as Error).message}`);
            return EXIT_FAILURE;
        }
    } else if (values.stdin) payload = await readStdin();

    let published = 0;
    const send = (api: RunApi, body: string | Buffer | undefined) =>
        publishOne(lib, api, body === undefined ? template : { ...template, payload: body }, ++published);
    let running = false;
    const { done } = runClient(lib, built, {
        interruptCode: EXIT_INTERRUPTED,
        onConnected: async (_settings, first, api) => {
            if (running || !first) return; // a reconnect: the loop below is still going
            running = true;
            if (values['stdin-line']) {
                const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
                try {
                    for await (const line of rl) {
                        if (api.finishing) break;
                        if (!(await send(api, line))) break;
                    }
                } finally {
                    rl.close();
                    process.stdin.destroy();
                }
            } else {
                for (let i = 0; i < repeat && !api.finishing; i++) {
                    if (!(await send(api, payload))) return;
                    if (interval > 0 && i < repeat - 1) await new Promise((r) => setTimeout(r, interval));
                }
            }
            api.finish(EXIT_OK);
        },
    });
    return done;
}
