import type { ProfileSourceKind, RuleRef } from '@maison/event-contracts';
import type { JsonValue } from './profile.fields.js';

/**
 * Survivorship: which value a profile field keeps when several sources write it. The policy is
 * configuration, versioned: every change records the rule and the policy version that let it win
 * (`ProfileUpdated.changes[].policy` and `.reason`), so the history says why a value won even
 * after the policy changed.
 *
 * Rules, in order:
 * 1. **Steward lock** — a value a data steward set by hand is never overwritten by any other
 *    source; only a steward changes it again.
 * 2. A steward's write always wins.
 * 3. The field's rule: `source-priority` (the incoming source must rank at least as high as the
 *    current value's source — equal ranks: the more recent wins) or `most-recent` (the value that
 *    was true at its source later wins, whatever the source).
 */

export type FieldRule = 'source-priority' | 'most-recent';

export interface SurvivorshipPolicy {
  /** Recorded as `policy.version` on every change. */
  readonly version: string;
  /** Highest first. `steward` is handled by the lock and need not be listed. */
  readonly priority: readonly ProfileSourceKind[];
  readonly defaultRule: FieldRule;
  /** By field key, or a prefix ending in `.*` (`sizes.*`). The first match wins. */
  readonly rules: readonly { readonly field: string; readonly rule: FieldRule }[];
  /** How source systems are ranked: exact name, or a prefix ending in `*` (`pos.*`). */
  readonly sources: readonly { readonly system: string; readonly kind: ProfileSourceKind }[];
  /** The kind of a system no entry matches. */
  readonly defaultKind: ProfileSourceKind;
}

/**
 * The policies the service knows, by version. Add a version, never edit a released one: old
 * changes cite the version that decided them.
 */
export const SURVIVORSHIP_POLICIES: Readonly<Record<string, SurvivorshipPolicy>> = {
  '2026-03': {
    version: '2026-03',
    priority: ['associate', 'pos', 'ecommerce', 'loyalty', 'import'],
    defaultRule: 'source-priority',
    rules: [
      // What changes with the client and is best known from the latest purchase or sign-up.
      { field: 'sizes.*', rule: 'most-recent' },
      { field: 'communication.channel', rule: 'most-recent' },
      { field: 'languages', rule: 'most-recent' },
    ],
    sources: [
      { system: 'associate', kind: 'associate' },
      { system: 'steward', kind: 'steward' },
      { system: 'pos.*', kind: 'pos' },
      { system: 'shopify*', kind: 'ecommerce' },
      { system: 'sfcc*', kind: 'ecommerce' },
      { system: 'ecom.*', kind: 'ecommerce' },
      { system: 'loyalty.*', kind: 'loyalty' },
      { system: 'import.*', kind: 'import' },
    ],
    defaultKind: 'import',
  },
};

export const DEFAULT_SURVIVORSHIP_VERSION = '2026-03';

/** A released policy by version (configuration names one; an unknown version fails at start). */
export function survivorshipPolicy(version: string): SurvivorshipPolicy {
  const policy = SURVIVORSHIP_POLICIES[version];
  if (policy === undefined) throw new RangeError(`unknown survivorship policy version ${version}`);
  return policy;
}

/** `sizes.*` / `pos.*` match by prefix; anything else exactly. */
function matches(pattern: string, value: string): boolean {
  return pattern.endsWith('*') ? value.startsWith(pattern.slice(0, -1)) : pattern === value;
}

export function sourceKindOf(policy: SurvivorshipPolicy, system: string): ProfileSourceKind {
  return policy.sources.find((s) => matches(s.system, system))?.kind ?? policy.defaultKind;
}

export function ruleOf(policy: SurvivorshipPolicy, field: string): FieldRule {
  return policy.rules.find((r) => matches(r.field, field))?.rule ?? policy.defaultRule;
}

/** What survivorship knows about a value: where it came from and when it was true. */
export interface Candidate {
  readonly value: JsonValue | null;
  readonly source: string;
  readonly sourceKind: ProfileSourceKind;
  /** ISO 8601 instant: when the value was true at its source. */
  readonly at: string;
}

export type SurvivorshipOutcome =
  'first-value' | 'steward-lock' | 'steward' | 'source-priority' | 'most-recent';

export interface Verdict {
  readonly wins: boolean;
  readonly outcome: SurvivorshipOutcome;
  readonly policy: RuleRef;
  /** For the history: no personal data, only sources, kinds and rules. */
  readonly reason: string;
}

function rank(policy: SurvivorshipPolicy, kind: ProfileSourceKind): number {
  if (kind === 'steward') return -1;
  const i = policy.priority.indexOf(kind);
  return i < 0 ? policy.priority.length : i;
}

const later = (a: string, b: string): boolean => Date.parse(a) >= Date.parse(b);

/** Decides whether `incoming` replaces `current` for `field`. Pure. */
export function survive(
  policy: SurvivorshipPolicy,
  field: string,
  current: Candidate | undefined,
  incoming: Candidate,
): Verdict {
  const verdict = (wins: boolean, outcome: SurvivorshipOutcome, reason: string): Verdict => ({
    wins,
    outcome,
    policy: { id: `survivorship.${outcome}`, version: policy.version },
    reason,
  });
  const who = (c: Candidate) => `${c.source} (${c.sourceKind})`;
  if (current === undefined)
    return verdict(true, 'first-value', `first value of ${field}, from ${who(incoming)}`);
  if (current.sourceKind === 'steward' && incoming.sourceKind !== 'steward')
    return verdict(
      false,
      'steward-lock',
      `${field} was set by a steward; ${who(incoming)} may not overwrite it`,
    );
  if (incoming.sourceKind === 'steward')
    return verdict(true, 'steward', `a steward's value replaces ${who(current)}`);
  if (ruleOf(policy, field) === 'most-recent') {
    return later(incoming.at, current.at)
      ? verdict(true, 'most-recent', `${who(incoming)} is more recent than ${who(current)}`)
      : verdict(false, 'most-recent', `${who(current)} is more recent than ${who(incoming)}`);
  }
  const [a, b] = [rank(policy, incoming.sourceKind), rank(policy, current.sourceKind)];
  if (a < b) return verdict(true, 'source-priority', `${who(incoming)} outranks ${who(current)}`);
  if (a > b) return verdict(false, 'source-priority', `${who(current)} outranks ${who(incoming)}`);
  return later(incoming.at, current.at)
    ? verdict(true, 'source-priority', `same rank as ${who(current)} and more recent`)
    : verdict(false, 'source-priority', `same rank as ${who(current)} and older`);
}
