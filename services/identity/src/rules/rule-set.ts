import { REGIONS, type RuleRef } from '@maison/event-contracts';
import { IDENTIFIER_TYPES } from '@maison/identifiers';
import { z } from 'zod';

/**
 * The resolution rules, as data: versioned, cited by every decision (`rule: { id, version }`),
 * replayable over the recorded history before a new version is switched on (see `simulation`).
 */

const typeRule = z.strictObject({
  /** Linked to a client automatically when a record carries it (else only by a steward). */
  autoLink: z.boolean(),
  /** A match on this type may merge two clients automatically (both sides must allow it). */
  merge: z.boolean(),
  /** At most this many identifiers of the type per client… */
  max: z.number().int().min(1).max(100),
  /** …in total (`client`) or per scope (`scope`: one POS customer number per POS system). */
  per: z.enum(['client', 'scope']),
});
export type TypeRule = z.infer<typeof typeRule>;

const blocklistEntry = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,40}$/, 'must be a short lower-case id'),
  type: z.enum(IDENTIFIER_TYPES),
  /** `exact`: the normalised value; `pattern`: a regular expression tested on the normalised value. */
  match: z.enum(['exact', 'pattern']),
  value: z.string().min(1).max(300),
  /** Why the value is junk (shown to stewards; no personal data). */
  reason: z.string().min(1).max(200),
});
export type BlocklistEntry = z.infer<typeof blocklistEntry>;

export const ruleSetSchema = z
  .strictObject({
    id: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,40}$/, 'must be a short lower-case id'),
    /** Cited in every decision: a new rule set is a new version, never an edited one. */
    version: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,49}$/, 'must be a short version tag'),
    description: z.string().max(500).optional(),
    /** Strongest first: decides which identifier a record belongs by when they disagree. */
    priority: z.array(z.enum(IDENTIFIER_TYPES)).length(IDENTIFIER_TYPES.length),
    types: z.record(z.enum(IDENTIFIER_TYPES), typeRule),
    /** A value seen on more than this many clients is shared (a shop-floor email): it stops linking. */
    sharedThreshold: z.number().int().min(1).max(1000),
    blocklist: z.array(blocklistEntry).max(500),
    merge: z.strictObject({
      /** Automatic merges at all (stewards can always merge). */
      auto: z.boolean(),
      /** Clients resident in these regions never merge automatically with another region's. */
      isolatedRegions: z.array(z.enum(REGIONS)).max(REGIONS.length),
    }),
  })
  .superRefine((set, ctx) => {
    if (new Set(set.priority).size !== IDENTIFIER_TYPES.length)
      ctx.addIssue({
        code: 'custom',
        path: ['priority'],
        message: 'must list every identifier type once',
      });
    const ids = new Set<string>();
    for (const [i, entry] of set.blocklist.entries()) {
      if (ids.has(entry.id))
        ctx.addIssue({ code: 'custom', path: ['blocklist', i, 'id'], message: 'is not unique' });
      ids.add(entry.id);
      if (entry.match === 'pattern' && compilePattern(entry.value) === undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['blocklist', i, 'value'],
          message: 'is not a valid regular expression',
        });
    }
  });
export type RuleSet = z.infer<typeof ruleSetSchema>;

function compilePattern(source: string): RegExp | undefined {
  try {
    return new RegExp(source, 'u');
  } catch {
    return undefined;
  }
}

/** The rule ids decisions cite (with the rule set's version). */
export const RULE_IDS = {
  register: 'identity.register',
  link: 'identity.link.auto',
  merge: 'identity.merge.auto',
  mergeDisabled: 'identity.merge.disabled',
  limit: (type: string) => `identity.limit.${type}`,
  blocklist: (entryId: string) => `identity.blocklist.${entryId}`,
  shared: 'identity.shared-guard',
  region: 'identity.merge.region-isolation',
  veto: 'identity.merge.steward-veto',
  erasure: 'identity.erasure',
} as const;

/** A rule set checked and prepared for evaluation (regular expressions compiled once). */
export interface Rules {
  readonly set: RuleSet;
  ref(ruleId: string): RuleRef;
  /** Position in the priority list: lower is stronger. */
  rank(type: string): number;
  type(type: string): TypeRule;
  /** The blocklist entry a normalised value matches, if any. */
  blocklisted(type: string, value: string): BlocklistEntry | undefined;
  /** Whether a merge between these home regions is allowed automatically. */
  regionsCompatible(a: string | null, b: string | null): boolean;
}

const NEVER: TypeRule = { autoLink: false, merge: false, max: 1, per: 'client' };

export function compileRules(input: RuleSet): Rules {
  const set = ruleSetSchema.parse(input);
  const rank = new Map<string, number>(set.priority.map((t, i) => [t, i]));
  const patterns = set.blocklist.map((entry) => ({
    entry,
    test:
      entry.match === 'exact'
        ? (v: string) => v === entry.value
        : (() => {
            const re = compilePattern(entry.value) ?? /$^/u;
            return (v: string) => re.test(v);
          })(),
  }));
  const isolated = new Set<string>(set.merge.isolatedRegions);
  return {
    set,
    ref: (id) => ({ id, version: set.version }),
    rank: (type) => rank.get(type) ?? set.priority.length,
    type: (type) => (set.types as Partial<Record<string, TypeRule>>)[type] ?? NEVER,
    blocklisted: (type, value) =>
      patterns.find((p) => p.entry.type === type && p.test(value))?.entry,
    regionsCompatible: (a, b) =>
      a === null || b === null || a === b || (!isolated.has(a) && !isolated.has(b)),
  };
}
