// What the client does to what it receives before listeners see it: binaries as aws-crt delivers
// them (ArrayBuffers of exactly their bytes), and userProperties arrays on every ACK.

/**
 * The bytes of a Buffer the addon made for one message as an ArrayBuffer of exactly those bytes:
 * its own backing store when the Buffer spans all of it (always, for the addon's Buffers), else a copy.
 */
export function exactBytes(b: Buffer): ArrayBuffer {
    const ab = b.buffer as ArrayBuffer;
    return b.byteOffset === 0 && b.byteLength === ab.byteLength ? ab : ab.slice(b.byteOffset, b.byteOffset + b.byteLength);
}

/** A fully converted received PUBLISH: payload and correlation data become exact ArrayBuffers. */
export function ownBinaries(packet: { payload?: unknown; correlationData?: unknown }): void {
    if (Buffer.isBuffer(packet.payload)) packet.payload = exactBytes(packet.payload);
    if (Buffer.isBuffer(packet.correlationData)) packet.correlationData = exactBytes(packet.correlationData);
}

/** aws-crt gives every ACK, CONNACK and DISCONNECT a `userProperties` array, empty when there are none. */
export function withUserProperties<T>(packet: T): T {
    if (packet && typeof packet === 'object') (packet as { userProperties?: unknown[] }).userProperties ??= [];
    return packet;
}
