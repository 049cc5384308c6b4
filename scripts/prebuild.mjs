#!/usr/bin/env node
// Builds the addon and copies it to prebuilds/<platform>-<arch>/ with node-gyp-build's naming:
// mqtt5-crt.napi[.glibc|.musl].node (the libc tag keeps a glibc binary off musl systems).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from './build.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
build();
const src = path.join(root, 'build', 'Release', 'mqtt5_crt.node');
let libc = '';
if (process.platform === 'linux') {
    libc = process.report.getReport().header.glibcVersionRuntime ? '.glibc' : '.musl';
}
const dir = path.join(root, 'prebuilds', `${process.platform}-${process.arch}`);
fs.mkdirSync(dir, { recursive: true });
const dest = path.join(dir, `mqtt5-crt.napi${libc}.node`);
fs.copyFileSync(src, dest);
console.log(`mqtt5-crt: prebuild written: ${path.relative(root, dest)} (${fs.statSync(dest).size} bytes)`);
