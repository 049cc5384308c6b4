// The C++ SDK's MQTT5 user guide (the seed guide, ../shared/seed/), every C++ code block
// transliterated to camelCase TypeScript and run against local stand-ins for AWS IoT Core: one
// test per block, in the guide's order. The transliteration rules:
//   - `Aws::Iot::Mqtt5ClientBuilder::NewX(...)` -> `Mqtt5ClientBuilder.newX(...)`, `builder->F()` ->
//     `builder.f()`, `std::shared_ptr<T>`/`std::make_shared<T>()` -> a `T` object (`new Mqtt5.T()`);
//   - C++ lambdas keep their parameter lists, typed as in C++: `(client: Mqtt5Client, eventData:
//     Mqtt5.OnConnectionSuccessEventData) => ...`, completion handlers `(client, errorCode, result)`;
//   - `fprintf(stdout, fmt, ...)` stays a call (to `fprintf` below, printf-style formatting), so the
//     tests can check what the guide's code printed; `return -1` becomes `throw`;
//   - `std::promise<T>` is `StdPromise<T>` below (`setValue`, `getFuture().get()` awaits);
//   - placeholders (`<clientEndpoint>`, paths, ...) are local: 'localhost' and the local test PKI,
//     plus the two lines a local endpoint needs and AWS IoT does not: `.withPort(...)` and
//     `.withCertificateAuthority(<test CA>)`, marked `// local:`.
import fs from 'node:fs';
import type { IncomingMessage } from 'node:http';
import util from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
    byteCursorFromString,
    CredentialsProvider,
    CredentialsProviderChainDefaultConfig,
    errorDebugString,
    HttpClientConnectionProxyOptions,
    Mqtt5,
    type Mqtt5Client,
    Mqtt5ClientBuilder,
    Mqtt5CustomAuthConfig,
    type OnPublishCompletionHandler,
    PubAckReasonCode,
    type PublishResult,
    QOS,
    SubAckReasonCode,
    type SubAckPacket,
    type UnSubAckPacket,
    WebsocketConfig,
} from '../../dist/index.js';
import { brokerPort, uniqueTopic } from '../helpers/client';
import { type ConnectProxy, startConnectProxy } from '../helpers/http_proxy';
import { verifyPresignedUrl } from '../helpers/sigv4';
import { makeTlsMaterial, type TlsMaterial } from '../helpers/tls';
import { type AlpnTerminator, startAlpnTlsTerminator, startTlsBroker, type TlsBroker } from '../helpers/tls_broker';
import { startWsGateway, type WsGateway } from '../helpers/ws_gateway';

// ---- the C++ standard library pieces the guide uses ------------------------------------------

/** `fprintf(stdout, fmt, ...)`: printf-style formatting into `printed` (checked by the tests). */
let printed: string[] = [];
const stdout = 'stdout';
const stderr = 'stderr';
function fprintf(stream: string, format: string, ...args: unknown[]): void {
    printed.push(`${stream}: ${util.format(format, ...args)}`);
}

/** `std::promise<T>`: `setValue(v)` once; `getFuture().get()` waits for it (bounded, for the tests). */
class StdPromise<T = void> {
    #resolve!: (v: T) => void;
    readonly #promise = new Promise<T>((r) => (this.#resolve = r));
    setValue(value: T): void {
        this.#resolve(value);
    }
    getFuture(): { get(): Promise<T> } {
        return {
            get: () =>
                Promise.race([
                    this.#promise,
                    new Promise<T>((_, reject) => setTimeout(() => reject(new Error('std::future::get() timed out')), 20_000)),
                ]),
        };
    }
}

// ---- local stand-ins for AWS IoT Core ------------------------------------------------------------

let m: TlsMaterial;
/** mosquitto with a mutual-TLS listener (the mTLS endpoint). */
let mtls: TlsBroker;
/** A TLS front that requires ALPN `mqtt`, as IoT Core's custom-authorizer endpoint on 443. */
let customAuthFront: AlpnTerminator;
/** A wss gateway that verifies the SigV4-presigned upgrade, as IoT Core's websocket endpoint. */
let gateway: WsGateway;
const SIGV4 = { accessKeyId: 'AKIDGUIDEDEFAULTCHAIN', secretAccessKey: 'guide/secret+key' };
const gatewayChecks: Array<{ ok: boolean; reason?: string }> = [];
let proxy: ConnectProxy;
const made: Mqtt5Client[] = [];

