// startup: a fresh process loads the library and connects one client: the time the import took,
// the time from creating the client to its CONNACK, and the total since the process started
// (performance.now(), whose origin is the process start). The driver also times spawn -> result.
// node bench/scenarios/startup.mjs --client mqtt5-crt|aws-crt|mqttjs --port P
import { loadClient } from '../lib/clients.mjs';
import { main, parseArgs, round } from '../lib/common.mjs';

main('startup', async () => {
    const a = parseArgs({ client: '', port: 0, 'broker-pid': 0 });
    const before = performance.now();
    const C = await loadClient(a.client);
    const imported = performance.now();
    const c = C.create({ port: a.port, clientId: `startup-${process.pid}` });
    await c.connect();
    const connected = performance.now();
    const result = {
        scenario: 'startup',
        client: a.client,
        import_ms: round(imported - before, 2),
        connect_ms: round(connected - imported, 2),
        total_ms: round(connected, 2),
    };
    // The line goes out first: the driver's spawn -> result time must not include the teardown.
    process.stdout.write(JSON.stringify(result) + '\n');
    await c.close();
    process.exit(0);
});
