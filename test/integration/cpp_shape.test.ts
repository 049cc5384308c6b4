// The C++ SDK's shape beyond what the guide shows: both callback arities, every outcome of the
// completion-callback forms (and no unhandled rejection), the result and event data classes on
// the very objects aws-crt-shaped code gets, the C++ enum spellings, errorDebugString, and the
// builder entries withTlsConnectionOptions / withWebsocketHandshakeTransformCallback /
// withSdkMetrics / PKCS#12 / Windows certificate store. Against the test broker.
import fs from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
    ClientOperationQueueBehavior,
    ClientOperationQueueBehaviorType,
    ClientSessionBehavior,
    ClientSessionBehaviorType,
    ConnAckPacket,
    ConnectReasonCode,
    CrtError,
    DisconnectReasonCode,
    ExponentialBackoffJitterMode,
    errorDebugString,
    errorName,
    errorString,
    HttpClientConnectionProxyOptions,
    http,
    IoTDeviceSDKMetrics,
    io,
    JitterMode,
    Mqtt5,
    Mqtt5Client,
    Mqtt5ClientBuilder,
    OnConnectionSuccessEventData,
    PacketType,
    PayloadFormatIndicator,
    PubAckPacket,
    PubAckReasonCode,
    PublishReceivedEventData,
    PublishResult,
    QOS,
    QoS,
    RetryJitterType,
    SubAckPacket,
    SubAckReasonCode,
    SubackReasonCode,
    UnSubAckPacket,
    UnSubAckReasonCode,
    UnsubackReasonCode,
} from '../../dist/index.js';
import { brokerPort, closeAll, connectedClient, newClient, once, uniqueTopic } from '../helpers/client';
import { makeTlsMaterial, type TlsMaterial } from '../helpers/tls';
import { startTlsBroker, type TlsBroker } from '../helpers/tls_broker';
import { startWsGateway } from '../helpers/ws_gateway';

afterEach(closeAll);

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
beforeAll(() => {
    process.on('unhandledRejection', onUnhandled);
});
afterAll(() => {
    process.off('unhandledRejection', onUnhandled);
});

/** Lets queued microtasks, and a turn of the event loop, run (so unhandled rejections would show). */
const settle = () => new Promise((r) => setTimeout(r, 50));

function builder(): Mqtt5ClientBuilder {
    return Mqtt5ClientBuilder.newMqtt5ClientBuilder('127.0.0.1', brokerPort()).withMetricsCollection(false);
}

