// The tests' private mosquitto: scripts/mosquitto.mjs with persistence on (sessions survive a
// restart on the same port and dir) and a deep queue for offline sessions.
import type { ChildProcess } from 'node:child_process';
import { canConnect, freePort, startMosquitto } from '../../scripts/mosquitto.mjs';

export { canConnect, freePort };

export interface Broker {
    port: number;
    dir: string;
    process: ChildProcess;
    /** Stops it (SIGTERM) and waits for it to exit. */
    stop(): Promise<void>;
    /** Kills it (SIGKILL) and waits for it to exit. */
    kill(): Promise<void>;
}

export interface BrokerOptions {
    /** Reuse this port (e.g. to restart a killed broker). */
    port?: number;
    /** Reuse this directory (its persistence file survives a restart). */
    dir?: string;
    /** Extra mosquitto.conf lines. */
    extraConfig?: string[];
}

/** Starts mosquitto (installing it with apt-get as root on a fresh Debian/Ubuntu machine). */
export async function startBroker(opts: BrokerOptions = {}): Promise<Broker> {
    return startMosquitto({
        port: opts.port,
        dir: opts.dir,
        keepDir: true, // a restart reuses it
        persistence: true,
        install: true,
        who: 'the mqtt5-crt tests',
        extraConfig: ['max_queued_messages 100000', ...(opts.extraConfig ?? [])],
    });
}
