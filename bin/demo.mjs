#!/usr/bin/env node
// `npm start`: mqtt5-crt end to end. Starts a private mosquitto on a free loopback port, connects a
// subscriber and a publisher, publishes a few QoS 0/1 messages with MQTT 5 properties, shows the
// lifecycle events and messages as they happen, prints a summary and shuts everything down.
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { findMosquitto, killAll, mosquittoVersion, startMosquitto } from '../scripts/mosquitto.mjs';

const require = createRequire(import.meta.url);
const t0 = performance.now();
const OVERALL_TIMEOUT_MS = 20_000;

// ---------------------------------------------------------------------------------------------
// Output

function stamp() {
    return `[${(performance.now() - t0).toFixed(1).padStart(7)} ms]`;
}
function log(who, text) {
    console.log(`${stamp()} ${who.padEnd(6)} ${text}`);
}
function preview(payload) {
    const buf = payload === undefined ? Buffer.alloc(0) : Buffer.from(payload);
    try {
        const text = new TextDecoder('utf-8', { fatal: true }).decode(buf);
        const short = text.length > 40 ? text.slice(0, 37) + '...' : text;
        // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this escapes for display
        return `'${short.replace(/[\x00-\x1f]/g, (c) => JSON.stringify(c).slice(1, -1))}'`;
    } catch {
        return `<${buf.length} bytes: ${buf.subarray(0, 8).toString('hex')}${buf.length > 8 ? '...' : ''}>`;
    }
}
function props(m) {
    const out = [];
    if (m.retain) out.push('retain');
    if (m.contentType) out.push(`content-type ${m.contentType}`);
    if (m.messageExpiryIntervalSeconds !== undefined) out.push(`expiry ${m.messageExpiryIntervalSeconds} s`);
    if (m.responseTopic) out.push(`response-topic ${m.responseTopic}`);
    if (m.correlationData !== undefined) out.push(`correlation ${preview(m.correlationData)}`);
    for (const { name, value } of m.userProperties ?? []) if (name !== 'demo-seq') out.push(`${name}=${value}`);
    return out.length ? ` {${out.join(', ')}}` : '';
}

// ---------------------------------------------------------------------------------------------
// The broker

// scripts/mosquitto.mjs: find it (MQTT5_CRT_MOSQUITTO names it explicitly), start it on a free
// port, stop it; killAll() for one still starting when we are interrupted.

// ---------------------------------------------------------------------------------------------
// The demo

const bin = findMosquitto();
if (!bin) {
    console.error(
        [
            'mqtt5-crt demo: this demo runs its own private MQTT broker, mosquitto, which is not installed.',
            'Install it, then run `npm start` again:',
            '  Debian/Ubuntu:  sudo apt-get install mosquitto',
            '  Fedora:         sudo dnf install mosquitto',
            '  macOS:          brew install mosquitto',
        ].join('\n'),
    );
    process.exit(1);
}

let lib;
try {
    lib = require('../dist/index.js');
} catch (err) {
    console.error(`mqtt5-crt demo: cannot load the library (dist/index.js): ${err.message}`);
    console.error('Build it first: npm install && npm run build:ts');
    process.exit(1);
}
const { Mqtt5Client, QoS, PubackReasonCode, SubackReasonCode, PayloadFormatIndicator } = lib;

const cleanups = [];
let cleaningUp;
function cleanup() {
    cleaningUp ??= (async () => {
        for (const fn of cleanups.reverse()) {
            try {
                await fn();
            } catch {
                /* keep cleaning */
            }
        }
        // A broker still starting when we were interrupted.
        killAll();
    })();
    return cleaningUp;
}

async function fail(text, code = 1) {
    console.error(`${stamp()} demo   FAILED: ${text}`);
    await cleanup();
    process.exit(code);
}

process.on('SIGINT', () => {
    console.error(`\n${stamp()} demo   interrupted: shutting down`);
    cleanup().then(() => process.exit(130));
});
const watchdog = setTimeout(() => fail(`not done after ${OVERALL_TIMEOUT_MS / 1000} s`), OVERALL_TIMEOUT_MS);
watchdog.unref();