describe('lifecycle and publish-received callbacks: (client, eventData) and (eventData)', () => {
    it('a callback declaring two parameters gets the client first; one declaring one gets the event data', async () => {
        const calls: string[] = [];
        let client!: Mqtt5Client;
        const topic = uniqueTopic('arity');
        client = builder()
            .withClientAttemptingConnectCallback((c: Mqtt5Client, e: Mqtt5.OnAttemptingConnectEventData) => {
                calls.push(`attempting2:${c === client}:${e instanceof Mqtt5.OnAttemptingConnectEventData}`);
            })
            .withClientConnectionSuccessCallback((c: Mqtt5Client, e: Mqtt5.OnConnectionSuccessEventData) => {
                calls.push(`success2:${c === client}:${e.negotiatedSettings.getClientId() === e.settings.clientId}`);
            })
            .withClientDisconnectionCallback((e) => {
                calls.push(`disconnection1:${errorName(e.errorCode)}:${e.disconnectPacket}`);
            })
            .withClientStoppedCallback((e) => calls.push(`stopped1:${e instanceof Mqtt5.OnStoppedEventData}`))
            .withPublishReceivedCallback((c: Mqtt5Client, e: Mqtt5.PublishReceivedEventData) => {
                calls.push(`received2:${c === client}:${e.publishPacket.getTopic() === topic}:${e.publishPacket === e.message}`);
            })
            .build();
        const up = once(client, 'connectionSuccess');
        expect(client.start()).toBe(true);
        await up;
        await client.subscribe({ subscriptions: [{ topicFilter: topic, qos: QoS.AtLeastOnce }] });
        const got = once(client, 'messageReceived');
        await client.publish({ topicName: topic, payload: 'x', qos: QoS.AtLeastOnce });
        await got;
        const down = once(client, 'stopped');
        expect(client.stop()).toBe(true);
        await down;
        client.close();
        expect(calls).toEqual([
            'attempting2:true:true',
            'success2:true:true',
            'received2:true:true:true',
            'disconnection1:AWS_ERROR_MQTT5_USER_REQUESTED_STOP:null',
            'stopped1:true',
        ]);
    });

    it('connection failure: (client, eventData) with errorCode, errorDebugString and a null CONNACK', async () => {
        const failures: string[] = [];
        const client = Mqtt5ClientBuilder.newMqtt5ClientBuilder('127.0.0.1', 1) // nothing listens on port 1
            .withMetricsCollection(false)
            .withReconnectOptions({ minReconnectDelayMs: 60_000 })
            .withClientConnectionFailureCallback((c: Mqtt5Client, e: Mqtt5.OnConnectionFailureEventData) => {
                failures.push(`${c instanceof Mqtt5Client}|${errorDebugString(e.errorCode)}|${e.connAckPacket}|${e.error.code}`);
            })
            .build();
        const failed = once(client, 'connectionFailure');
        client.start();
        await failed;
        const down = once(client, 'stopped');
        client.stop();
        await down;
        client.close();
        expect(failures).toEqual([
            'true|aws-c-io: AWS_IO_SOCKET_CONNECTION_REFUSED, socket connection refused.|null|AWS_IO_SOCKET_CONNECTION_REFUSED',
        ]);
    });

    it('a callback that is not a function is refused when set (TypeError naming the method)', () => {
        expect(() => builder().withClientStoppedCallback(42 as never)).toThrow(
            /withClientStoppedCallback\(callback\): callback must be a function .* got number/,
        );
    });
});

