// The CRT's error-code helpers as the C++ SDK's code calls them: `aws_error_debug_str(code)`
// (`Aws::Crt::ErrorDebugString`) and friends.
import { binding } from '../native';

// aws-c-common packs a library's errors into a block of 1024 codes (AWS_ERROR_ENUM_STRIDE_BITS
// = 10) at its package id; the names are those each library gives AWS_DEFINE_ERROR_INFO.
const LIBRARY_BY_PACKAGE: Record<number, string> = {
    0: 'aws-c-common',
    1: 'aws-c-io',
    2: 'aws-c-http',
    3: 'aws-c-compression',
    5: 'libaws-c-mqtt',
    6: 'aws-c-auth',
    7: 'aws-c-cal',
    15: 'aws-c-sdkutils',
};
const UNKNOWN = 'Unknown Error Code';

function checkCode(code: unknown, fn: string): asserts code is number {
    if (typeof code !== 'number' || !Number.isInteger(code)) {
        throw new TypeError(`${fn}(errorCode): errorCode must be an integer CRT error code; got ${String(code)}`);
    }
}

/**
 * C `aws_error_debug_str(code)` / C++ `Aws::Crt::ErrorDebugString(code)`: the error's library,
 * name and description in one line, e.g. `aws-c-io: AWS_IO_SOCKET_CONNECTION_REFUSED, socket
 * connection refused.`; `Unknown Error Code` for a number the CRT does not know.
 */
export function errorDebugString(errorCode: number): string {
    checkCode(errorCode, 'errorDebugString');
    const name = binding.errorName(errorCode);
    if (name === UNKNOWN) return UNKNOWN;
    const library = LIBRARY_BY_PACKAGE[errorCode >> 10] ?? 'aws-crt';
    return `${library}: ${name}, ${binding.errorString(errorCode)}`;
}

/** C `aws_error_str(code)` / C++ `Aws::Crt::ErrorDebugString`'s description part alone. */
export function errorString(errorCode: number): string {
    checkCode(errorCode, 'errorString');
    return binding.errorString(errorCode);
}

/** C `aws_error_name(code)`: the error's name, e.g. `AWS_ERROR_MQTT5_USER_REQUESTED_STOP`. */
export function errorName(errorCode: number): string {
    checkCode(errorCode, 'errorName');
    return binding.errorName(errorCode);
}

const byName = new Map<string, number>();
/**
 * The number of a CRT error from its name (found once by scanning the libraries' blocks; the
 * numbers depend on the CRT version, so they are not written down here).
 * @internal
 */
export function errorCodeOf(name: string): number {
    let code = byName.get(name);
    if (code !== undefined) return code;
    for (const pkg of Object.keys(LIBRARY_BY_PACKAGE)) {
        const base = Number(pkg) << 10;
        for (let c = base; c < base + 1024; c++) {
            const n = binding.errorName(c);
            if (n === UNKNOWN) break;
            byName.set(n, c);
        }
    }
    code = byName.get(name);
    if (code === undefined) throw new Error(`mqtt5-crt: the CRT has no error named ${name}`);
    return code;
}
