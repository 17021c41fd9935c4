import {
  context,
  trace,
  SpanKind,
  SpanStatusCode,
  type Context,
  type SpanContext,
} from '@opentelemetry/api';
import type { EventEnvelope } from '@maison/event-contracts';

const tracer = trace.getTracer('@maison/runtime');
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The active span as a W3C `traceparent`, or undefined outside a (sampled or not) span. */
export function currentTraceparent(): string | undefined {
  const span = trace.getActiveSpan();
  const sc = span?.spanContext();
  if (!sc || !trace.isSpanContextValid(sc)) return undefined;
  const flags = (sc.traceFlags & 0x01) === 0x01 ? '01' : '00';
  return `00-${sc.traceId}-${sc.spanId}-${flags}`;
}

/** Adds the active span's traceparent to an event that has none: the trace follows the event. */
export function withTraceparent<E extends EventEnvelope>(event: E): E {
  if (event.traceparent !== undefined) return event;
  const traceparent = currentTraceparent();
  return traceparent === undefined ? event : { ...event, traceparent };
}

function parentContext(traceparent: string | undefined): Context {
  const m = traceparent === undefined ? null : TRACEPARENT.exec(traceparent);
  if (!m?.[1] || !m[2] || !m[3]) return context.active();
  const parent: SpanContext = {
    traceId: m[1],
    spanId: m[2],
    traceFlags: Number.parseInt(m[3], 16),
    isRemote: true,
  };
  return trace.setSpanContext(context.active(), parent);
}

/**
 * Runs a consumer's handling of an event in a span that continues the trace the event was
 * written in (its `traceparent`): HTTP request → append → Kafka → this consumer → its own appends.
 * Only the event type and id go on the span, never its data.
 */
export async function inEventSpan<T>(
  name: string,
  event: EventEnvelope,
  fn: () => Promise<T>,
): Promise<T> {
  return tracer.startActiveSpan(
    `${name} ${event.type}`,
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        'maison.event.type': event.type,
        'maison.event.id': event.id,
        'messaging.system': 'kafka',
      },
    },
    parentContext(event.traceparent),
    async (span) => {
      try {
        return await fn();
      } catch (error) {
        span.setStatus({
          code: SpanStatusCode.ERROR,
          message: error instanceof Error ? error.name : 'error',
        });
        throw error;
      } finally {
        span.end();
      }
    },
  );
}

/** A span the caller ends, and the `traceparent` the work inside it stamps on what it writes. */
export interface RecordSpan {
  /** This span as a W3C `traceparent` (the parent's when no SDK records spans). */
  readonly traceparent: string | undefined;
  end(error?: unknown): void;
}

/**
 * For consumers that handle records in batches (one span per record would not be active across
 * the batch's set-based append): a CONSUMER span continuing a record's `traceparent` header,
 * whose own traceparent the handler stamps on the events it writes for that record. Undefined for
 * a record without a valid traceparent — no span, no cost.
 */
export function startRecordSpan(
  name: string,
  traceparent: string | undefined,
  attributes: Readonly<Record<string, string | number>> = {},
): RecordSpan | undefined {
  if (traceparent === undefined || !TRACEPARENT.test(traceparent)) return undefined;
  const span = tracer.startSpan(
    name,
    { kind: SpanKind.CONSUMER, attributes: { 'messaging.system': 'kafka', ...attributes } },
    parentContext(traceparent),
  );
  const own = trace.setSpan(context.active(), span);
  return {
    traceparent: context.with(own, currentTraceparent) ?? traceparent,
    end(error?: unknown) {
      if (error !== undefined)
        span.setStatus({
          code: SpanStatusCode.ERROR,
          message: error instanceof Error ? error.name : 'error',
        });
      span.end();
    },
  };
}