describe('completion callbacks (client, errorCode, result)', () => {
    it('publish QoS 0 and QoS 1, subscribe, unsubscribe: success outcomes; the promise is returned (truthy) and still resolves', async () => {
        const client = await connectedClient();
        const topic = uniqueTopic('complete');
        const outcomes: unknown[][] = [];
        const sub = client.subscribe({ subscriptions: [{ topicFilter: topic, qos: QoS.AtLeastOnce }] }, (c, code, suback) =>
            outcomes.push(['sub', c === client, code, suback instanceof SubAckPacket, suback?.getReasonCodes()]),
        );
        expect(sub).toBeInstanceOf(Promise);
        const suback = await sub;
        expect(suback?.getReasonCodes()).toEqual([SubAckReasonCode.AWS_MQTT5_SARC_GRANTED_QOS_1]);

        const r0 = await new Promise<PublishResult>((resolve) => {
            expect(
                client.publish({ topicName: topic, payload: 'q0', qos: QoS.AtMostOnce }, (_c, _code, r) => resolve(r)),
            ).toBeTruthy();
        });
        expect([r0.wasSuccessful(), r0.getErrorCode(), r0.getAck()]).toEqual([true, 0, null]);

        const p1 = client.publish(new Mqtt5.PublishPacket(topic, 'q1', QOS.AWS_MQTT5_QOS_AT_LEAST_ONCE), (_c, code, r) =>
            outcomes.push(['pub', code, r.wasSuccessful(), r.getAck()?.getReasonCode()]),
        );
        const puback = await (p1 as Promise<unknown>);
        expect(puback).toBeInstanceOf(PubAckPacket);

        const unsub = client.unsubscribe({ topicFilters: [topic] }, (_c, code, unsuback) =>
            outcomes.push(['unsub', code, unsuback instanceof UnSubAckPacket, unsuback?.getReasonCodes()]),
        );
        await unsub;
        await settle();
        expect(outcomes).toEqual([
            ['sub', true, 0, true, [SubackReasonCode.GrantedQoS1]],
            ['pub', 0, true, PubAckReasonCode.AWS_MQTT5_PARC_SUCCESS],
            ['unsub', 0, true, [UnsubackReasonCode.Success]],
        ]);
    });

    it('refused (bad packet, closed client): returns false, and the callback still gets the error, after the call', async () => {
        const client = await connectedClient();
        const order: string[] = [];
        const results: PublishResult[] = [];
        const accepted = client.publish({ topicName: 'a/+/wildcard', payload: 'x', qos: QoS.AtMostOnce }, (c, code, r) => {
            order.push(`callback:${c === client}:${errorName(code)}`);
            results.push(r);
        });
        order.push(`returned:${accepted}`);
        const subAccepted = client.subscribe({ subscriptions: [] }, (_c, code, suback) =>
            order.push(`sub:${errorName(code)}:${suback}`),
        );
        await settle();
        expect(subAccepted).toBe(false);
        expect(order).toEqual([
            'returned:false',
            'callback:true:AWS_ERROR_MQTT5_PUBLISH_OPTIONS_VALIDATION',
            'sub:AWS_ERROR_MQTT5_SUBSCRIBE_OPTIONS_VALIDATION:null',
        ]);
        expect(results[0].wasSuccessful()).toBe(false);
        expect(results[0].error).toBeInstanceOf(RangeError);
        expect(results[0].error!.message).toMatch(/publish\.topicName/);

        client.close();
        const closed: string[] = [];
        expect(client.unsubscribe({ topicFilters: ['t'] }, (_c, code) => closed.push(errorName(code)))).toBe(false);
        await settle();
        expect(closed).toEqual(['AWS_ERROR_MQTT5_CLIENT_TERMINATED']);
        expect(unhandled).toEqual([]);
    });

    it('failed after being accepted (close() while pending): the callback gets the error, and no unhandled rejection', async () => {
        // Offline: the operations queue, then close() fails them.
        const client = newClient({ offlineQueueBehavior: ClientOperationQueueBehavior.FailNonQos1PublishOnDisconnect });
        const got: string[] = [];
        const p = client.publish({ topicName: uniqueTopic('pending'), payload: 'x', qos: QoS.AtLeastOnce }, (_c, code, r) =>
            got.push(`pub:${errorName(code)}:${r.wasSuccessful()}:${r.getErrorCode() === code}:${r.error instanceof CrtError}`),
        );
        const s = client.subscribe({ subscriptions: [{ topicFilter: 'x/y', qos: QoS.AtMostOnce }] }, (_c, code, suback) =>
            got.push(`sub:${errorName(code)}:${suback}`),
        );
        expect(p).toBeInstanceOf(Promise);
        expect(s).toBeInstanceOf(Promise);
        client.close();
        await settle();
        expect(got).toEqual([
            'pub:AWS_ERROR_MQTT5_CLIENT_TERMINATED:false:true:true',
            'sub:AWS_ERROR_MQTT5_CLIENT_TERMINATED:null',
        ]);
        // The returned promise still rejects for whoever awaits it.
        await expect(p as Promise<unknown>).rejects.toBeInstanceOf(CrtError);
        expect(unhandled).toEqual([]);
    });

    it('a throwing callback surfaces as an uncaught exception, not an unhandled rejection', async () => {
        const client = await connectedClient();
        const uncaught: unknown[] = [];
        // vitest owns uncaughtException; listen first so the error is ours.
        const listeners = process.listeners('uncaughtException');
        process.removeAllListeners('uncaughtException');
        const onUncaught = (e: unknown) => uncaught.push(e);
        process.on('uncaughtException', onUncaught);
        try {
            client.publish({ topicName: uniqueTopic('throw'), payload: 'x', qos: QoS.AtMostOnce }, () => {
                throw new Error('from the callback');
            });
            await settle();
        } finally {
            process.off('uncaughtException', onUncaught);
            for (const l of listeners) process.on('uncaughtException', l);
        }
        expect(uncaught.map((e) => (e as Error).message)).toEqual(['from the callback']);
        expect(unhandled).toEqual([]);
    });

    it('a completion callback that is not a function: TypeError', async () => {
        const client = await connectedClient();
        expect(() => client.publish({ topicName: 't', qos: QoS.AtMostOnce }, 'cb' as never)).toThrow(
            /publish\(packet, onComplete\): onComplete must be a function .* got string/,
        );
    });
});

