// The memcheck exercise's MQTT 3.1.1 connection and request-response client steps (run by
// exercise.cjs's main, under valgrind): a 3.1.1 connection that connects, subscribes, publishes
// and receives at QoS 0 and 1, unsubscribes and disconnects; one closed with operations in
// flight, one that fails to connect, forgotten ones collected; a request-response client over
// each protocol answered by a stand-in responder, a request that times out, one pending at
// close, a streaming operation opened, fed and closed.
'use strict';

const assert = require('node:assert/strict');

/** `h`: the exercise's harness (harness.cjs: the package, the settings and the helpers). */
module.exports = async function mqtt311AndRequestResponse(h) {
    const { lib, PORT, step, ok, once, sleep, connected, stopClose, config, settle, rejectsWith } = h;
    const { mqtt, io, mqtt_request_response: rr, CrtError } = lib;
    const topic = `memcheck/311rr/${process.pid}`;
    const connection311 = (id, extra = {}) =>
        new mqtt.MqttClient().new_connection({
            client_id: `memcheck-311-${id}-${process.pid}`,
            host_name: '127.0.0.1',
            port: PORT,
            socket_options: new io.SocketOptions(io.SocketType.STREAM, io.SocketDomain.IPV4, 60_000),
            keep_alive: 600,
            ping_timeout: 60_000,
            protocol_operation_timeout: 120_000,
            clean_session: true,
            ...extra,
        });

    step('MQTT 3.1.1: connect, subscribe, QoS 0/1 publish and receive, unsubscribe, disconnect');
    const c = connection311('main', { will: new mqtt.MqttWill(`${topic}/will`, mqtt.QoS.AtLeastOnce, 'gone') });
    ok((await c.connect()) === false, 'clean session');
    const got = [];
    const viaCallback = [];
    c.on('message', (t, payload, _dup, qos) => got.push(`${t}:${Buffer.from(payload)}:${qos}`));
    const sub = await c.subscribe(`${topic}/+`, mqtt.QoS.AtLeastOnce, (t) => viaCallback.push(t));
    ok(sub.qos === 1 && sub.packet_id > 0, 'SUBACK');
    await c.publish(`${topic}/a`, 'zero', mqtt.QoS.AtMostOnce);
    await c.publish(`${topic}/b`, Buffer.alloc(70_000, 7), mqtt.QoS.AtLeastOnce);
    await c.publish(`${topic}/c`, { json: true }, mqtt.QoS.AtLeastOnce, true);
    const deadline = Date.now() + h.T;
    while (got.length < 3 && Date.now() < deadline) await sleep(20);
    ok(got.length === 3 && viaCallback.length === 3, `received ${got.length}, callbacks ${viaCallback.length}`);
    ok(c.getOperationalStatistics().incompleteOperationCount >= 0, 'statistics');
    await c.publish(`${topic}/c`, '', mqtt.QoS.AtLeastOnce, true); // clear the retained message
    await c.unsubscribe(`${topic}/+`);
    const closed = once(c, 'closed');
    await c.disconnect();
    await closed;
    await rejectsWith(settle(c.publish(`${topic}/a`, 'x', 0)), undefined, 'publish after disconnect');

    step('MQTT 3.1.1: bad input, a refused connect, close with operations in flight, forgotten connections');
    assert.throws(() => connection311('bad', { port: 0 }), RangeError);
    assert.throws(() => connection311('bad', { keep_alive: 1 }), RangeError);
    const bad = connection311('bad-topic');
    const wildcard = await settle(bad.publish('a/+', 'x', 0));
    ok(!wildcard.ok && wildcard.error instanceof RangeError, 'a wildcard topic is a RangeError');
    bad.close();
    const refused = connection311('refused', { port: 1 });
    await rejectsWith(settle(refused.connect()), undefined, 'connect to a closed port');
    refused.close();
    const busy = connection311('busy');
    await busy.connect();
    const inFlight = [busy.publish(`${topic}/x`, 'x', 1), busy.subscribe(`${topic}/y`, 1), busy.unsubscribe(`${topic}/z`)].map(
        settle,
    );
    busy.close();
    for (const r of await Promise.all(inFlight)) ok(r.ok || r.error instanceof CrtError, 'settled at close');
    for (let i = 0; i < 3; i++) connection311(`forgotten-${i}`);

    step('request-response over MQTT 5 and 3.1.1: answered, timed out, pending at close; a stream');
    const responder = await connected(config('rr-responder'));
    responder.on('messageReceived', ({ message }) => {
        const token = JSON.parse(Buffer.from(message.payload).toString()).clientToken;
        if (token === 'silent') return;
        responder
            .publish({ topicName: `${message.topicName}/accepted`, qos: 1, payload: JSON.stringify({ clientToken: token }) })
            .catch(() => {});
    });
    await responder.subscribe({ subscriptions: [{ topicFilter: `${topic}/rr/+`, qos: 1 }] });
    const request = (name, token) => ({
        subscriptionTopicFilters: [`${topic}/rr/${name}/accepted`],
        responsePaths: [{ topic: `${topic}/rr/${name}/accepted`, correlationTokenJsonPath: 'clientToken' }],
        publishTopic: `${topic}/rr/${name}`,
        payload: Buffer.from(JSON.stringify({ clientToken: token })),
        correlationToken: token,
    });
    const options = { maxRequestResponseSubscriptions: 4, maxStreamingSubscriptions: 2, operationTimeoutInSeconds: 120 };
    const device5 = await connected(config('rr-device'));
    const device311 = connection311('rr-device');
    await device311.connect();
    for (const [name, client] of [
        ['five', rr.RequestResponseClient.newFromMqtt5(device5, options)],
        ['three', rr.RequestResponseClient.newFromMqtt311(device311, options)],
    ]) {
        const response = await client.submitRequest(request(name, `${name}-1`));
        ok(JSON.parse(Buffer.from(response.payload).toString()).clientToken === `${name}-1`, `${name}: response`);
        const pending = settle(client.submitRequest(request(name, 'silent')));
        client.close();
        await rejectsWith(pending, 'AWS_ERROR_MQTT_REQUEST_RESPONSE_CLIENT_SHUT_DOWN', `${name}: pending at close`);
    }
    const timing = rr.RequestResponseClient.newFromMqtt5(device5, { ...options, operationTimeoutInSeconds: 2 });
    await rejectsWith(
        settle(timing.submitRequest(request('five', 'silent'))),
        'AWS_ERROR_MQTT_REQUEST_RESPONSE_TIMEOUT',
        'timeout',
    );
    const stream = timing.createStream({ subscriptionTopicFilter: `${topic}/stream/+` });
    const established = once(stream, 'subscriptionStatus');
    stream.open();
    await established;
    const incoming = once(stream, 'incomingPublish');
    await responder.publish({ topicName: `${topic}/stream/s`, qos: 1, payload: Buffer.alloc(20_000, 3) });
    ok((await incoming).payload.byteLength === 20_000, 'stream message');
    stream.close();
    timing.createStream({ subscriptionTopicFilter: `${topic}/never-opened` }); // closed with its client
    timing.close();
    await stopClose(responder);
    await stopClose(device5);
    await device311.disconnect();
};
