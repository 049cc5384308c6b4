import { binding } from './native';

/**
 * An error reported by the AWS Common Runtime.
 *
 * `code` is the CRT's error name (for example `AWS_ERROR_MQTT5_PUBLISH_OPTIONS_VALIDATION`),
 * `errorCode` its number. `error_code` and `error_name` carry the same values under the names
 * aws-crt uses, so code written against aws-crt's `CrtError` keeps working.
 */
export class CrtError extends Error {
    /** The CRT error name, e.g. `AWS_IO_SOCKET_CONNECTION_REFUSED`. */
    readonly code: string;
    /** The CRT error number. */
    readonly errorCode: number;
    /** aws-crt compatible alias of {@link errorCode}. */
    readonly error_code: number;
    /** aws-crt compatible alias of {@link code}. */
    readonly error_name: string;

    /**
     * @param errorCode the CRT error number
     * @param context optional words put before the CRT's own description
     */
    constructor(errorCode: number, context?: string) {
        const name = binding.errorName(errorCode);
        const description = binding.errorString(errorCode);
        super(context ? `${context}: ${description} (${name})` : `${description} (${name})`);
        this.name = 'CrtError';
        this.code = name;
        this.errorCode = errorCode;
        this.error_code = errorCode;
        this.error_name = name;
    }
}

/** The error numbers the JS layer raises itself. */
export const ErrorCodes = binding.errorCodes;

binding.setErrorClass(CrtError);
