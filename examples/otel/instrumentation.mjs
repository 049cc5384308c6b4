// mqtt5-crt -> OpenTelemetry: subscribes to the client's node:diagnostics_channel channels and
// turns them into spans. Nothing in mqtt5-crt is patched; with no subscriber the channels cost the
// client nothing, and unsubscribing (the function returned) stops all of it.
//
//   mqtt5-crt:publish / subscribe / unsubscribe (tracing channels)  -> one span per operation, from
//       the call to the ACK (PRODUCER for publish, CLIENT for the others), error status on failure
//   mqtt5-crt:message                                               -> a CONSUMER span per message
//   mqtt5-crt:connection                                            -> a span per connection attempt
import diagnostics_channel from 'node:diagnostics_channel';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';

const PHASES = ['start', 'end', 'asyncStart', 'asyncEnd', 'error'];

/** Starts turning mqtt5-crt's events into spans of `tracer`; returns the function that stops it. */
export function instrumentMqtt5Crt(tracer = trace.getTracer('mqtt5-crt')) {
    const subscriptions = [];
    const on = (name, listener) => {
        diagnostics_channel.subscribe(name, listener);
        subscriptions.push(() => diagnostics_channel.unsubscribe(name, listener));
    };
    // The span of each operation, by its trace context object (one object from start to asyncEnd).
    const spans = new WeakMap();

    for (const operation of ['publish', 'subscribe', 'unsubscribe']) {
        const handlers = {
            start(ctx) {
                const { name, attributes } = describe(operation, ctx.packet);
                const kind = operation === 'publish' ? SpanKind.PRODUCER : SpanKind.CLIENT;
                spans.set(ctx, tracer.startSpan(name, { kind, attributes }));
            },
            end(ctx) {
                // A synchronous failure (bad input): error came before end, and nothing follows.
                if (ctx.error !== undefined) finish(spans, ctx);
            },
            asyncStart() {},
            asyncEnd(ctx) {
                finish(spans, ctx);
            },
            error(ctx) {
                const span = spans.get(ctx);
                span?.recordException(ctx.error);
                span?.setStatus({ code: SpanStatusCode.ERROR, message: ctx.error?.message });
            },
        };
        for (const phase of PHASES) on(`tracing:mqtt5-crt:${operation}:${phase}`, handlers[phase]);
    }

    on('mqtt5-crt:message', ({ message }) => {
        tracer
            .startSpan(`receive ${message.topicName}`, {
                kind: SpanKind.CONSUMER,
                attributes: {
                    'messaging.system': 'mqtt',
                    'messaging.operation.type': 'receive',
                    'messaging.destination.name': message.topicName,
                    'messaging.mqtt.qos': message.qos,
                },
            })
            .end();
    });

    // One span per connection attempt: attemptingConnect -> connectionSuccess | connectionFailure.
    const attempts = new WeakMap();
    on('mqtt5-crt:connection', (event) => {
        if (event.event === 'attemptingConnect') {
            attempts.set(
                event.client,
                tracer.startSpan('mqtt connect', { kind: SpanKind.CLIENT, attributes: { 'messaging.system': 'mqtt' } }),
            );
            return;
        }
        const span = attempts.get(event.client);
        if (event.event === 'connectionSuccess') {
            span?.setAttribute('messaging.client.id', event.settings.clientId);
            span?.setStatus({ code: SpanStatusCode.OK });
            span?.end();
            attempts.delete(event.client);
        } else if (event.event === 'connectionFailure') {
            span?.recordException(event.error);
            span?.setStatus({ code: SpanStatusCode.ERROR, message: event.error.code });
            span?.end();
            attempts.delete(event.client);
        }
    });

    return () => {
        for (const unsubscribe of subscriptions.splice(0)) unsubscribe();
    };
}

function describe(operation, packet) {
    const attributes = { 'messaging.system': 'mqtt', 'messaging.operation.name': operation };
    if (operation === 'publish') {
        attributes['messaging.destination.name'] = packet?.topicName;
        attributes['messaging.mqtt.qos'] = packet?.qos;
        return { name: `publish ${packet?.topicName}`, attributes };
    }
    const filters =
        operation === 'subscribe' ? (packet?.subscriptions ?? []).map((s) => s.topicFilter) : (packet?.topicFilters ?? []);
    attributes['messaging.destination.name'] = filters.join(',');
    return { name: `${operation} ${filters.join(',')}`, attributes };
}

function finish(spans, ctx) {
    const span = spans.get(ctx);
    if (!span) return;
    spans.delete(ctx);
    const result = ctx.result;
    // A PUBACK/SUBACK/UNSUBACK may refuse (reason codes >= 0x80) without the promise failing.
    const codes = result?.reasonCodes ?? (result?.reasonCode !== undefined ? [result.reasonCode] : []);
    if (codes.length) span.setAttribute('mqtt.reason_codes', codes);
    if (ctx.error === undefined) {
        const refused = codes.some((c) => c >= 0x80);
        span.setStatus(
            refused ? { code: SpanStatusCode.ERROR, message: `reason codes ${codes.join(',')}` } : { code: SpanStatusCode.OK },
        );
    }
    span.end();
}
