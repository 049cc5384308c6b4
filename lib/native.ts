// Loads the addon and declares its surface: the contract between binding/ and lib/.
import fs from 'node:fs';
import path from 'node:path';

/** Event kinds as numbered in binding/events.h. */
export const enum NativeEventType {
    AttemptingConnect = 0,
    ConnectionSuccess = 1,
    ConnectionFailure = 2,
    Disconnection = 3,
    Stopped = 4,
    MessageReceived = 5,
    PublishComplete = 6,
    SubscribeComplete = 7,
    UnsubscribeComplete = 8,
    WebsocketTransform = 9,
    SlowConsumer = 10,
}

/**
 * How a batch reaches the sink: `records` holds `count` numbers (a Float64Array the addon reuses
 * for every batch: read it before returning), `objects` the strings, Buffers and objects they
 * refer to, in order. Records, as numbered in binding/client_core.cc:
 *  - `1, id`: a completion with nothing more to say (QoS 0 publish written);
 *  - `2, id`: a PUBACK with reason Success and no properties;
 *  - `3, bits, ackId, offset, length`: a received PUBLISH with only topic, payload, QoS and
 *    retain. bits: QoS in bits 0-1, retain 4, 8 = a new topic (next object, else the previous
 *    message's), 16 = the payload is the next object (else a view of the current arena at
 *    offset/length). ackId is 0 at QoS 0;
 *  - `4`: the next object is the ArrayBuffer (arena) that following payloads are views of;
 *  - `5`: the next object is a NativeEvent (any other message comes as a MessageReceived event).
 * Packets are plain objects shaped by binding/packets.cc.
 */
export const enum NativeRecord {
    Done = 1,
    Puback = 2,
    Message = 3,
    Arena = 4,
    Event = 5,
}
export const enum NativeMessageBits {
    QosMask = 3,
    Retain = 4,
    NewTopic = 8,
    External = 16,
}

export interface NativeEvent {
    event: NativeEventType;
    /** CRT error number; absent when 0. */
    errorCode?: number;
    /** Operation id, for completions. */
    id?: number;
    /** Manual PUBACK control id of a received QoS 1 message. */
    ackId?: number;
    packet?: any;
    settings?: any;
}

export type NativeSink = (objects: unknown[], records: Float64Array, count: number) => void;

export interface NativeOperationalStatistics {
    incompleteOperationCount: number;
    incompleteOperationSize: number;
    unackedOperationCount: number;
    unackedOperationSize: number;
}

/** The native client: converts and forwards; every operation returns an id settled by a later event. */
export declare class NativeMqtt5Client {
    constructor(config: object, sink: NativeSink);
    start(): void;
    stop(disconnect?: object): void;
    publish(packet: object): number;
    /** The hot path: a PUBLISH with no properties, passed positionally. */
    publishFast(topic: string, payload: unknown, qos: number, retain: boolean): number;
    /** Hands the publishes publishFast() queued in this turn to the CRT's event loop as one task. */
    flushPublishes(): void;
    subscribe(packet: object): number;
    unsubscribe(packet: object): number;
    getOperationalStatistics(): NativeOperationalStatistics;
    /** Sends the PUBACKs held back for these received messages. */
    acknowledge(controlIds: number[]): void;
    /** Finishes a websocket handshake transform (error 0 = proceed), with the rewritten request. */
    completeWebsocketTransform(id: number, errorCode: number, request?: { path: string; headers: Array<[string, string]> }): void;
    close(): void;
}

export interface NativeBinding {
    NativeMqtt5Client: typeof NativeMqtt5Client;
    /** new NativeTlsContext(tlsContextOptions) */
    NativeTlsContext: new (
        options: object,
    ) => object;
    /** new NativePkcs11Lib(path, behavior) */
    NativePkcs11Lib: new (
        path: string,
        behavior: number,
    ) => { close(): void };
    /** new NativeCredentialsProvider(kind, options) */
    NativeCredentialsProvider: new (
        kind: string,
        options: object,
    ) => {
        getCredentials(): Promise<{ accessKeyId: string; secretAccessKey: string; sessionToken?: string }>;
    };
    isAlpnAvailable(): boolean;
    enableLogging(level: number, filename?: string): void;
    setErrorClass(ctor: new (errorCode: number) => Error): void;
    errorName(errorCode: number): string;
    errorString(errorCode: number): string;
    errorCodes: { MQTT5_CLIENT_TERMINATED: number; MQTT5_USER_REQUESTED_STOP: number; INVALID_ARGUMENT: number };
    /** Clients of this environment whose CRT client has not been released (tests). */
    _liveClientCount(): number;
    /** The wake-up moderation delay in microseconds, as read from MQTT5_CRT_WAKE_DELAY_US (tests). */
    _wakeDelayUs(): number;
}

const packageRoot = path.resolve(__dirname, '..');

function libc(): string {
    if (process.platform !== 'linux') return 'n/a';
    const report = (process.report?.getReport() as any)?.header;
    return report?.glibcVersionRuntime ? `glibc ${report.glibcVersionRuntime}` : 'musl (or not glibc)';
}

function candidates(): string[] {
    const dirs = [
        path.join(packageRoot, 'build', 'Release'),
        path.join(packageRoot, 'build', 'Debug'),
        path.join(packageRoot, 'prebuilds', `${process.platform}-${process.arch}`),
    ];
    const files: string[] = [];
    for (const d of dirs) {
        let names: string[] = [];
        try {
            names = fs.readdirSync(d).filter((n) => n.endsWith('.node'));
        } catch {
            /* absent */
        }
        files.push(...(names.length ? names.map((n) => path.join(d, n)) : [path.join(d, '*.node')]));
    }
    return files;
}

function load(): NativeBinding {
    // An explicit binary (bundled apps, unusual layouts). process.dlopen rather than require():
    // no bundler rewrites or traces it.
    const override = process.env.MQTT5_CRT_BINARY;
    if (override) {
        const file = path.resolve(override);
        try {
            const mod = { exports: {} as NativeBinding };
            process.dlopen(mod, file);
            return mod.exports;
        } catch (cause) {
            throw new Error(
                `mqtt5-crt: could not load the native addon from MQTT5_CRT_BINARY=${file}: ${(cause as Error).message.split('\n')[0]}`,
                { cause },
            );
        }
    }
    try {
        // node-gyp-build: build/Release, then build/Debug, then prebuilds/<platform>-<arch>/.
        // eslint-disable-next-line @typescript-eslint/no-var-requires
        return require('node-gyp-build')(packageRoot) as NativeBinding;
    } catch (cause) {
        const msg = [
            'mqtt5-crt: could not load the native addon.',
            `  tried: ${candidates().join(', ')}`,
            `  platform: ${process.platform}-${process.arch}, libc: ${libc()}, Node ${process.version}, ` +
                `Node-API ${process.versions.napi} (the addon needs Node-API 8 or later)`,
            `  cause: ${(cause as Error).message.split('\n')[0]}`,
            '  fix: run `npm rebuild mqtt5-crt` (builds from source: needs cmake, a C/C++ compiler and python3 with pip),',
            '       or install on a platform that has a prebuilt binary (linux-x64 glibc),',
            '       or set MQTT5_CRT_BINARY=/path/to/mqtt5_crt.node (e.g. in a bundled app).',
        ].join('\n');
        throw new Error(msg, { cause });
    }
}

export const binding: NativeBinding = load();
