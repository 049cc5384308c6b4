#!/usr/bin/env node
// mqtt5-crt: publish and subscribe from the command line, in the spirit of mosquitto_pub and
// mosquitto_sub. The tool is lib/cli/ (compiled to dist/cli/); this only launches it.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
let cli;
try {
    cli = require('../dist/cli/main.js');
} catch (err) {
    process.stderr.write(`mqtt5-crt: cannot load the command-line tool (dist/cli/main.js): ${err.message}\n`);
    process.stderr.write('mqtt5-crt: build it first: npm run build:ts (and npm install for the native addon)\n');
    process.exit(1);
}
await cli.run(process.argv.slice(2));
