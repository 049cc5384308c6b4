// Loads the addon and declares its surface: the contract between binding/ and lib/.
import fs from 'node:fs';
import path from 'node:path';

import { CONTRACT, type NativeEventType } from './native_contract';

/**
 * The numbers shared with the addon (event types, record kinds, message bits) are defined once,
 * in binding/contract.h, which also documents the records; lib/native_contract.ts is generated
 * from it. A batch reaches the sink as `records`, `count` numbers (a Float64Array the addon reuses
 * for every batch: read it before returning), and `objects`, the strings, Buffers, ArrayBuffers
 * and NativeEvents the records refer to, in order. Packets are plain objects shaped by
 * binding/packets.cc.
 */
export { NativeEventType, NativeMessageBits, NativeRecord } from './native_contract';

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
    /** Withdraws operation `id` if the CRT has not written it yet: it then fails with IO_OPERATION_CANCELLED. */
    withdraw(id: number): void;
    getOperationalStatistics(): NativeOperationalStatistics;
    /** Sends the PUBACKs held back for these received messages. */
    acknowledge(controlIds: number[]): void;
    /** Finishes a websocket handshake transform (error 0 = proceed), with the rewritten request. */
    completeWebsocketTransform(id: number, errorCode: number, request?: { path: string; headers: Array<[string, string]> }): void;
    close(): void;
}

/** What a 3.1.1 event adds (only the fields its callback has). */
export interface NativeMqtt311Info {
    returnCode?: number;
    sessionPresent?: boolean;
    packetId?: number;
    qos?: number;
    topic?: string;
}

/**
 * The native MQTT 3.1.1 connection. Operations return an id settled by a later event; publish,
 * subscribe and unsubscribe return `id * 65536 + packetId`.
 */
export declare class NativeMqtt311Connection {
    constructor(config: object, sink: NativeSink);
    connect(options: object): number;
    reconnect(): number;
    disconnect(): number;
    publish(topic: string, payload: unknown, qos: number, retain: boolean): number;
    subscribe(topic: string, qos: number): number;
    unsubscribe(topic: string): number;
    getOperationalStatistics(): NativeOperationalStatistics;
    completeWebsocketTransform(id: number, errorCode: number, request?: { path: string; headers: Array<[string, string]> }): void;
    /** Whether the connection keeps the process alive (false once it stopped by itself). */
    setRunning(running: boolean): void;
    close(): void;
}

/** The native request-response client; completions and stream events arrive through the sink. */
export declare class NativeRequestResponseClient {
    constructor(kind: 5 | 311, protocolClient: object, options: object, sink: NativeSink);
    submitRequest(options: object): number;
    createStream(topicFilter: string): number;
    openStream(id: number): void;
    closeStream(id: number): void;
    /** Whether the client keeps the process alive (while requests are pending). */
    setRunning(running: boolean): void;
    close(): void;
}

export interface NativeBinding {
    NativeRequestResponseClient: typeof NativeRequestResponseClient;
    NativeMqtt311Connection: typeof NativeMqtt311Connection;
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
    /** new NativeEventLoopGroup(threads): threads 0 = the CRT default (half the logical processors) */
    NativeEventLoopGroup: new (
        threads: number,
    ) => { threadCount(): number };
    /** The number of event loop threads of the process-wide group. */
    defaultEventLoopThreads(): number;
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
    /** aws_error_debug_str: "<library>: <NAME>, <description>" (aws-crt's CrtError message). */
    errorDebugString(errorCode: number): string;
    /** aws_tls_is_cipher_pref_supported (false for numbers that are no preference). */
    isCipherPreferenceSupported(preference: number): boolean;
    errorCodes: {
        MQTT5_CLIENT_TERMINATED: number;
        MQTT5_USER_REQUESTED_STOP: number;
        IO_OPERATION_CANCELLED: number;
        INVALID_ARGUMENT: number;
        MQTT_CONNECTION_DESTROYED: number;
        MQTT_PROTOCOL_ERROR: number;
        MQTT_REQUEST_RESPONSE_CLIENT_SHUT_DOWN: number;
    };
    /** The JS keys of every table of binding/packets.cc, by table name. */
    tableKeys: Readonly<Record<string, readonly string[]>>;
    /** The numbers of binding/contract.h as the addon was built with them. */
    contract: Record<string, Record<string, number>>;
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

/**
 * Throws unless `native` (an addon's `contract`) holds exactly the numbers this JavaScript was
 * built with: an addon and a dist/ from different versions of binding/contract.h would otherwise
 * misread every event.
 */
export function checkContract(native: Record<string, Record<string, number>> | undefined): void {
    const problems: string[] = [];
    for (const [list, ours] of Object.entries(CONTRACT)) {
        const theirs = native?.[list] ?? {};
        for (const name of new Set([...Object.keys(ours), ...Object.keys(theirs)])) {
            if (ours[name] !== theirs[name]) problems.push(`${list}.${name} is ${ours[name]} here, ${theirs[name]} in the addon`);
        }
    }
    if (problems.length > 0) {
        throw new Error(
            `mqtt5-crt: the native addon and the JavaScript were built from different versions of binding/contract.h (${problems.join('; ')}); rebuild both: npm run build && npm run build:ts`,
        );
    }
}

export const binding: NativeBinding = load();
checkContract(binding.contract);
