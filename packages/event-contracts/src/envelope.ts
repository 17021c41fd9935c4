import { z } from 'zod';
import { isUuid } from './ids.js';

/** Where data lives and which rules apply (see COMPLIANCE.md). */
export const REGIONS = ['EU', 'UK', 'CH', 'ME', 'CN', 'HK', 'SG', 'JP', 'KR', 'US'] as const;
export type Region = (typeof REGIONS)[number];

/** ISO 8601 with an explicit offset (`Z` or `±hh:mm`): business time keeps the local offset. */
const instant = z.iso.datetime({ offset: true });
const uuid = z.string().refine(isUuid, 'must be a UUID');

/** W3C trace context `traceparent` (version 00). */
const traceparent = z
  .string()
  .regex(
    /^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/,
    'must be a W3C traceparent (00-<trace>-<span>-<flags>)',
  );

export const eventSourceSchema = z.strictObject({
  /** The system that produced the fact: `pos.cegid`, `shopify`, `identity`… */
  system: z.string().min(1).max(100),
  /** Which installation: a store code, a shop domain, a service replica. */
  instance: z.string().min(1).max(200).optional(),
  /** Who acted: an associate id, a steward id, `system`. Never an email or a name. */
  actor: z.string().min(1).max(200).optional(),
});
export type EventSource = z.infer<typeof eventSourceSchema>;

export const envelopeSchema = z.strictObject({
  id: uuid,
  /** PascalCase, past tense: `ClientRegistered`, `TransactionRecorded`. */
  type: z.string().regex(/^[A-Z][A-Za-z0-9]*$/, 'must be PascalCase'),
  schemaVersion: z.number().int().min(1),
  streamId: z.string().min(1).max(500),
  /** The client the event is about (the erasure scope), or null before identity resolution. */
  subjectId: z.string().min(1).max(200).nullable(),
  occurredAt: instant,
  recordedAt: instant,
  region: z.enum(REGIONS),
  source: eventSourceSchema,
  correlationId: z.string().min(1).max(200),
  causationId: z.string().min(1).max(200).nullable(),
  traceparent: traceparent.optional(),
  data: z.unknown(),
});

/** The envelope every event carries, in the store and on Kafka. */
export interface EventEnvelope<TType extends string = string, TData = unknown> {
  readonly id: string;
  readonly type: TType;
  readonly schemaVersion: number;
  readonly streamId: string;
  readonly subjectId: string | null;
  readonly occurredAt: string;
  readonly recordedAt: string;
  readonly region: Region;
  readonly source: EventSource;
  readonly correlationId: string;
  readonly causationId: string | null;
  readonly traceparent?: string;
  readonly data: TData;
}

/** One problem found in an event, with the path it was found at. */
export interface EventIssue {
  readonly path: string;
  readonly message: string;
}

export class InvalidEventError extends Error {
  override readonly name = 'InvalidEventError';
  readonly issues: readonly EventIssue[];
  constructor(message: string, issues: readonly EventIssue[]) {
    super(`${message}: ${issues.map((i) => `${i.path || '(root)'} ${i.message}`).join('; ')}`);
    this.issues = issues;
  }
}

export function zodIssues(error: z.ZodError, prefix = ''): EventIssue[] {
  return error.issues.map((i) => ({
    path: [prefix, ...i.path.map(String)].filter((p) => p.length > 0).join('.'),
    message: i.message,
  }));
}

/** Validates the envelope (not `data`, which the event type registry checks per version). */
export function parseEnvelope(input: unknown): EventEnvelope {
  const result = envelopeSchema.safeParse(input);
  if (!result.success)
    throw new InvalidEventError('invalid event envelope', zodIssues(result.error));
  return result.data as EventEnvelope;
}
