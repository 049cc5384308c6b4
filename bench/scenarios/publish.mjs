// publish: one QoS 1 publisher and no subscriber, at most --window (1,000) PUBACKs outstanding:
// the publishing direction alone (the broker drops the messages). Set beside qos1 (both
// directions in one process) it splits a client's CPU per message into publishing and receiving.
// node bench/scenarios/publish.mjs --client mqtt5-crt|aws-crt|mqttjs --port P [--broker-pid PID]
//   [--size 64] [--count 100000] [--window 1000] [--warmup N] [--idle 5000]
import { main, parseArgs } from '../lib/common.mjs';
import { meshDefaults, meshOptions, runMesh } from '../lib/mesh.mjs';

main('publish', () => runMesh('publish', meshOptions(parseArgs(meshDefaults()), { qos: 1, pubs: 1, subs: 0 })));
