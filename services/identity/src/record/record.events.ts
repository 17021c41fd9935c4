import {
  clientId,
  customerReference,
  defineEventType,
  instant,
  REGIONS,
  type DataOf,
} from '@maison/event-contracts';
import { z } from 'zod';

export const RESOLUTION_OUTCOMES = [
  'registered',
  'matched',
  'linked',
  'merged',
  'ambiguous',
  'unresolved',
] as const;
export type ResolutionOutcome = (typeof RESOLUTION_OUTCOMES)[number];

/**
 * One record identity resolved (a sale's customer references, a customer record, an identify
 * call): stream `identity-record-<trigger>`, private. It is the recorded history a candidate rule
 * set is replayed over (`simulation`), and its stream makes a redelivered record a no-op.
 */
export const RecordResolved = defineEventType({
  type: 'RecordResolved',
  schemaVersion: 1,
  schema: z.strictObject({
    trigger: z.string().min(1).max(300),
    sourceSystem: z.string().min(1).max(100),
    storeId: z.string().min(1).max(100).nullable(),
    /** Where the record was made (the client's home region when it registers one). */
    region: z.enum(REGIONS),
    occurredAt: instant,
    /** PII (encrypted): the references, normalised, strongest first. */
    customer: z.array(customerReference).max(50),
    outcome: z.enum(RESOLUTION_OUTCOMES),
    /** The client the record belongs to (the survivor), or null when it linked nothing. */
    clientId: clientId.nullable(),
    ruleVersion: z.string().min(1).max(50),
  }),
  pii: ['customer.*.value'],
});

export type RecordResolvedData = DataOf<typeof RecordResolved>;
export interface RecordEvent {
  readonly type: 'RecordResolved';
  readonly data: RecordResolvedData;
}