beforeAll(async () => {
    m = makeTlsMaterial();
    mtls = await startTlsBroker({ material: m, requireCertificate: true, useIdentityAsUsername: true });
    customAuthFront = await startAlpnTlsTerminator({ material: m, requiredAlpn: 'mqtt', targetPort: brokerPort() });
    gateway = await startWsGateway({
        targetPort: brokerPort(),
        tls: { cert: m.server.cert.pem, key: m.server.key.pem },
        path: '/mqtt',
        verify: (req: IncomingMessage) => {
            const r = verifyPresignedUrl({ method: req.method!, url: req.url!, headers: req.headers }, SIGV4, {
                region: 'us-east-1',
                service: 'iotdevicegateway',
            });
            gatewayChecks.push({ ok: r.ok, reason: r.ok ? undefined : r.reason });
            return r.ok ? undefined : r.reason;
        },
    });
    proxy = await startConnectProxy();
}, 30_000);

afterAll(async () => {
    for (const c of made) {
        try {
            c.stop();
        } catch {
            /* closed already */
        }
        c.close();
    }
    await Promise.all([mtls?.stop(), customAuthFront?.close(), gateway?.close(), proxy?.close()]);
    if (mtls) fs.rmSync(mtls.broker.dir, { recursive: true, force: true });
    m?.cleanup();
}, 30_000);

/** What the guide's `(...)` stands for in `NewMqtt5ClientBuilderWithMtlsFromPath(...)`. */
function mtlsBuilder(): Mqtt5ClientBuilder {
    return Mqtt5ClientBuilder.newMqtt5ClientBuilderWithMtlsFromPath('localhost', m.client.cert.path, m.client.key.path)
        .withPort(mtls.tlsPort) // local:
        .withCertificateAuthority(m.ca.cert.path); // local:
}

/** Resolves once `client` has connected (listening as aws-crt code would, next to the guide's callbacks). */
function connected(client: Mqtt5Client): Promise<void> {
    return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('no connectionSuccess in 20 s')), 20_000);
        client.once('connectionSuccess', () => {
            clearTimeout(t);
            resolve();
        });
    });
}
function stopped(client: Mqtt5Client): Promise<void> {
    return new Promise((resolve) => client.once('stopped', () => resolve()));
}
function track(client: Mqtt5Client): Mqtt5Client {
    made.push(client);
    return client;
}

