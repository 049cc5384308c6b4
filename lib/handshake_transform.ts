// The websocket handshake transform (config.websocketHandshakeTransform): how the client tells
// the native layer about it, and how one runs when the native layer asks for it.
import { ErrorCodes } from './error';
import { HttpHeaders, HttpRequest } from './http';
import { SIGV4_TRANSFORM, type Sigv4Setup, type WebsocketHandshakeTransform } from './mqtt5_types';
import * as validate from './validate';

/** The rewritten request a transform hands back to the native layer. */
export type RewrittenRequest = { path: string; headers: Array<[string, string]> };

/**
 * The native config's `websocket` entry for a transform: SigV4 done natively when the IoT builders
 * made it, else the JS transform. Throws a TypeError when it is not a function.
 */
export function websocketConfigOf(transform: unknown): object {
    if (typeof transform !== 'function') {
        throw new TypeError('config.websocketHandshakeTransform must be a function (request, done) => void');
    }
    let sigv4: Sigv4Setup | undefined;
    try {
        sigv4 = (transform as { [SIGV4_TRANSFORM]?: Sigv4Setup })[SIGV4_TRANSFORM];
    } catch (e) {
        throw validate.unreadable('config.websocketHandshakeTransform', e);
    }
    return sigv4
        ? { sigv4: { region: sigv4.region, service: sigv4.service, credentialsProvider: sigv4.credentialsProvider.native } }
        : { transform: true };
}

/**
 * Runs a transform on the handshake request the native layer sent; `complete(code, request?)`
 * is called exactly once (0 with the rewritten request: go on; an error code: fail the attempt).
 * An error in the transform is rethrown after the attempt was failed.
 */
export function runHandshakeTransform(
    transform: WebsocketHandshakeTransform,
    snapshot: { method: string; path: string; headers: Array<[string, string]> },
    complete: (code: number, rewritten?: RewrittenRequest) => void,
): void {
    const request = new HttpRequest(snapshot.method, snapshot.path, new HttpHeaders(snapshot.headers));
    let settled = false;
    const finish = (code: number, rewritten?: RewrittenRequest) => {
        settled = true;
        complete(code, rewritten);
    };
    const done = (errorCode?: number) => {
        if (settled) return;
        if (typeof errorCode === 'number' && errorCode !== 0) return finish(errorCode);
        // Whatever the transform did to the request, the handshake must go on or fail now.
        let rewritten: RewrittenRequest;
        try {
            const headers = request.headers;
            if (!(headers instanceof HttpHeaders)) throw new TypeError('request.headers must be an http.HttpHeaders');
            if (typeof request.path !== 'string') throw new TypeError('request.path must be a string');
            rewritten = { path: request.path, headers: headers._pairs() };
            for (const [name, value] of rewritten.headers) {
                if (typeof name !== 'string' || typeof value !== 'string') {
                    throw new TypeError('request.headers must hold string names and values');
                }
            }
        } catch (err) {
            finish(ErrorCodes.INVALID_ARGUMENT);
            throw err;
        }
        finish(0, rewritten);
    };
    try {
        transform(request, done);
    } catch (err) {
        // A throwing transform fails this connection attempt (and the error surfaces).
        if (!settled) finish(ErrorCodes.INVALID_ARGUMENT);
        throw err;
    }
}