describe('results and event data: the C++ getters on the aws-crt objects', () => {
    it('connectionSuccess: one object with connack/settings and connAckPacket/negotiatedSettings and their getters', async () => {
        const client = newClient();
        const up = once<OnConnectionSuccessEventData>(client, 'connectionSuccess');
        client.start();
        const e = await up;
        expect(e).toBeInstanceOf(OnConnectionSuccessEventData);
        expect(e.connAckPacket).toBe(e.connack);
        expect(e.negotiatedSettings).toBe(e.settings);
        expect(e.connack).toBeInstanceOf(ConnAckPacket);
        expect(e.settings).toBeInstanceOf(Mqtt5.NegotiatedSettings);
        const s = e.negotiatedSettings;
        expect({
            maximumQos: s.getMaximumQOS(),
            sessionExpiryInterval: s.getSessionExpiryIntervalSec(),
            receiveMaximumFromServer: s.getReceiveMaximumFromServer(),
            maximumPacketSizeToServer: s.getMaximumPacketSizeToServer(),
            topicAliasMaximumToServer: s.getTopicAliasMaximumToServer(),
            topicAliasMaximumToClient: s.getTopicAliasMaximumToClient(),
            serverKeepAlive: s.getServerKeepAliveSec(),
            retainAvailable: s.getRetainAvailable(),
            wildcardSubscriptionsAvailable: s.getWildcardSubscriptionsAvailable(),
            subscriptionIdentifiersAvailable: s.getSubscriptionIdentifiersAvailable(),
            sharedSubscriptionsAvailable: s.getSharedSubscriptionsAvailable(),
            rejoinedSession: s.getRejoinedSession(),
            clientId: s.getClientId(),
        }).toEqual({ ...s });
        const c = e.connAckPacket;
        expect(c.getType()).toBe(PacketType.AWS_MQTT5_PT_CONNACK);
        expect(c.getSessionPresent()).toBe(false);
        expect(c.getReasonCode()).toBe(ConnectReasonCode.AWS_MQTT5_CRC_SUCCESS);
        expect(c.getMaximumQOS()).toBe(c.maximumQos);
        expect(c.getServerKeepAliveSec()).toBe(c.serverKeepAlive);
        expect(c.getUserProperties()).toEqual(c.userProperties ?? []);
        // aws-crt's view of the same object: only its own fields, plain data.
        expect(Object.keys(e).sort()).toEqual(['connack', 'settings']);
        expect(JSON.parse(JSON.stringify(e.settings))).toEqual({ ...e.settings });
    });

    it('received messages: messageReceived events are PublishReceivedEventData with a PublishPacket message', async () => {
        const client = await connectedClient();
        const topic = uniqueTopic('received');
        await client.subscribe({ subscriptions: [{ topicFilter: topic, qos: QoS.AtLeastOnce }] });
        const plain = once<PublishReceivedEventData>(client, 'messageReceived');
        await client.publish({ topicName: topic, payload: 'plain', qos: QoS.AtMostOnce });
        const e1 = await plain;
        // The fast path's message: the same own fields as before, in the same order.
        expect(Object.keys(e1.message)).toEqual(['type', 'payload', 'qos', 'retain', 'topicName']);
        expect(Object.keys(e1)).toEqual(['message']);
        expect(e1).toBeInstanceOf(PublishReceivedEventData);
        expect(e1.publishPacket).toBe(e1.message);
        expect(e1.publishPacket.getTopic()).toBe(topic);
        expect(e1.publishPacket.getQOS()).toBe(QOS.AWS_MQTT5_QOS_AT_MOST_ONCE);
        expect(e1.acquirePublishAcknowledgement()).toBeNull();

        const withProps = once<PublishReceivedEventData>(client, 'messageReceived');
        await client.publish({
            topicName: topic,
            payload: 'props',
            qos: QoS.AtLeastOnce,
            contentType: 'text/plain',
            payloadFormat: PayloadFormatIndicator.AWS_MQTT5_PFI_UTF8,
            userProperties: [{ name: 'k', value: 'v' }],
        });
        const e2 = await withProps;
        expect(Object.keys(e2)).toEqual(['message', 'acknowledgementControl']);
        const p = e2.publishPacket;
        expect(p).toBeInstanceOf(Mqtt5.PublishPacket);
        expect([p.getContentType(), p.getPayloadFormatIndicator(), p.getUserProperties()]).toEqual([
            'text/plain',
            PayloadFormatIndicator.Utf8,
            [{ name: 'k', value: 'v' }],
        ]);
    });

    it('publish resolves with a PubAckPacket; subscribe/unsubscribe with SubAckPacket/UnSubAckPacket', async () => {
        const client = await connectedClient();
        const topic = uniqueTopic('acks');
        const suback = await client.subscribe({ subscriptions: [{ topicFilter: topic, qos: QoS.AtLeastOnce }] });
        expect(suback).toBeInstanceOf(SubAckPacket);
        expect([suback.getType(), suback.getReasonCodes(), suback.getReasonString(), suback.getUserProperties()]).toEqual([
            PacketType.Suback,
            suback.reasonCodes,
            undefined,
            suback.userProperties ?? [],
        ]);
        const puback = (await client.publish({ topicName: topic, payload: 'x', qos: QoS.AtLeastOnce }))!;
        expect(puback).toBeInstanceOf(PubAckPacket);
        // aws-crt's shape: userProperties is always an array.
        expect(Object.keys(puback)).toEqual(['type', 'reasonCode', 'userProperties']);
        expect([puback.type, puback.reasonCode]).toEqual([PacketType.Puback, 0]);
        expect((puback as PubAckPacket).getReasonCode()).toBe(PubAckReasonCode.AWS_MQTT5_PARC_SUCCESS);
        const unsuback = await client.unsubscribe({ topicFilters: [topic, uniqueTopic('never')] });
        expect(unsuback).toBeInstanceOf(UnSubAckPacket);
        expect(unsuback.getReasonCodes()).toEqual([
            UnSubAckReasonCode.AWS_MQTT5_UARC_SUCCESS,
            UnSubAckReasonCode.AWS_MQTT5_UARC_NO_SUBSCRIPTION_EXISTED,
        ]);
    });

    it('PublishResult on its own (the C++ constructor forms)', () => {
        const ok = new PublishResult();
        expect([ok.wasSuccessful(), ok.getErrorCode(), ok.getAck()]).toEqual([true, 0, null]);
        const ack = new PubAckPacket(PubAckReasonCode.AWS_MQTT5_PARC_NO_MATCHING_SUBSCRIBERS);
        expect(new PublishResult(ack).getAck()!.getReasonCode()).toBe(16);
        expect(new PublishResult(null, 5).wasSuccessful()).toBe(false);
    });
});

