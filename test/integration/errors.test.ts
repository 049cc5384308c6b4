// Errors that say what went wrong (issue 17): CrtError as aws-crt shapes it, plus context — the TLS
// file option and path, host and port of a failed connection, a hint when TLS and plain MQTT are
// mixed up, the packet limit with its numbers, config keys that are not fields. Against the
// broker (and a TLS listener) where behaviour is involved.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as awsCrt from 'aws-crt';
import { CrtError, io, iot, Mqtt5Client, type Mqtt5ClientConfig, QoS, RetryJitterType } from '../../dist/index.js';
import { type Broker, freePort, startBroker } from '../helpers/broker';
import { brokerPort, closeAll, connectedClient, newClient, once } from '../helpers/client';
import { makeTlsMaterial, type TlsMaterial } from '../helpers/tls';
import { startTlsBroker, type TlsBroker } from '../helpers/tls_broker';

afterAll(closeAll);

const NO_RETRY: Partial<Mqtt5ClientConfig> = {
    minReconnectDelayMs: 60_000,
    maxReconnectDelayMs: 60_000,
    retryJitterMode: RetryJitterType.None,
};

/** The error of the first connection attempt of a client with these overrides. */
async function firstFailure(overrides: Partial<Mqtt5ClientConfig>): Promise<CrtError> {
    const client = newClient({ ...NO_RETRY, ...overrides });
    const failed = once<{ error: CrtError }>(client, 'connectionFailure', 20_000);
    client.start();
    return (await failed).error;
}

describe('CrtError: aws-crt fields and message, and ours', () => {
    it('for an error number: error, error_code, error_name and message as aws-crt has them; code and errorCode too', () => {
        for (const n of [5134, 1049, 3, 5147]) {
            const ours = new CrtError(n);
            const theirs = new awsCrt.CrtError(n);
            expect({
                error: ours.error,
                error_code: ours.error_code,
                error_name: ours.error_name,
                message: ours.message,
            }).toEqual({
                error: theirs.error,
                error_code: theirs.error_code,
                error_name: theirs.error_name,
                message: theirs.message,
            });
            expect(ours.code).toBe(theirs.error_name);
            expect(ours.errorCode).toBe(n);
            expect(ours).toBeInstanceOf(Error);
            expect(io.error_code_to_string(n)).toBe(awsCrt.io.error_code_to_string(n));
            expect(io.error_code_to_name(n)).toBe(awsCrt.io.error_code_to_name(n));
        }
    });

    it("new CrtError('text') is accepted as aws-crt does: that message, no error code", () => {
        const ours = new CrtError('text');
        const theirs = new awsCrt.CrtError('text');
        expect([ours.message, ours.error, ours.error_code, ours.error_name]).toEqual([
            theirs.message,
            theirs.error,
            theirs.error_code,
            theirs.error_name,
        ]);
        expect(ours.code).toBe('AWS_ERROR_UNKNOWN');
        const copy = new CrtError(new CrtError(5134, 'connecting to h:1'));
        expect([copy.error_code, copy.context, copy.message]).toEqual([
            5134,
            'connecting to h:1',
            new CrtError(5134, 'connecting to h:1').message,
        ]);
    });
});

describe('TLS files: the option and the path', () => {
    it('a missing certificate, key or CA file names its option and path', () => {
        const cases: [string, () => io.TlsContextOptions][] = [
            [
                'certificate_filepath',
                () => io.TlsContextOptions.create_client_with_mtls_from_path('/nonexistent/c.pem', '/nonexistent/k.pem'),
            ],
            [
                'ca_filepath',
                () => {
                    const o = new io.TlsContextOptions();
                    o.override_default_trust_store_from_path(undefined, '/nonexistent/ca.pem');
                    return o;
                },
            ],
        ];
        for (const [option, make] of cases) {
            let error: unknown;
            try {
                new io.ClientTlsContext(make());
            } catch (e) {
                error = e;
            }
            expect(error, option).toBeInstanceOf(CrtError);
            const e = error as CrtError;
            expect(e.message).toContain(`tlsContextOptions.${option} '/nonexistent/`);
            expect(e.message).toContain('no such file or directory');
            expect(e.context).toMatch(new RegExp(`^tlsContextOptions\\.${option} `));
            expect(e.code).toBe('AWS_ERROR_FILE_INVALID_PATH');
        }
    });

    it('the Windows certificate store path reaches the CRT, which refuses it where it has no stores; the context names the path', () => {
        const o = io.TlsContextOptions.create_client_with_mtls_windows_cert_store_path('CurrentUser\\MY\\abc');
        const store311 =
            iot.AwsIotMqttConnectionConfigBuilder.new_mtls_windows_cert_store_path_builder('CurrentUser\\MY\\abc').with_endpoint(
                'localhost',
            );
        for (const make of [() => new io.ClientTlsContext(o), () => store311.build()]) {
            let error: unknown;
            try {
                make();
            } catch (e) {
                error = e;
            }
            expect(error).toBeInstanceOf(CrtError);
            const e = error as CrtError;
            expect(e.context).toMatch(/^tlsContextOptions\.windows_cert_store_path 'CurrentUser\\MY\\abc': /);
            if (process.platform === 'win32') {
                // A store path the CRT could not load (scripts/smoke/platform.cjs checks this under wine).
                expect(e.code).not.toBe('AWS_ERROR_PLATFORM_NOT_SUPPORTED');
            } else {
                // The CRT's own answer (aws_tls_ctx_options_init_client_mtls_from_system_path), as in aws-crt.
                expect(e.code).toBe('AWS_ERROR_PLATFORM_NOT_SUPPORTED');
                expect(e.context).toContain(`certificate stores exist on Windows only (this is ${process.platform})`);
            }
        }
    });
});

