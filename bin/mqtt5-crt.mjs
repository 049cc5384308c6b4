#!/usr/bin/env node
// mqtt5-crt: publish and subscribe from the command line, in the spirit of mosquitto_pub and
// mosquitto_sub, over the mqtt5-crt library (the AWS CRT's MQTT 5 client).
//
// Exit codes: 0 success, 1 connection or operation failure, 2 usage error, 130 pub interrupted.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import readline from 'node:readline';
import { parseArgs } from 'node:util';

const require = createRequire(import.meta.url);
const PROG = 'mqtt5-crt';
const VERSION = (() => {
    try {
        return require('../package.json').version;
    } catch {
        return 'unknown';
    }
})();

const EXIT_OK = 0;
const EXIT_FAILURE = 1;
const EXIT_USAGE = 2;
const EXIT_INTERRUPTED = 130;

class UsageError extends Error {}

// ---------------------------------------------------------------------------------------------
// Options

const COMMON_OPTIONS = {
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
};

const SUB_OPTIONS = {
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
};

const PUB_OPTIONS = {
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
};

// ---------------------------------------------------------------------------------------------
// Help

const CONNECTION_HELP = `Connection:
  -h, --host <host>            broker host (default localhost)
  -p, --port <port>            broker port (default 1883; 8883 with TLS; 443 with websockets
                               over TLS or a custom authorizer; 80 with plain websockets)
  -i, --id <id>                client id (default mqtt5-crt-<random>; -i '' lets the broker assign one)
  -u, --username <user>        CONNECT username
  -P, --password <pass>        CONNECT password
  -k, --keepalive <s>          keep-alive interval in seconds (default 60; 0 disables)
      --clean                  always start with a clean session (the default without --session-expiry)
      --session-expiry <s>     keep the session <s> seconds after disconnecting and rejoin it
                               on connect (needs -i; add --clean to start afresh anyway)
  -d, --debug                  print lifecycle events (connect, CONNACK settings, SUBACK,
                               PUBACK reason codes, disconnect, stop) to stderr

TLS (any of these turns TLS on; so do --sigv4, the custom-auth flags and *.amazonaws.com hosts):
      --tls                    TLS, trusting the system's CA store
      --cafile <file>          trust the CAs in this PEM file instead of the system's
      --capath <dir>           trust the CAs in this directory instead of the system's
      --cert <file>            client certificate (PEM) for mutual TLS; needs --key
      --key <file>             private key (PEM) of --cert
      --insecure               do not verify the server's certificate (verify_peer=false)
      --alpn <protocol>        ALPN protocol to offer (repeatable or comma-separated)

Websockets:
      --ws                     MQTT over websockets (wss:// with TLS, ws:// without), handshake
                               sent as is (no transform)
      --sigv4                  sign the websocket handshake with AWS SigV4 (implies --ws and TLS);
                               credentials from the default chain: environment, ~/.aws profiles,
                               web identity, container and instance metadata
      --region <region>        SigV4 signing region (default: from a *.iot.<region>.amazonaws.com host)

AWS IoT custom authorizer (implies TLS; port 443 with ALPN "mqtt" unless --ws or --alpn):
      --custom-auth-name <name>             authorizer name (default: the account's default authorizer)
      --custom-auth-username <user>         username passed to the authorizer
      --custom-auth-password <pass>         password passed to the authorizer
      --custom-auth-token-key <name>        token key name      } signed authorizers:
      --custom-auth-token-value <token>     token value         } all three
      --custom-auth-token-signature <sig>   token signature     } or none

HTTP proxy (tunnelled with HTTP CONNECT; the CRT needs TLS to the broker or --ws for this):
      --proxy-host <host>      proxy host
      --proxy-port <port>      proxy port (default 8080)
      --proxy-user <user>      Basic authentication user (with --proxy-pass)
      --proxy-pass <pass>      Basic authentication password

Metrics:
      --disable-metrics        never append SDK metrics to the username
      --enable-metrics         always append them
  Like aws-crt, the library appends SDK metrics to the CONNECT username ("?SDK=...&Platform=...")
  for AWS IoT Core. That breaks username authentication on other brokers, so this CLI sends them
  only when the host ends with amazonaws.com (or amazonaws.com.cn), unless told otherwise.

Other:
      --help                   this help
      --version                print the version`;

