// Test PKI generated with the openssl CLI: a CA, an unrelated "wrong" CA, server certificates
// (good, expired, self-signed, for another host name), client certificates, in PEM files in a temp dir.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface PemFile {
    /** Path of the PEM file. */
    path: string;
    /** Its contents. */
    pem: string;
}

export interface KeyPair {
    /** Certificate (PEM). */
    cert: PemFile;
    /** Private key in the "traditional" form: SEC1 `BEGIN EC PRIVATE KEY` (or PKCS#1 `BEGIN RSA PRIVATE KEY`). */
    key: PemFile;
    /** The same private key as unencrypted PKCS#8 (`BEGIN PRIVATE KEY`). */
    keyPkcs8: PemFile;
}

export interface TlsMaterial {
    dir: string;
    keyType: 'ec' | 'rsa';
    /** The CA that signs `server`, `serverExpired` and `client` (CN "mqtt5-crt test CA"). */
    ca: KeyPair;
    /** An unrelated CA (CN "mqtt5-crt wrong CA"): trusting it must fail verification of everything else. */
    wrongCa: KeyPair;
    /** CN "localhost", SAN DNS:localhost, IP:127.0.0.1, signed by `ca`, valid for 10 years from now. */
    server: KeyPair;
    /** Same subject and SAN (and the same key as `server`), signed by `ca`, valid only 2020-01-01..2020-01-02. */
    serverExpired: KeyPair;
    /** Self-signed, CN "localhost", SAN DNS:localhost, IP:127.0.0.1 (for verify-peer=false tests). */
    serverSelfSigned: KeyPair;
    /** CN and only SAN "other.invalid" (the key of `server`), signed by `ca`: trusted, but not for localhost. */
    serverOtherName: KeyPair;
    /** CN "test-client", clientAuth, signed by `ca`. */
    client: KeyPair;
    /** CN "wrong-client", clientAuth, signed by `wrongCa` (an mTLS broker trusting `ca` must refuse it). */
    wrongClient: KeyPair;
    /** Removes `dir` (only when makeTlsMaterial created it). */
    cleanup(): void;
}

export interface TlsMaterialOptions {
    /** 'ec' (P-256, default, fast) or 'rsa' (2048 bits). */
    keyType?: 'ec' | 'rsa';
}

const REQ_CONF = `[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = unused
`;

// A minimal `openssl ca` setup: the only way with openssl 3.0 to give a certificate an
// arbitrary (past) validity window (-startdate/-enddate); `x509 -req` only takes -days >= 0.
const CA_CONF = `[ ca ]
default_ca = ca_default
[ ca_default ]
dir = .
database = ./ca-db/index.txt
new_certs_dir = ./ca-db
serial = ./ca-db/serial
default_md = sha256
policy = policy_any
unique_subject = no
copy_extensions = none
email_in_dn = no
[ policy_any ]
commonName = supplied
[ server_ext ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
`;

const EXT = {
    ca: ['basicConstraints=critical,CA:TRUE', 'keyUsage=critical,keyCertSign,cRLSign', 'subjectKeyIdentifier=hash'],
    server: [
        'basicConstraints=critical,CA:FALSE',
        'keyUsage=critical,digitalSignature,keyEncipherment',
        'extendedKeyUsage=serverAuth',
        'subjectAltName=DNS:localhost,IP:127.0.0.1',
        'subjectKeyIdentifier=hash',
        'authorityKeyIdentifier=keyid',
    ],
    serverOtherName: [
        'basicConstraints=critical,CA:FALSE',
        'keyUsage=critical,digitalSignature,keyEncipherment',
        'extendedKeyUsage=serverAuth',
        'subjectAltName=DNS:other.invalid',
        'subjectKeyIdentifier=hash',
        'authorityKeyIdentifier=keyid',
    ],
    client: [
        'basicConstraints=critical,CA:FALSE',
        'keyUsage=critical,digitalSignature,keyEncipherment',
        'extendedKeyUsage=clientAuth',
        'subjectKeyIdentifier=hash',
        'authorityKeyIdentifier=keyid',
    ],
};

/**
 * Generates the whole test PKI into `dir` (default: a new temp dir). Files are world-readable
 * (mosquitto, started as root, drops to the `mosquitto` user). Takes ~0.2 s with EC keys.
 */
