// An independent verifier of AWS SigV4 query-string ("presigned URL") signatures, node:crypto only.
// Written from the AWS SigV4 documentation and aws-c-auth's documented behaviour, so the tests can
// check what the CRT's websocket handshake transform (service "iotdevicegateway") really sends.
//
// Variants it accepts (and reports in `details`), because signers differ:
//  - payload hash: the X-Amz-Content-Sha256 query param / header value when present, otherwise the
//    SHA-256 of the empty string (aws-c-auth for a body-less request, IoT's convention) or
//    "UNSIGNED-PAYLOAD" (S3 presigned URLs);
//  - session token: X-Amz-Security-Token either signed (part of the canonical query string) or
//    appended after signing (aws-c-auth's `omit_session_token`, what the IoT SDKs do);
//  - canonical URI: path normalised and URI-encoded a second time (every service but S3), or as
//    sent (S3).
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';

export interface SigV4Request {
    method: string;
    /** The request target as sent ("/mqtt?X-Amz-..."), or an absolute URL. */
    url: string;
    /** Request headers; names in any case (IncomingMessage.headers is fine). */
    headers: Record<string, string | string[] | undefined>;
}

export interface SigV4Credentials {
    accessKeyId: string;
    secretAccessKey: string;
    /** When set, the request must carry it as X-Amz-Security-Token (signed or not). */
    sessionToken?: string;
}

export interface SigV4Expectation {
    region: string;
    service: string;
    /** Clock for the expiry checks (default: now). */
    now?: Date;
    /** Allowed clock difference for a signing time in the future, and, when X-Amz-Expires is
     * absent, the maximum age of the signature (default 900 s, AWS's). */
    maxSkewSeconds?: number;
    /** 'signed': the token must be inside the signature; 'unsigned': appended after signing; default 'either'. */
    sessionTokenMode?: 'signed' | 'unsigned' | 'either';
    /** Restrict the accepted payload hashes (default: see the file header). */
    payloadHashes?: string[];
    /** Require X-Amz-Expires (default false: the CRT only adds it when given an expiration). */
    requireExpires?: boolean;
    /** Headers that must be signed (default ["host"]). */
    requiredSignedHeaders?: string[];
    /** Double-encode and normalise the path (default: service !== "s3"). */
    doubleUriEncode?: boolean;
}

export interface SigV4Details {
    algorithm?: string;
    accessKeyId?: string;
    credentialScope?: string;
    date?: string;
    region?: string;
    service?: string;
    amzDate?: string;
    expires?: number;
    signedHeaders?: string[];
    providedSignature?: string;
    /** Present whenever a signature was computed: the variant that matched, else the first tried. */
    expectedSignature?: string;
    canonicalRequest?: string;
    stringToSign?: string;
    payloadHash?: string;
    /** Whether X-Amz-Security-Token was part of the signature (undefined: no token sent). */
    sessionTokenSigned?: boolean;
    sessionTokenPresent: boolean;
    /** Every variant tried (payload hash x token mode), with its signature. */
    attempts: { payloadHash: string; sessionTokenSigned: boolean | undefined; signature: string }[];
}

export interface SigV4Result {
    ok: boolean;
    reason?: string;
    details: SigV4Details;
}

const sha256Hex = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data, 'utf8').digest();

/** RFC 3986 percent-encoding of everything but the unreserved characters (A-Z a-z 0-9 - _ . ~), UTF-8, upper-case hex. */
export function uriEncode(s: string, keepSlash = false): string {
    let out = '';
    for (const byte of Buffer.from(s, 'utf8')) {
        const c = String.fromCharCode(byte);
        if (/[A-Za-z0-9\-_.~]/.test(c) || (keepSlash && c === '/')) out += c;
        else out += '%' + byte.toString(16).toUpperCase().padStart(2, '0');
    }
    return out;
}

function percentDecode(s: string): string {
    // Decodes %XX sequences (no '+' -> space: SigV4 signers encode spaces as %20).
    try {
        return decodeURIComponent(s);
    } catch {
        return s;
    }
}

/** The SigV4 signing key: HMAC chain over date (YYYYMMDD), region, service, "aws4_request". */
export function signingKey(secretAccessKey: string, date: string, region: string, service: string): Buffer {
    return hmac(hmac(hmac(hmac('AWS4' + secretAccessKey, date), region), service), 'aws4_request');
}

/** Removes "." and empty segments and resolves ".." (aws-c-auth's normalisation), keeping a trailing "/". */
function normalizePath(p: string): string {
    if (p === '' || p === '/') return '/';
    const out: string[] = [];
    for (const seg of p.split('/')) {
        if (seg === '' || seg === '.') continue;
        if (seg === '..') out.pop();
        else out.push(seg);
    }
    const trailing = p.endsWith('/') && out.length > 0 ? '/' : '';
    return '/' + out.join('/') + trailing;
}

export function canonicalUri(rawPath: string, doubleEncode: boolean): string {
    if (!doubleEncode) return rawPath === '' ? '/' : rawPath;
    // The path is already encoded once on the wire: encode it again (the '%' become '%25').
    return uriEncode(normalizePath(rawPath), true);
}

