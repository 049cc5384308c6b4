/**
 * AWS credentials providers (aws-c-auth), named as in aws-crt's `auth` module. Used to sign the
 * websocket handshake with SigV4.
 */
import type { ClientBootstrap } from './io';
import { binding } from './native';

/** A set of AWS credentials. */
export interface AwsCredentials {
    /** AWS access key ID. */
    accessKeyId: string;
    /** AWS secret access key. */
    secretAccessKey: string;
    /** Session token, for temporary credentials. */
    sessionToken?: string;
}

/** aws-crt's snake_case shape, also accepted from a delegate function. */
export interface AwsCredentialsSnakeCase {
    /** AWS access key ID. */
    aws_access_key_id: string;
    /** AWS secret access key. */
    aws_secret_access_key: string;
    /** Session token, for temporary credentials. */
    aws_session_token?: string;
}

/** A source of AWS credentials. */
export class AwsCredentialsProvider {
    /** @internal */
    readonly native: object & { getCredentials(): Promise<AwsCredentials> };
    /** @internal */
    constructor(kind: string, options: object = {}) {
        this.native = new binding.NativeCredentialsProvider(kind, options);
    }
    /** The default chain: environment, profile files, web identity, container and instance metadata. */
    static newDefault(_bootstrap?: ClientBootstrap, options: { profileName?: string } = {}): AwsCredentialsProvider {
        return new AwsCredentialsProvider('defaultChain', options);
    }
    /** Fixed credentials. */
    static newStatic(access_key: string, secret_key: string, session_token?: string): AwsCredentialsProvider {
        return new AwsCredentialsProvider('static', {
            accessKeyId: access_key,
            secretAccessKey: secret_key,
            sessionToken: session_token,
        });
    }
    /** AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN from the environment. */
    static newEnvironment(): AwsCredentialsProvider {
        return new AwsCredentialsProvider('environment');
    }
    /** A profile of the shared config/credentials files (~/.aws). */
    static newProfile(
        options: { profileName?: string; configFile?: string; credentialsFile?: string } = {},
    ): AwsCredentialsProvider {
        return new AwsCredentialsProvider('profile', options);
    }
    /** Caches another provider's credentials (until they expire, or for `refreshMs`). */
    static newCached(source: AwsCredentialsProvider, refreshMs?: number): AwsCredentialsProvider {
        if (!(source instanceof AwsCredentialsProvider)) throw new TypeError('source must be an AwsCredentialsProvider');
        return new AwsCredentialsProvider('cached', { source: source.native, refreshMs });
    }
    /** Credentials from a function of yours (sync or async), asked whenever they are needed. */
    static newDelegate(
        get: () => AwsCredentials | AwsCredentialsSnakeCase | Promise<AwsCredentials | AwsCredentialsSnakeCase>,
    ): AwsCredentialsProvider {
        if (typeof get !== 'function') throw new TypeError('the delegate must be a function');
        return new AwsCredentialsProvider('delegate', { get });
    }
    /** Resolves the provider once. */
    getCredentials(): Promise<AwsCredentials> {
        return this.native.getCredentials();
    }
}
