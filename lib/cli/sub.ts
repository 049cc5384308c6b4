// `mqtt5-crt sub`: subscribe to topic filters and print what arrives.
import type { Subscription } from '../mqtt5_packet';
import { clientConfig, type Library, loadLibrary } from './config';
import { SUB_HELP } from './help';
import { checkTopicFilter, commandValues, EXIT_OK, integer, qosOf, SUB_OPTIONS, type SubValues, UsageError } from './options';
import { debug, enumName, messageJson, messageLine } from './output';
import { opError, type RunApi, runClient } from './run';

/** The subscriptions of the flags: one per -t, with -q and the subscription options. */
function subscriptionsOf(values: SubValues, filters: string[]): Subscription[] {
    const qos = qosOf(values.qos);
    const retainHandling = integer(values['retain-handling'], '--retain-handling', 0, 2);
    return filters.map((topicFilter) => {
        const s: Subscription = { topicFilter, qos };
        if (values['no-local']) s.noLocal = true;
        if (values['retain-as-published']) s.retainAsPublished = true;
        if (retainHandling !== undefined) s.retainHandlingType = retainHandling;
        return s;
    });
}

/** Subscribes on each new session; a refused filter ends the run. Returns false when refused. */
async function subscribe(lib: Library, api: RunApi, subscriptions: Subscription[]): Promise<boolean> {
    let suback: Awaited<ReturnType<RunApi['client']['subscribe']>>;
    try {
        suback = await api.client.subscribe({ subscriptions });
    } catch (err) {
        throw opError('subscribe', err);
    }
    const refused: string[] = [];
    suback.reasonCodes.forEach((code, i) => {
        const filter = subscriptions[i].topicFilter;
        const name = enumName(lib.SubackReasonCode, code);
        if (lib.isSuccessfulSubackReasonCode(code)) debug(`subscribed to '${filter}': granted QoS ${code} (${name})`);
        else refused.push(`'${filter}': SUBACK reason code ${code} (${name})`);
    });
    if (refused.length === 0) return true;
    api.fail(`subscription refused: ${refused.join('; ')}${suback.reasonString ? ` (${suback.reasonString})` : ''}`);
    return false;
}

export async function sub(args: string[]): Promise<number> {
    const values = commandValues(args, SUB_OPTIONS, SUB_HELP);
    if (values === undefined) return EXIT_OK;
    const filters = values.topic ?? [];
    if (filters.length === 0) throw new UsageError('sub needs at least one -t <topic filter>');
    filters.forEach(checkTopicFilter);
    const subscriptions = subscriptionsOf(values, filters);
    const count = integer(values.count, '-C/--count', 1, Number.MAX_SAFE_INTEGER);
    const timeout = integer(values.timeout, '-W/--timeout', 1, 2147483);

    const lib = loadLibrary();
    const { build, summary } = clientConfig(values, lib, 'sub');
    const built = { config: build(), summary };

    let received = 0;
    let subscribedOnce = false;
    const { api, done } = runClient(lib, built, {
        interruptCode: EXIT_OK, // Ctrl-C is how a subscription normally ends
        reconnect: !values['no-reconnect'],
        onConnected: async (settings, _first, api) => {
            if (settings.rejoinedSession && subscribedOnce) {
                debug('session rejoined: subscriptions kept');
                return;
            }
            if (await subscribe(lib, api, subscriptions)) subscribedOnce = true;
        },
    });

    api.client.on('messageReceived', ({ message }) => {
        if (api.finishing) return;
        received++;
        if (values.json) process.stdout.write(messageJson(message, lib.PayloadFormatIndicator) + '\n');
        else process.stdout.write(messageLine(message, Boolean(values.verbose)));
        if (count !== undefined && received >= count) api.finish(EXIT_OK);
    });

    let timer: NodeJS.Timeout | undefined;
    if (timeout !== undefined) {
        timer = setTimeout(() => {
            if (count !== undefined && received < count) {
                api.fail(`timed out after ${timeout} s: received ${received} of ${count} messages`);
            } else {
                debug(`${timeout} s passed: stopping`);
                api.finish(EXIT_OK);
            }
        }, timeout * 1000);
    }
    const code = await done;
    clearTimeout(timer);
    return code;
}
