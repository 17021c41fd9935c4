import type { CustomerReferenceData, IdentifierRef } from '@maison/event-contracts';
import {
  maskIdentifier,
  normaliseIdentifier,
  type IdentifierInput,
  type NormaliseFailure,
} from '@maison/identifiers';
import type { Privacy } from '@maison/privacy';
import { identifierIndex, normaliseReferences } from '@maison/runtime';
import type { RecordReference } from '../resolution/resolve.policy.js';

function withMask(ref: CustomerReferenceData): RecordReference | undefined {
  const result = normaliseIdentifier({
    type: ref.type,
    value: typeof ref.value === 'string' ? ref.value : '',
    scope: ref.scope,
  });
  if (!result.ok) return undefined;
  return {
    type: result.identifier.type,
    scope: result.identifier.scope,
    index: ref.index,
    value: result.identifier.value,
    masked: maskIdentifier(result.identifier),
  };
}

export type RawReferences =
  | { readonly ok: true; readonly references: RecordReference[] }
  | { readonly ok: false; readonly position: number; readonly issue: NormaliseFailure };

/**
 * Raw identifiers from an API caller: normalised with the platform's rule (`normaliseReferences`,
 * the store's country for national phone numbers), indexed, masked, strongest first.
 */
export function fromRawIdentifiers(
  privacy: Pick<Privacy, 'blindIndex'>,
  inputs: readonly IdentifierInput[],
  country: string | null,
): RawReferences {
  const normalised = normaliseReferences(privacy, inputs, country);
  if (!normalised.ok) return { ok: false, position: normalised.index, issue: normalised.issue };
  const references: RecordReference[] = [];
  for (const ref of normalised.references) {
    const masked = withMask(ref);
    if (masked !== undefined) references.push(masked);
  }
  return { ok: true, references };
}

/**
 * The customer references of another service's event (decrypted by the consumer), checked again:
 * a value that does not normalise to its own index is dropped (a producer bug), as is an erased
 * one (`[erased]`); their indexes are still checked against the suppression list.
 */
export function fromEventReferences(
  privacy: Pick<Privacy, 'blindIndex'>,
  customer: readonly CustomerReferenceData[],
): { references: RecordReference[]; dropped: IdentifierRef[] } {
  const references: RecordReference[] = [];
  const dropped: IdentifierRef[] = [];
  for (const ref of customer) {
    const result = normaliseIdentifier({
      type: ref.type,
      value: typeof ref.value === 'string' ? ref.value : '',
      scope: ref.scope,
    });
    if (!result.ok || identifierIndex(privacy, result.identifier) !== ref.index) {
      dropped.push({ type: ref.type, scope: ref.scope, index: ref.index });
      continue;
    }
    references.push({
      type: result.identifier.type,
      scope: result.identifier.scope,
      index: ref.index,
      value: result.identifier.value,
      masked: maskIdentifier(result.identifier),
    });
  }
  return { references, dropped };
}

/** A recorded record's references (from `RecordResolved`), masks recomputed; erased ones dropped. */
export function fromRecorded(customer: readonly CustomerReferenceData[]): RecordReference[] | null {
  const out: RecordReference[] = [];
  for (const ref of customer) {
    const masked = withMask(ref);
    if (masked === undefined) return null;
    out.push(masked);
  }
  return out;
}
