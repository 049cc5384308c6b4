// What the command-line tool writes: debug lines (-d) and errors on stderr, messages on stdout.
import type { PublishPacket } from '../mqtt5_packet';
import { PROG } from './help';

const t0 = performance.now();
let debugOn = false;

/** Turns the -d lines on or off. */
export function setDebug(on: boolean): void {
    debugOn = on;
}

/** A lifecycle line on stderr, with the time since start, when -d is on. */
export function debug(text: string): void {
    if (!debugOn) return;
    const ms = (performance.now() - t0).toFixed(0).padStart(5);
    process.stderr.write(`${PROG}: [+${ms} ms] ${text}\n`);
}

/** An error line on stderr. */
export function errorLine(text: string): void {
    process.stderr.write(`${PROG}: ${text}\n`);
}

/** The name of an enum member, or 'unknown'. */
export function enumName(enumObj: Record<number, string> | undefined, value: number): string {
    const name = enumObj?.[value];
    return typeof name === 'string' ? name : 'unknown';
}

/** A CrtError as "CODE: description"; anything else by its message. */
export function describeError(err: unknown): string {
    const e = err as { code?: unknown; name?: unknown; message?: string } | null | undefined;
    if (e && typeof e === 'object' && typeof e.code === 'string' && e.name === 'CrtError') {
        // The CRT's message ends with "(CODE)": say the code once, first.
        return `${e.code}: ${(e.message ?? '').replace(` (${e.code})`, '')}`;
    }
    return e?.message ?? String(err);
}

const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

/** Received binary data (Buffer, ArrayBuffer, view or string) as a Buffer, without copying. */
export function asBuffer(data: unknown): Buffer {
    if (data === undefined || data === null) return Buffer.alloc(0);
    if (typeof data === 'string') return Buffer.from(data);
    if (Buffer.isBuffer(data)) return data;
    if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    return Buffer.from(data as ArrayBuffer);
}

function textOrBase64(data: unknown): { value: string; encoding: 'utf8' | 'base64' } {
    const buf = asBuffer(data);
    try {
        return { value: utf8Decoder.decode(buf), encoding: 'utf8' };
    } catch {
        return { value: buf.toString('base64'), encoding: 'base64' };
    }
}

/** One received message as the `--json` line (without the newline). */
export function messageJson(message: PublishPacket, payloadFormatNames: Record<number, string>): string {
    const payload = textOrBase64(message.payload);
    const out: Record<string, unknown> = {
        topic: message.topicName,
        payload: payload.value,
        payloadEncoding: payload.encoding,
        qos: message.qos,
        retain: Boolean(message.retain),
    };
    if (message.contentType !== undefined) out.contentType = message.contentType;
    if (message.userProperties?.length) out.userProperties = message.userProperties.map(({ name, value }) => ({ name, value }));
    if (message.messageExpiryIntervalSeconds !== undefined)
        out.messageExpiryIntervalSeconds = message.messageExpiryIntervalSeconds;
    if (message.responseTopic !== undefined) out.responseTopic = message.responseTopic;
    if (message.correlationData !== undefined) {
        const c = textOrBase64(message.correlationData);
        out.correlationData = c.value;
        out.correlationDataEncoding = c.encoding;
    }
    if (message.payloadFormat !== undefined) out.payloadFormat = enumName(payloadFormatNames, message.payloadFormat);
    if (message.subscriptionIdentifiers?.length) out.subscriptionIdentifiers = message.subscriptionIdentifiers;
    return JSON.stringify(out);
}

/** One received message as the plain line: the payload, or with -v "topic payload". */
export function messageLine(message: PublishPacket, verbose: boolean): Buffer {
    const payload = asBuffer(message.payload);
    return verbose
        ? Buffer.concat([Buffer.from(message.topicName + ' '), payload, Buffer.from('\n')])
        : Buffer.concat([payload, Buffer.from('\n')]);
}
