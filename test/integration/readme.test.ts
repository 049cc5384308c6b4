// The README's example must run as written (against the test broker instead of port 1883).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { brokerPort } from '../helpers/client';

it('the README example runs and exits by itself', () => {
    const root = path.resolve(__dirname, '../..');
    const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
    const example = /```js\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(example).toBeDefined();
    const r = spawnSync(process.execPath, ['-e', example!], {
        cwd: root, // `require('mqtt5-crt')` resolves to this package by self-reference
        env: { ...process.env, MQTT_PORT: String(brokerPort()) },
        encoding: 'utf8',
        timeout: 15_000,
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('connected as readme-example');
    expect(r.stdout).toContain('subscribed, granted [ 1 ]');
    expect(r.stdout).toContain('published, reason code 0');
    expect(r.stdout).toContain('received on hello/world: hi there');
});

it('the README C++-style builder example runs and exits by itself', () => {
    const root = path.resolve(__dirname, '../..');
    const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
    const example = [...readme.matchAll(/```js\n([\s\S]*?)```/g)][1]?.[1];
    expect(example).toContain('Mqtt5ClientBuilder');
    const r = spawnSync(process.execPath, ['-e', example!], {
        cwd: root,
        env: { ...process.env, MQTT_PORT: String(brokerPort()) },
        encoding: 'utf8',
        timeout: 15_000,
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('connected as builder-example');
    expect(r.stdout).toContain('received hello/builder hi');
});

it('the README servers example (iteration, signals, tracing, metrics) runs and exits by itself', () => {
    const root = path.resolve(__dirname, '../..');
    const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
    const example = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]).find((b) => b.includes('client.messages('));
    expect(example).toBeDefined();
    const r = spawnSync(process.execPath, ['-e', example!], {
        cwd: root,
        env: { ...process.env, MQTT_PORT: String(brokerPort()) },
        encoding: 'utf8',
        timeout: 15_000,
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(
        [
            'traced: publish sensors/kitchen/temp, reason code 0',
            'traced: publish sensors/hall/temp, reason code 0',
            'sensors/kitchen/temp: 21.5',
            'sensors/hall/temp: 21.5',
            'metrics: connected, 2 published, 2 received',
            '',
        ].join('\n'),
    );
});
