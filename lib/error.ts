import { binding } from './native';

/** The CRT's "unknown error" number: what an error made from a message alone carries as `errorCode`. */
const AWS_ERROR_UNKNOWN = 3;

/**
 * An error reported by the AWS Common Runtime, with aws-crt's fields and ours.
 *
 * As in aws-crt: `error` is what the error was made from (the CRT error number, or a message),
 * `error_code` the CRT error number and `error_name` its name (both undefined for an error made
 * from a message), and `message` the CRT's text for the code as aws-crt words it
 * (`io.error_code_to_string`: "<library>: <NAME>, <description>").
 * Ours: `code` is the CRT error name (e.g. `AWS_IO_SOCKET_CONNECTION_REFUSED`), `errorCode` its
 * number, and `context` what was being done when it happened (a file and the option that named
 * it, the host and port, the limit that was exceeded, the TLS library's reason), which is also
 * appended to the message in parentheses.
 */
export class CrtError extends Error {
    /** aws-crt: what the error was made from (the CRT error number, or a message). */
    readonly error: unknown;
    /** aws-crt: the CRT error number; undefined for an error made from a message. */
    readonly error_code?: number;
    /** aws-crt: the CRT error name; undefined for an error made from a message. */
    readonly error_name?: string;
    /** The CRT error name, e.g. `AWS_IO_SOCKET_CONNECTION_REFUSED` (`AWS_ERROR_UNKNOWN` for a message). */
    readonly code: string;
    /** The CRT error number (`AWS_ERROR_UNKNOWN`'s for a message). */
    readonly errorCode: number;
    /** What was being done when the error happened, when known. */
    readonly context?: string;

    /**
     * @param error the CRT error number (aws-crt also takes a message, or another CrtError to copy)
     * @param context what was being done (appended to the message)
     */
    constructor(error: number | string | CrtError, context?: string) {
        let code: number | undefined;
        let base: string;
        if (typeof error === 'number') {
            code = error;
            base = binding.errorDebugString(error);
        } else if (error instanceof CrtError) {
            code = error.error_code;
            base = error.message; // its context is in it already
        } else if (typeof error === 'string') {
            base = error;
        } else {
            try {
                base = String(error); // aws-crt takes anything and shows it
            } catch (e) {
                throw new TypeError(
                    `CrtError: error must be an error number, a message or a CrtError (${(e as Error)?.message ?? e})`,
                );
            }
        }
        super(context ? `${base} (${context})` : base);
        this.name = 'CrtError';
        this.error = error;
        this.error_code = code;
        this.error_name = code === undefined ? undefined : binding.errorName(code);
        this.errorCode = code ?? AWS_ERROR_UNKNOWN;
        this.code = this.error_name ?? binding.errorName(AWS_ERROR_UNKNOWN);
        const ctx = context ?? (error instanceof CrtError ? error.context : undefined);
        if (ctx) this.context = ctx;
    }
}

/** The error numbers the JS layer raises itself. */
export const ErrorCodes = binding.errorCodes;

binding.setErrorClass(CrtError);
