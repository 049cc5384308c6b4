// The help texts of the command-line tool, as data: what `--help` prints, word for word.
// `PROG` and the version are filled in where they appear.

export const PROG = 'mqtt5-crt';

export const CONNECTION_HELP = `Connection:
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

export const SUB_HELP = `Usage: ${PROG} sub -t <filter> [-t <filter>...] [options]

Subscribes to one or more topic filters and prints each message's payload on its own line
(with -v: the topic, a space, then the payload). Runs until -C messages arrived, -W seconds
passed, or Ctrl-C. A lost connection (e.g. a broker restart) is retried with backoff, with a line
on stderr per attempt, until then; a first connection that fails exits with code 1.

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
      --no-reconnect           exit with code 1 when the connection is lost

${CONNECTION_HELP}

Examples:
  ${PROG} sub -t 'sensors/#' -v
  ${PROG} sub -t a/b -C 1 --json -h broker.example.com --cafile ca.pem`;

export const PUB_HELP = `Usage: ${PROG} pub -t <topic> (-m <message> | -f <file> | -s | -l | -n) [options]

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

/** The overview: commands, connection options, exit codes. */
export function mainHelp(version: string): string {
    return `${PROG} ${version}: MQTT 5 publish and subscribe from the command line (AWS CRT client)

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
}
