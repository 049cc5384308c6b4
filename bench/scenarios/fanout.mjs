// fanout: one QoS 1 publisher -> --subs (100) QoS 1 subscribers; --count messages published
// (1,000: 100,000 deliveries), at most --window (100) messages in flight (published and not yet
// delivered to every subscriber). Rates and CPU are per delivery.
// node bench/scenarios/fanout.mjs --client mqtt5-crt|aws-crt|mqttjs --port P [--broker-pid PID]
//   [--subs 100] [--size 64] [--count 1000] [--window 100] [--warmup N] [--idle 5000]
import { main, parseArgs } from '../lib/common.mjs';
import { meshDefaults, meshOptions, runMesh } from '../lib/mesh.mjs';

main('fanout', () => {
    const a = parseArgs(meshDefaults({ subs: 100, count: 1000, window: 100 }));
    return runMesh('fanout', meshOptions(a, { qos: 1, pubs: 1, subs: a.subs }));
});
