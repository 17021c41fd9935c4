import { z } from 'zod';
import {
  IDENTIFIER_TYPES,
  isScopedIdentifierType,
  type ClientIdentifier,
} from './identifier-types.js';
import { normaliseIdentifier } from './identifier.normaliser.js';
import type { IssueReason } from './validation-issue.js';

/** More references than this on one record is a mapping bug, not a client. */
export const MAX_CUSTOMER_REFERENCES = 50;

const referenceShape = z.object({
  type: z.enum(IDENTIFIER_TYPES),
  value: z.string().min(1).max(2048),
  // null is accepted as "absent": producers serialise missing columns either way.
  scope: z.string().max(200).nullish(),
});

/**
 * An incoming customer reference `{ type, value, scope? }` as events and APIs carry it, checked
 * for shape and scope rules but not normalised: the value stays as the source wrote it (it is PII
 * and is encrypted in events). Each issue carries `params.reason` with the same codes as
 * normaliseIdentifier().
 */
export const customerReferenceSchema = referenceShape.superRefine((reference, ctx) => {
  const scoped = isScopedIdentifierType(reference.type);
  const hasScope = typeof reference.scope === 'string' && reference.scope.trim() !== '';
  if (scoped && !hasScope)
    addIssue(ctx, 'scope', 'scope_required', `is required for ${reference.type}`);
  if (!scoped && hasScope)
    addIssue(ctx, 'scope', 'scope_not_allowed', `is not allowed for ${reference.type}`);
});

export type CustomerReference = z.infer<typeof customerReferenceSchema>;
export type CustomerReferenceInput = z.input<typeof customerReferenceSchema>;

export const customerReferenceListSchema = z
  .array(customerReferenceSchema)
  .max(MAX_CUSTOMER_REFERENCES);

export interface ClientIdentifierSchemaOptions {
  /** Country for national phone formats, usually the store's (ISO 3166-1 alpha-2). */
  readonly defaultCountry?: string | undefined;
}

/**
 * A reference parsed straight into a normalised ClientIdentifier, for edges that validate and
 * normalise in one step. Rejections become zod issues at `scope`, `value` or `defaultCountry`,
 * with `params.reason`; messages never contain the value.
 */
export function clientIdentifierSchema(
  options: ClientIdentifierSchemaOptions = {},
): z.ZodType<ClientIdentifier, CustomerReferenceInput> {
  return referenceShape.transform((reference, ctx): ClientIdentifier => {
    const result = normaliseIdentifier({ ...reference, defaultCountry: options.defaultCountry });
    if (result.ok) return result.identifier;
    addIssue(ctx, result.field, result.reason, result.message);
    return z.NEVER;
  });
}

export function clientIdentifierListSchema(
  options: ClientIdentifierSchemaOptions = {},
): z.ZodType<ClientIdentifier[], CustomerReferenceInput[]> {
  return z.array(clientIdentifierSchema(options)).max(MAX_CUSTOMER_REFERENCES);
}

function addIssue(ctx: z.RefinementCtx, path: string, reason: IssueReason, message: string): void {
  ctx.addIssue({ code: 'custom', path: [path], message, params: { reason } });
}
