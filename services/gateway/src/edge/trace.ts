import { context, propagation, trace } from '@opentelemetry/api';
import type { IncomingHttpHeaders } from 'node:http';

// W3C Trace Context: version-traceid-parentid-flags, lowercase hex, all-zero ids invalid.
const TRACEPARENT = /^00-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}$/;
const TRACESTATE = /^[\x20-\x7e]{1,512}$/;

/**
 * The trace headers to send to the subgraphs. Inside an OpenTelemetry span (the gateway runs with
 * service-kit's telemetry), the active context is injected, so subgraph spans are children of the
 * gateway's; otherwise the caller's `traceparent`/`tracestate` go on unchanged — when valid W3C
 * values, never arbitrary strings.
 */
export function traceHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  if (trace.getSpanContext(context.active()) !== undefined) {
    propagation.inject(context.active(), out);
    if (out.traceparent !== undefined) return out;
  }
  const parent = headers.traceparent;
  if (typeof parent === 'string' && TRACEPARENT.test(parent)) {
    out.traceparent = parent;
    const state = headers.tracestate;
    if (typeof state === 'string' && TRACESTATE.test(state)) out.tracestate = state;
  }
  return out;
}