describe('the C++ enum spellings and the error-code helpers', () => {
    it('same values as the aws-crt enums; the aws-crt enums keep their keys and reverse mapping', () => {
        expect(QOS.AWS_MQTT5_QOS_AT_LEAST_ONCE).toBe(QoS.AtLeastOnce);
        expect(ClientSessionBehaviorType.AWS_MQTT5_CSBT_REJOIN_POST_SUCCESS).toBe(ClientSessionBehavior.RejoinPostSuccess);
        expect(JitterMode.AWS_EXPONENTIAL_BACKOFF_JITTER_DECORRELATED).toBe(RetryJitterType.Decorrelated);
        expect(ExponentialBackoffJitterMode).toBe(JitterMode);
        expect(ClientOperationQueueBehaviorType.AWS_MQTT5_COQBT_FAIL_ALL_ON_DISCONNECT).toBe(
            ClientOperationQueueBehavior.FailAllOnDisconnect,
        );
        expect(PubAckReasonCode.AWS_MQTT5_PARC_PAYLOAD_FORMAT_INVALID).toBe(153);
        expect(SubAckReasonCode.AWS_MQTT5_SARC_WILDCARD_SUBSCRIPTIONS_NOT_SUPPORTED).toBe(162);
        expect(UnSubAckReasonCode.AWS_MQTT5_UARC_NO_SUBSCRIPTION_EXISTED).toBe(17);
        expect(DisconnectReasonCode.AWS_MQTT5_DRC_SESSION_TAKEN_OVER).toBe(DisconnectReasonCode.SessionTakenOver);
        expect(PacketType.AWS_MQTT5_PT_AUTH).toBe(15);
        expect(Mqtt5.RetainHandlingType.AWS_MQTT5_RHT_DONT_SEND).toBe(2);
        expect(Mqtt5.OutboundTopicAliasBehaviorType.AWS_MQTT5_COTABT_LRU).toBe(2);
        expect(Mqtt5.InboundTopicAliasBehaviorType.AWS_MQTT5_CITABT_ENABLED).toBe(1);
        expect(Mqtt5.ClientExtendedValidationAndFlowControl.AWS_MQTT5_EVAFCO_AWS_IOT_CORE_DEFAULTS).toBe(1);
        // Non-enumerable: aws-crt code iterating the enums sees what it always saw.
        expect(Object.keys(ConnectReasonCode).some((k) => k.startsWith('AWS_'))).toBe(false);
        expect(ConnectReasonCode[0]).toBe('Success');
        expect(PacketType[3]).toBe('Publish');
        expect(Object.isFrozen(QOS)).toBe(true);
    });

    it('errorDebugString is aws_error_debug_str: library, name, description', () => {
        expect(errorDebugString(0)).toBe('aws-c-common: AWS_ERROR_SUCCESS, Success.');
        expect(errorDebugString(987_654)).toBe('Unknown Error Code');
        const stop = new CrtError(
            (() => {
                for (let c = 5 << 10; c < (5 << 10) + 1024; c++)
                    if (errorName(c) === 'AWS_ERROR_MQTT5_USER_REQUESTED_STOP') return c;
                return -1;
            })(),
        );
        expect(errorDebugString(stop.errorCode)).toBe(
            `libaws-c-mqtt: AWS_ERROR_MQTT5_USER_REQUESTED_STOP, ${errorString(stop.errorCode)}`,
        );
        expect(() => errorDebugString('1' as never)).toThrow(/errorDebugString\(errorCode\): errorCode must be an integer/);
    });
});

