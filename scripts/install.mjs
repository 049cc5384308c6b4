#!/usr/bin/env node
// The npm "install" hook. If a binary loads (build/Release, then prebuilds/<platform>-<arch>/),
// there is nothing to do; otherwise fetch the CRT sources and build from source.
// MQTT5_CRT_FORCE_BUILD=1 always builds.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from './build.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function binaryLoads() {
  // A child process, so a binary that crashes on load cannot take the installer with it.
  const r = spawnSync(process.execPath, ['-e', `require('node-gyp-build')(${JSON.stringify(root)})`], {
    cwd: root, stdio: 'pipe', encoding: 'utf8',
  });
  return r.status === 0;
}

if (!process.env.MQTT5_CRT_FORCE_BUILD && binaryLoads()) {
  console.log('mqtt5-crt: native addon present and loadable; no build needed');
} else {
  console.log('mqtt5-crt: no loadable binary for this platform; building from source');
  build();
  if (!binaryLoads()) {
    console.error('mqtt5-crt: the addon was built but does not load; see `node -e "require(\'mqtt5-crt\')"`');
    process.exit(1);
  }
}
