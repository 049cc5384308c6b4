// fanin: --pubs (100) QoS 1 publishers -> one QoS 1 subscriber, --count messages in all, at most
// --window (1,000) in flight in all (window/pubs per publisher).
// node bench/scenarios/fanin.mjs --client mqtt5-crt|aws-crt|mqttjs --port P [--broker-pid PID]
//   [--pubs 100] [--size 64] [--count 100000] [--window 1000] [--warmup N] [--idle 5000]
import { main, parseArgs } from '../lib/common.mjs';
import { meshDefaults, meshOptions, runMesh } from '../lib/mesh.mjs';

main('fanin', () => {
    const a = parseArgs(meshDefaults({ pubs: 100 }));
    return runMesh('fanin', meshOptions(a, { qos: 1, pubs: a.pubs, subs: 1 }));
});
