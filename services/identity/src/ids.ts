import { uuidV5 } from '@maison/event-contracts';

/** Namespace of every id identity derives (client ids, merge ids, event ids). Never change it. */
export const IDENTITY_NAMESPACE = '3c9e0f5a-7b21-5d4e-8f60-2a1b3c4d5e6f';

/**
 * A UUID v5 of the parts (length-prefixed, so `('a|b', 'c')` and `('a', 'b|c')` differ). The same
 * decision taken again — a redelivered record, a retried command, a dry-run replay — gets the same
 * ids, which is what makes retries idempotent and simulations comparable with reality.
 */
export function derivedId(...parts: readonly string[]): string {
  return uuidV5(parts.map((p) => `${String(p.length)}:${p}`).join('|'), IDENTITY_NAMESPACE);
}

/** The client a record registers: derived from the record and its strongest identifier. */
export function clientIdFor(trigger: string, primaryIndex: string): string {
  return derivedId('client', trigger, primaryIndex);
}

export function mergeIdFor(operation: string, mergedRoot: string): string {
  return derivedId('merge', operation, mergedRoot);
}

export const identifierStream = (index: string): string => `identity-idx-${index}`;
export const recordStream = (key: string): string => `identity-record-${key}`;
export const mergeStream = (mergeId: string): string => `identity-merge-${mergeId}`;
