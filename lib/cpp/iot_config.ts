// The C++ SDK's settings for the AWS IoT builder factories (`Aws::Iot::WebsocketConfig`,
// `Aws::Iot::Mqtt5CustomAuthConfig`): plain holders that lib/builder.ts hands to lib/iot_connect.ts.
import type { AwsCredentialsProvider } from '../auth';
import type { MqttConnectCustomAuthConfig } from '../iot_connect';

/** C++ `Aws::Iot::WebsocketConfig(signingRegion, credentialsProvider)`. */
export class WebsocketConfig {
    /**
     * @param signingRegion the region to sign for (default: parsed from the endpoint)
     * @param credentialsProvider default: the default credentials chain
     * @param serviceName default: iotdevicegateway
     */
    constructor(
        public signingRegion?: string,
        public credentialsProvider?: AwsCredentialsProvider,
        public serviceName = 'iotdevicegateway',
    ) {}
}

/** C++ `Aws::Iot::Mqtt5CustomAuthConfig`, with fluent setters. */
export class Mqtt5CustomAuthConfig implements MqttConnectCustomAuthConfig {
    authorizerName?: string;
    username?: string;
    password?: Uint8Array | string;
    tokenKeyName?: string;
    tokenValue?: string;
    tokenSignature?: string;
    /** Sets the authorizer name; unset means the account's default authorizer. */
    withAuthorizerName(name: string): this {
        this.authorizerName = name;
        return this;
    }
    /** The seed guide's spelling of {@link withAuthorizerName}. */
    withAuthrizaerName(name: string): this {
        return this.withAuthorizerName(name);
    }
    /** Sets the username passed to the authorizer's Lambda. */
    withUsername(username: string): this {
        this.username = username;
        return this;
    }
    /** Sets the password passed to the authorizer's Lambda. */
    withPassword(password: Uint8Array | string): this {
        this.password = password;
        return this;
    }
    /** Sets the query-parameter name of the token (signed authorizers). */
    withTokenKeyName(name: string): this {
        this.tokenKeyName = name;
        return this;
    }
    /** Sets the token value (signed authorizers). */
    withTokenValue(value: string): this {
        this.tokenValue = value;
        return this;
    }
    /** Sets the base64 token signature; it is URI-encoded unless it already is. */
    withTokenSignature(signature: string): this {
        this.tokenSignature = signature;
        return this;
    }
    /** The authorizer name, if set. */
    getAuthorizerName(): string | undefined {
        return this.authorizerName;
    }
    /** The username, if set. */
    getUsername(): string | undefined {
        return this.username;
    }
    /** The password, if set. */
    getPassword(): Uint8Array | string | undefined {
        return this.password;
    }
    /** The token key name, if set. */
    getTokenKeyName(): string | undefined {
        return this.tokenKeyName;
    }
    /** The token value, if set. */
    getTokenValue(): string | undefined {
        return this.tokenValue;
    }
    /** The token signature, if set. */
    getTokenSignature(): string | undefined {
        return this.tokenSignature;
    }
}