export function makeTlsMaterial(dir?: string, opts: TlsMaterialOptions = {}): TlsMaterial {
    const keyType = opts.keyType ?? 'ec';
    const created = dir === undefined;
    const root = dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'mqtt5-crt-tls-'));
    fs.mkdirSync(root, { recursive: true });
    fs.chmodSync(root, 0o755);
    const p = (name: string) => path.join(root, name);
    const openssl = (args: string[]) => {
        try {
            execFileSync('openssl', args, {
                cwd: root,
                stdio: ['ignore', 'pipe', 'pipe'],
                env: { ...process.env, OPENSSL_CONF: p('req.cnf') },
            });
        } catch (e: any) {
            throw new Error(`openssl ${args.join(' ')} failed: ${e.stderr?.toString() ?? e.message}`);
        }
    };
    fs.writeFileSync(p('req.cnf'), REQ_CONF);

    const genKey = (name: string): { key: string; pkcs8: string } => {
        const pkcs8 = p(`${name}.pk8.key`);
        if (keyType === 'ec') openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', pkcs8]);
        else openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', pkcs8]);
        const key = p(`${name}.key`);
        openssl(['pkey', '-in', pkcs8, '-traditional', '-out', key]);
        return { key, pkcs8 };
    };
    const extArgs = (exts: string[]) => exts.flatMap((e) => ['-addext', e]);
    const extFile = (name: string, exts: string[]) => {
        const f = p(`${name}.ext`);
        fs.writeFileSync(f, exts.join('\n') + '\n');
        return f;
    };
    const selfSigned = (name: string, cn: string, exts: string[]) => {
        const k = genKey(name);
        openssl([
            'req',
            '-config',
            p('req.cnf'),
            '-x509',
            '-new',
            '-key',
            k.key,
            '-subj',
            `/CN=${cn}`,
            '-days',
            '3650',
            '-sha256',
            ...extArgs(exts),
            '-out',
            p(`${name}.crt`),
        ]);
        return k;
    };
    const csr = (name: string, cn: string, key: string) => {
        const f = p(`${name}.csr`);
        openssl(['req', '-config', p('req.cnf'), '-new', '-key', key, '-subj', `/CN=${cn}`, '-out', f]);
        return f;
    };
    const sign = (name: string, csrFile: string, caName: string, exts: string[]) => {
        openssl([
            'x509',
            '-req',
            '-in',
            csrFile,
            '-CA',
            p(`${caName}.crt`),
            '-CAkey',
            p(`${caName}.key`),
            '-CAcreateserial',
            '-days',
            '3650',
            '-sha256',
            '-extfile',
            extFile(name, exts),
            '-out',
            p(`${name}.crt`),
        ]);
    };

    selfSigned('ca', 'mqtt5-crt test CA', EXT.ca);
    selfSigned('wrong-ca', 'mqtt5-crt wrong CA', EXT.ca);

    const serverKey = genKey('server');
    const serverCsr = csr('server', 'localhost', serverKey.key);
    sign('server', serverCsr, 'ca', EXT.server);
    sign('server-othername', csr('server-othername', 'other.invalid', serverKey.key), 'ca', EXT.serverOtherName);
    fs.copyFileSync(serverKey.key, p('server-othername.key'));
    fs.copyFileSync(serverKey.pkcs8, p('server-othername.pk8.key'));

    // Expired: same key, validity 2020-01-01 .. 2020-01-02, through `openssl ca`.
    fs.mkdirSync(p('ca-db'), { recursive: true });
    fs.writeFileSync(p('ca-db/index.txt'), '');
    fs.writeFileSync(p('ca-db/serial'), '1000\n');
    fs.writeFileSync(p('ca.cnf'), CA_CONF);
    openssl([
        'ca',
        '-batch',
        '-config',
        p('ca.cnf'),
        '-extensions',
        'server_ext',
        '-cert',
        p('ca.crt'),
        '-keyfile',
        p('ca.key'),
        '-in',
        serverCsr,
        '-startdate',
        '20200101000000Z',
        '-enddate',
        '20200102000000Z',
        '-notext',
        '-out',
        p('server-expired.crt'),
    ]);
    fs.copyFileSync(serverKey.key, p('server-expired.key'));
    fs.copyFileSync(serverKey.pkcs8, p('server-expired.pk8.key'));

    selfSigned(
        'server-selfsigned',
        'localhost',
        EXT.server.filter((e) => !e.startsWith('authorityKeyIdentifier')),
    );

    const clientKey = genKey('client');
    sign('client', csr('client', 'test-client', clientKey.key), 'ca', EXT.client);
    const wrongClientKey = genKey('wrong-client');
    sign('wrong-client', csr('wrong-client', 'wrong-client', wrongClientKey.key), 'wrong-ca', EXT.client);

    for (const f of fs.readdirSync(root)) {
        const full = p(f);
        fs.chmodSync(full, fs.statSync(full).isDirectory() ? 0o755 : 0o644);
    }
    const file = (name: string): PemFile => ({ path: p(name), pem: fs.readFileSync(p(name), 'utf8') });
    const pair = (name: string): KeyPair => ({
        cert: file(`${name}.crt`),
        key: file(`${name}.key`),
        keyPkcs8: file(`${name}.pk8.key`),
    });
    return {
        dir: root,
        keyType,
        ca: pair('ca'),
        wrongCa: pair('wrong-ca'),
        server: pair('server'),
        serverExpired: pair('server-expired'),
        serverSelfSigned: pair('server-selfsigned'),
        serverOtherName: pair('server-othername'),
        client: pair('client'),
        wrongClient: pair('wrong-client'),
        cleanup: () => {
            if (created) fs.rmSync(root, { recursive: true, force: true });
        },
    };
}