const SUB_HELP = `Usage: ${PROG} sub -t <filter> [-t <filter>...] [options]

Subscribes to one or more topic filters and prints each message's payload on its own line
(with -v: the topic, a space, then the payload). Runs until -C messages arrived, -W seconds
passed, or Ctrl-C.

Subscription:
  -t, --topic <filter>         topic filter to subscribe to (repeatable; wildcards + and #)
  -q, --qos <0|1>              maximum QoS of the subscriptions (default 0)
  -C, --count <n>              exit after receiving <n> messages
  -W, --timeout <s>            exit after <s> seconds (with -C and fewer messages: exit code 1)
  -v, --verbose                print "topic payload"
      --json                   print one JSON object per message: topic, payload (utf8, or base64
                               when binary: see payloadEncoding), qos, retain, contentType,
                               userProperties, messageExpiryIntervalSeconds, responseTopic,
                               correlationData, payloadFormat, subscriptionIdentifiers
      --no-local               do not receive this client's own publishes
      --retain-as-published    keep the retain flag as the publisher set it
      --retain-handling <0|1|2>  0: send retained messages on subscribe (default),
                               1: only for new subscriptions, 2: never

${CONNECTION_HELP}

Examples:
  ${PROG} sub -t 'sensors/#' -v
  ${PROG} sub -t a/b -C 1 --json -h broker.example.com --cafile ca.pem`;

const PUB_HELP = `Usage: ${PROG} pub -t <topic> (-m <message> | -f <file> | -s | -l | -n) [options]

Publishes a message, waits for its PUBACK (QoS 1) or for it to be written (QoS 0), and exits.

Message:
  -t, --topic <topic>          topic to publish to (no wildcards)
  -m, --message <text>         the payload
  -f, --file <file>            the payload is the contents of <file>
  -s, --stdin                  the payload is everything read from stdin
  -l, --stdin-line             publish each line read from stdin as a message
  -n, --null-message           an empty (zero-length) payload
  -q, --qos <0|1>              QoS (default 0)
  -r, --retain                 ask the broker to retain the message
      --content-type <type>    content type property
      --user-property <k=v>    user property (repeatable)
      --message-expiry <s>     message expiry interval in seconds
      --response-topic <topic> response topic property
      --correlation-data <text>  correlation data property
      --repeat <n>             publish the message <n> times (default 1)
      --interval <ms>          wait <ms> milliseconds between repeats (default 0)
  With -d, each PUBACK's reason code is printed to stderr.

${CONNECTION_HELP}

Examples:
  ${PROG} pub -t a/b -m hello -q 1 -d
  echo '{"t":21.5}' | ${PROG} pub -t sensors/1 -s --content-type application/json
  ${PROG} pub -t status -n -r        (clears the retained message of "status")`;

const MAIN_HELP = `${PROG} ${VERSION}: MQTT 5 publish and subscribe from the command line (AWS CRT client)

Usage:
  ${PROG} sub -t <filter> [-t <filter>...] [options]
  ${PROG} pub -t <topic> (-m <message> | -f <file> | -s | -l | -n) [options]
  ${PROG} <sub|pub> --help     options of one command
  ${PROG} --version

Commands:
  sub   subscribe and print the messages that arrive (-C count, -v topics, --json, --no-local,
        --retain-as-published, --retain-handling, -q, -W)
  pub   publish a message (-m, -f, -s, -l, -n, -q, -r, --content-type, --user-property,
        --message-expiry, --response-topic, --correlation-data, --repeat, --interval)

${CONNECTION_HELP}

Exit codes: 0 success; 1 connection or operation failure (the CRT error code is printed);
2 usage error; 130 pub interrupted by Ctrl-C.`;

// ---------------------------------------------------------------------------------------------
// Argument helpers

