#!/usr/bin/env node
// Received payloads as own ArrayBuffers (the default) vs zeroCopyPayloads (Buffers over the batch's
// shared memory): the CPU per 100k messages of each, side by side in one run, alternating
// (A B A B ...), one fresh mosquitto per run. Prints a table; writes nothing.
//   node bench/zerocopy.mjs [--reps 5] [--cases qos0-64B,qos1-64B,qos0-1KiB]
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBroker } from './lib/broker.mjs';

const bench = path.dirname(fileURLToPath(import.meta.url));
const CASES = {
    'qos0-64B': ['qos0', '--size', '64', '--count', '100000'],
    'qos1-64B': ['qos1', '--size', '64', '--count', '100000'],
    'qos0-1KiB': ['qos0', '--size', '1024', '--count', '50000'],
};
const CLIENTS = ['mqtt5-crt', 'mqtt5-crt-zc'];

function arg(name, fallback) {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? process.argv[i + 1] : fallback;
}

async function runOne(scenario, args, client) {
    const broker = await startBroker({ nofile: 8192 });
    try {
        const argv = [
            path.join(bench, 'scenarios', `${scenario}.mjs`),
            ...args,
            '--client',
            client,
            '--port',
            String(broker.port),
            '--broker-pid',
            String(broker.pid),
        ];
        const out = await new Promise((resolve, reject) => {
            const child = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'inherit'] });
            let stdout = '';
            child.stdout.on('data', (d) => (stdout += d));
            child.on('close', (code) =>
                code === 0 ? resolve(stdout) : reject(new Error(`${client} ${scenario}: exit ${code}`)),
            );
        });
        return JSON.parse(out.trim().split('\n').pop());
    } finally {
        await broker.stop();
    }
}

const median = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const reps = Number(arg('reps', '5'));
const cases = arg('cases', Object.keys(CASES).join(',')).split(',');
console.log('| case | client | median CPU s/100k | runs | median msg/s |');
console.log('| --- | --- | --- | --- | --- |');
for (const id of cases) {
    const [scenario, ...args] = CASES[id];
    const cpu = { 'mqtt5-crt': [], 'mqtt5-crt-zc': [] };
    const rate = { 'mqtt5-crt': [], 'mqtt5-crt-zc': [] };
    for (let r = 0; r < reps; r++) {
        for (const client of r % 2 ? [...CLIENTS].reverse() : CLIENTS) {
            const res = await runOne(scenario, args, client);
            cpu[client].push(res.cpu_s_per_100k);
            rate[client].push(res.msgs_per_s);
        }
    }
    for (const client of CLIENTS) {
        console.log(
            `| ${id} | ${client} | ${median(cpu[client]).toFixed(3)} | ${cpu[client].map((x) => x.toFixed(3)).join(' ')} | ${median(rate[client]).toFixed(0)} |`,
        );
    }
}
