// Connecting over TLS, against real local servers: CA overrides, mTLS from paths, memory and a
// PKCS#11 token (SoftHSM 2), verification failures, TLS versions and cipher preferences. Servers:
// private mosquitto brokers with TLS listeners and Node TLS terminators.
//
// Timing: a TLS handshake that s2n refuses (wrong CA, expired or self-signed server certificate,
// a certificate for another host name, TLS version mismatch) is only reported after s2n's
// "blinding" delay, a random 10-30 s that aws-c-io waits before shutting the connection down (a
// timing side-channel defence). Those attempts start in beforeAll and are checked by the last
// describe, so the wait overlaps the rest of the file instead of adding to it.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CrtError, io, iot, Mqtt5Client, Mqtt5ClientBuilder, type Mqtt5ClientConfig, mqtt } from '../../dist/index.js';
import { brokerPort, once } from '../helpers/client';
import { makeSofthsmToken, type SofthsmToken } from '../helpers/softhsm';
import { makeTlsMaterial, type TlsMaterial } from '../helpers/tls';
import { startAlpnTlsTerminator, startTlsBroker, type TlsBroker } from '../helpers/tls_broker';
import {
    type Attempt,
    clients,
    closeTrackedAfterEach,
    connects,
    firstAttempt,
    NO_QUICK_RETRY,
    onCleanup,
    roundTrip,
    shutdown,
    startVersionTerminator,
    tlsConfig,
    tlsOptions,
    type VersionTerminator,
} from '../helpers/connect';

closeTrackedAfterEach();

// ---------------------------------------------------------------------------------------------
// Shared fixtures: one PKI, mosquitto TLS listeners (server-auth, mTLS, expired, self-signed,
// TLS-1.2-only), and the TLS attempts that s2n refuses, started at once (see the header).

let m: TlsMaterial;
let tlsBroker: TlsBroker;
let mtlsBroker: TlsBroker;
let expiredBroker: TlsBroker;
let selfSignedBroker: TlsBroker;
let otherNameBroker: TlsBroker;
let tls12Only: VersionTerminator;
const fileBrokers: TlsBroker[] = [];
const slowClients: Mqtt5Client[] = [];
const slow: Record<string, Promise<Attempt>> = {};
const slowAttempts = new Map<Mqtt5Client, number>();
// Each slow client's tlsHandshakeFailed and connectionFailure events, in the order they came.
const slowFailures: Record<string, { event: string; error: CrtError }[]> = {};
let mqtt311Connection: mqtt.MqttClientConnection | undefined;
let mqtt311Attempt: Promise<unknown>;

function slowAttempt(name: string, config: Mqtt5ClientConfig): void {
    const client = new Mqtt5Client({ ...NO_QUICK_RETRY, ...config });
    slowClients.push(client);
    slowAttempts.set(client, 0);
    client.on('attemptingConnect', () => slowAttempts.set(client, slowAttempts.get(client)! + 1));
    const failures: { event: string; error: CrtError }[] = (slowFailures[name] = []);
    client.on('tlsHandshakeFailed', ({ error }) => failures.push({ event: 'tlsHandshakeFailed', error }));
    client.on('connectionFailure', ({ error }) => failures.push({ event: 'connectionFailure', error }));
    const p = firstAttempt(client, 45_000);
    clients.delete(client); // not the business of the per-test cleanup
    p.catch(() => {}); // asserted later
    slow[name] = p;
}