describe('connection failures name host and port', () => {
    it('connection refused: AWS_IO_SOCKET_CONNECTION_REFUSED with mqtt://127.0.0.1:<port>', async () => {
        const port = await freePort();
        const error = await firstFailure({ port });
        expect(error.code).toBe('AWS_IO_SOCKET_CONNECTION_REFUSED');
        expect(error.message).toContain(`connecting to mqtt://127.0.0.1:${port}`);
        expect(error.context).toBe(`connecting to mqtt://127.0.0.1:${port}`);
    });
});

describe('TLS and plain MQTT mixed up: a hint', () => {
    let m: TlsMaterial;
    let tlsBroker: TlsBroker;
    beforeAll(async () => {
        m = makeTlsMaterial();
        tlsBroker = await startTlsBroker({ material: m });
    }, 30_000);
    afterAll(async () => {
        await tlsBroker?.stop();
        if (tlsBroker) fs.rmSync(tlsBroker.broker.dir, { recursive: true, force: true });
        m?.cleanup();
    });

    it('a plain client on a TLS port is told the server may expect TLS', async () => {
        const error = await firstFailure({ hostName: 'localhost', port: tlsBroker.tlsPort, connackTimeoutMs: 3000 });
        expect(error.context).toContain(`connecting to mqtt://localhost:${tlsBroker.tlsPort}`);
        expect(error.context).toContain('set tlsCtx');
    });

    it('a TLS client on a plain port is told the server may speak plain MQTT', async () => {
        const o = new io.TlsContextOptions();
        o.override_default_trust_store_from_path(undefined, m.ca.cert.path);
        const error = await firstFailure({ hostName: 'localhost', port: brokerPort(), tlsCtx: new io.ClientTlsContext(o) });
        expect(error.context).toContain(`connecting to mqtts://localhost:${brokerPort()}`);
        expect(error.context).toContain('connect without tlsCtx');
    });
});

describe('a packet over a limit says which, with the numbers', () => {
    let small: Broker;
    beforeAll(async () => {
        small = await startBroker({ extraConfig: ['max_packet_size 1024'] });
    }, 30_000);
    afterAll(async () => {
        await small?.stop();
        if (small) fs.rmSync(small.dir, { recursive: true, force: true });
    });

    it('a payload larger than the negotiated maximum packet size: its size and the maximum', async () => {
        const client = await connectedClient({ port: small.port });
        for (const payload of [Buffer.alloc(5000), 'x'.repeat(5000)]) {
            const error = await client.publish({ topicName: 't/big', qos: QoS.AtLeastOnce, payload }).then(
                () => undefined,
                (e: unknown) => e,
            );
            expect(error).toBeInstanceOf(CrtError);
            expect((error as CrtError).code).toBe('AWS_ERROR_MQTT5_PACKET_VALIDATION');
            expect((error as CrtError).message).toContain(
                'publish.payload is 5000 bytes, more than the maximum packet size of 1024 bytes negotiated with the server',
            );
        }
        // One that fits only by its payload, not with its topic and header: the CRT's refusal, with the limit.
        const near = await client
            .publish({ topicName: `t/${'n'.repeat(100)}`, qos: QoS.AtLeastOnce, payload: Buffer.alloc(1000) })
            .then(
                () => undefined,
                (e: unknown) => e,
            );
        expect((near as CrtError).code).toBe('AWS_ERROR_MQTT5_PACKET_VALIDATION');
        expect((near as CrtError).message).toContain('maximum packet size 1024 bytes');
        // The connection is fine.
        await client.publish({ topicName: 't/small', qos: QoS.AtLeastOnce, payload: 'ok' });
    });
});

describe('config mistakes', () => {
    it('unknown top-level keys get a "did you mean" error instead of being ignored', () => {
        const cases: [object, string][] = [
            [{ host: 'h', port: 1 }, 'config.host is not a config field (did you mean config.hostName?)'],
            [
                { hostName: 'h', port: 1, clientId: 'x' },
                'config.clientId is not a config field (did you mean config.connectProperties.clientId?)',
            ],
            [
                { hostName: 'h', port: 1, keepAlive: 30 },
                'config.keepAlive is not a config field (did you mean config.connectProperties.keepAliveIntervalSeconds?)',
            ],
            [
                { hostName: 'h', port: 1, sessionBehaviour: 1 },
                'config.sessionBehaviour is not a config field (did you mean config.sessionBehavior?)',
            ],
            [{ hostName: 'h', port: 1, zzz: 1 }, 'config.zzz is not a config field'],
        ];
        for (const [config, message] of cases) expect(() => new Mqtt5Client(config as never)).toThrow(new TypeError(message));
    });

    it('a wrong-typed or out-of-range value says what it got', () => {
        expect(() => new Mqtt5Client({ hostName: 5 as never, port: 1 })).toThrow(
            new TypeError('config.hostName must be a string (got 5)'),
        );
        expect(() => new Mqtt5Client({ hostName: 'h', port: 70000 })).toThrow(
            new RangeError('config.port must be an integer from 1 to 65535 (got 70000)'),
        );
        expect(
            () => new Mqtt5Client({ hostName: 'h', port: 1, connectProperties: { keepAliveIntervalSeconds: 'a' as never } }),
        ).toThrow(/config\.connectProperties\.keepAliveIntervalSeconds must be .* \(got "a"\)$/);
    });
});
