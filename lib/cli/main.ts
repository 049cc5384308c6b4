// The command-line tool's entry: `mqtt5-crt <sub|pub> [options]` (bin/mqtt5-crt.mjs launches it).
//
// Exit codes: 0 success, 1 connection or operation failure, 2 usage error, 130 pub interrupted.
import fs from 'node:fs';
import path from 'node:path';
import { mainHelp, PROG, PUB_HELP, SUB_HELP } from './help';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, UsageError } from './options';
import { describeError, errorLine } from './output';
import { pub } from './pub';
import { sub } from './sub';

function version(): string {
    try {
        return JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')).version;
    } catch {
        return 'unknown';
    }
}

/** Runs one command; resolves with the exit code (usage errors throw a UsageError). */
export async function main(argv: string[]): Promise<number> {
    const [command, ...rest] = argv;
    if (command === undefined) throw new UsageError('expected a command: sub or pub');
    if (command === '--help' || command === 'help') {
        if (rest[0] === 'sub') process.stdout.write(SUB_HELP + '\n');
        else if (rest[0] === 'pub') process.stdout.write(PUB_HELP + '\n');
        else process.stdout.write(mainHelp(version()) + '\n');
        return EXIT_OK;
    }
    if (command === '--version') {
        process.stdout.write(`${PROG} ${version()}\n`);
        return EXIT_OK;
    }
    if (command === 'sub') return sub(rest);
    if (command === 'pub') return pub(rest);
    if (command.startsWith('-')) throw new UsageError(`expected a command (sub or pub) before '${command}'`);
    throw new UsageError(`unknown command '${command}' (the commands are sub and pub)`);
}

/** main() with its errors reported, then the exit code set; never rejects. */
export async function run(argv: string[]): Promise<void> {
    try {
        process.exitCode = await main(argv);
    } catch (err) {
        if (err instanceof UsageError) {
            errorLine(`error: ${err.message}`);
            const cmd = ['sub', 'pub'].includes(argv[0]) ? ` ${argv[0]}` : '';
            errorLine(`try '${PROG}${cmd} --help' for the options`);
            process.exitCode = EXIT_USAGE;
        } else {
            errorLine(`error: ${describeError(err)}`);
            process.exitCode = EXIT_FAILURE;
        }
    }
    // Everything is stopped and closed by now; if some handle still holds the loop (e.g. a stdin
    // reader), do not hang.
    setTimeout(() => process.exit(), 2000).unref();
}