function waitFor(emitter, event, what, ms = 5000) {
    return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
            emitter.off(event, on);
            reject(new Error(`timed out waiting for ${what}`));
        }, ms);
        const on = (arg) => {
            clearTimeout(timer);
            resolve(arg);
        };
        emitter.once(event, on);
    });
}

function describeSettings(s) {
    return `client id ${s.clientId}, keep-alive ${s.serverKeepAlive} s, max QoS ${s.maximumQos}, receive max ${s.receiveMaximumFromServer}`;
}

function makeClient(role, port) {
    const client = new Mqtt5Client({
        hostName: '127.0.0.1',
        port,
        connectProperties: { clientId: `mqtt5-crt-demo-${role}-${process.pid}`, keepAliveIntervalSeconds: 60 },
        // Metrics go in the username for AWS IoT Core; a local broker has no use for them.
        disableMetrics: true,
    });
    const state = { client, settings: undefined, stopped: false };
    client.on('attemptingConnect', () => log(role, 'attempting connect'));
    client.on('connectionSuccess', ({ settings }) => {
        state.settings = settings;
        log(role, `connected: ${describeSettings(settings)}`);
    });
    client.on('connectionFailure', ({ error }) => fail(`${role} could not connect: ${error.code}: ${error.message}`));
    client.on('disconnection', ({ error }) => log(role, `disconnected (${error.code})`));
    client.on('stopped', () => {
        state.stopped = true;
        log(role, 'stopped');
    });
    cleanups.push(async () => {
        if (!state.stopped) {
            const stopped = waitFor(client, 'stopped', `${role} to stop`).catch(() => {});
            try {
                client.stop();
                await stopped;
            } catch {
                /* closed already */
            }
        }
        client.close();
    });
    return state;
}

console.log('mqtt5-crt demo: a private mosquitto, a subscriber and a publisher, a few MQTT 5 messages\n');

let broker;
try {
    broker = await startMosquitto({ extraConfig: ['set_tcp_nodelay true'], who: 'the demo' });
} catch (err) {
    await fail(err.message);
}
cleanups.push(async () => {
    await broker.stop();
    log('broker', 'stopped');
});
log('broker', `mosquitto ${mosquittoVersion(bin)} listening on 127.0.0.1:${broker.port}`);

// The messages: QoS 0 and 1, with MQTT 5 properties.
const MESSAGES = [
    {
        topicName: 'demo/sensors/temperature',
        qos: QoS.AtMostOnce,
        payload: '21.5',
        contentType: 'text/plain',
        userProperties: [{ name: 'unit', value: 'celsius' }],
    },
    {
        topicName: 'demo/sensors/humidity',
        qos: QoS.AtLeastOnce,
        payload: JSON.stringify({ rh: 48, at: new Date().toISOString() }),
        contentType: 'application/json',
        payloadFormat: PayloadFormatIndicator.Utf8,
    },
    {
        topicName: 'demo/commands/reboot',
        qos: QoS.AtLeastOnce,
        payload: 'reboot now',
        responseTopic: 'demo/replies/device-1',
        correlationData: 'request-42',
        messageExpiryIntervalSeconds: 30,
    },
    {
        topicName: 'demo/sensors/raw',
        qos: QoS.AtMostOnce,
        payload: Buffer.from([0x00, 0xff, 0x10, 0x80, 0x7f, 0xc3, 0x28, 0x01, 0x02]),
        contentType: 'application/octet-stream',
    },
    {
        topicName: 'demo/status',
        qos: QoS.AtLeastOnce,
        payload: 'online',
        retain: true,
        userProperties: [{ name: 'source', value: 'npm start' }],
    },
    {
        topicName: 'demo/sensors/temperature',
        qos: QoS.AtMostOnce,
        payload: '21.7',
        contentType: 'text/plain',
        userProperties: [{ name: 'unit', value: 'celsius' }],
    },
];

const sub = makeClient('sub', broker.port);
const pub = makeClient('pub', broker.port);

