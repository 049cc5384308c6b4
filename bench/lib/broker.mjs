// The benchmarks' private mosquitto (scripts/mosquitto.mjs), tuned for benchmarking: no
// persistence, no limit on in-flight or queued messages, TCP_NODELAY, errors and warnings only
// in the log.
import { ensureMosquitto, freePort, mosquittoVersion as version, startMosquitto } from '../../scripts/mosquitto.mjs';

export { freePort };

/** The broker's version, e.g. "2.0.11" (installs mosquitto with apt-get as root where missing). */
export function mosquittoVersion() {
    return version(ensureMosquitto({ install: true, who: 'the benchmarks' }));
}

/**
 * Starts mosquitto. `nofile`: the open-file limit to run it with (the connections scenario needs
 * more than 1,024 descriptors).
 * @returns {Promise<{port:number, pid:number, dir:string, stop():Promise<void>, stderr():string}>}
 */
export function startBroker({ nofile = 8192, extraConfig = [] } = {}) {
    return startMosquitto({
        install: true,
        who: 'the benchmarks',
        nofile,
        extraConfig: [
            // 0 = no limit: the clients' own windows bound what is in flight, not the broker.
            'max_inflight_messages 0',
            'max_queued_messages 0',
            'max_queued_bytes 0',
            'set_tcp_nodelay true',
            ...extraConfig,
        ],
    });
}
