// The SigV4 presigned-URL verifier fixture (test/helpers/sigv4.ts) against published vectors
// and an independent reference presigner written here from the AWS SigV4 documentation.
import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { EMPTY_SHA256, UNSIGNED_PAYLOAD, verifyPresignedUrl } from '../helpers/sigv4';

// ---- reference presigner (deliberately shares no code with the verifier) ----
const rfc3986 = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());

interface PresignInput {
    method?: string;
    host: string;
    path: string; // already encoded for the wire
    service: string;
    region: string;
    accessKeyId: string;
    secretAccessKey: string;
    sessionToken?: string;
    /** true: the token is part of the signature; false: appended after signing (IoT). */
    signToken?: boolean;
    date: Date;
    expires?: number;
    payloadHash?: string;
    extraQuery?: Record<string, string>;
}

function presign(i: PresignInput): string {
    const amzDate = i.date
        .toISOString()
        .replace(/[-:]/g, '')
        .replace(/\.\d{3}/, '');
    const day = amzDate.slice(0, 8);
    const scope = `${day}/${i.region}/${i.service}/aws4_request`;
    const q: Record<string, string> = {
        ...(i.extraQuery ?? {}),
        'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
        'X-Amz-Credential': `${i.accessKeyId}/${scope}`,
        'X-Amz-Date': amzDate,
        'X-Amz-SignedHeaders': 'host',
    };
    if (i.expires !== undefined) q['X-Amz-Expires'] = String(i.expires);
    if (i.sessionToken && i.signToken) q['X-Amz-Security-Token'] = i.sessionToken;
    const query = Object.keys(q)
        .map((k) => [rfc3986(k), rfc3986(q[k])])
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, v]) => `${k}=${v}`)
        .join('&');
    // Non-S3 services: each path segment encoded twice (the wire form is encoded once more).
    const uri = i.service === 's3' ? i.path : i.path.split('/').map(rfc3986).join('/');
    const canonical = [i.method ?? 'GET', uri, query, `host:${i.host}\n`, 'host', i.payloadHash ?? EMPTY_SHA256].join('\n');
    const sts = ['AWS4-HMAC-SHA256', amzDate, scope, crypto.createHash('sha256').update(canonical).digest('hex')].join('\n');
    const h = (k: crypto.BinaryLike, d: string) => crypto.createHmac('sha256', k).update(d).digest();
    const kSigning = h(h(h(h('AWS4' + i.secretAccessKey, day), i.region), i.service), 'aws4_request');
    const sig = crypto.createHmac('sha256', kSigning).update(sts).digest('hex');
    let url = `${i.path}?${query}&X-Amz-Signature=${sig}`;
    if (i.sessionToken && !i.signToken) url += `&X-Amz-Security-Token=${rfc3986(i.sessionToken)}`;
    return url;
}

const CREDS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const HOST = 'abc123-ats.iot.us-east-1.amazonaws.com';
const NOW = new Date('2024-03-01T10:20:30Z');
const IOT = { region: 'us-east-1', service: 'iotdevicegateway', now: new Date(NOW.getTime() + 5000) };
const iotUrl = (over: Partial<PresignInput> = {}) =>
    presign({
        host: HOST,
        path: '/mqtt',
        service: 'iotdevicegateway',
        region: 'us-east-1',
        ...CREDS,
        date: NOW,
        expires: 3600,
        ...over,
    });
const req = (url: string, host = HOST) => ({ method: 'GET', url, headers: { host, upgrade: 'websocket' } });

describe('reference presigner', () => {
    it("reproduces AWS's published S3 presigned-URL example", () => {
        // docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html, "GET object" example.
        const url = presign({
            host: 'examplebucket.s3.amazonaws.com',
            path: '/test.txt',
            service: 's3',
            region: 'us-east-1',
            accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
            secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
            date: new Date('2013-05-24T00:00:00Z'),
            expires: 86400,
            payloadHash: UNSIGNED_PAYLOAD,
        });
        expect(url).toBe(
            '/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request' +
                '&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host' +
                '&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404',
        );
    });
});