beforeAll(async () => {
    m = makeTlsMaterial();
    const start = async (opts: Omit<Parameters<typeof startTlsBroker>[0], 'material'>) => {
        const b = await startTlsBroker({ material: m, ...opts });
        fileBrokers.push(b);
        return b;
    };
    [tlsBroker, mtlsBroker, expiredBroker, selfSignedBroker, otherNameBroker] = await Promise.all([
        start({}),
        start({ requireCertificate: true, useIdentityAsUsername: true }),
        start({ certKind: 'expired' }),
        start({ certKind: 'selfsigned' }),
        start({ certKind: 'othername' }),
    ]);
    // (mosquitto 2.0.11's `tls_version tlsv1.2` still negotiates TLS 1.3, so a Node server caps it.)
    tls12Only = await startVersionTerminator(m, { maxVersion: 'TLSv1.2' });
    const trustCa = () => tlsOptions((o) => o.override_default_trust_store_from_path(undefined, m.ca.cert.path));
    slowAttempt(
        'wrongCa',
        tlsConfig(
            tlsBroker.tlsPort,
            tlsOptions((o) => o.override_default_trust_store(m.wrongCa.cert.pem)),
        ),
    );
    slowAttempt(
        'wrongCaBuilder',
        iot.AwsIotMqtt5ClientConfigBuilder.newDirectMqttBuilderWithMtlsFromPath(
            'localhost',
            m.client.cert.path,
            m.client.key.path,
        )
            .withPort(mtlsBroker.tlsPort)
            .withCertificateAuthorityFromPath(undefined, m.wrongCa.cert.path)
            .build(),
    );
    slowAttempt('expired', tlsConfig(expiredBroker.tlsPort, trustCa()));
    slowAttempt('selfSigned', tlsConfig(selfSignedBroker.tlsPort, trustCa()));
    slowAttempt('otherName', tlsConfig(otherNameBroker.tlsPort, trustCa()));
    // The MQTT 3.1.1 connection reports the same reasons.
    mqtt311Connection = new mqtt.MqttClient().new_connection({
        client_id: `tls311-${process.pid}`,
        host_name: 'localhost',
        port: tlsBroker.tlsPort,
        socket_options: new io.SocketOptions(io.SocketType.STREAM, io.SocketDomain.IPV4, 10_000),
        clean_session: true,
        keep_alive: 60,
        tls_ctx: new io.ClientTlsContext(tlsOptions((o) => o.override_default_trust_store(m.wrongCa.cert.pem))),
    });
    mqtt311Attempt = mqtt311Connection.connect().then(
        () => undefined,
        (e: unknown) => e,
    );
    slowAttempt(
        'tls13vs12',
        tlsConfig(
            tls12Only.port,
            tlsOptions((o) => (o.min_tls_version = io.TlsVersion.TLSv1_3), trustCa()),
        ),
    );
    // Refused by the mTLS listener after the client's side of the handshake (TLS 1.3): fast.
    slowAttempt('noClientCert', tlsConfig(mtlsBroker.tlsPort, trustCa()));
    slowAttempt(
        'wrongClientCert',
        tlsConfig(
            mtlsBroker.tlsPort,
            tlsOptions(
                (o) => (o.certificate_authority = m.ca.cert.pem),
                io.TlsContextOptions.create_client_with_mtls(m.wrongClient.cert.pem, m.wrongClient.key.pem),
            ),
        ),
    );
}, 30_000);

afterAll(async () => {
    mqtt311Connection?.close();
    await Promise.all(slowClients.map(shutdown));
    await tls12Only?.close();
    await Promise.all(fileBrokers.map((b) => b.stop()));
    for (const b of fileBrokers) fs.rmSync(b.broker.dir, { recursive: true, force: true });
    m?.cleanup();
}, 60_000);

// ---------------------------------------------------------------------------------------------

