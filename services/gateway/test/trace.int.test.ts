// Trace propagation under OpenTelemetry (service-kit's telemetry, in-memory exporter): inside the
// gateway's span the subgraphs get the gateway's own context — same trace, the gateway's span as
// parent — not the caller's header verbatim.
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { startTelemetry, type Telemetry } from '@maison/service-kit';
import { context, trace } from '@opentelemetry/api';
import { traceHeaders } from '../src/edge/trace.js';

let telemetry: Telemetry;
beforeAll(async () => {
  telemetry = await Promise.resolve(
    startTelemetry({ serviceName: 'gateway-trace-test', mode: 'memory' }),
  );
});
afterAll(() => telemetry.shutdown());

it('injects the active span as the subgraphs’ parent, in the caller’s trace', () => {
  const incoming = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
  const tracer = trace.getTracer('gateway-test');
  const parent = trace.setSpanContext(context.active(), {
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    spanId: '00f067aa0ba902b7',
    traceFlags: 1,
    isRemote: true,
  });
  const headers = tracer.startActiveSpan('POST /graphql', {}, parent, (span) => {
    try {
      return { out: traceHeaders({ traceparent: incoming }), spanId: span.spanContext().spanId };
    } finally {
      span.end();
    }
  });
  expect(headers.out.traceparent).toBe(`00-4bf92f3577b34da6a3ce929d0e0e4736-${headers.spanId}-01`);
  expect(headers.out.traceparent).not.toBe(incoming);
});