describe('the C++ MQTT5 user guide, block by block', () => {
    it('How to Create Mqtt5 Client: build from an mTLS builder and Start()', async () => {
        printed = [];
        // Create Mqtt5Client Builder
        const builder: Mqtt5ClientBuilder = mtlsBuilder();

        // Build Mqtt5Client
        const mqtt5Client: Mqtt5Client | null = track(builder.build());

        if (mqtt5Client === null) {
            fprintf(stdout, 'Client creation failed.\n');
            throw new Error('-1');
        }

        const up = connected(mqtt5Client);
        // Start mqtt5 connection session
        if (!mqtt5Client.start()) {
            fprintf(stderr, 'Failed start Mqtt5 client');
            throw new Error('-1');
        }
        await up;
        expect(printed).toEqual([]);
        const down = stopped(mqtt5Client);
        mqtt5Client.stop();
        await down;
    });

    it('Start: the same block (start() returns true when accepted)', async () => {
        printed = [];
        const builder = mtlsBuilder();
        const mqtt5Client = track(builder.build());
        if (mqtt5Client === null) {
            fprintf(stdout, 'Client creation failed.\n');
            throw new Error('-1');
        }
        const up = connected(mqtt5Client);
        // Start mqtt5 connection session
        const accepted = mqtt5Client.start();
        if (!accepted) {
            fprintf(stderr, 'Failed start Mqtt5 client');
            throw new Error('-1');
        }
        expect(accepted).toBe(true);
        await up;
        const down = stopped(mqtt5Client);
        mqtt5Client.stop();
        await down;
        expect(printed).toEqual([]);
    });

    it('Stop: if (!client->Stop()) ... and the Stopped event follows', async () => {
        printed = [];
        const client = track(mtlsBuilder().build());
        const up = connected(client);
        client.start();
        await up;
        const down = stopped(client);

        if (!client.stop()) {
            fprintf(stdout, 'Failed to stop the mqtt connection session. Exiting..\n');
        }

        await down;
        expect(printed).toEqual([]);
    });

    it('Client lifecycle management: the five (client, eventData) callbacks, promises, Start and Stop', async () => {
        printed = [];
        // Create Mqtt5Client Builder
        const builder = mtlsBuilder();

        /* setup lifecycle event callbacks */
        const connectionPromise = new StdPromise<boolean>();
        const stoppedPromise = new StdPromise<void>();

        // Setup lifecycle callbacks
        builder.withClientConnectionSuccessCallback((_client: Mqtt5Client, eventData: Mqtt5.OnConnectionSuccessEventData) => {
            fprintf(stdout, 'Mqtt5 Client connection succeed, clientid: %s.\n', eventData.negotiatedSettings.getClientId());
            connectionPromise.setValue(true);
        });

        builder.withClientConnectionFailureCallback((_client: Mqtt5Client, eventData: Mqtt5.OnConnectionFailureEventData) => {
            fprintf(stdout, 'Mqtt5 Client connection failed with error: %s.\n', errorDebugString(eventData.errorCode));
            connectionPromise.setValue(false);
        });

        builder.withClientStoppedCallback((_client: Mqtt5Client, _eventData: Mqtt5.OnStoppedEventData) => {
            fprintf(stdout, 'Mqtt5 Client stopped.\n');
            stoppedPromise.setValue();
        });

        builder.withClientAttemptingConnectCallback((_client: Mqtt5Client, _eventData: Mqtt5.OnAttemptingConnectEventData) => {
            fprintf(stdout, 'Mqtt5 Client attempting connection...\n');
        });

        builder.withClientDisconnectionCallback((_client: Mqtt5Client, eventData: Mqtt5.OnDisconnectionEventData) => {
            fprintf(stdout, 'Mqtt5 Client disconnection with reason: %s.\n', errorDebugString(eventData.errorCode));
        });

        // Build Mqtt5Client
        const mqtt5Client = track(builder.build());

        if (mqtt5Client === null) {
            fprintf(stdout, 'Client creation failed.\n');
            throw new Error('-1');
        }

        // Start mqtt5 connection session
        if (!mqtt5Client.start()) {
            fprintf(stderr, 'Failed start Mqtt5 client');
            throw new Error('-1');
        }

        if ((await connectionPromise.getFuture().get()) === true) {
            // Client started successfully
        } else {
            // Client Start failed.
            throw new Error('the client did not connect');
        }

        if (mqtt5Client.stop()) {
            // Waiting for client stopped callback
            await stoppedPromise.getFuture().get();
        } else {
            fprintf(stdout, 'Failed to stop the mqtt connection session. Exiting..\n');
            throw new Error('-1');
        }

        // The broker names mTLS clients by their certificate (use_identity_as_username) and
        // assigns a client id, which the negotiated settings carry.
        expect(printed[0]).toBe('stdout: Mqtt5 Client attempting connection...\n');
        expect(printed[1]).toMatch(/^stdout: Mqtt5 Client connection succeed, clientid: .+\.\n$/);
        expect(printed[2]).toBe(
            'stdout: Mqtt5 Client disconnection with reason: libaws-c-mqtt: AWS_ERROR_MQTT5_USER_REQUESTED_STOP, ' +
                'Mqtt5 client connection interrupted by user request..\n',
        );
        expect(printed[3]).toBe('stdout: Mqtt5 Client stopped.\n');
        expect(printed).toHaveLength(4);
    });

    it('Direct MQTT with X509-based mutual TLS: NewMqtt5ClientBuilderWithMtlsFromPath', async () => {
        printed = [];
        // Create a Client using Mqtt5ClientBuilder
        const builder = Mqtt5ClientBuilder.newMqtt5ClientBuilderWithMtlsFromPath(
            'localhost',
            m.client.cert.path,
            m.client.key.path,
        )
            .withPort(mtls.tlsPort) // local:
            .withCertificateAuthority(m.ca.cert.path); // local:

        /* You can setup other client options and lifecycle event callbacks before call builder->Build().
         ** Once the the client get built, you could no longer update the client options or connection options
         ** on the created client.
         */

        // Build Mqtt5Client
        const client = track(builder.build());

        if (client === null) {
            fprintf(stdout, 'Client creation failed.\n');
            throw new Error('-1');
        }

        // start use the mqtt5 client
        const up = connected(client);
        client.start();
        await up;
        const down = stopped(client);
        client.stop();
        await down;
        expect(printed).toEqual([]);
    });

    it('MQTT over Websockets with Sigv4: the default credentials chain and WebsocketConfig', async () => {
        printed = [];
        // The default chain finds these first (Environment -> Profile -> ...).
        process.env.AWS_ACCESS_KEY_ID = SIGV4.accessKeyId;
        process.env.AWS_SECRET_ACCESS_KEY = SIGV4.secretAccessKey;
        delete process.env.AWS_SESSION_TOKEN;

        // Create websocket configuration
        const defaultConfig = new CredentialsProviderChainDefaultConfig();
        const provider = CredentialsProvider.createCredentialsProviderChainDefault(defaultConfig);
        if (!provider) {
            fprintf(stderr, 'Failure to create credentials provider!\n');
            throw new Error('exit(-1)');
        }
        const websocketConfig = new WebsocketConfig('us-east-1', provider);

        // Create a Client using Mqtt5ClientBuilder
        const builder = Mqtt5ClientBuilder.newMqtt5ClientBuilderWithWebsocket('localhost', websocketConfig)
            .withPort(gateway.port) // local:
            .withCertificateAuthority(m.ca.cert.pem); // local:

        /* You can setup other client options and lifecycle event callbacks before call builder->Build().
         ** Once the the client get built, you could no longer update the client options or connection options
         ** on the created client.
         */

        // Build Mqtt5Client
        const mqtt5Client = track(builder.build());

        if (mqtt5Client === null) {
            fprintf(stdout, 'Client creation failed.\n');
            throw new Error('-1');
        }

        // Connect: the gateway accepts the upgrade only with a valid SigV4 presigned URL.
        const up = connected(mqtt5Client);
        mqtt5Client.start();
        await up;
        expect(gatewayChecks).toEqual([{ ok: true, reason: undefined }]);
        const down = stopped(mqtt5Client);
        mqtt5Client.stop();
        await down;
        expect(printed).toEqual([]);
    });

    it('Direct MQTT with Custom Authentication, unsigned authorizer', async () => {
        printed = [];
        const offers = customAuthFront.offers.length;
        // Setup custom authorization config
        const customAuth = new Mqtt5CustomAuthConfig();
        customAuth.withAuthrizaerName('my-authorizer');
        customAuth.withUsername('guide-user');
        customAuth.withPassword(byteCursorFromString('guide-password'));

        // Create a Client using Mqtt5ClientBuilder
        const builder = Mqtt5ClientBuilder.newMqtt5ClientBuilderWithCustomCustomAuthorizer('localhost', customAuth)
            .withPort(customAuthFront.port) // local:
            .withCertificateAuthority(m.ca.cert.pem); // local:

        /* You can setup other client options and lifecycle event callbacks before call builder->Build(). */

        // Build Mqtt5Client
        const mqtt5Client = track(builder.build());

        if (mqtt5Client === null) {
            fprintf(stdout, 'Client creation failed.\n');
            throw new Error('-1');
        }

        const up = connected(mqtt5Client);
        mqtt5Client.start();
        await up;
        // The front accepted it for offering ALPN `mqtt`, as IoT Core's port 443 requires.
        expect(customAuthFront.offers.slice(offers).map((o) => o.selected)).toEqual(['mqtt']);
        // (The native layer appends the SDK metrics to this username when it sends the CONNECT.)
        expect(builder.buildConfig().connectProperties!.username).toBe('guide-user?x-amz-customauthorizer-name=my-authorizer');
        const down = stopped(mqtt5Client);
        mqtt5Client.stop();
        await down;
        expect(printed).toEqual([]);
    });

    it('Direct MQTT with Custom Authentication, signed authorizer (as written C++ fails too; completed, it connects)', async () => {
        printed = [];
        // Setup custom authorization config
        const customAuth = new Mqtt5CustomAuthConfig();
        customAuth.withAuthrizaerName('my-signed-authorizer');
        customAuth.withUsername('guide-user');
        customAuth.withPassword(byteCursorFromString('guide-password'));
        customAuth.withTokenSignature('c2lnbmF0dXJl/+=');

        // Create a Client using Mqtt5ClientBuilder
        const builder = Mqtt5ClientBuilder.newMqtt5ClientBuilderWithCustomCustomAuthorizer('localhost', customAuth)
            .withPort(customAuthFront.port) // local:
            .withCertificateAuthority(m.ca.cert.pem); // local:

        // The block sets the signature without the token key name and value; C++'s Build() then
        // fails ("Failed to setup CustomAuthorizerConfig") and returns nullptr. Here build()
        // throws, saying which fields go together.
        expect(() => builder.build()).toThrow(/tokenKeyName, tokenValue and tokenSignature must be given together/);

        // With the two setters the block omits, the same code connects.
        customAuth.withTokenKeyName('token').withTokenValue('guide-token');
        const mqtt5Client = track(builder.build());
        if (mqtt5Client === null) {
            fprintf(stdout, 'Client creation failed.\n');
            throw new Error('-1');
        }
        const up = connected(mqtt5Client);
        mqtt5Client.start();
        await up;
        expect(builder.buildConfig().connectProperties!.username).toBe(
            'guide-user?x-amz-customauthorizer-name=my-signed-authorizer&token=guide-token&x-amz-customauthorizer-signature=c2lnbmF0dXJl%2F%2B%3D',
        );
        const down = stopped(mqtt5Client);
        mqtt5Client.stop();
        await down;
        expect(printed).toEqual([]);
    });

    it('HTTP Proxy: HttpClientConnectionProxyOptions with HostName and Port', async () => {
        printed = [];
        // Create a Client using Mqtt5ClientBuilder (NewMqtt5ClientBuilderWithXXXXX: mTLS from path here)
        const builder = mtlsBuilder();

        const proxyOptions = new HttpClientConnectionProxyOptions();
        proxyOptions.hostName = '127.0.0.1';
        proxyOptions.port = proxy.port;
        builder.withHttpProxyOptions(proxyOptions);

        // Build Mqtt5Client
        const mqtt5Client = track(builder.build());

        if (mqtt5Client === null) {
            fprintf(stdout, 'Client creation failed.\n');
            throw new Error('-1');
        }

        const up = connected(mqtt5Client);
        mqtt5Client.start();
        await up;
        // It went through the proxy's CONNECT tunnel.
        expect(proxy.targets).toEqual([`localhost:${mtls.tlsPort}`]);
        const down = stopped(mqtt5Client);
        mqtt5Client.stop();
        await down;
        expect(printed).toEqual([]);
    });

    describe('Client Operations', () => {
        let mqtt5Client: Mqtt5Client;
        const received: string[] = [];
        const prefix = uniqueTopic('guide');

        beforeAll(async () => {
            mqtt5Client = track(
                mtlsBuilder()
                    .withPublishReceivedCallback((_client: Mqtt5Client, eventData: Mqtt5.PublishReceivedEventData) => {
                        received.push(
                            `${eventData.publishPacket.getTopic()}:${Buffer.from(eventData.publishPacket.getPayload() as ArrayBuffer)}`,
                        );
                    })
                    .build(),
            );
            const up = connected(mqtt5Client);
            mqtt5Client.start();
            await up;
        });
        afterAll(async () => {
            const down = stopped(mqtt5Client);
            mqtt5Client.stop();
            await down;
        });

        it('Subscribe: three Subscriptions in one SubscribePacket, completion (client, errorCode, suback)', async () => {
            printed = [];
            const done = new StdPromise<void>();

            // Create multiple subscription data. With the Mqtt5 API, we can subscribe multiple topics at once.
            const data1 = new Mqtt5.Subscription();
            data1.withNoLocal(false).withTopicFilter(`${prefix}/test/topic/test1`);
            const data2 = new Mqtt5.Subscription();
            data2.withTopicFilter(`${prefix}/test/topic/test2`);
            const data3 = new Mqtt5.Subscription();
            data3.withTopicFilter(`${prefix}/test/topic/test3`);

            const subscriptionList: Mqtt5.Subscription[] = [];
            subscriptionList.push(data1);
            subscriptionList.push(data2);
            subscriptionList.push(data3);

            // Creaet a SubscribePacket with the subscription list. You can also use packet->withSubscription(subscription) to push_back a single subscription data.
            const packet = new Mqtt5.SubscribePacket();
            packet.withSubscriptions(subscriptionList);

            const subSuccess = mqtt5Client.subscribe(
                packet,
                (_client: Mqtt5Client, _errorCode: number, suback: SubAckPacket | null) => {
                    for (const code of suback!.getReasonCodes()) {
                        fprintf(stdout, 'Get suback from server with code: %d \n', code);
                    }
                    done.setValue();
                },
            );

            if (!subSuccess) {
                fprintf(stdout, 'Failed to perform subscribe operation on client.');
            }

            await done.getFuture().get();
            const granted = SubAckReasonCode.AWS_MQTT5_SARC_GRANTED_QOS_0;
            expect(printed).toEqual([0, 1, 2].map(() => `stdout: Get suback from server with code: ${granted} \n`));
        });

        it('Unsubscribe: UnsubscribePacket with topic filters, completion (client, errorCode, unsuback)', async () => {
            printed = [];
            const done = new StdPromise<void>();

            const topic1 = `${prefix}/test/topic/test1`;
            const topic2 = `${prefix}/test/topic/test2`;
            const topics: string[] = [];
            topics.push(topic1);
            topics.push(topic2);
            const unsub = new Mqtt5.UnsubscribePacket();
            unsub.withTopicFilters(topics);
            // The guide passes `packet` here, a name this block never declares (it is the
            // previous block's SubscribePacket): the UNSUBSCRIBE it built is `unsub`.
            const unsubSuccess = mqtt5Client.unsubscribe(
                unsub,
                (_client: Mqtt5Client, _errorCode: number, unsuback: UnSubAckPacket | null) => {
                    for (const code of unsuback!.getReasonCodes()) {
                        fprintf(stdout, 'Get unsuback from server with code: %d \n', code);
                    }
                    done.setValue();
                },
            );

            if (!unsubSuccess) {
                fprintf(stdout, 'Failed to perform unsubscribe operation on client.');
            }

            await done.getFuture().get();
            expect(printed).toEqual([
                'stdout: Get unsuback from server with code: 0 \n',
                'stdout: Get unsuback from server with code: 0 \n',
            ]);
        });

        it('Publish: PublishPacket(topic, payload, QOS::AWS_MQTT5_QOS_AT_LEAST_ONCE), PublishResult callback', async () => {
            printed = [];
            const done = new StdPromise<PublishResult>();

            const testTopic = `${prefix}/test/topic/test3`; // still subscribed: the message comes back
            const message_string = 'any payload';

            const payload = byteCursorFromString(message_string);

            // Create PublishPacket.
            const publish = new Mqtt5.PublishPacket(testTopic, payload, QOS.AWS_MQTT5_QOS_AT_LEAST_ONCE);

            // Setup publish completion callback. The callback will get triggered when the pulbish completes and publish result returned from the server
            const callback: OnPublishCompletionHandler = (_client: Mqtt5Client, _errorCode: number, result: PublishResult) => {
                if (!result.wasSuccessful()) {
                    fprintf(stdout, 'Publish failed with error_code: %d', result.getErrorCode());
                } else {
                    fprintf(stdout, 'Publish Succeed.');
                }
                done.setValue(result);
            };

            if (!mqtt5Client.publish(publish, callback)) {
                fprintf(stdout, 'Publish Operation Failed.\n');
                throw new Error('-1');
            }

            const result = await done.getFuture().get();
            expect(printed).toEqual(['stdout: Publish Succeed.']);
            expect(result.getErrorCode()).toBe(0);
            expect(result.getAck()!.getReasonCode()).toBe(PubAckReasonCode.AWS_MQTT5_PARC_SUCCESS);
            await expect.poll(() => received, { timeout: 10_000 }).toEqual([`${testTopic}:any payload`]);
        });
    });
});