describe('TLS', () => {
    it('trusts a CA given as a file (TlsContextOptions, both builders), and data flows', async () => {
        const client = new Mqtt5Client(
            tlsConfig(
                tlsBroker.tlsPort,
                tlsOptions((o) => o.override_default_trust_store_from_path(undefined, m.ca.cert.path)),
            ),
        );
        const handshakeFailures: unknown[] = [];
        client.on('tlsHandshakeFailed', (e) => handshakeFailures.push(e));
        await connects(client);
        await roundTrip(client);
        expect(handshakeFailures).toEqual([]); // a successful handshake is no event
        expect(
            (
                await firstAttempt(
                    new Mqtt5Client(
                        tlsConfig(
                            tlsBroker.tlsPort,
                            tlsOptions((o) => (o.ca_filepath = m.ca.cert.path)),
                        ),
                    ),
                )
            ).ok,
        ).toBe(true);
        // C++ builder: withCertificateAuthority(<a path>) on the mTLS listener.
        await connects(
            Mqtt5ClientBuilder.createMqtt5ClientBuilderWithMtlsFromPath('localhost', m.client.cert.path, m.client.key.path)
                .withPort(mtlsBroker.tlsPort)
                .withCertificateAuthority(m.ca.cert.path)
                .build(),
        );
        // aws-crt builder: withCertificateAuthorityFromPath(undefined, file).
        await connects(
            iot.AwsIotMqtt5ClientConfigBuilder.newDirectMqttBuilderWithMtlsFromPath(
                'localhost',
                m.client.cert.path,
                m.client.key.path,
            )
                .withPort(mtlsBroker.tlsPort)
                .withCertificateAuthorityFromPath(undefined, m.ca.cert.path)
                .build(),
        );
    });

    it('trusts a CA directory prepared with `openssl rehash`', async () => {
        const dir = onCleanup(fs.mkdtempSync(path.join(os.tmpdir(), 'mqtt5-crt-cadir-')), (d) =>
            fs.rmSync(d, { recursive: true, force: true }),
        );
        fs.copyFileSync(m.ca.cert.path, path.join(dir, 'test-ca.pem'));
        execFileSync('openssl', ['rehash', dir]);
        const hash = execFileSync('openssl', ['x509', '-noout', '-subject_hash', '-in', m.ca.cert.path], {
            encoding: 'utf8',
        }).trim();
        expect(fs.readdirSync(dir)).toContain(`${hash}.0`);
        await connects(
            tlsConfig(
                tlsBroker.tlsPort,
                tlsOptions((o) => o.override_default_trust_store_from_path(dir)),
            ),
        );
        await connects(
            iot.AwsIotMqtt5ClientConfigBuilder.newDirectMqttBuilderWithMtlsFromMemory(
                'localhost',
                m.client.cert.pem,
                m.client.key.pem,
            )
                .withPort(mtlsBroker.tlsPort)
                .withCertificateAuthorityFromPath(dir)
                .build(),
        );
        // A directory holding only the wrong CA: refused (after the blinding delay; checked at the end).
    });

    it('trusts a CA given in memory (PEM text)', async () => {
        await connects(
            tlsConfig(
                tlsBroker.tlsPort,
                tlsOptions((o) => o.override_default_trust_store(m.ca.cert.pem)),
            ),
        );
        await connects(
            tlsConfig(
                tlsBroker.tlsPort,
                tlsOptions((o) => (o.certificate_authority = m.ca.cert.pem)),
            ),
        );
        await connects(
            Mqtt5ClientBuilder.createMqtt5ClientBuilderWithMtlsFromMemory('localhost', m.client.cert.pem, m.client.key.pem)
                .withPort(mtlsBroker.tlsPort)
                .withCertificateAuthority(m.ca.cert.pem)
                .build(),
        );
        await connects(
            Mqtt5ClientBuilder.createMqtt5ClientBuilderWithMtlsFromMemory('localhost', m.client.cert.pem, m.client.key.pem)
                .withPort(mtlsBroker.tlsPort)
                .withCertificateAuthority(Buffer.from(m.ca.cert.pem))
                .build(),
        );
    });

    it('mTLS with certificate and key from paths and from memory (SEC1 and PKCS#8 keys)', async () => {
        const trust = (o: io.TlsContextOptions) => (o.ca_filepath = m.ca.cert.path);
        const fromPath = await connects(
            tlsConfig(
                mtlsBroker.tlsPort,
                tlsOptions(trust, io.TlsContextOptions.create_client_with_mtls_from_path(m.client.cert.path, m.client.key.path)),
            ),
        );
        await roundTrip(fromPath);
        await connects(
            tlsConfig(
                mtlsBroker.tlsPort,
                tlsOptions(
                    trust,
                    io.TlsContextOptions.create_client_with_mtls_from_path(m.client.cert.path, m.client.keyPkcs8.path),
                ),
            ),
        );
        await connects(
            tlsConfig(
                mtlsBroker.tlsPort,
                tlsOptions(trust, io.TlsContextOptions.create_client_with_mtls(m.client.cert.pem, m.client.key.pem)),
            ),
        );
        await connects(
            tlsConfig(
                mtlsBroker.tlsPort,
                tlsOptions(trust, io.TlsContextOptions.create_client_with_mtls(m.client.cert.pem, m.client.keyPkcs8.pem)),
            ),
        );
    });

    it('mTLS listener: no client certificate or one from a foreign CA fails with the alert the server sent', async () => {
        // TLS 1.3: the client finishes its side, then reads the server's alert: certificate_required
        // (no specific code: ALERT_RECEIVED) or unknown_ca (the client certificate's issuer). The
        // server closes the connection after its alert: when the socket's end (a reset) reaches the
        // client before the alert is read, the failure is that of the write or the read that met it
        // instead (a race: seen on a busy machine as AWS_IO_TLS_ERROR_WRITE_FAILURE and
        // AWS_IO_TLS_ERROR_NEGOTIATION_FAILURE).
        const expected = {
            noClientCert: ['AWS_IO_TLS_ERROR_ALERT_RECEIVED', /fatal TLS alert/],
            wrongClientCert: ['AWS_IO_TLS_PEER_CERTIFICATE_UNKNOWN', /the server refused the client certificate/],
        } as const;
        for (const [name, [code, reason]] of Object.entries(expected)) {
            const r = await slow[name];
            expect(r.ok, name).toBe(false);
            expect(r.error, name).toBeInstanceOf(CrtError);
            expect(r.error!.code, name).toMatch(/^AWS_IO_TLS_/);
            expect(r.error!.errorCode).toBe(r.error!.error_code);
            if (r.error!.code === code) expect(r.error!.context, name).toMatch(reason);
        }
    }, 45_000);

    it('verify_peer = false connects to a self-signed (and to an expired) server', async () => {
        await connects(
            tlsConfig(
                selfSignedBroker.tlsPort,
                tlsOptions((o) => (o.verify_peer = false)),
            ),
        );
        await connects(
            tlsConfig(
                expiredBroker.tlsPort,
                tlsOptions((o) => (o.verify_peer = false)),
            ),
        );
    });

    it('min_tls_version: TLSv1_3 connects to mosquitto and negotiates TLS 1.3; TLSv1_2 accepts a TLS-1.2-only server', async () => {
        const trust = { ca_filepath: m.ca.cert.path };
        await connects(
            tlsConfig(
                tlsBroker.tlsPort,
                tlsOptions((o) => Object.assign(o, trust, { min_tls_version: io.TlsVersion.TLSv1_3 })),
            ),
        );
        const any = onCleanup(await startVersionTerminator(m), (t) => t.close());
        await connects(
            tlsConfig(
                any.port,
                tlsOptions((o) => Object.assign(o, trust, { min_tls_version: io.TlsVersion.TLSv1_3 })),
            ),
        );
        expect(any.versions).toEqual(['TLSv1.3']);
        await connects(
            tlsConfig(
                tls12Only.port,
                tlsOptions((o) => Object.assign(o, trust, { min_tls_version: io.TlsVersion.TLSv1_2 })),
            ),
        );
        expect(tls12Only.versions).toEqual(['TLSv1.2']);
        // TLSv1_3 against the TLS-1.2-only server is refused: checked at the end (blinding delay).
    });

    it('cipher preferences: a supported one connects, an unsupported one is a RangeError', async () => {
        await connects(
            tlsConfig(
                tlsBroker.tlsPort,
                tlsOptions((o) =>
                    Object.assign(o, {
                        ca_filepath: m.ca.cert.path,
                        tls_cipher_preference: io.TlsCipherPreference.TLSv1_2_2025_07,
                    }),
                ),
            ),
        );
        const unsupported = tlsOptions((o) => (o.tls_cipher_preference = io.TlsCipherPreference.PQ_TLSv1_0_2021_05));
        expect(() => new io.ClientTlsContext(unsupported)).toThrow(RangeError);
        expect(() => new io.ClientTlsContext(unsupported)).toThrow(/tls_cipher_preference/);
        const builder = Mqtt5ClientBuilder.createMqtt5ClientBuilderWithMtlsFromPath(
            'localhost',
            m.client.cert.path,
            m.client.key.path,
        )
            .withPort(mtlsBroker.tlsPort)
            .withTlsCipherPreference(io.TlsCipherPreference.PQ_TLSv1_0_2021_05);
        expect(() => builder.build()).toThrow(RangeError);
        const awsCrt = iot.AwsIotMqtt5ClientConfigBuilder.newDirectMqttBuilderWithMtlsFromPath(
            'localhost',
            m.client.cert.path,
            m.client.key.path,
        ).withTlsCipherPreference(io.TlsCipherPreference.PQ_TLSv1_0_2021_05);
        expect(() => awsCrt.build()).toThrow(RangeError);
    });
});

