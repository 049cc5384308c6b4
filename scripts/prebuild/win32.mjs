// win32-x64 cross build with mingw-w64: the Node import library. A Windows addon links against
// node.exe, which exports Node-API and libuv. node-api-headers' .def files list Node-API only,
// and the addon also calls uv_* (binding/uv_min.h), so the .def is made from node.exe's own export
// table, and dlltool turns it into a delay-load import library (resolved at the first call, by the
// hook in cmake/win_delay_load_hook.c, to whatever executable loaded the addon).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const triple = 'x86_64-w64-mingw32';

/** Writes node.def and libnode_delay.a into `dir` from `nodeExe`; returns the library's path. */
export function nodeImportLib(nodeExe, dir) {
    fs.mkdirSync(dir, { recursive: true });
    const r = spawnSync(`${triple}-objdump`, ['-p', nodeExe], { encoding: 'utf8', maxBuffer: 256 << 20 });
    if (r.status !== 0) throw new Error(`${triple}-objdump -p ${nodeExe} failed: ${r.stderr || r.error}`);
    // The export table lists "[ ordinal] name" once the "[Ordinal/Name Pointer] Table" starts.
    const table = r.stdout.slice(r.stdout.indexOf('[Ordinal/Name Pointer] Table'));
    const names = [...table.matchAll(/^\s*\[\s*\d+\]\s+(\S+)\s*$/gm)]
        .map((m) => m[1])
        .filter((n) => /^(napi_|node_api_|uv_)/.test(n));
    if (names.length < 100) throw new Error(`only ${names.length} Node-API/libuv exports found in ${nodeExe}: not a node.exe?`);
    const def = path.join(dir, 'node.def');
    fs.writeFileSync(def, `LIBRARY node.exe\nEXPORTS\n${names.map((n) => `  ${n}`).join('\n')}\n`);
    const lib = path.join(dir, 'libnode_delay.a');
    const d = spawnSync(`${triple}-dlltool`, ['-d', def, '-y', lib, '-D', 'node.exe'], { encoding: 'utf8' });
    if (d.status !== 0) throw new Error(`${triple}-dlltool failed: ${d.stderr || d.error}`);
    console.log(`prebuild: ${path.basename(lib)} from ${nodeExe}: ${names.length} Node-API and libuv exports`);
    return lib;
}
