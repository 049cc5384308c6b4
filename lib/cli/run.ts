// Running one client for a command: start, report the lifecycle, do the job on each connection,
// then stop, close and resolve with the exit code. Ctrl-C and a closed stdout end the run.
import type { Mqtt5Client } from '../mqtt5_client';
import type { Mqtt5ClientConfig, NegotiatedSettings } from '../mqtt5_types';
import type { ConnectionSummary, Library } from './config';
import { EXIT_FAILURE, EXIT_OK } from './options';
import { debug, describeError, enumName, errorLine } from './output';

/** What a command's job gets: the client, and the ways to end the run. */
export interface RunApi {
    readonly client: Mqtt5Client;
    /** Ends the run with this exit code (stop, close). Later calls do nothing. */
    finish(code: number): void;
    /** Prints the error and ends the run with exit code 1. */
    fail(text: string): void;
    /** True once the run is ending. */
    readonly finishing: boolean;
}

export interface RunOptions {
    /** Called on each connection; `first` is true for the first. A rejection fails the run. */
    onConnected(settings: NegotiatedSettings, first: boolean, api: RunApi): unknown;
    /** The exit code of Ctrl-C (sub: 0, pub: 130). */
    interruptCode: number;
    /**
     * After a first connection: true retries a lost connection (the client's backoff, a line on
     * stderr per failed attempt) until interrupted (sub); false ends the run with exit code 1 when
     * the connection is lost (sub --no-reconnect); absent, a lost connection is retried once its
     * DISCONNECT is reported but a failed attempt ends the run (pub). A first connection that
     * fails always ends the run.
     */
    reconnect?: boolean;
}

/** An error of one operation, labelled for the "<operation> failed" line. */
export function opError(operation: string, err: unknown): unknown {
    if (err && typeof err === 'object') (err as { operation?: string }).operation = operation;
    return err;
}

function settingsLine(settings: NegotiatedSettings, reasonString: string | undefined): string {
    return (
        `connected: client id ${settings.clientId}, session ${settings.rejoinedSession ? 'rejoined' : 'new'}, ` +
        `keep-alive ${settings.serverKeepAlive} s, max QoS ${settings.maximumQos}, receive max ${settings.receiveMaximumFromServer}, ` +
        `max packet ${settings.maximumPacketSizeToServer}, topic aliases ${settings.topicAliasMaximumToServer}, ` +
        `retain ${settings.retainAvailable ? 'yes' : 'no'}, session expiry ${settings.sessionExpiryInterval} s` +
        (reasonString ? `, "${reasonString}"` : '')
    );
}

function attemptLine(summary: ConnectionSummary): string {
    const extra = [
        summary.proxy && `via proxy ${summary.proxy}`,
        summary.sigv4 && `SigV4 ${summary.sigv4}`,
        summary.alpn?.length && `ALPN ${summary.alpn.join(',')}`,
    ]
        .filter(Boolean)
        .join(', ');
    const where = `${summary.host}:${summary.port}`;
    return `connecting to ${summary.transport}://${where}${extra ? ` (${extra})` : ''}, metrics ${summary.metrics ? 'on' : 'off'}`;
}

/**
 * Why a TLS handshake failed, as the library words it in the error's context
 * ("connecting to <url>: TLS handshake failed: <reason>[; <hint>]"); undefined for other failures.
 */
function tlsFailureOf(error: { context?: string }): string | undefined {
    const marker = ': TLS handshake failed: ';
    const context = error.context ?? '';
    const at = context.indexOf(marker);
    return at < 0 ? undefined : context.slice(at + marker.length);
}