describe('verifyPresignedUrl', () => {
    it("accepts AWS's published S3 example (UNSIGNED-PAYLOAD, single-encoded path)", () => {
        const r = verifyPresignedUrl(
            {
                method: 'GET',
                url:
                    'https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256' +
                    '&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z' +
                    '&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404',
                headers: { Host: 'examplebucket.s3.amazonaws.com' },
            },
            { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' },
            { region: 'us-east-1', service: 's3', now: new Date('2013-05-24T01:00:00Z') },
        );
        expect(r.reason).toBeUndefined();
        expect(r.ok).toBe(true);
        expect(r.details.payloadHash).toBe(UNSIGNED_PAYLOAD);
        // The canonical request hash AWS's page prints in its string to sign.
        expect(r.details.stringToSign!.split('\n')[3]).toBe('3bfa292879f6447bbcda7001decf97f4a54dc650c8942174ae0a9121cf58ad04');
    });

    it("accepts aws-c-auth's get-vanilla-query query-signed vector (the CRT signer's own output)", () => {
        // awslabs/aws-c-auth tests/aws-signing-test-suite/v4/get-vanilla-query/query-signed-request.txt
        const r = verifyPresignedUrl(
            {
                method: 'GET',
                url:
                    '/?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fservice%2Faws4_request' +
                    '&X-Amz-Date=20150830T123600Z&X-Amz-SignedHeaders=host&X-Amz-Expires=3600' +
                    '&X-Amz-Signature=e93c787ed7f371d5c6b165c1b38ede9550f4dce4144713e844b25b7192d3865d',
                headers: { Host: 'example.amazonaws.com', 'X-Amz-Date': '20150830T123600Z' },
            },
            CREDS,
            { region: 'us-east-1', service: 'service', now: new Date('2015-08-30T12:40:00Z') },
        );
        expect(r.reason).toBeUndefined();
        expect(r.details.payloadHash).toBe(EMPTY_SHA256);
    });

    it("accepts aws-c-auth's get-vanilla-with-session-token query-signed vector", () => {
        // awslabs/aws-c-auth tests/aws-signing-test-suite/v4/get-vanilla-with-session-token/query-signed-request.txt:
        // the token is signed once and appears a second time after the signature.
        const token = '6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267';
        const r = verifyPresignedUrl(
            {
                method: 'GET',
                url:
                    '/?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fservice%2Faws4_request' +
                    `&X-Amz-Date=20150830T123600Z&X-Amz-SignedHeaders=host&X-Amz-Expires=3600&X-Amz-Security-Token=${token}` +
                    `&X-Amz-Signature=7ff2b50b376cb4d151970630573d6291dc128cc5c2a12ffb237f73cc53f67b6c&X-Amz-Security-Token=${token}`,
                headers: { Host: 'example.amazonaws.com' },
            },
            { ...CREDS, sessionToken: token },
            { region: 'us-east-1', service: 'service', now: new Date('2015-08-30T12:40:00Z') },
        );
        expect(r.reason).toBeUndefined();
        expect(r.details.sessionTokenSigned).toBe(true);
    });

    it('accepts a correctly presigned IoT websocket URL', () => {
        const r = verifyPresignedUrl(req(iotUrl()), CREDS, IOT);
        expect(r.reason).toBeUndefined();
        expect(r.ok).toBe(true);
        expect(r.details).toMatchObject({
            region: 'us-east-1',
            service: 'iotdevicegateway',
            expires: 3600,
            payloadHash: EMPTY_SHA256,
        });
        expect(r.details.sessionTokenSigned).toBeUndefined();
    });

    it('accepts one without X-Amz-Expires while fresh, refuses it when older than the skew', () => {
        const url = iotUrl({ expires: undefined });
        expect(verifyPresignedUrl(req(url), CREDS, IOT).ok).toBe(true);
        const r = verifyPresignedUrl(req(url), CREDS, { ...IOT, now: new Date(NOW.getTime() + 901_000) });
        expect(r.ok).toBe(false);
        expect(r.reason).toMatch(/too old/);
        expect(verifyPresignedUrl(req(url), CREDS, { ...IOT, requireExpires: true }).reason).toMatch(
            /missing query parameter X-Amz-Expires/,
        );
    });

    it('accepts UNSIGNED-PAYLOAD and an explicit X-Amz-Content-Sha256', () => {
        expect(verifyPresignedUrl(req(iotUrl({ payloadHash: UNSIGNED_PAYLOAD })), CREDS, IOT).details.payloadHash).toBe(
            UNSIGNED_PAYLOAD,
        );
        const hash = crypto.createHash('sha256').update('body').digest('hex');
        const url = iotUrl({ payloadHash: hash, extraQuery: { 'X-Amz-Content-Sha256': hash } });
        const r = verifyPresignedUrl(req(url), CREDS, IOT);
        expect(r.reason).toBeUndefined();
        expect(r.details.payloadHash).toBe(hash);
        // Restricting the accepted hashes refuses the others.
        expect(
            verifyPresignedUrl(req(iotUrl({ payloadHash: UNSIGNED_PAYLOAD })), CREDS, { ...IOT, payloadHashes: [EMPTY_SHA256] })
                .ok,
        ).toBe(false);
    });

    it('accepts the session token signed or appended after signing, and reports which', () => {
        const creds = { ...CREDS, sessionToken: 'FwoGZXIvYXdzE+/token=with/odd+chars' };
        const unsigned = verifyPresignedUrl(req(iotUrl({ sessionToken: creds.sessionToken, signToken: false })), creds, IOT);
        expect(unsigned.reason).toBeUndefined();
        expect(unsigned.details.sessionTokenSigned).toBe(false);
        const signed = verifyPresignedUrl(req(iotUrl({ sessionToken: creds.sessionToken, signToken: true })), creds, IOT);
        expect(signed.reason).toBeUndefined();
        expect(signed.details.sessionTokenSigned).toBe(true);
        // Modes.
        expect(
            verifyPresignedUrl(req(iotUrl({ sessionToken: creds.sessionToken, signToken: false })), creds, {
                ...IOT,
                sessionTokenMode: 'signed',
            }).ok,
        ).toBe(false);
        expect(
            verifyPresignedUrl(req(iotUrl({ sessionToken: creds.sessionToken, signToken: true })), creds, {
                ...IOT,
                sessionTokenMode: 'unsigned',
            }).ok,
        ).toBe(false);
        // Missing, wrong, or unexpected token.
        expect(verifyPresignedUrl(req(iotUrl()), creds, IOT).reason).toMatch(/missing X-Amz-Security-Token/);
        expect(verifyPresignedUrl(req(iotUrl({ sessionToken: 'other', signToken: false })), creds, IOT).reason).toMatch(
            /does not match/,
        );
        expect(
            verifyPresignedUrl(req(iotUrl({ sessionToken: creds.sessionToken, signToken: false })), CREDS, IOT).reason,
        ).toMatch(/unexpected/);
    });

    it('double-encodes the path for non-S3 services', () => {
        const url = iotUrl({ path: '/a%20b/mqtt' });
        const r = verifyPresignedUrl(req(url), CREDS, IOT);
        expect(r.reason).toBeUndefined();
        expect(r.details.canonicalRequest!.split('\n')[1]).toBe('/a%2520b/mqtt');
    });

    it('rejects a wrong secret', () => {
        const r = verifyPresignedUrl(req(iotUrl({ secretAccessKey: 'not-the-secret' })), CREDS, IOT);
        expect(r.ok).toBe(false);
        expect(r.reason).toMatch(/signature mismatch/);
        expect(verifyPresignedUrl(req(iotUrl()), { ...CREDS, secretAccessKey: 'x' }, IOT).reason).toMatch(/signature mismatch/);
    });

    it('rejects a wrong access key, region or service', () => {
        expect(verifyPresignedUrl(req(iotUrl({ accessKeyId: 'AKIDOTHER' })), CREDS, IOT).reason).toMatch(/unknown access key id/);
        expect(verifyPresignedUrl(req(iotUrl({ region: 'eu-west-1' })), CREDS, IOT).reason).toMatch(
            /region eu-west-1, expected us-east-1/,
        );
        expect(verifyPresignedUrl(req(iotUrl()), CREDS, { ...IOT, region: 'eu-west-1' }).ok).toBe(false);
        expect(verifyPresignedUrl(req(iotUrl({ service: 'iot' })), CREDS, IOT).reason).toMatch(
            /service iot, expected iotdevicegateway/,
        );
        // Region rewritten in the URL after signing: the scope check passes, the signature does not.
        const moved = iotUrl({ region: 'eu-west-1' }).replace('%2Feu-west-1%2F', '%2Fus-east-1%2F');
        expect(verifyPresignedUrl(req(moved), CREDS, IOT).reason).toMatch(/signature mismatch/);
    });

    it('rejects a tampered query parameter, path or host', () => {
        const url = iotUrl({ extraQuery: { 'x-amz-customauthorizer-name': 'auth1' } });
        expect(verifyPresignedUrl(req(url), CREDS, IOT).ok).toBe(true);
        expect(verifyPresignedUrl(req(url.replace('auth1', 'auth2')), CREDS, IOT).reason).toMatch(/signature mismatch/);
        expect(verifyPresignedUrl(req(url.replace('X-Amz-Expires=3600', 'X-Amz-Expires=7200')), CREDS, IOT).reason).toMatch(
            /signature mismatch/,
        );
        expect(verifyPresignedUrl(req(url + '&extra=1'), CREDS, IOT).reason).toMatch(/signature mismatch/);
        expect(verifyPresignedUrl(req(url.replace('/mqtt?', '/mqtt2?')), CREDS, IOT).reason).toMatch(/signature mismatch/);
        expect(verifyPresignedUrl(req(url, 'other.example.com'), CREDS, IOT).reason).toMatch(/signature mismatch/);
        expect(verifyPresignedUrl({ method: 'GET', url, headers: {} }, CREDS, IOT).reason).toMatch(
            /signed header host is missing/,
        );
        const sig = /X-Amz-Signature=([0-9a-f]{64})/.exec(url)![1];
        const flipped = sig.slice(0, -1) + (sig.endsWith('0') ? '1' : '0');
        expect(verifyPresignedUrl(req(url.replace(sig, flipped)), CREDS, IOT).reason).toMatch(/signature mismatch/);
        expect(verifyPresignedUrl(req(url.replace(/&X-Amz-Signature=[0-9a-f]+/, '')), CREDS, IOT).reason).toMatch(
            /missing query parameter X-Amz-Signature/,
        );
    });

    it('rejects an expired X-Amz-Date + X-Amz-Expires, and a signing time in the future', () => {
        const url = iotUrl({ expires: 60 });
        expect(verifyPresignedUrl(req(url), CREDS, { ...IOT, now: new Date(NOW.getTime() + 59_000) }).ok).toBe(true);
        const r = verifyPresignedUrl(req(url), CREDS, { ...IOT, now: new Date(NOW.getTime() + 61_000) });
        expect(r.ok).toBe(false);
        expect(r.reason).toMatch(/expired/);
        expect(verifyPresignedUrl(req(url), CREDS, { ...IOT, now: new Date(NOW.getTime() - 3600_000) }).reason).toMatch(
            /in the future/,
        );
        expect(verifyPresignedUrl(req(iotUrl({ expires: 604801 })), CREDS, IOT).reason).toMatch(/out of range/);
    });
});
