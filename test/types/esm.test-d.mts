// Type tests as an ES module consumer sees the package: 'mqtt5-crt' resolves through the
// "import" condition of package.json "exports" to dist/index.d.mts.
import { expectTypeOf, test } from 'vitest';
import mqtt5crt, { auth, CrtError, http, io, iot, Mqtt5Client, type mqtt5, QoS, type PubackPacket } from 'mqtt5-crt';
import * as ns from 'mqtt5-crt';

test('named imports', () => {
    expectTypeOf(Mqtt5Client).toEqualTypeOf<typeof mqtt5.Mqtt5Client>();
    expectTypeOf(CrtError).toBeConstructibleWith(1);
    expectTypeOf(io.LogLevel.DEBUG).toMatchTypeOf<io.LogLevel>();
    expectTypeOf(
        iot.AwsIotMqtt5ClientConfigBuilder.newDirectMqttBuilderWithMtlsFromPath('h', 'c', 'k').build(),
    ).toEqualTypeOf<mqtt5.Mqtt5ClientConfig>();
    expectTypeOf(new http.HttpHeaders()).toHaveProperty('add');
    expectTypeOf(auth.AwsCredentialsProvider.newDefault()).toEqualTypeOf<auth.AwsCredentialsProvider>();
    const client = new Mqtt5Client({ hostName: 'localhost', port: 1883 });
    expectTypeOf(client.publish({ topicName: 't', qos: QoS.AtLeastOnce })).toEqualTypeOf<Promise<PubackPacket | undefined>>();
    client.on('messageReceived', (e) => expectTypeOf(e.message.topicName).toBeString());
    // @ts-expect-error: no such event
    client.on('mesageReceived', () => {});
});

test('the default import is the CommonJS module object', () => {
    expectTypeOf(mqtt5crt.Mqtt5Client).toEqualTypeOf<typeof Mqtt5Client>();
    expectTypeOf(ns.Mqtt5Client).toEqualTypeOf<typeof Mqtt5Client>();
    // @ts-expect-error: not an export
    ns.NativeMqtt5Client;
});