// Subscriber.
const received = new Map(); // seq -> { at, message }
const arrivals = new EventEmitter();
sub.client.on('messageReceived', ({ message }) => {
    const at = performance.now();
    const seq = Number(message.userProperties?.find((p) => p.name === 'demo-seq')?.value);
    received.set(seq, { at, message });
    log('sub', `<- ${message.topicName} QoS ${message.qos} ${preview(message.payload)}${props(message)}`);
    arrivals.emit(`seq-${seq}`);
});
let connected = waitFor(sub.client, 'connectionSuccess', 'the subscriber to connect');
sub.client.start();
await connected.catch((err) => fail(err.message));
const suback = await sub.client
    .subscribe({ subscriptions: [{ topicFilter: 'demo/#', qos: QoS.AtLeastOnce }] })
    .catch((err) => fail(`subscribe failed: ${err.code ?? err.message}`));
log('sub', `subscribed to demo/#: ${suback.reasonCodes.map((c) => SubackReasonCode[c]).join(', ')}`);

// Publisher.
connected = waitFor(pub.client, 'connectionSuccess', 'the publisher to connect');
pub.client.start();
await connected.catch((err) => fail(err.message));

const rtts = [];
const pubacks = [];
let sent = 0;
for (const [i, m] of MESSAGES.entries()) {
    const packet = { ...m, userProperties: [...(m.userProperties ?? []), { name: 'demo-seq', value: String(i) }] };
    const arrived = waitFor(arrivals, `seq-${i}`, `message #${i} to arrive`);
    log('pub', `-> ${m.topicName} QoS ${m.qos} ${preview(m.payload)}${props(m)}`);
    const sentAt = performance.now();
    let puback;
    try {
        puback = await pub.client.publish(packet);
    } catch (err) {
        await fail(`publish failed: ${err.code ?? err.message}`);
    }
    sent++;
    if (puback) {
        pubacks.push(puback.reasonCode);
        log('pub', `PUBACK ${PubackReasonCode[puback.reasonCode]} (${(performance.now() - sentAt).toFixed(2)} ms)`);
    }
    await arrived.catch((err) => fail(err.message));
    rtts.push(received.get(i).at - sentAt);
}

const pubSettings = pub.settings;
const subSettings = sub.settings;
await cleanup();
clearTimeout(watchdog);

// Summary.
const sorted = [...rtts].sort((a, b) => a - b);
const p50 = sorted[Math.floor((sorted.length - 1) / 2)];
const max = sorted[sorted.length - 1];
const qos0 = MESSAGES.filter((m) => m.qos === QoS.AtMostOnce).length;
const qos1 = MESSAGES.length - qos0;
const pubackSummary = Object.entries(
    pubacks.reduce((acc, c) => {
        acc[PubackReasonCode[c]] = (acc[PubackReasonCode[c]] ?? 0) + 1;
        return acc;
    }, {}),
)
    .map(([name, n]) => `${n} ${name}`)
    .join(', ');
const yes = (b) => (b ? 'yes' : 'no');
console.log(`
Summary
  messages     ${sent} sent (${qos0} QoS 0, ${qos1} QoS 1; PUBACKs: ${pubackSummary || 'none'}), ${received.size} received, ${sent - received.size} lost
  round trip   p50 ${p50.toFixed(2)} ms, max ${max.toFixed(2)} ms (publish() to messageReceived, same process)
  negotiated   max QoS ${pubSettings.maximumQos}, receive maximum ${pubSettings.receiveMaximumFromServer}, max packet ${pubSettings.maximumPacketSizeToServer} bytes,
               topic aliases to server ${pubSettings.topicAliasMaximumToServer}, server keep-alive ${pubSettings.serverKeepAlive} s, session expiry ${pubSettings.sessionExpiryInterval} s
  server has   retain ${yes(pubSettings.retainAvailable)}, wildcards ${yes(pubSettings.wildcardSubscriptionsAvailable)}, shared subscriptions ${yes(pubSettings.sharedSubscriptionsAvailable)}, subscription ids ${yes(pubSettings.subscriptionIdentifiersAvailable)}
  clients      ${subSettings.clientId} (sub), ${pubSettings.clientId} (pub), both stopped and closed; broker stopped

Next: the CLI, against any broker:  npx mqtt5-crt sub -t 'demo/#' -v   and   npx mqtt5-crt pub -t demo/x -m hi -q 1 -d`);
