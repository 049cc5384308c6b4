// What every example does once it has a client: connect, subscribe, publish one QoS 1 message to
// itself, receive it, stop. Prints each step; resolves when the client has stopped.
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import mqtt5crt from 'mqtt5-crt';

const { QoS } = mqtt5crt;

/**
 * Parses the command line: `options` as for util.parseArgs, each optionally with `env` (an
 * environment variable used when the flag is absent). `--local` and `--help` are always there.
 */
export function parseCommandLine(usage, options) {
    const spec = { local: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } };
    for (const [name, o] of Object.entries(options)) spec[name] = { type: o.type ?? 'string' };
    const { values } = parseArgs({ options: spec, strict: true });
    if (values.help) {
        console.log(usage.trim());
        process.exit(0);
    }
    for (const [name, o] of Object.entries(options)) {
        if (values[name] === undefined && o.env && process.env[o.env] !== undefined) values[name] = process.env[o.env];
        if (values[name] === undefined && o.default !== undefined) values[name] = o.default;
    }
    return values;
}

/** Exits with a message when a required option is missing (outside --local). */
export function requireOptions(values, names, usage) {
    const missing = names.filter((n) => !values[n]);
    if (missing.length === 0) return;
    console.error(`missing ${missing.map((n) => `--${n}`).join(', ')} (or use --local)\n\n${usage.trim()}`);
    process.exit(2);
}

export function exampleClientId(name) {
    return `mqtt5-crt-${name}-${randomUUID().slice(0, 8)}`;
}

/**
 * Starts the client and runs the round trip; resolves on success, rejects with the first
 * connection failure (or after `timeoutMs`). Always stops and closes the client.
 */
export async function runDemo(client, { name, topic, timeoutMs = 20_000 }) {
    client.on('attemptingConnect', () => console.log(`${name}: connecting...`));
    client.on('disconnection', ({ error }) => console.log(`${name}: disconnected (${error.code})`));
    const stopped = new Promise((resolve) => client.once('stopped', resolve));
    let timer;
    try {
        await new Promise((resolve, reject) => {
            timer = setTimeout(() => reject(new Error(`no connection within ${timeoutMs} ms`)), timeoutMs);
            client.once('connectionSuccess', ({ settings }) => {
                console.log(`${name}: connected as ${settings.clientId}`);
                resolve();
            });
            client.once('connectionFailure', ({ error, connack }) => {
                const why = connack ? `, CONNACK reason code ${connack.reasonCode}` : '';
                reject(new Error(`connection failed: ${error.code}${why}: ${error.message}`));
            });
            client.start();
        });
        const suback = await client.subscribe({ subscriptions: [{ topicFilter: topic, qos: QoS.AtLeastOnce }] });
        console.log(`${name}: subscribed to ${topic}, granted ${suback.reasonCodes}`);
        const received = new Promise((resolve) => client.once('messageReceived', ({ message }) => resolve(message)));
        const puback = await client.publish({ topicName: topic, qos: QoS.AtLeastOnce, payload: `hello from ${name}` });
        console.log(`${name}: published, PUBACK reason code ${puback.reasonCode}`);
        let receiveTimer;
        const message = await Promise.race([
            received,
            new Promise((_, reject) => (receiveTimer = setTimeout(() => reject(new Error('message not received back')), 10_000))),
        ]).finally(() => clearTimeout(receiveTimer));
        console.log(`${name}: received '${Buffer.from(message.payload).toString()}' on ${message.topicName}`);
    } finally {
        clearTimeout(timer);
        client.stop();
        await stopped;
        client.close();
    }
}

/** Runs `main`, printing `SUCCESS: <name> ...` or the error; sets the exit code. */
export async function runExample(name, main) {
    try {
        const detail = await main();
        console.log(`SUCCESS: ${name}${detail ? ` (${detail})` : ''}`);
    } catch (e) {
        console.error(`FAILED: ${name}: ${e?.message ?? e}`);
        process.exitCode = 1;
    }
}
