// qos1: one QoS 1 subscriber and one QoS 1 publisher in this process, at most --window (1,000)
// messages in flight; messages/s end to end, client CPU s per 100k, broker CPU share, losses.
// node bench/scenarios/qos1.mjs --client mqtt5-crt|aws-crt|mqttjs --port P [--broker-pid PID]
//   [--size 64] [--count 100000] [--window 1000] [--warmup N] [--idle 5000]
import { main, parseArgs } from '../lib/common.mjs';
import { meshDefaults, meshOptions, runMesh } from '../lib/mesh.mjs';

main('qos1', () => runMesh('qos1', meshOptions(parseArgs(meshDefaults()), { qos: 1, pubs: 1, subs: 1 })));
