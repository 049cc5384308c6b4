// qos0: as qos1 at QoS 0; the publisher is paced so that sent - received <= --window (1,000).
// node bench/scenarios/qos0.mjs --client mqtt5-crt|aws-crt|mqttjs --port P [--broker-pid PID]
//   [--size 64] [--count 100000] [--window 1000] [--warmup N] [--idle 5000]
import { main, parseArgs } from '../lib/common.mjs';
import { meshDefaults, meshOptions, runMesh } from '../lib/mesh.mjs';

main('qos0', () => runMesh('qos0', meshOptions(parseArgs(meshDefaults()), { qos: 0, pubs: 1, subs: 1 })));