describe('builder entries', () => {
    let m: TlsMaterial;
    let tlsBroker: TlsBroker;
    beforeAll(async () => {
        m = makeTlsMaterial();
        tlsBroker = await startTlsBroker({ material: m });
    });
    afterAll(async () => {
        await tlsBroker?.stop();
        if (tlsBroker) fs.rmSync(tlsBroker.broker.dir, { recursive: true, force: true });
        m?.cleanup();
    });

    it('withTlsConnectionOptions: TLS over a given context connects; server_name and alpn_list are checked', async () => {
        const options = new io.TlsContextOptions();
        options.override_default_trust_store(m.ca.cert.pem);
        const ctx = new io.ClientTlsContext(options);
        const client = Mqtt5ClientBuilder.newMqtt5ClientBuilder('localhost', tlsBroker.tlsPort)
            .withMetricsCollection(false)
            .withTlsConnectionOptions(new io.TlsConnectionOptions(ctx, 'localhost'))
            .build();
        const up = once(client, 'connectionSuccess');
        client.start();
        await up;
        const down = once(client, 'stopped');
        client.stop();
        await down;
        client.close();
        expect(() =>
            Mqtt5ClientBuilder.newMqtt5ClientBuilder('localhost', 1)
                .withTlsConnectionOptions(new io.TlsConnectionOptions(ctx, 'other.example'))
                .buildConfig(),
        ).toThrow(/server_name "other.example" must be the host name "localhost"/);
        expect(() => builder().withTlsConnectionOptions(new io.TlsConnectionOptions(ctx, undefined, ['mqtt']))).toThrow(
            RangeError,
        );
        expect(() => builder().withTlsConnectionOptions({} as never)).toThrow(/must be an io.TlsConnectionOptions/);
    });

    it('withWebsocketHandshakeTransformCallback: (request, onComplete(request, errorCode)) changes the upgrade', async () => {
        const g = await startWsGateway({ targetPort: brokerPort() });
        try {
            const client = builder()
                .withPort(g.port)
                .withWebsocketHandshakeTransformCallback((request, onComplete) => {
                    request.headers.add('x-guide', 'transformed');
                    setTimeout(() => onComplete(request, 0), 10); // asynchronous, as C++ allows
                })
                .build();
            const up = once(client, 'connectionSuccess');
            client.start();
            await up;
            expect(g.upgrades).toHaveLength(1);
            expect(g.upgrades[0].headers['x-guide']).toBe('transformed');
            const down = once(client, 'stopped');
            client.stop();
            await down;
            client.close();
        } finally {
            await g.close();
        }
        expect(() => builder().withWebsocketHandshakeTransformCallback(null as never)).toThrow(TypeError);
    });

    it('withSdkMetrics: IoTDeviceSDKMetrics (addMetadata replaces a key) becomes the metrics config', () => {
        const metrics = new IoTDeviceSDKMetrics();
        metrics.libraryName = 'MyApp/1.0';
        metrics.addMetadata('AppVersion', '1');
        metrics.addMetadata('AppVersion', '2');
        metrics.addMetadata('Feature', 'x');
        expect(Mqtt5ClientBuilder.newMqtt5ClientBuilder('h').withSdkMetrics(metrics).buildConfig().metrics).toEqual({
            libraryName: 'MyApp/1.0',
            metadata: [
                ['AppVersion', '2'],
                ['Feature', 'x'],
            ],
        });
        expect(
            Mqtt5ClientBuilder.newMqtt5ClientBuilder('h').withSdkMetrics(metrics).withSdkVersion('9').buildConfig().metrics!
                .metadata,
        ).toEqual([
            ['AppVersion', '2'],
            ['Feature', 'x'],
            ['Version', '9'],
        ]);
        expect(() => builder().withSdkMetrics({ libraryName: 'x' } as never)).toThrow(/must be an IoTDeviceSDKMetrics/);
    });

    it('withHttpProxyOptions takes HttpClientConnectionProxyOptions or aws-crt HttpProxyOptions', () => {
        const cpp = new HttpClientConnectionProxyOptions();
        cpp.hostName = 'proxy.local';
        cpp.port = 3128;
        cpp.authType = http.HttpProxyAuthenticationType.Basic;
        cpp.basicAuthUsername = 'u';
        cpp.basicAuthPassword = 'p';
        expect(builder().withHttpProxyOptions(cpp).buildConfig().httpProxyOptions).toEqual(
            new http.HttpProxyOptions('proxy.local', 3128, http.HttpProxyAuthenticationType.Basic, 'u', 'p'),
        );
        const bad = new HttpClientConnectionProxyOptions();
        bad.hostName = 'p';
        expect(() => builder().withHttpProxyOptions(bad)).toThrow(/port must be an integer from 1 to 65535; got 0/);
    });

    it('PKCS#12 and Windows certificate store: a clear CrtError where this platform lacks them', () => {
        const p12 = () =>
            Mqtt5ClientBuilder.newMqtt5ClientBuilderWithMtlsPkcs12('localhost', {
                pkcs12_file: `${m.dir}/none.p12`,
                pkcs12_password: 'pw',
            });
        if (process.platform !== 'darwin') {
            expect(p12).toThrow(CrtError);
            expect(p12).toThrow(expect.objectContaining({ code: 'AWS_ERROR_PLATFORM_NOT_SUPPORTED' }));
        }
        const store = () =>
            Mqtt5ClientBuilder.createMqtt5ClientBuilderWithWindowsCertStorePath('localhost', 'CurrentUser\\MY\\A11F');
        if (process.platform !== 'win32') {
            expect(store).toThrow(expect.objectContaining({ code: 'AWS_ERROR_PLATFORM_NOT_SUPPORTED' }));
        }
        expect(store).toThrow(CrtError);
        expect(store).toThrow(/windows_cert_store_path 'CurrentUser\\MY\\A11F'/);
        expect(() => Mqtt5ClientBuilder.newMqtt5ClientBuilderWithWindowsCertStorePath('h', '')).toThrow(TypeError);
    });
});
