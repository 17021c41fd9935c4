import type { CustomerReferenceData } from '@maison/event-contracts';
import {
  byAttributionPriority,
  canonicalKey,
  normaliseIdentifier,
  type ClientIdentifier,
  type IdentifierInput,
  type NormaliseFailure,
} from '@maison/identifiers';
import type { Privacy } from '@maison/privacy';

/**
 * The one blind-index rule of the platform: HMAC over the canonical key (`@maison/identifiers`),
 * under the identifier domain. Every service computes the same index for the same identifier, so
 * transactions, profiles and consent can find the client identity linked it to.
 */
export function identifierIndex(
  privacy: Pick<Privacy, 'blindIndex'>,
  identifier: ClientIdentifier,
): string {
  return privacy.blindIndex('client-identifier', canonicalKey(identifier));
}

export type NormalisedReferences =
  | { readonly ok: true; readonly references: CustomerReferenceData[] }
  | { readonly ok: false; readonly index: number; readonly issue: NormaliseFailure };

/**
 * Normalises the customer references a source sent into what events carry: type, scope, blind
 * index and the normalised value (encrypted on append), strongest identifier first. The first
 * invalid reference fails the whole record, with its position, so the caller can name the field.
 */
export function normaliseReferences(
  privacy: Pick<Privacy, 'blindIndex'>,
  inputs: readonly IdentifierInput[],
  defaultCountry?: string | null,
): NormalisedReferences {
  const identifiers: ClientIdentifier[] = [];
  for (const [i, input] of inputs.entries()) {
    const result = normaliseIdentifier({
      ...input,
      ...(input.defaultCountry == null && defaultCountry != null ? { defaultCountry } : {}),
    });
    if (!result.ok) return { ok: false, index: i, issue: result };
    identifiers.push(result.identifier);
  }
  const seen = new Set<string>();
  const references: CustomerReferenceData[] = [];
  for (const identifier of byAttributionPriority(identifiers)) {
    const index = identifierIndex(privacy, identifier);
    if (seen.has(index)) continue; // the same identifier twice in one record
    seen.add(index);
    references.push({
      type: identifier.type,
      scope: identifier.scope,
      index,
      value: identifier.value,
    });
  }
  return { ok: true, references };
}
