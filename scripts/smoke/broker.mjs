// A private mosquitto on a free loopback port for the packaging smoke tests (installed with
// apt-get on a fresh Linux CI machine when missing).
import { startMosquitto } from '../mosquitto.mjs';

export function startBroker() {
    return startMosquitto({ install: true, who: 'the smoke test' });
}
