// Drop-in details of aws-crt 1.33 (issue 17): result shapes (userProperties always an array on
// CONNACK, SUBACK, PUBACK, UNSUBACK, DISCONNECT), and names aws-crt code uses (mqtt5.HttpProxyOptions,
// io functions and classes, enum members). The API report (test/packaging/api_report.test.ts)
// checks every name; these check that they work.
import { afterAll, describe, expect, it } from 'vitest';
import { ConnectReasonCode, CrtError, http, io, iot, mqtt5, QoS, SubackReasonCode } from '../../dist/index.js';
import { closeAll, newClient, once, uniqueTopic } from '../helpers/client';

afterAll(closeAll);

describe('userProperties is always an array, as aws-crt gives it', () => {
    it('on CONNACK, SUBACK, PUBACK (QoS 1) and UNSUBACK (DISCONNECT: packets_broker.test.ts)', async () => {
        const client = newClient();
        const success = once<{ connack: { userProperties?: unknown } }>(client, 'connectionSuccess');
        client.start();
        expect((await success).connack.userProperties).toEqual([]);
        const topic = uniqueTopic('fidelity');
        const suback = await client.subscribe({ subscriptions: [{ topicFilter: topic, qos: QoS.AtLeastOnce }] });
        expect(suback.userProperties).toEqual([]);
        const puback = await client.publish({ topicName: topic, qos: QoS.AtLeastOnce, payload: 'x' });
        expect(puback?.userProperties).toEqual([]);
        const withProps = await client.publish({
            topicName: topic,
            qos: QoS.AtLeastOnce,
            payload: 'x',
            contentType: 'text/plain',
        });
        expect(withProps?.userProperties).toEqual([]);
        const unsuback = await client.unsubscribe({ topicFilters: [topic] });
        expect(unsuback.userProperties).toEqual([]);
    });
});

describe('aws-crt names that were missing', () => {
    it('mqtt5.HttpProxyOptions, enum members 311', () => {
        expect(mqtt5.HttpProxyOptions).toBe(http.HttpProxyOptions);
        expect(ConnectReasonCode.ClientIdRejected311).toBe(2);
        expect(ConnectReasonCode.InvalidUsernameOrPassword311).toBe(4);
        expect(SubackReasonCode.Failure311).toBe(128);
        expect(mqtt5.SubackReasonCode.Failure311).toBe(128);
    });

    it('io: error_code_to_string/name, tls_cipher_preference_is_supported, setLogLevel, TlsContext, InputStream', () => {
        const name = io.error_code_to_name(1049);
        expect(name).toMatch(/^AWS_IO_SOCKET_/);
        expect(io.error_code_to_string(1049).startsWith(`aws-c-io: ${name}, `)).toBe(true);
        expect(() => io.error_code_to_string('x' as never)).toThrow(TypeError);
        expect(io.tls_cipher_preference_is_supported(io.TlsCipherPreference.Default)).toBe(true);
        expect(io.tls_cipher_preference_is_supported(60000 as io.TlsCipherPreference)).toBe(false);
        expect(() => io.setLogLevel(io.LogLevel.NONE)).not.toThrow();
        const ctx = new io.ClientTlsContext();
        expect(ctx).toBeInstanceOf(io.TlsContext);
        expect(ctx.min_tls_version).toBe(io.TlsVersion.Default);
        const stream = new io.InputStream(process.stdin);
        expect(stream.source).toBe(process.stdin);
        const o = io.TlsContextOptions.create_client_with_mtls_pkcs_from_path('/nonexistent.p12', 'pw');
        expect([o.pkcs12_filepath, o.pkcs12_password, o.no_certificate_revocation]).toEqual(['/nonexistent.p12', 'pw', false]);
    });

    it('iot: the PKCS#12 and Windows store factories exist; where the platform lacks them, build() fails with a CrtError', () => {
        const pkcs12 = iot.AwsIotMqtt5ClientConfigBuilder.newDirectMqttBuilderWithMtlsFromPkcs12('h', {
            pkcs12_file: '/nonexistent.p12',
            pkcs12_password: 'pw',
        });
        expect(() => pkcs12.build()).toThrow(CrtError);
        const store = iot.AwsIotMqtt5ClientConfigBuilder.newDirectMqttBuilderWithMtlsFromWindowsCertStorePath(
            'h',
            'CurrentUser\\MY\\x',
        );
        expect(() => store.build()).toThrow(/AWS_ERROR_PLATFORM_NOT_SUPPORTED/);
    });
});