/** One run of a client, from start() to close(). */
class ClientRun implements RunApi {
    readonly client: Mqtt5Client;
    finishing = false;
    #exitCode = EXIT_OK;
    #connections = 0;
    #interrupts = 0;
    #resolveDone!: (code: number) => void;
    readonly done = new Promise<number>((r) => (this.#resolveDone = r));

    constructor(
        private readonly lib: Library,
        config: Mqtt5ClientConfig,
        private readonly summary: ConnectionSummary,
        private readonly options: RunOptions,
    ) {
        this.client = new lib.Mqtt5Client(config);
    }

    #closeNow(): void {
        try {
            this.client.close();
        } catch {
            /* already closed */
        }
        this.#resolveDone(this.#exitCode);
    }

    finish(code: number): void {
        if (this.finishing) return;
        this.finishing = true;
        this.#exitCode = code;
        const fallback = setTimeout(() => {
            debug('no stopped event within 5 s: closing anyway');
            this.#closeNow();
        }, 5000);
        this.client.once('stopped', () => {
            clearTimeout(fallback);
            this.#closeNow();
        });
        try {
            this.client.stop();
        } catch {
            clearTimeout(fallback);
            this.#closeNow();
        }
    }

    fail(text: string): void {
        if (this.finishing) return;
        errorLine(text);
        this.finish(EXIT_FAILURE);
    }

    readonly onSignal = (signal: NodeJS.Signals): void => {
        this.#interrupts++;
        if (this.#interrupts > 1) process.exit(this.options.interruptCode);
        debug(`${signal}: stopping`);
        this.finish(this.options.interruptCode);
    };

    /** The lifecycle listeners: -d lines, errors, and the job on each connection. */
    listen(): void {
        const { client, lib, summary } = this;
        const where = `${summary.host}:${summary.port}`;
        client.on('error', (err) => this.fail(`client error: ${describeError(err)}`));
        client.on('attemptingConnect', () => debug(attemptLine(summary)));
        client.on('connectionSuccess', ({ connack, settings }) => {
            this.#connections++;
            debug(settingsLine(settings, connack.reasonString));
            if (this.finishing) return;
            const first = this.#connections === 1;
            Promise.resolve()
                .then(() => this.options.onConnected(settings, first, this))
                .catch((err) => this.fail(`${err?.operation ?? 'operation'} failed: ${describeError(err)}`));
        });
        // Said at once: the attempt's connectionFailure waits out s2n's blinding delay (10-30 s), and
        // so would stop(), so the run ends by closing the client.
        client.on('tlsHandshakeFailed', ({ error }) => {
            if (this.finishing || (this.options.reconnect && this.#connections > 0)) return;
            this.finishing = true;
            this.#exitCode = EXIT_FAILURE;
            errorLine(`TLS handshake with ${where} failed: ${tlsFailureOf(error) ?? describeError(error)} (${error.code})`);
            this.#closeNow();
        });
        client.on('connectionFailure', ({ error, connack }) => {
            if (this.finishing) return;
            const tlsReason = tlsFailureOf(error);
            let text = tlsReason
                ? `TLS handshake with ${where} failed: ${tlsReason} (${error.code})`
                : `connection to ${where} failed: ${describeError(error)}`;
            if (connack) {
                text += `; CONNACK reason code ${connack.reasonCode} (${enumName(lib.ConnectReasonCode, connack.reasonCode)})`;
                if (connack.reasonString) text += `: ${connack.reasonString}`;
            }
            // After a first connection the server is known to exist (e.g. it is restarting):
            // the client retries with its backoff until interrupted.
            if (this.options.reconnect && this.#connections > 0) errorLine(`${text}; reconnecting`);
            else this.fail(text);
        });
        client.on('disconnection', ({ error, disconnect }) => {
            if (this.finishing) return debug('disconnected');
            let text = `disconnected: ${describeError(error)}`;
            if (disconnect) {
                text += `; DISCONNECT reason code ${disconnect.reasonCode} (${enumName(lib.DisconnectReasonCode, disconnect.reasonCode)})`;
            }
            if (this.options.reconnect === false) this.fail(text);
            else errorLine(`${text}; reconnecting`);
        });
        client.on('stopped', () => debug('stopped'));
    }
}

/**
 * Starts a client and calls `onConnected` on each connection. `done` resolves with the exit code
 * once the client is stopped and closed; `api.finish(code)` ends the run.
 */
export function runClient(
    lib: Library,
    built: { config: Mqtt5ClientConfig; summary: ConnectionSummary },
    options: RunOptions,
): { api: RunApi; done: Promise<number> } {
    const run = new ClientRun(lib, built.config, built.summary, options);
    run.listen();
    process.on('SIGINT', run.onSignal);
    process.on('SIGTERM', run.onSignal);
    // A closed reader (e.g. `| head -1`) ends the run quietly.
    process.stdout.on('error', (err: NodeJS.ErrnoException) => {
        if (err.code === 'EPIPE') run.finish(EXIT_OK);
        else run.fail(`stdout: ${err.message}`);
    });
    run.client.start();
    const done = run.done.then((code) => {
        process.off('SIGINT', run.onSignal);
        process.off('SIGTERM', run.onSignal);
        return code;
    });
    return { api: run, done };
}
