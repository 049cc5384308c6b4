// client.metrics() -> Prometheus: registers metrics whose values are read from one snapshot per
// scrape (nothing is counted twice, and nothing runs between scrapes).
import client from 'prom-client';

const STATES = ['stopped', 'connecting', 'connected', 'stopping', 'closed'];

/**
 * Registers mqtt5_crt_* metrics for `mqttClient` in `registry`, labelled `client=<name>`.
 * Counters come from the snapshot's monotonic counts; gauges from its current values.
 */
export function registerMqtt5CrtMetrics(mqttClient, { registry = client.register, name = 'default' } = {}) {
    const labels = { client: name };
    let snapshot;
    // Each metric's collect() runs on every scrape; the first one of a scrape takes the snapshot.
    const fresh = () => (snapshot ??= (queueMicrotask(() => (snapshot = undefined)), mqttClient.metrics()));
    const counter = (metric, help, read, labelNames = []) =>
        new client.Counter({
            name: metric,
            help,
            labelNames: ['client', ...labelNames],
            registers: [registry],
            collect() {
                this.reset();
                for (const [extra, value] of read(fresh())) this.inc({ ...labels, ...extra }, value);
            },
        });
    const gauge = (metric, help, read, labelNames = []) =>
        new client.Gauge({
            name: metric,
            help,
            labelNames: ['client', ...labelNames],
            registers: [registry],
            collect() {
                this.reset();
                for (const [extra, value] of read(fresh())) this.set({ ...labels, ...extra }, value);
            },
        });

    gauge(
        'mqtt5_crt_connection_state',
        'Connection state (1 for the current one)',
        (m) => STATES.map((s) => [{ state: s }, m.state === s ? 1 : 0]),
        ['state'],
    );
    gauge('mqtt5_crt_connected_since_seconds', 'When the current connection was made (unix time), 0 if not connected', (m) => [
        [{}, (m.connectedSince ?? 0) / 1000],
    ]);
    counter('mqtt5_crt_connection_attempts_total', 'Connection attempts begun', (m) => [[{}, m.connectionAttempts]]);
    counter('mqtt5_crt_connection_failures_total', 'Connection attempts that failed', (m) => [[{}, m.connectionFailures]]);
    counter('mqtt5_crt_disconnections_total', 'Established connections that ended', (m) => [[{}, m.disconnections]]);
    counter('mqtt5_crt_reconnects_total', 'Successful connections after the first', (m) => [[{}, m.reconnects]]);
    counter('mqtt5_crt_messages_received_total', 'Messages received', (m) => [[{}, m.messagesReceived]]);
    counter(
        'mqtt5_crt_operations_total',
        'Operations by kind and outcome (started, succeeded, failed)',
        (m) =>
            Object.entries({ publish: m.publishes, subscribe: m.subscribes, unsubscribe: m.unsubscribes }).flatMap(
                ([operation, counts]) =>
                    ['started', 'succeeded', 'failed'].map((outcome) => [{ operation, outcome }, counts[outcome]]),
            ),
        ['operation', 'outcome'],
    );
    gauge('mqtt5_crt_queue_operations', 'Operations held by the client (queued or awaiting an ACK)', (m) => [
        [{}, m.operations.incompleteOperationCount],
    ]);
    gauge('mqtt5_crt_queue_bytes', 'Encoded size of the operations held by the client', (m) => [
        [{}, m.operations.incompleteOperationSize],
    ]);
    gauge('mqtt5_crt_unacked_operations', 'Operations sent and awaiting an ACK', (m) => [
        [{}, m.operations.unackedOperationCount],
    ]);
    gauge('mqtt5_crt_last_error_timestamp_seconds', 'When the last error happened (unix time), 0 if none', (m) => [
        [{}, (m.lastError?.at ?? 0) / 1000],
    ]);
}