/** [rawKey, rawValue] pairs of a raw query string, in order. */
function rawQueryPairs(query: string): [string, string][] {
    if (query === '') return [];
    return query
        .split('&')
        .filter((p) => p !== '')
        .map((p) => {
            const i = p.indexOf('=');
            return i < 0 ? [p, ''] : [p.slice(0, i), p.slice(i + 1)];
        });
}

/** Canonical query string from decoded [key, value] pairs: re-encoded, sorted by key then value. */
export function canonicalQueryString(pairs: [string, string][]): string {
    const enc = pairs.map(([k, v]) => [uriEncode(k), uriEncode(v)] as [string, string]);
    const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0); // ASCII only after encoding
    enc.sort((a, b) => cmp(a[0], b[0]) || cmp(a[1], b[1]));
    return enc.map(([k, v]) => `${k}=${v}`).join('&');
}

function headerValue(headers: SigV4Request['headers'], name: string): string | undefined {
    const values: string[] = [];
    for (const [k, v] of Object.entries(headers)) {
        if (k.toLowerCase() !== name || v === undefined) continue;
        values.push(...(Array.isArray(v) ? v : [v]));
    }
    if (values.length === 0) return undefined;
    return values.map((v) => v.trim().replace(/\s+/g, ' ')).join(',');
}

function parseAmzDate(s: string): Date | undefined {
    const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s);
    if (!m) return undefined;
    const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]));
    return Number.isNaN(d.getTime()) ? undefined : d;
}