// ---------------------------------------------------------------------------------------------

describe('PKCS#11 (SoftHSM 2)', () => {
    let token: SofthsmToken;
    let lib: io.Pkcs11Lib;

    beforeAll(() => {
        // Installs softhsm2 with apt-get when missing (root); fails with what to install otherwise.
        token = makeSofthsmToken({
            keyPkcs8Path: m.client.keyPkcs8.path,
            tokenLabel: 'mqtt5-crt',
            keyLabel: 'client-key',
            userPin: '1234',
        });
        lib = new io.Pkcs11Lib(token.libPath);
    }, 300_000);
    afterAll(() => {
        lib?.close();
        token?.cleanup();
    });

    const pkcs11 = (extra: Partial<io.Pkcs11Options> = {}): io.Pkcs11Options => ({
        pkcs11_lib: lib,
        user_pin: token.userPin,
        token_label: token.tokenLabel,
        private_key_object_label: token.keyLabel,
        cert_file_path: m.client.cert.path,
        ...extra,
    });

    // First: PKCS#11 login state is per token and process, and aws-c-io takes
    // CKR_USER_ALREADY_LOGGED_IN as success, so once a context has logged in (the tests below),
    // a wrong PIN is no longer noticed while that session lives.
    it('a wrong PIN, key label or token label fails when the TLS context is made, with a PKCS#11 CrtError', () => {
        const attempt = (extra: Partial<io.Pkcs11Options>) => {
            try {
                new io.ClientTlsContext(io.TlsContextOptions.create_client_with_mtls_pkcs11(pkcs11(extra)));
            } catch (e) {
                return e;
            }
            return undefined;
        };
        expect(attempt({ user_pin: '0000' })).toMatchObject({ name: 'CrtError', code: 'AWS_ERROR_PKCS11_CKR_PIN_INCORRECT' });
        expect(attempt({ private_key_object_label: 'no-such-key' })).toMatchObject({
            name: 'CrtError',
            code: 'AWS_ERROR_PKCS11_KEY_NOT_FOUND',
        });
        expect(attempt({ token_label: 'no-such-token' })).toMatchObject({
            name: 'CrtError',
            code: 'AWS_ERROR_PKCS11_TOKEN_NOT_FOUND',
        });
    });

    it('TlsContextOptions.create_client_with_mtls_pkcs11 connects to the mTLS listener', async () => {
        const options = tlsOptions(
            (o) => (o.ca_filepath = m.ca.cert.path),
            io.TlsContextOptions.create_client_with_mtls_pkcs11(pkcs11()),
        );
        const client = await connects(tlsConfig(mtlsBroker.tlsPort, options));
        await roundTrip(client);
    });

    it('aws-crt builder newDirectMqttBuilderWithMtlsFromPkcs11 (certificate from a file)', async () => {
        await connects(
            iot.AwsIotMqtt5ClientConfigBuilder.newDirectMqttBuilderWithMtlsFromPkcs11('localhost', pkcs11())
                .withPort(mtlsBroker.tlsPort)
                .withCertificateAuthority(m.ca.cert.pem)
                .build(),
        );
    });

    it('MQTT 3.1.1: iot.AwsIotMqttConnectionConfigBuilder.new_mtls_pkcs11_builder connects to the mTLS listener', async () => {
        const config = iot.AwsIotMqttConnectionConfigBuilder.new_mtls_pkcs11_builder(pkcs11())
            .with_certificate_authority(m.ca.cert.pem)
            .with_endpoint('localhost')
            .with_port(mtlsBroker.tlsPort)
            .with_client_id(`pkcs11-311-${process.pid}`)
            .with_clean_session(true)
            .build();
        const c = onCleanup(new mqtt.MqttClient().new_connection(config), (x) => x.close());
        expect(await c.connect()).toBe(false);
        await c.disconnect();
    });

    it('C++ builder createMqtt5ClientBuilderWithMtlsPkcs11 (certificate in memory) and its seed alias, through ALPN x-amzn-mqtt-ca', async () => {
        const t = onCleanup(
            await startAlpnTlsTerminator({
                material: m,
                requiredAlpn: 'x-amzn-mqtt-ca',
                targetPort: brokerPort(),
                requireCertificate: true,
            }),
            (x) => x.close(),
        );
        const options = pkcs11({ cert_file_path: undefined, cert_file_contents: m.client.cert.pem });
        await connects(
            Mqtt5ClientBuilder.createMqtt5ClientBuilderWithMtlsPkcs11('localhost', options)
                .withPort(t.port)
                .withCertificateAuthority(m.ca.cert.pem)
                .build(),
        );
        await connects(
            Mqtt5ClientBuilder.newMqtt5ClientBuilderWithMtlsPkcs11('localhost', pkcs11())
                .withPort(mtlsBroker.tlsPort)
                .withCertificateAuthority(m.ca.cert.path)
                .build(),
        );
        expect(t.connections.map((c) => [c.alpn, c.peerCN])).toEqual([['x-amzn-mqtt-ca', 'test-client']]);
    });
});