function levenshtein(a, b) {
    const dp = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
        let prev = dp[0];
        dp[0] = i;
        for (let j = 1; j <= b.length; j++) {
            const tmp = dp[j];
            dp[j] = Math.min(dp[j] + 1, dp[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
            prev = tmp;
        }
    }
    return dp[b.length];
}

function suggest(flag, options) {
    if (!flag.startsWith('--')) return '';
    const name = flag.slice(2).split('=')[0];
    let best;
    let bestDistance = Infinity;
    for (const candidate of Object.keys(options)) {
        const d = levenshtein(name, candidate);
        if (d < bestDistance) {
            bestDistance = d;
            best = candidate;
        }
    }
    return best && bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? ` (did you mean --${best}?)` : '';
}

function parse(args, options) {
    try {
        return parseArgs({ args, options, allowPositionals: true, strict: true });
    } catch (err) {
        if (err?.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
            const m = /'([^']+)'/.exec(err.message);
            const flag = m ? m[1] : '?';
            throw new UsageError(`unknown option '${flag}'${suggest(flag, options)}`);
        }
        if (err?.code?.startsWith('ERR_PARSE_ARGS')) {
            throw new UsageError(err.message.replace(/\. To specify a positional argument.*$/s, '').replace(/^Option/, 'option'));
        }
        throw err;
    }
}

function integer(value, flag, min, max) {
    if (value === undefined) return undefined;
    if (!/^\d+$/.test(value.trim())) throw new UsageError(`${flag} must be a whole number (got '${value}')`);
    const n = Number(value.trim());
    if (n < min || n > max) throw new UsageError(`${flag} must be between ${min} and ${max} (got ${n})`);
    return n;
}

function qosOf(value) {
    if (value === undefined) return 0;
    if (value === '2') throw new UsageError('-q/--qos 2 is not supported by the client: use 0 or 1');
    if (value !== '0' && value !== '1') throw new UsageError(`-q/--qos must be 0 or 1 (got '${value}')`);
    return Number(value);
}

