// SoftHSM 2 for the PKCS#11 tests: finds (or, as root on Debian/Ubuntu, installs with apt-get) the
// softhsm2 package, and makes a private token in a temp dir holding one imported private key.
// There is no skipping: when SoftHSM cannot be had, ensureSofthsm() throws saying what to install.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const LIB_CANDIDATES = [
    '/usr/lib/softhsm/libsofthsm2.so', // Debian/Ubuntu
    `/usr/lib/${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu/softhsm/libsofthsm2.so`,
    '/usr/lib64/pkcs11/libsofthsm2.so', // Fedora
    '/usr/lib64/softhsm/libsofthsm2.so',
    '/usr/local/lib/softhsm/libsofthsm2.so', // source builds
    '/opt/homebrew/lib/softhsm/libsofthsm2.so', // macOS
    '/usr/local/opt/softhsm/lib/softhsm/libsofthsm2.so',
];

export interface Softhsm {
    /** The PKCS#11 module to load (io.Pkcs11Lib). */
    libPath: string;
    /** The softhsm2-util executable. */
    util: string;
}

function which(cmd: string): string | undefined {
    const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
    return r.status === 0 && r.stdout.trim() ? r.stdout.trim() : undefined;
}

function find(): Softhsm | undefined {
    const libPath = LIB_CANDIDATES.find((p) => fs.existsSync(p));
    const util = which('softhsm2-util');
    return libPath && util ? { libPath, util } : undefined;
}

function describe(r: SpawnSyncReturns<string>): string {
    return `exit ${r.status}${r.signal ? ` (${r.signal})` : ''}: ${(r.stderr || r.stdout || '').trim().split('\n').slice(-5).join(' | ')}`;
}

/**
 * Finds SoftHSM 2; when missing and running as root with apt-get, installs `softhsm2` (running
 * `apt-get update` first if the plain install fails). Throws a message saying how to install it
 * otherwise.
 */
export function ensureSofthsm(): Softhsm {
    const found = find();
    if (found) return found;
    const problems: string[] = [];
    const canApt = process.getuid?.() === 0 && which('apt-get') !== undefined;
    if (canApt) {
        console.log('mqtt5-crt tests: SoftHSM 2 not found; installing softhsm2 with apt-get');
        const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
        const install = () =>
            spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'softhsm2'], {
                encoding: 'utf8',
                env,
                timeout: 300_000,
            });
        let r = install();
        if (r.status !== 0) {
            problems.push(`apt-get install softhsm2: ${describe(r)}`);
            const u = spawnSync('apt-get', ['update'], { encoding: 'utf8', env, timeout: 300_000 });
            if (u.status !== 0) problems.push(`apt-get update: ${describe(u)}`);
            r = install();
            if (r.status !== 0) problems.push(`apt-get install softhsm2 (after update): ${describe(r)}`);
        }
        const now = find();
        if (now) return now;
    } else {
        problems.push(process.getuid?.() === 0 ? 'apt-get is not available' : 'not running as root, so cannot install packages');
    }
    throw new Error(
        'The PKCS#11 tests need SoftHSM 2 (libsofthsm2.so and softhsm2-util) and could not install it.\n' +
            (problems.length ? `  ${problems.join('\n  ')}\n` : '') +
            '  Debian/Ubuntu: sudo apt-get install softhsm2\n  Fedora: sudo dnf install softhsm\n  macOS: brew install softhsm',
    );
}

export interface SofthsmToken extends Softhsm {
    /** The softhsm2.conf to use; `process.env.SOFTHSM2_CONF` is set to it (and restored by cleanup()). */
    confPath: string;
    tokenDir: string;
    tokenLabel: string;
    userPin: string;
    soPin: string;
    keyLabel: string;
    /** The CKA_ID of the key, hex. */
    keyId: string;
    /** Restores SOFTHSM2_CONF and removes the token directory. */
    cleanup(): void;
}

export interface SofthsmTokenOptions {
    /** Private key to import: an unencrypted PKCS#8 PEM file (`BEGIN PRIVATE KEY`). */
    keyPkcs8Path: string;
    tokenLabel?: string;
    userPin?: string;
    soPin?: string;
    keyLabel?: string;
    keyId?: string;
}

/**
 * Creates a fresh token in a temp dir, imports the key, and points SOFTHSM2_CONF at its config.
 * SoftHSM reads SOFTHSM2_CONF when the library is initialised (C_Initialize: when an io.Pkcs11Lib
 * is created), so call this before creating the Pkcs11Lib.
 */
export function makeSofthsmToken(opts: SofthsmTokenOptions): SofthsmToken {
    const hsm = ensureSofthsm();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mqtt5-crt-softhsm-'));
    const tokenDir = path.join(dir, 'tokens');
    fs.mkdirSync(tokenDir);
    const confPath = path.join(dir, 'softhsm2.conf');
    fs.writeFileSync(
        confPath,
        `directories.tokendir = ${tokenDir}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n`,
    );
    const tokenLabel = opts.tokenLabel ?? 'mqtt5-crt-test';
    const userPin = opts.userPin ?? '1234';
    const soPin = opts.soPin ?? '5678';
    const keyLabel = opts.keyLabel ?? 'client-key';
    const keyId = opts.keyId ?? '01';
    const env = { ...process.env, SOFTHSM2_CONF: confPath };
    const util = (args: string[]) => {
        const r = spawnSync(hsm.util, args, { encoding: 'utf8', env });
        if (r.status !== 0) throw new Error(`softhsm2-util ${args.join(' ')} failed, ${describe(r)}`);
        return r.stdout;
    };
    try {
        util(['--init-token', '--free', '--label', tokenLabel, '--pin', userPin, '--so-pin', soPin]);
        util(['--import', opts.keyPkcs8Path, '--token', tokenLabel, '--label', keyLabel, '--id', keyId, '--pin', userPin]);
    } catch (e) {
        fs.rmSync(dir, { recursive: true, force: true });
        throw e;
    }
    const previous = process.env.SOFTHSM2_CONF;
    process.env.SOFTHSM2_CONF = confPath;
    return {
        ...hsm,
        confPath,
        tokenDir,
        tokenLabel,
        userPin,
        soPin,
        keyLabel,
        keyId,
        cleanup: () => {
            if (previous === undefined) delete process.env.SOFTHSM2_CONF;
            else process.env.SOFTHSM2_CONF = previous;
            fs.rmSync(dir, { recursive: true, force: true });
        },
    };
}
