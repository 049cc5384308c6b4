// The memcheck exercise's validation step: bad input of every kind through the façade and through
// direct native calls, each refused with its error, and what was built before the failure released
// (run by exercise.cjs).
'use strict';

const { lib, binding, step, ok, throws, rejects, config, settle, rejectsWith } = require('./harness.cjs');
const { Mqtt5Client } = lib;

async function validation() {
    step('validation errors: façade and direct native calls');
    const N = binding.NativeMqtt5Client;
    const sink = () => {};
    // Façade.
    throws(() => new Mqtt5Client(null), TypeError);
    throws(() => new Mqtt5Client({ hostName: '', port: 1 }), RangeError);
    throws(() => new Mqtt5Client({ hostName: 'h', port: 70000 }), RangeError);
    throws(() => new Mqtt5Client({ hostName: 'h', port: 1, connectProperties: { keepAliveIntervalSeconds: -1 } }), RangeError);
    throws(() => new Mqtt5Client({ hostName: 'h', port: 1, connectProperties: { clientId: 5 } }), TypeError);
    throws(() => new Mqtt5Client({ hostName: 'h', port: 1, connectProperties: { userProperties: [{ name: 'a' }] } }), TypeError);
    throws(() => new Mqtt5Client({ hostName: 'h', port: 1, tlsCtx: {} }), TypeError);
    // Native, past the façade: every table kind, failing deep inside nested objects and lists so
    // that arena storage made before the failure must be released.
    const bad = [
        [{}, TypeError],
        [{ hostName: 'h' }, TypeError],
        [{ hostName: 7, port: 1 }, TypeError],
        [{ hostName: 'h', port: 1.5 }, RangeError],
        [{ hostName: 'h', port: 1, sessionBehavior: 9 }, RangeError],
        [{ hostName: 'h', port: 1, minReconnectDelayMs: -1 }, RangeError],
        [{ hostName: 'h', port: 1, connectProperties: 'x' }, TypeError],
        [
            {
                hostName: 'h',
                port: 1,
                connectProperties: {
                    clientId: 'x'.repeat(100),
                    userProperties: [
                        { name: 'a', value: 'b' },
                        { name: 'c', value: 3 },
                    ],
                },
            },
            TypeError,
        ],
        [{ hostName: 'h', port: 1, connectProperties: { clientId: 'x', will: { topicName: 't', qos: 7 } } }, RangeError],
        [{ hostName: 'h', port: 1, connectProperties: { will: { topicName: 't', qos: 1, payload: 5 } } }, TypeError],
        [{ hostName: 'h', port: 1, connectProperties: { password: {} } }, TypeError],
        [{ hostName: 'h', port: 1, socketOptions: { connect_timeout_ms: 'x' } }, TypeError],
        [{ hostName: 'h', port: 1, topicAliasingOptions: { outboundBehavior: 99 } }, RangeError],
        [{ hostName: 'h', port: 1, metrics: { libraryName: 'x', metadata: [{ name: 'a', value: 'b' }, 'x'] } }, TypeError],
        [{ hostName: 'h', port: 1, httpProxyOptions: { port: 1 } }, TypeError],
        [{ hostName: 'h', port: 1, tlsCtx: {} }, TypeError],
        [{ hostName: 'h', port: 1, websocket: { sigv4: { region: '' } } }, TypeError],
        [
            {
                hostName: 'h',
                port: 1,
                get connectProperties() {
                    throw new Error('getter');
                },
            },
            TypeError,
        ],
    ];
    for (const [i, [cfg, kind]] of bad.entries()) throws(() => new N(cfg, sink), kind, `bad config #${i}`);
    throws(() => new N({ hostName: 'h', port: 1 }), TypeError, 'no sink');
    throws(() => N.prototype.start.call({}), TypeError, 'foreign receiver');

    // Operations on a native client that was never started, with bad packets.
    const n = new N({ hostName: '127.0.0.1', port: 1, connectProperties: { clientId: 'v' } }, sink);
    const badPublishes = [
        [undefined, TypeError],
        [{ qos: 1 }, TypeError],
        [{ topicName: 't', qos: 3 }, RangeError],
        [{ topicName: 't', qos: 1, payload: 42 }, TypeError],
        [{ topicName: 't', qos: 1, payload: 'p', correlationData: 5 }, TypeError],
        [{ topicName: 't', qos: 1, messageExpiryIntervalSeconds: 2 ** 33 }, RangeError],
        [
            {
                topicName: 't',
                qos: 1,
                userProperties: [
                    { name: 'a', value: 'b' },
                    { name: 'a', value: {} },
                ],
            },
            TypeError,
        ],
        [{ topicName: 't', qos: 1, userProperties: 'x' }, TypeError],
        [{ topicName: 't', qos: 1, contentType: 'x', responseTopic: 9 }, TypeError],
    ];
    for (const [p, kind] of badPublishes) throws(() => n.publish(p), kind, `publish ${JSON.stringify(p)}`);
    const badSubscribes = [
        [{}, TypeError],
        [{ subscriptions: 'x' }, TypeError],
        [
            {
                subscriptions: [
                    { topicFilter: 'a', qos: 1 },
                    { topicFilter: 'b', qos: 9 },
                ],
            },
            RangeError,
        ],
        [{ subscriptions: [{ topicFilter: 'a', qos: 1 }, 'x'] }, TypeError],
        [{ subscriptions: [{ topicFilter: 'a', qos: 1 }], subscriptionIdentifier: -3 }, RangeError],
    ];
    for (const [p, kind] of badSubscribes) throws(() => n.subscribe(p), kind, `subscribe ${JSON.stringify(p)}`);
    throws(() => n.unsubscribe({ topicFilters: ['a', 5] }), TypeError);
    throws(() => n.stop({ reasonCode: 4, userProperties: [{ name: 1, value: 'x' }] }), TypeError);
    throws(() => n.acknowledge('x'), TypeError);
    throws(() => n.acknowledge([1, 'x']), TypeError);
    n.acknowledge([12345, 0, -1]); // unknown ids: ignored
    // CRT-side validation (the view is well-formed, the CRT refuses it).
    throws(
        () => n.publish({ topicName: 'a/#', qos: 1 }),
        (e) => e instanceof Error,
        'wildcard topic refused by the CRT',
    );
    throws(
        () => n.subscribe({ subscriptions: [] }),
        (e) => e instanceof Error,
        'empty subscribe refused by the CRT',
    );
    // Valid operations on a never-started client: queued offline, failed on close.
    ok(typeof n.publish({ topicName: 'offline', qos: 1, payload: Buffer.alloc(1000) }) === 'number', 'offline publish id');
    ok(typeof n.subscribe({ subscriptions: [{ topicFilter: 'offline/#', qos: 1 }] }) === 'number', 'offline subscribe id');
    n.close();
    n.close(); // idempotent
    throws(
        () => n.publish({ topicName: 't', qos: 0 }),
        (e) => e instanceof Error,
        'publish after close',
    );

    // Façade client: operation validation (publish, subscribe and unsubscribe report bad input as
    // a rejection, as aws-crt does; stop() throws).
    const c = new Mqtt5Client(config('validation'));
    await rejects(c.publish({ topicName: '', qos: 1 }), (e) => e instanceof Error);
    await rejects(c.publish({ topicName: 't', qos: 2 }), (e) => e instanceof Error);
    await rejects(c.subscribe({ subscriptions: [{ topicFilter: 'a/#/b', qos: 1 }] }), (e) => e instanceof Error);
    await rejects(c.subscribe({ subscriptions: [{ topicFilter: 'a', qos: 1 }], subscriptionIdentifier: 0 }), RangeError);
    await rejects(c.unsubscribe({ topicFilters: [] }), (e) => e instanceof Error);
    throws(
        () => c.stop({ reasonCode: 'x' }),
        (e) => e instanceof Error,
    );
    const pending = settle(c.publish({ topicName: 'offline', qos: 1, payload: { json: true } }));
    c.close();
    await rejectsWith(pending, 'AWS_ERROR_MQTT5_CLIENT_TERMINATED', 'offline publish rejected by close');
}

module.exports = validation;