function checkTopicName(topic) {
    if (topic.length === 0) throw new UsageError('-t/--topic must not be empty');
    if (/[+#]/.test(topic)) throw new UsageError(`cannot publish to '${topic}': wildcards (+ #) are for subscriptions`);
    if (topic.includes('\0')) throw new UsageError('-t/--topic must not contain NUL');
}

function checkTopicFilter(filter) {
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

function isAwsHost(host) {
    return /(^|\.)amazonaws\.com(\.cn)?$/i.test(host);
}

// ---------------------------------------------------------------------------------------------
// Output

const t0 = performance.now();
let debugOn = false;

function debug(text) {
    if (!debugOn) return;
    const ms = (performance.now() - t0).toFixed(0).padStart(5);
    process.stderr.write(`${PROG}: [+${ms} ms] ${text}\n`);
}

function errorLine(text) {
    process.stderr.write(`${PROG}: ${text}\n`);
}

function enumName(enumObj, value) {
    const name = enumObj?.[value];
    return typeof name === 'string' ? name : 'unknown';
}

const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

function asBuffer(data) {
    if (data === undefined || data === null) return Buffer.alloc(0);
    if (typeof data === 'string') return Buffer.from(data);
    if (Buffer.isBuffer(data)) return data;
    if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    return Buffer.from(data);
}

function textOrBase64(data) {
    const buf = asBuffer(data);
    try {
        return { value: utf8Decoder.decode(buf), encoding: 'utf8' };
    } catch {
        return { value: buf.toString('base64'), encoding: 'base64' };
    }
}

// ---------------------------------------------------------------------------------------------
// Building the client configuration from the common flags

function loadLibrary() {
    try {
        return require('../dist/index.js');
    } catch (err) {
        errorLine(`cannot load the mqtt5-crt library (dist/index.js): ${err.message}`);
        errorLine('build it first: npm run build:ts (and npm install for the native addon)');
        process.exit(EXIT_FAILURE);
    }
}

function clientConfig(values, lib, role) {
    const host = values.host ?? 'localhost';
    if (host.length === 0) throw new UsageError('-h/--host must not be empty');
    const aws = isAwsHost(host);

    const customAuthGiven = [
        'custom-auth-name',
        'custom-auth-username',
        'custom-auth-password',
        'custom-auth-token-key',
        'custom-auth-token-value',
        'custom-auth-token-signature',
    ].some((f) => values[f] !== undefined);
    if (customAuthGiven && (values.username !== undefined || values.password !== undefined)) {
        throw new UsageError(
            '-u/-P cannot be combined with the custom-auth flags: use --custom-auth-username/--custom-auth-password',
        );
    }
    if (customAuthGiven && values.sigv4) throw new UsageError('--sigv4 and the custom-auth flags are alternatives: choose one');

    const ws = Boolean(values.ws || values.sigv4);
    const alpn = (values.alpn ?? [])
        .flatMap((a) => a.split(','))
        .map((a) => a.trim())
        .filter(Boolean);
    const tlsFlag = Boolean(
        values.tls || values.cafile || values.capath || values.cert || values.key || values.insecure || alpn.length > 0,
    );
    const tls = tlsFlag || Boolean(values.sigv4) || customAuthGiven || aws;
    if ((values.cert === undefined) !== (values.key === undefined)) throw new UsageError('--cert and --key go together');
    if (values.region !== undefined && !values.sigv4) throw new UsageError('--region is only used with --sigv4');

    let port = integer(values.port, '-p/--port', 1, 65535);
    if (port === undefined) {
        if (ws) port = tls ? 443 : 80;
        else if (customAuthGiven) port = 443;
        else port = tls ? 8883 : 1883;
    }

    const keepAlive = integer(values.keepalive, '-k/--keepalive', 0, 65535) ?? 60;
    const sessionExpiry = integer(values['session-expiry'], '--session-expiry', 0, 4294967295);
    const clientId = values.id ?? `mqtt5-crt-${role}-${randomBytes(4).toString('hex')}`;
    if (sessionExpiry && !values.clean && values.id === undefined) {
        throw new UsageError('--session-expiry rejoins a session, which needs a fixed client id: add -i <id> (or --clean)');
    }

    if (values['disable-metrics'] && values['enable-metrics']) {
        throw new UsageError('--disable-metrics and --enable-metrics contradict each other');
    }
    const metrics = values['enable-metrics'] ? true : values['disable-metrics'] ? false : aws;

    const connect = { keepAliveIntervalSeconds: keepAlive, clientId };
    if (values.username !== undefined) connect.username = values.username;
    if (values.password !== undefined) connect.password = values.password;
    if (sessionExpiry !== undefined) connect.sessionExpiryIntervalSeconds = sessionExpiry;
    if (customAuthGiven) {
        const tokenFlags = ['custom-auth-token-key', 'custom-auth-token-value', 'custom-auth-token-signature'];
        const tokens = tokenFlags.filter((f) => values[f] !== undefined).length;
        if (tokens !== 0 && tokens !== 3)
            throw new UsageError(`${tokenFlags.map((f) => '--' + f).join(', ')} go together (all three or none)`);
        lib.iot.applyCustomAuth(connect, {
            authorizerName: values['custom-auth-name'],
            username: values['custom-auth-username'],
            password: values['custom-auth-password'],
            tokenKeyName: values['custom-auth-token-key'],
            tokenValue: values['custom-auth-token-value'],
            tokenSignature: values['custom-auth-token-signature'],
        });
    }

    const config = {
        hostName: host,
        port,
        connectProperties: connect,
        sessionBehavior:
            sessionExpiry && !values.clean ? lib.ClientSessionBehavior.RejoinAlways : lib.ClientSessionBehavior.Clean,
        disableMetrics: !metrics,
        minReconnectDelayMs: 1000,
        maxReconnectDelayMs: 10000,
    };
    if (aws) config.extendedValidationAndFlowControlOptions = lib.ClientExtendedValidationAndFlowControl.AwsIotCoreDefaults;

    const summary = { host, port, transport: ws ? (tls ? 'wss' : 'ws') : tls ? 'mqtts' : 'mqtt', metrics };

    // TLS is built later (it reads files and may fail with a CrtError), in build().
    const build = () => {
        if (tls) {
            const o = new lib.io.TlsContextOptions();
            if (values.cert) {
                o.certificate_filepath = values.cert;
                o.private_key_filepath = values.key;
            }
            if (values.cafile || values.capath) o.override_default_trust_store_from_path(values.capath, values.cafile);
            if (values.insecure) o.verify_peer = false;
            let protocols = alpn;
            if (protocols.length === 0 && !ws && port === 443) {
                if (customAuthGiven) protocols = [lib.iot.CUSTOM_AUTH_ALPN];
                else if (aws && values.cert) protocols = [lib.iot.MTLS_ALPN_ON_443];
            }
            if (protocols.length > 0) o.alpn_list = protocols;
            summary.alpn = protocols;
            try {
                config.tlsCtx = new lib.io.ClientTlsContext(o);
            } catch (err) {
                throw Object.assign(
                    new Error(`cannot set up TLS (check --cafile/--capath/--cert/--key): ${describeError(err)}`),
                    {
                        tlsSetup: true,
                    },
                );
            }
        }
        if (ws) {
            if (values.sigv4) {
                const region = values.region ?? lib.iot.regionFromEndpoint(host);
                if (!region) throw new UsageError(`--sigv4 needs --region (it cannot be read from the host '${host}')`);
                config.websocketHandshakeTransform = lib.iot.sigv4HandshakeTransform(
                    region,
                    lib.auth.AwsCredentialsProvider.newDefault(),
                );
                summary.sigv4 = region;
            } else {
                config.websocketHandshakeTransform = lib.iot.noopHandshakeTransform;
            }
        }
        if (values['proxy-host'] !== undefined || values['proxy-port'] !== undefined) {
            if (!values['proxy-host']) throw new UsageError('--proxy-port needs --proxy-host');
            if (!tls && !ws) {
                // aws-c-http tunnels a raw (non-websocket) channel through a proxy only with TLS to
                // the broker; without it the connection fails with AWS_ERROR_INVALID_ARGUMENT.
                throw new UsageError(
                    'through an HTTP proxy, MQTT needs TLS to the broker (--tls, --cafile, ...) or websockets (--ws)',
                );
            }
            const proxyPort = integer(values['proxy-port'], '--proxy-port', 1, 65535) ?? 8080;
            if ((values['proxy-user'] === undefined) !== (values['proxy-pass'] === undefined)) {
                throw new UsageError('--proxy-user and --proxy-pass go together');
            }
            const basic = values['proxy-user'] !== undefined;
            config.httpProxyOptions = new lib.http.HttpProxyOptions(
                values['proxy-host'],
                proxyPort,
                basic ? lib.http.HttpProxyAuthenticationType.Basic : lib.http.HttpProxyAuthenticationType.None,
                values['proxy-user'],
                values['proxy-pass'],
                undefined,
                lib.http.HttpProxyConnectionType.Tunneling,
            );
            summary.proxy = `${values['proxy-host']}:${proxyPort}`;
        } else if (values['proxy-user'] !== undefined || values['proxy-pass'] !== undefined) {
            throw new UsageError('--proxy-user/--proxy-pass need --proxy-host');
        }
        return config;
    };
    return { build, summary };
}

// ---------------------------------------------------------------------------------------------
// Running a client: connect, do the job, stop, close, exit.

function describeError(err) {
    if (err && typeof err === 'object' && typeof err.code === 'string' && err.name === 'CrtError') {
        // The CRT's message ends with "(CODE)": say the code once, first.
        return `${err.code}: ${err.message.replace(` (${err.code})`, '')}`;
    }
    return err?.message ?? String(err);
}

/**
 * Starts a client and calls onConnected(settings, first) on each connection. Resolves with the exit
 * code once the client is stopped and closed. `api.finish(code)` ends the run.
 */
function runClient(lib, built, { onConnected, interruptCode }) {
    const { config, summary } = built;
    const client = new lib.Mqtt5Client(config);
    let finishing = false;
    let exitCode = EXIT_OK;
    let connections = 0;
    let resolveDone;
    const done = new Promise((r) => (resolveDone = r));
    const where = `${summary.host}:${summary.port}`;

    const closeNow = () => {
        try {
            client.close();
        } catch {
            /* already closed */
        }
        resolveDone(exitCode);
    };

    const finish = (code) => {
        if (finishing) return;
        finishing = true;
        exitCode = code;
        const fallback = setTimeout(() => {
            debug('no stopped event within 5 s: closing anyway');
            closeNow();
        }, 5000);
        client.once('stopped', () => {
            clearTimeout(fallback);
            closeNow();
        });
        try {
            client.stop();
        } catch {
            clearTimeout(fallback);
            closeNow();
        }
    };

    const fail = (text) => {
        if (finishing) return;
        errorLine(text);
        finish(EXIT_FAILURE);
    };

    client.on('error', (err) => fail(`client error: ${describeError(err)}`));
    client.on('attemptingConnect', () => {
        const extra = [
            summary.proxy && `via proxy ${summary.proxy}`,
            summary.sigv4 && `SigV4 ${summary.sigv4}`,
            summary.alpn?.length && `ALPN ${summary.alpn.join(',')}`,
        ]
            .filter(Boolean)
            .join(', ');
        debug(
            `connecting to ${summary.transport}://${where}${extra ? ` (${extra})` : ''}, metrics ${summary.metrics ? 'on' : 'off'}`,
        );
    });
    client.on('connectionSuccess', ({ connack, settings }) => {
        connections++;
        debug(
            `connected: client id ${settings.clientId}, session ${settings.rejoinedSession ? 'rejoined' : 'new'}, ` +
                `keep-alive ${settings.serverKeepAlive} s, max QoS ${settings.maximumQos}, receive max ${settings.receiveMaximumFromServer}, ` +
                `max packet ${settings.maximumPacketSizeToServer}, topic aliases ${settings.topicAliasMaximumToServer}, ` +
                `retain ${settings.retainAvailable ? 'yes' : 'no'}, session expiry ${settings.sessionExpiryInterval} s` +
                (connack.reasonString ? `, "${connack.reasonString}"` : ''),
        );
        if (finishing) return;
        Promise.resolve()
            .then(() => onConnected(settings, connections === 1, api))
            .catch((err) => fail(`${err?.operation ?? 'operation'} failed: ${describeError(err)}`));
    });
    client.on('connectionFailure', ({ error, connack }) => {
        if (finishing) return;
        let text = `connection to ${where} failed: ${describeError(error)}`;
        if (connack) {
            text += `; CONNACK reason code ${connack.reasonCode} (${enumName(lib.ConnectReasonCode, connack.reasonCode)})`;
            if (connack.reasonString) text += `: ${connack.reasonString}`;
        }
        fail(text);
    });
    client.on('disconnection', ({ error, disconnect }) => {
        if (finishing) {
            debug('disconnected');
            return;
        }
        let text = `disconnected: ${describeError(error)}`;
        if (disconnect)
            text += `; DISCONNECT reason code ${disconnect.reasonCode} (${enumName(lib.DisconnectReasonCode, disconnect.reasonCode)})`;
        errorLine(`${text}; reconnecting`);
    });
    client.on('stopped', () => debug('stopped'));

    let interrupts = 0;
    const onSignal = (signal) => {
        interrupts++;
        if (interrupts > 1) process.exit(interruptCode);
        debug(`${signal}: stopping`);
        finish(interruptCode);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    // A closed reader (e.g. `| head -1`) ends the run quietly.
    process.stdout.on('error', (err) => {
        if (err.code === 'EPIPE') finish(EXIT_OK);
        else fail(`stdout: ${err.message}`);
    });

    const api = {
        client,
        finish,
        fail,
        get finishing() {
            return finishing;
        },
    };
    client.start();
    return {
        api,
        done: done.then((code) => {
            process.off('SIGINT', onSignal);
            process.off('SIGTERM', onSignal);
            return code;
        }),
    };
}

function opError(operation, err) {
    if (err && typeof err === 'object') err.operation = operation;
    return err;
}

// ---------------------------------------------------------------------------------------------
// sub

async function sub(args) {
    const { values, positionals } = parse(args, SUB_OPTIONS);
    if (values.help) {
        process.stdout.write(SUB_HELP + '\n');
        return EXIT_OK;
    }
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    debugOn = Boolean(values.debug);
    const filters = values.topic ?? [];
    if (filters.length === 0) throw new UsageError('sub needs at least one -t <topic filter>');
    filters.forEach(checkTopicFilter);
    const qos = qosOf(values.qos);
    const count = integer(values.count, '-C/--count', 1, Number.MAX_SAFE_INTEGER);
    const timeout = integer(values.timeout, '-W/--timeout', 1, 2147483);
    const retainHandling = integer(values['retain-handling'], '--retain-handling', 0, 2);

    const lib = loadLibrary();
    const { build, summary } = clientConfig(values, lib, 'sub');
    const built = { config: build(), summary };

    const subscription = (topicFilter) => {
        const s = { topicFilter, qos };
        if (values['no-local']) s.noLocal = true;
        if (values['retain-as-published']) s.retainAsPublished = true;
        if (retainHandling !== undefined) s.retainHandlingType = retainHandling;
        return s;
    };

    let received = 0;
    let subscribedOnce = false;
    const { api, done } = runClient(lib, built, {
        interruptCode: EXIT_OK, // Ctrl-C is how a subscription normally ends
        onConnected: async (settings) => {
            if (settings.rejoinedSession && subscribedOnce) {
                debug('session rejoined: subscriptions kept');
                return;
            }
            let suback;
            try {
                suback = await api.client.subscribe({ subscriptions: filters.map(subscription) });
            } catch (err) {
                throw opError('subscribe', err);
            }
            const refused = [];
            suback.reasonCodes.forEach((code, i) => {
                const name = enumName(lib.SubackReasonCode, code);
                if (lib.isSuccessfulSubackReasonCode(code)) debug(`subscribed to '${filters[i]}': granted QoS ${code} (${name})`);
                else refused.push(`'${filters[i]}': SUBACK reason code ${code} (${name})`);
            });
            if (refused.length > 0) {
                api.fail(`subscription refused: ${refused.join('; ')}${suback.reasonString ? ` (${suback.reasonString})` : ''}`);
                return;
            }
            subscribedOnce = true;
        },
    });

    api.client.on('messageReceived', ({ message }) => {
        if (api.finishing) return;
        received++;
        if (values.json) {
            const payload = textOrBase64(message.payload);
            const out = {
                topic: message.topicName,
                payload: payload.value,
                payloadEncoding: payload.encoding,
                qos: message.qos,
                retain: Boolean(message.retain),
            };
            if (message.contentType !== undefined) out.contentType = message.contentType;
            if (message.userProperties?.length)
                out.userProperties = message.userProperties.map(({ name, value }) => ({ name, value }));
            if (message.messageExpiryIntervalSeconds !== undefined)
                out.messageExpiryIntervalSeconds = message.messageExpiryIntervalSeconds;
            if (message.responseTopic !== undefined) out.responseTopic = message.responseTopic;
            if (message.correlationData !== undefined) {
                const c = textOrBase64(message.correlationData);
                out.correlationData = c.value;
                out.correlationDataEncoding = c.encoding;
            }
            if (message.payloadFormat !== undefined)
                out.payloadFormat = enumName(lib.PayloadFormatIndicator, message.payloadFormat);
            if (message.subscriptionIdentifiers?.length) out.subscriptionIdentifiers = message.subscriptionIdentifiers;
            process.stdout.write(JSON.stringify(out) + '\n');
        } else {
            const payload = asBuffer(message.payload);
            process.stdout.write(
                values.verbose
                    ? Buffer.concat([Buffer.from(message.topicName + ' '), payload, Buffer.from('\n')])
                    : Buffer.concat([payload, Buffer.from('\n')]),
            );
        }
        if (count !== undefined && received >= count) api.finish(EXIT_OK);
    });

    let timer;
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

// ---------------------------------------------------------------------------------------------
// pub

function readStdin() {
    return new Promise((resolve, reject) => {
        const chunks = [];
        process.stdin.on('data', (c) => chunks.push(c));
        process.stdin.on('end', () => resolve(Buffer.concat(chunks)));
        process.stdin.on('error', reject);
    });
}

async function pub(args) {
    const { values, positionals } = parse(args, PUB_OPTIONS);
    if (values.help) {
        process.stdout.write(PUB_HELP + '\n');
        return EXIT_OK;
    }
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    debugOn = Boolean(values.debug);
    const topics = values.topic ?? [];
    if (topics.length === 0) throw new UsageError('pub needs -t <topic>');
    if (topics.length > 1) throw new UsageError('pub takes one -t <topic>');
    const topic = topics[0];
    checkTopicName(topic);
    const sources = ['message', 'file', 'stdin', 'stdin-line', 'null-message'].filter(
        (k) => values[k] !== undefined && values[k] !== false,
    );
    if (sources.length === 0) throw new UsageError('pub needs a message: one of -m <text>, -f <file>, -s, -l or -n');
    if (sources.length > 1) throw new UsageError(`choose one message source (got ${sources.map((s) => '--' + s).join(' and ')})`);
    const qos = qosOf(values.qos);
    const expiry = integer(values['message-expiry'], '--message-expiry', 0, 4294967295);
    const repeat = integer(values.repeat, '--repeat', 1, Number.MAX_SAFE_INTEGER) ?? 1;
    const interval = integer(values.interval, '--interval', 0, 2147483647) ?? 0;
    if (values['stdin-line'] && (values.repeat !== undefined || values.interval !== undefined)) {
        throw new UsageError('--repeat/--interval cannot be combined with -l');
    }
    const userProperties = (values['user-property'] ?? []).map((kv) => {
        const eq = kv.indexOf('=');
        if (eq <= 0) throw new UsageError(`--user-property must be key=value (got '${kv}')`);
        return { name: kv.slice(0, eq), value: kv.slice(eq + 1) };
    });
    if (values['response-topic'] !== undefined) checkTopicName(values['response-topic']);

    const lib = loadLibrary();
    const { build, summary } = clientConfig(values, lib, 'pub');
    const built = { config: build(), summary };

    let payload;
    if (values.message !== undefined) payload = values.message;
    else if (values.file !== undefined) {
        try {
            payload = fs.readFileSync(values.file);
        } catch (err) {
            errorLine(`cannot read ${values.file}: ${err.message}`);
            return EXIT_FAILURE;
        }
    } else if (values.stdin) payload = await readStdin();

    const packetFor = (body) => {
        const p = { topicName: topic, qos };
        if (body !== undefined) p.payload = body;
        if (values.retain) p.retain = true;
        if (values['content-type'] !== undefined) p.contentType = values['content-type'];
        if (userProperties.length > 0) p.userProperties = userProperties;
        if (expiry !== undefined) p.messageExpiryIntervalSeconds = expiry;
        if (values['response-topic'] !== undefined) p.responseTopic = values['response-topic'];
        if (values['correlation-data'] !== undefined) p.correlationData = values['correlation-data'];
        return p;
    };

    let published = 0;
    const publishOne = async (api, body) => {
        let puback;
        try {
            puback = await api.client.publish(packetFor(body));
        } catch (err) {
            throw opError('publish', err);
        }
        published++;
        if (puback === undefined) {
            debug(`published #${published} to '${topic}' (QoS 0: no PUBACK)`);
            return true;
        }
        const name = enumName(lib.PubackReasonCode, puback.reasonCode);
        if (!lib.isSuccessfulPubackReasonCode(puback.reasonCode)) {
            api.fail(
                `publish to '${topic}' refused: PUBACK reason code ${puback.reasonCode} (${name})${puback.reasonString ? `: ${puback.reasonString}` : ''}`,
            );
            return false;
        }
        debug(`published #${published} to '${topic}': PUBACK reason code ${puback.reasonCode} (${name})`);
        return true;
    };

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
                        if (!(await publishOne(api, line))) break;
                    }
                } finally {
                    rl.close();
                    process.stdin.destroy();
                }
            } else {
                for (let i = 0; i < repeat && !api.finishing; i++) {
                    if (!(await publishOne(api, payload))) return;
                    if (interval > 0 && i < repeat - 1) await new Promise((r) => setTimeout(r, interval));
                }
            }
            api.finish(EXIT_OK);
        },
    });
    return done;
}

