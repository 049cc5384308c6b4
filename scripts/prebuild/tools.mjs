// What a target's build and smoke test need on a linux-x64 host, installed on first use:
// Debian packages (apt-get as root, or through password-less sudo as on CI runners), zig from
// PyPI into the cache (pip --target: no change to the system's Python), Node binaries from npm.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { cacheDir } from '../fetch-crt.mjs';

const ZIG = 'ziglang==0.17.1';

const installed = (pkg) =>
    /^Status: install ok installed/m.test(spawnSync('dpkg', ['-s', pkg], { encoding: 'utf8' }).stdout ?? '');

/** Installs the Debian packages of `list` that are missing; throws with the command to run when it cannot. */
export function ensureApt(list, who) {
    const missing = list.filter((p) => !installed(p));
    if (!missing.length) return;
    const root = process.getuid?.() === 0;
    const sudo = !root && spawnSync('sudo', ['-n', 'true']).status === 0;
    if (!root && !sudo) {
        throw new Error(`${who} needs the Debian packages ${missing.join(' ')}: sudo apt-get install ${missing.join(' ')}`);
    }
    const apt = (args) => {
        const argv = ['env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', ...args];
        return spawnSync(root ? argv[0] : 'sudo', root ? argv.slice(1) : argv, { stdio: 'inherit' }).status === 0;
    };
    const t0 = Date.now();
    console.log(`prebuild: installing ${missing.join(' ')} for ${who} (apt-get; the first time this downloads up to ~400 MB)`);
    const ok =
        apt(['install', '-y', '-qq', '--no-install-recommends', ...missing]) ||
        (apt(['update', '-qq']) && apt(['install', '-y', '-qq', '--no-install-recommends', ...missing]));
    if (!ok) throw new Error(`apt-get install ${missing.join(' ')} failed (see above)`);
    console.log(`prebuild: installed in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}

/** The zig executable, pip-installed into the cache on first use. */
export function ensureZig() {
    const dir = path.join(cacheDir(), ZIG.replace('==', '-'));
    const zig = path.join(dir, 'ziglang', 'zig');
    if (fs.existsSync(zig)) return zig;
    console.log(`prebuild: installing ${ZIG} from PyPI into ${dir}`);
    const r = spawnSync('python3', ['-m', 'pip', 'install', '--quiet', '--no-deps', '--target', `${dir}.tmp`, ZIG], {
        stdio: 'inherit',
    });
    if (r.status !== 0) throw new Error(`pip install ${ZIG} failed; zig is needed for linux-x64-musl (python3 -m pip must work)`);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(`${dir}.tmp`, dir);
    return zig;
}