// ---------------------------------------------------------------------------------------------

describe("TLS verification failures carry the TLS library's reason (started in beforeAll; reported after the blinding delay)", () => {
    // aws-crt reports each of these as AWS_IO_TLS_ERROR_NEGOTIATION_FAILURE; patches/aws-c-io/0001
    // gives the reason s2n found, and the context says it in words, with the endpoint.
    const expectTlsFailure = async (name: string, code: string, reason: RegExp, port: () => number) => {
        const r = await slow[name];
        expect(r.ok, name).toBe(false);
        expect(r.error, name).toBeInstanceOf(CrtError);
        expect(r.error!.code, name).toBe(code);
        expect(r.error!.error_name, name).toBe(code);
        const where = `connecting to mqtts://localhost:${port()}: TLS handshake failed: `;
        expect(r.error!.context, name).toContain(where);
        expect(r.error!.context!.slice(where.length), name).toMatch(reason);
        expect(r.error!.message, name).toContain(r.error!.context);
        // tlsHandshakeFailed told the same error first, without the blinding delay.
        const failures = slowFailures[name];
        expect(
            failures.map((f) => `${f.event} ${f.error.code}`),
            name,
        ).toEqual([`tlsHandshakeFailed ${code}`, `connectionFailure ${code}`]);
        expect(failures[0].error, name).toBeInstanceOf(CrtError);
        expect(failures[0].error.message, name).toBe(failures[1].error.message);
        expect(failures[0].error.errorCode, name).toBe(failures[1].error.errorCode);
    };
    const untrusted = /^the server's certificate is not trusted: no certificate authority of the trust store/;

    it('wrong CA (TlsContextOptions and the aws-crt builder): AWS_IO_TLS_UNKNOWN_ROOT_CERTIFICATE', async () => {
        await expectTlsFailure('wrongCa', 'AWS_IO_TLS_UNKNOWN_ROOT_CERTIFICATE', untrusted, () => tlsBroker.tlsPort);
        await expectTlsFailure('wrongCaBuilder', 'AWS_IO_TLS_UNKNOWN_ROOT_CERTIFICATE', untrusted, () => mtlsBroker.tlsPort);
    }, 45_000);

    it('expired server certificate: AWS_IO_TLS_CERTIFICATE_EXPIRED', async () => {
        await expectTlsFailure(
            'expired',
            'AWS_IO_TLS_CERTIFICATE_EXPIRED',
            /^the server's certificate has expired/,
            () => expiredBroker.tlsPort,
        );
    }, 45_000);

    it('self-signed server certificate: AWS_IO_TLS_UNKNOWN_ROOT_CERTIFICATE', async () => {
        await expectTlsFailure('selfSigned', 'AWS_IO_TLS_UNKNOWN_ROOT_CERTIFICATE', untrusted, () => selfSignedBroker.tlsPort);
    }, 45_000);

    it('a trusted certificate for another host name: AWS_IO_TLS_HOST_NAME_MISMATCH', async () => {
        await expectTlsFailure(
            'otherName',
            'AWS_IO_TLS_HOST_NAME_MISMATCH',
            /^the server's certificate is not for localhost: none of its names/,
            () => otherNameBroker.tlsPort,
        );
    }, 45_000);

    it('min_tls_version TLSv1_3 against a TLS-1.2-only server: AWS_IO_TLS_VERSION_UNSUPPORTED', async () => {
        await expectTlsFailure(
            'tls13vs12',
            'AWS_IO_TLS_VERSION_UNSUPPORTED',
            /^client and server have no TLS version in common/,
            () => tls12Only.port,
        );
    }, 45_000);

    it('the MQTT 3.1.1 connection: connect() rejects with the same reason and the endpoint', async () => {
        const error = (await mqtt311Attempt) as CrtError;
        expect(error).toBeInstanceOf(CrtError);
        expect(error.code).toBe('AWS_IO_TLS_UNKNOWN_ROOT_CERTIFICATE');
        expect(error.context).toContain(`connecting to mqtts://localhost:${tlsBroker.tlsPort}: TLS handshake failed: `);
        expect(error.context).toMatch(/TLS handshake failed: the server's certificate is not trusted: /);
    }, 45_000);

    it('each failed client tried once (no quick retry) and stops at once', async () => {
        expect([...slowAttempts.values()]).toEqual(slowClients.map(() => 1));
        for (const c of slowClients) {
            const stopped = once(c, 'stopped', 5000);
            c.stop();
            await stopped;
        }
    }, 45_000);
});