// ---------------------------------------------------------------------------------------------
// main

async function main(argv) {
    const [command, ...rest] = argv;
    if (command === undefined) throw new UsageError('expected a command: sub or pub');
    if (command === '--help' || command === 'help') {
        if (rest[0] === 'sub') process.stdout.write(SUB_HELP + '\n');
        else if (rest[0] === 'pub') process.stdout.write(PUB_HELP + '\n');
        else process.stdout.write(MAIN_HELP + '\n');
        return EXIT_OK;
    }
    if (command === '--version') {
        process.stdout.write(`${PROG} ${VERSION}\n`);
        return EXIT_OK;
    }
    if (command === 'sub') return sub(rest);
    if (command === 'pub') return pub(rest);
    if (command.startsWith('-')) throw new UsageError(`expected a command (sub or pub) before '${command}'`);
    throw new UsageError(`unknown command '${command}' (the commands are sub and pub)`);
}

try {
    process.exitCode = await main(process.argv.slice(2));
} catch (err) {
    if (err instanceof UsageError) {
        errorLine(`error: ${err.message}`);
        const cmd = ['sub', 'pub'].includes(process.argv[2]) ? ` ${process.argv[2]}` : '';
        errorLine(`try '${PROG}${cmd} --help' for the options`);
        process.exitCode = EXIT_USAGE;
    } else {
        errorLine(`error: ${describeError(err)}`);
        process.exitCode = EXIT_FAILURE;
    }
}
// Everything is stopped and closed by now; if some handle still holds the loop (e.g. a stdin
// reader), do not hang.
setTimeout(() => process.exit(), 2000).unref();