function safeEqualHex(a: string, b: string): boolean {
    const x = Buffer.from(a, 'utf8');
    const y = Buffer.from(b, 'utf8');
    return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Verifies a SigV4 query-string signature (AWS4-HMAC-SHA256) the way a service would.
 * Returns ok, or the first reason it is refused; `details` has the intermediate values.
 */
export function verifyPresignedUrl(req: SigV4Request, creds: SigV4Credentials, expected: SigV4Expectation): SigV4Result {
    const details: SigV4Details = { sessionTokenPresent: false, attempts: [] };
    const fail = (reason: string): SigV4Result => ({ ok: false, reason, details });

    // Split the target into raw path and raw query (no decoding yet).
    let target = req.url;
    const abs = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(target);
    if (abs) target = target.slice(abs[0].length);
    target = target.split('#')[0];
    const q = target.indexOf('?');
    const rawPath = q < 0 ? target : target.slice(0, q);
    const rawQuery = q < 0 ? '' : target.slice(q + 1);
    const pairs = rawQueryPairs(rawQuery).map(([k, v]) => [percentDecode(k), percentDecode(v)] as [string, string]);

    const params = new Map<string, string[]>();
    for (const [k, v] of pairs) params.set(k, [...(params.get(k) ?? []), v]);
    const single = (name: string): string | undefined | null => {
        const v = params.get(name);
        if (v === undefined) return undefined;
        return v.length === 1 ? v[0] : null; // null: repeated
    };
    for (const name of ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Date', 'X-Amz-SignedHeaders', 'X-Amz-Signature']) {
        const v = single(name);
        if (v === undefined) return fail(`missing query parameter ${name}`);
        if (v === null) return fail(`query parameter ${name} repeated`);
    }
    const algorithm = single('X-Amz-Algorithm')!;
    const credential = single('X-Amz-Credential')!;
    const amzDate = single('X-Amz-Date')!;
    const signedHeadersParam = single('X-Amz-SignedHeaders')!;
    const signature = single('X-Amz-Signature')!;
    Object.assign(details, { algorithm, amzDate, providedSignature: signature });
    if (algorithm !== 'AWS4-HMAC-SHA256') return fail(`unsupported X-Amz-Algorithm ${algorithm}`);

    const cred = credential.split('/');
    if (cred.length !== 5 || cred[4] !== 'aws4_request') return fail(`malformed X-Amz-Credential ${credential}`);
    const [accessKeyId, date, region, service] = cred;
    Object.assign(details, { accessKeyId, date, region, service, credentialScope: cred.slice(1).join('/') });
    if (accessKeyId !== creds.accessKeyId) return fail(`unknown access key id ${accessKeyId}`);
    if (region !== expected.region) return fail(`credential scope region ${region}, expected ${expected.region}`);
    if (service !== expected.service) return fail(`credential scope service ${service}, expected ${expected.service}`);

    const signedAt = parseAmzDate(amzDate);
    if (!signedAt) return fail(`malformed X-Amz-Date ${amzDate}`);
    if (amzDate.slice(0, 8) !== date) return fail(`credential scope date ${date} does not match X-Amz-Date ${amzDate}`);

    const now = (expected.now ?? new Date()).getTime();
    const skew = (expected.maxSkewSeconds ?? 900) * 1000;
    const expiresRaw = single('X-Amz-Expires');
    if (expiresRaw === null) return fail('query parameter X-Amz-Expires repeated');
    if (expiresRaw === undefined) {
        if (expected.requireExpires) return fail('missing query parameter X-Amz-Expires');
    } else {
        if (!/^\d+$/.test(expiresRaw)) return fail(`malformed X-Amz-Expires ${expiresRaw}`);
        details.expires = Number(expiresRaw);
        if (details.expires < 1 || details.expires > 604800) return fail(`X-Amz-Expires ${expiresRaw} out of range 1..604800`);
    }
    if (signedAt.getTime() - now > skew) return fail(`X-Amz-Date ${amzDate} is in the future`);
    if (details.expires !== undefined) {
        if (now > signedAt.getTime() + details.expires * 1000)
            return fail(`signature expired: X-Amz-Date ${amzDate} + X-Amz-Expires ${details.expires}s is in the past`);
    } else if (now - signedAt.getTime() > skew) {
        return fail(`signature too old: X-Amz-Date ${amzDate}, no X-Amz-Expires, more than ${skew / 1000}s ago`);
    }

    const signedHeaders = signedHeadersParam.split(';');
    details.signedHeaders = signedHeaders;
    const sortedUnique = [...new Set(signedHeaders)].sort();
    if (signedHeaders.some((h) => h === '' || h !== h.toLowerCase()) || sortedUnique.join(';') !== signedHeadersParam) {
        return fail(`X-Amz-SignedHeaders ${signedHeadersParam} is not lower-case, sorted and unique`);
    }
    for (const h of expected.requiredSignedHeaders ?? ['host']) {
        if (!signedHeaders.includes(h)) return fail(`header ${h} is not signed (X-Amz-SignedHeaders=${signedHeadersParam})`);
    }
    let canonicalHeaders = '';
    for (const h of signedHeaders) {
        const v = headerValue(req.headers, h);
        if (v === undefined) return fail(`signed header ${h} is missing from the request`);
        canonicalHeaders += `${h}:${v}\n`;
    }

    // Session token.
    const tokens = params.get('X-Amz-Security-Token');
    details.sessionTokenPresent = tokens !== undefined;
    if (creds.sessionToken !== undefined) {
        if (tokens === undefined) return fail('missing X-Amz-Security-Token');
        if (!tokens.every((t) => t === creds.sessionToken)) return fail('X-Amz-Security-Token does not match the session token');
    } else if (tokens !== undefined) {
        return fail('unexpected X-Amz-Security-Token (credentials have no session token)');
    }
    const mode = expected.sessionTokenMode ?? 'either';
    // How many X-Amz-Security-Token occurrences go into the canonical query: undefined (none sent),
    // 0 (unsigned: appended after signing), or n >= 1 (signed; when it is repeated, also try one
    // signed copy plus copies appended after signing).
    const tokenCounts: (number | undefined)[] = [];
    if (tokens === undefined) tokenCounts.push(undefined);
    else {
        if (mode !== 'unsigned') tokenCounts.push(tokens.length, ...(tokens.length > 1 ? [1] : []));
        if (mode !== 'signed') tokenCounts.push(0);
    }

    // Payload hash.
    const contentSha = single('X-Amz-Content-Sha256') ?? headerValue(req.headers, 'x-amz-content-sha256');
    const payloadHashes =
        expected.payloadHashes ?? (typeof contentSha === 'string' ? [contentSha] : [EMPTY_SHA256, UNSIGNED_PAYLOAD]);

    const doubleEncode = expected.doubleUriEncode ?? service !== 's3';
    const uri = canonicalUri(rawPath, doubleEncode);
    const key = signingKey(creds.secretAccessKey, date, region, service);

    for (const tokenCount of tokenCounts) {
        const tokenSigned = tokenCount === undefined ? undefined : tokenCount > 0;
        let kept = 0;
        const queryPairs = pairs.filter(([k]) => {
            if (k === 'X-Amz-Signature') return false;
            if (k !== 'X-Amz-Security-Token') return true;
            return kept++ < (tokenCount ?? 0);
        });
        const cqs = canonicalQueryString(queryPairs);
        for (const payloadHash of payloadHashes) {
            const canonicalRequest = [req.method.toUpperCase(), uri, cqs, canonicalHeaders, signedHeadersParam, payloadHash].join(
                '\n',
            );
            const stringToSign = ['AWS4-HMAC-SHA256', amzDate, details.credentialScope, sha256Hex(canonicalRequest)].join('\n');
            const computed = createHmac('sha256', key).update(stringToSign, 'utf8').digest('hex');
            details.attempts.push({ payloadHash, sessionTokenSigned: tokenSigned, signature: computed });
            const match = safeEqualHex(computed, signature.toLowerCase());
            if (match || details.expectedSignature === undefined) {
                Object.assign(details, {
                    expectedSignature: computed,
                    canonicalRequest,
                    stringToSign,
                    payloadHash,
                    sessionTokenSigned: tokenSigned,
                });
            }
            if (match) return { ok: true, details };
        }
    }
    return fail(`signature mismatch: got ${signature}, computed ${details.attempts.map((a) => a.signature).join(' / ')}`);
}
