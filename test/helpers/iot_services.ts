// A small stand-in for AWS IoT's Shadow, Jobs and Identity services on the test broker: an MQTT 5
// client that answers the `$aws/...` request topics the way the real services do (accepted or
// rejected, the request's clientToken echoed, shadow deltas published on update/delta).
import { randomUUID } from 'node:crypto';
import { Mqtt5Client } from '../../dist/index.js';

interface Shadow {
    desired: Record<string, unknown>;
    reported: Record<string, unknown>;
    version: number;
}

export interface IotServices {
    /** Shadows by thing name. */
    shadows: Map<string, Shadow>;
    /** Jobs queued for each thing: job id -> document. */
    jobs: Map<string, Map<string, Record<string, unknown>>>;
    /** Every request topic it answered, in order. */
    requests: string[];
    close(): Promise<void>;
}

const now = () => Math.floor(Date.now() / 1000);

function delta(desired: Record<string, unknown>, reported: Record<string, unknown>): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(desired)) {
        if (JSON.stringify(reported[k]) !== JSON.stringify(v)) out[k] = v;
    }
    return out;
}

function merge(into: Record<string, unknown>, patch: Record<string, unknown> | null | undefined): void {
    for (const [k, v] of Object.entries(patch ?? {})) {
        if (v === null) delete into[k];
        else into[k] = v;
    }
}

export async function startIotServices(port: number): Promise<IotServices> {
    const client = new Mqtt5Client({
        hostName: '127.0.0.1',
        port,
        connectProperties: { clientId: `iot-services-${randomUUID()}`, keepAliveIntervalSeconds: 60 },
    });
    const shadows = new Map<string, Shadow>();
    const jobs = new Map<string, Map<string, Record<string, unknown>>>();
    const requests: string[] = [];
    const reply = (topic: string, body: Record<string, unknown>) =>
        client.publish({ topicName: topic, payload: JSON.stringify(body), qos: 1 }).catch(() => {});

    client.on('messageReceived', ({ message }) => {
        const topic = message.topicName;
        let body: Record<string, unknown> = {};
        try {
            body = JSON.parse(Buffer.from(message.payload as Buffer).toString() || '{}');
        } catch {
            /* a malformed request: answered as an empty one */
        }
        const clientToken = body.clientToken as string | undefined;
        const token = clientToken === undefined ? {} : { clientToken };
        requests.push(topic);
        let m = /^\$aws\/things\/([^/]+)\/shadow\/(get|update|delete)$/.exec(topic);
        if (m) {
            const [, thing, op] = m;
            const base = `$aws/things/${thing}/shadow/${op}`;
            const shadow = shadows.get(thing);
            if (op === 'get' || op === 'delete') {
                if (!shadow) {
                    reply(`${base}/rejected`, {
                        code: 404,
                        message: `No shadow exists with name: '${thing}'`,
                        timestamp: now(),
                        ...token,
                    });
                    return;
                }
                if (op === 'delete') {
                    shadows.delete(thing);
                    reply(`${base}/accepted`, { version: shadow.version, timestamp: now(), ...token });
                    return;
                }
                const d = delta(shadow.desired, shadow.reported);
                reply(`${base}/accepted`, {
                    state: { desired: shadow.desired, reported: shadow.reported, ...(Object.keys(d).length ? { delta: d } : {}) },
                    version: shadow.version,
                    timestamp: now(),
                    ...token,
                });
                return;
            }
            const state = (body.state ?? {}) as { desired?: Record<string, unknown>; reported?: Record<string, unknown> };
            if (typeof body.state !== 'object' || body.state === null) {
                reply(`${base}/rejected`, { code: 400, message: 'Missing required node: state', timestamp: now(), ...token });
                return;
            }
            const s = shadow ?? { desired: {}, reported: {}, version: 0 };
            merge(s.desired, state.desired);
            merge(s.reported, state.reported);
            s.version += 1;
            shadows.set(thing, s);
            reply(`${base}/accepted`, { state, version: s.version, timestamp: now(), ...token });
            const d = delta(s.desired, s.reported);
            if (state.desired && Object.keys(d).length) {
                reply(`$aws/things/${thing}/shadow/update/delta`, { state: d, version: s.version, timestamp: now() });
            }
            return;
        }
        m = /^\$aws\/things\/([^/]+)\/jobs\/get$/.exec(topic);
        if (m) {
            const queued = [...(jobs.get(m[1]) ?? new Map()).keys()].map((jobId, i) => ({
                jobId,
                queuedAt: now(),
                lastUpdatedAt: now(),
                versionNumber: 1,
                executionNumber: i + 1,
            }));
            reply(`${topic}/accepted`, { inProgressJobs: [], queuedJobs: queued, timestamp: now(), ...token });
            return;
        }
        m = /^\$aws\/things\/([^/]+)\/jobs\/([^/]+)\/get$/.exec(topic);
        if (m) {
            const doc = jobs.get(m[1])?.get(m[2]);
            if (!doc) {
                reply(`${topic}/rejected`, {
                    code: 'ResourceNotFound',
                    message: `Job ${m[2]} not found`,
                    timestamp: now(),
                    ...token,
                });
                return;
            }
            reply(`${topic}/accepted`, {
                execution: {
                    jobId: m[2],
                    thingName: m[1],
                    status: 'QUEUED',
                    jobDocument: doc,
                    versionNumber: 1,
                    executionNumber: 1,
                },
                timestamp: now(),
                ...token,
            });
            return;
        }
        if (topic === '$aws/certificates/create/json') {
            reply(`${topic}/accepted`, {
                certificateId: 'cert-0123',
                certificateArn: 'arn:aws:iot:us-east-1:123456789012:cert/cert-0123',
                certificatePem: '-----BEGIN CERTIFICATE-----\nstand-in\n-----END CERTIFICATE-----\n',
                privateKey: '-----BEGIN RSA PRIVATE KEY-----\nstand-in\n-----END RSA PRIVATE KEY-----\n',
                certificateOwnershipToken: 'ownership-token-1',
            });
            return;
        }
        m = /^\$aws\/provisioning-templates\/([^/]+)\/provision\/json$/.exec(topic);
        if (m) {
            if (body.certificateOwnershipToken !== 'ownership-token-1') {
                reply(`${topic}/rejected`, { statusCode: 400, errorCode: 'InvalidToken', errorMessage: 'bad ownership token' });
                return;
            }
            const params = (body.parameters ?? {}) as Record<string, string>;
            reply(`${topic}/accepted`, { thingName: params.SerialNumber ?? 'thing', deviceConfiguration: { template: m[1] } });
        }
    });

    const connected = new Promise<void>((resolve) => client.once('connectionSuccess', () => resolve()));
    client.start();
    await connected;
    await client.subscribe({
        subscriptions: [
            { topicFilter: '$aws/things/+/shadow/get', qos: 1 },
            { topicFilter: '$aws/things/+/shadow/update', qos: 1 },
            { topicFilter: '$aws/things/+/shadow/delete', qos: 1 },
            { topicFilter: '$aws/things/+/jobs/get', qos: 1 },
            { topicFilter: '$aws/things/+/jobs/+/get', qos: 1 },
            { topicFilter: '$aws/certificates/create/json', qos: 1 },
            { topicFilter: '$aws/provisioning-templates/+/provision/json', qos: 1 },
        ],
    });
    return {
        shadows,
        jobs,
        requests,
        async close() {
            const stopped = new Promise<void>((resolve) => client.once('stopped', () => resolve()));
            client.stop();
            await stopped;
            client.close();
        },
    };
}
