import type { ClientSummary, OwnedItem } from './client-summary.js';
import { categoryOf, instantMs, rungOf } from './facts.js';
import { localDate, placePhrase, scopeLabel } from './places.js';

/**
 * Ranking, pure: given what the read model knows about a client and its neighbourhood, the list to
 * propose and why. Four sources of candidates, each with its explanation:
 * - CO_PURCHASE: item-to-item cosine similarity over client baskets (time-decayed), summed over the
 *   client's pieces weighted by how recent each is;
 * - NEXT_STEP_UP: the price ladder of a category learned from purchase sequences (clients whose
 *   later, dearer piece in a category came from rung B after rung A);
 * - CATEGORY_AFFINITY / COLLECTION_AFFINITY: best sellers of the categories and collections the
 *   client buys most (recency-weighted shares);
 * - BEST_SELLER: the home boutique's, then the region's, then every boutique's best sellers
 *   (cold start, fill, and the whole list when personalisation is not allowed).
 * Items the client owns or returned never appear; categories are diversified greedily.
 */
export type RecommendationStrategy =
  'CO_PURCHASE' | 'NEXT_STEP_UP' | 'CATEGORY_AFFINITY' | 'COLLECTION_AFFINITY' | 'BEST_SELLER';

export type RecommendationBasis = 'PERSONALISED' | 'COLD_START' | 'NOT_PERSONALISED';

export interface ItemInfo {
  readonly sku: string;
  readonly productId: string | null;
  readonly name: string;
  readonly categoryPath: readonly string[];
  readonly collection: string | null;
  /** Mean unit price per currency (minor units). */
  readonly prices: Readonly<Record<string, number>>;
}

export interface Neighbour {
  /** A piece the client owns. */
  readonly anchor: string;
  readonly sku: string;
  readonly cosine: number;
}

export interface LadderStep {
  readonly category: string;
  readonly fromRung: string;
  readonly toRung: string;
  readonly clients: number;
}

/** An item with its decayed sales in a scope (best sellers). */
export interface Seller {
  readonly sku: string;
  readonly value: number;
}

export interface BestSellerList {
  /** `store:<id>`, `region:<R>` or `all`. */
  readonly scope: string;
  readonly sellers: readonly Seller[];
}

/** The past purchase an explanation names. */
export interface Evidence {
  readonly transactionId: string;
  readonly sku: string;
  readonly name: string;
  readonly occurredAt: string;
  readonly storeId: string | null;
}

export interface Recommendation {
  readonly sku: string;
  readonly productId: string | null;
  readonly name: string;
  readonly categoryPath: readonly string[];
  readonly collection: string | null;
  readonly score: number;
  readonly strategy: RecommendationStrategy;
  readonly reason: string;
  readonly evidence: Evidence | null;
}

export interface RecommendationList {
  readonly personalised: boolean;
  readonly basis: RecommendationBasis;
  /** Why the list is (or is not) personalised, in one sentence. */
  readonly explanation: string;
  readonly items: readonly Recommendation[];
}

export interface RankInput {
  readonly first: number;
  /** Keep only items whose category path contains this (case-insensitive). */
  readonly category: string | null;
  /** Null = personalisation allowed; otherwise the sentence saying why not. */
  readonly notPersonalisedBecause: string | null;
  /** The client's pieces and returns (all the ids that resolve to the client). */
  readonly summary: ClientSummary;
  readonly neighbours: readonly Neighbour[];
  readonly ladder: readonly LadderStep[];
  /** Best sellers of the client's categories and collections (the affinity and ladder pool). */
  readonly pool: readonly Seller[];
  /** Fallback lists, in order (home boutique, home region, everywhere). */
  readonly bestSellers: readonly BestSellerList[];
  /** Whether the client's home boutique/region picked the best-seller lists. */
  readonly homeKnown: boolean;
  readonly items: ReadonlyMap<string, ItemInfo>;
  /** From the catalogue feed when one is configured; otherwise everything is available. */
  readonly available: (sku: string) => boolean;
}

export const WEIGHTS = {
  coPurchase: 1,
  ladder: 0.6,
  affinity: 0.3,
  bestSeller: 0.05,
  /** Each piece already picked in a category multiplies the next one's score by this. */
  diversity: 0.75,
} as const;

interface Scored {
  sku: string;
  score: number;
  strategy: RecommendationStrategy;
  reason: string;
  evidence: Evidence | null;
  /** Weighted contribution of the strategy that explains the item (the largest). */
  lead: number;
}

const round = (x: number): number => Math.round(x * 1e6) / 1e6;

function evidenceOf(item: OwnedItem): Evidence {
  return {
    transactionId: item.lastTransactionId,
    sku: item.sku,
    name: item.name,
    occurredAt: item.lastAt,
    storeId: item.lastStoreId,
  };
}

function bought(item: OwnedItem): string {
  return `bought ${item.name} ${placePhrase(item.lastStoreId, item.lastChannel, item.lastCountry)} on ${localDate(item.lastAt)}`;
}

function capitalise(s: string): string {
  return s.length === 0 ? s : `${s[0]?.toUpperCase() ?? ''}${s.slice(1)}`;
}

function latest(a: OwnedItem, b: OwnedItem): OwnedItem {
  const ta = instantMs(a.lastAt);
  const tb = instantMs(b.lastAt);
  return tb > ta || (tb === ta && b.sku > a.sku) ? b : a;
}

/** Recency of each owned piece relative to the client's latest one, in (0, 1]. */
function recencies(summary: ClientSummary): Map<string, number> {
  let max = 0n;
  for (const item of summary.items.values()) if (item.weight > max) max = item.weight;
  const r = new Map<string, number>();
  if (max === 0n) return r;
  for (const item of summary.items.values()) r.set(item.sku, Number(item.weight) / Number(max));
  return r;
}

function shares(
  summary: ClientSummary,
  r: ReadonlyMap<string, number>,
  key: (item: OwnedItem) => string | null,
): Map<string, { share: number; latest: OwnedItem; count: number }> {
  let total = 0;
  const out = new Map<string, { share: number; latest: OwnedItem; count: number }>();
  for (const item of [...summary.items.values()].sort((a, b) => (a.sku < b.sku ? -1 : 1))) {
    const w = r.get(item.sku) ?? 0;
    total += w;
    const k = key(item);
    if (k === null) continue;
    const cur = out.get(k);
    out.set(
      k,
      cur
        ? { share: cur.share + w, latest: latest(cur.latest, item), count: cur.count + 1 }
        : { share: w, latest: item, count: 1 },
    );
  }
  for (const [k, v] of out) out.set(k, { ...v, share: total > 0 ? v.share / total : 0 });
  return out;
}

function consider(into: Map<string, Scored>, s: Scored): void {
  const cur = into.get(s.sku);
  if (!cur) {
    into.set(s.sku, s);
    return;
  }
  const keep = s.lead > cur.lead ? s : cur;
  into.set(s.sku, { ...keep, score: cur.score + s.score });
}

function personalCandidates(input: RankInput, into: Map<string, Scored>): void {
  const { summary } = input;
  const r = recencies(summary);

  // Co-purchase: Σ_i cos(i, j) · r_i, explained by the anchor that contributes most.
  const cf = new Map<string, { score: number; anchor: OwnedItem; best: number }>();
  const neighbours = [...input.neighbours].sort((a, b) =>
    a.sku === b.sku ? (a.anchor < b.anchor ? -1 : 1) : a.sku < b.sku ? -1 : 1,
  );
  for (const n of neighbours) {
    const anchor = summary.items.get(n.anchor);
    if (!anchor || n.cosine <= 0) continue;
    const c = n.cosine * (r.get(n.anchor) ?? 0);
    const cur = cf.get(n.sku);
    if (!cur) cf.set(n.sku, { score: c, anchor, best: c });
    else {
      cur.score += c;
      if (c > cur.best) {
        cur.best = c;
        cur.anchor = anchor;
      }
    }
  }
  for (const [sku, v] of cf) {
    const score = WEIGHTS.coPurchase * v.score;
    consider(into, {
      sku,
      score,
      lead: score,
      strategy: 'CO_PURCHASE',
      reason: `${capitalise(bought(v.anchor))}; clients who bought it often bought this.`,
      evidence: evidenceOf(v.anchor),
    });
  }

  const categories = shares(summary, r, (i) => i.category);
  const collections = shares(summary, r, (i) => i.collection);
  const poolMax = new Map<string, number>();
  for (const s of input.pool) {
    const info = input.items.get(s.sku);
    if (!info) continue;
    const k = categoryOf(info.categoryPath);
    poolMax.set(k, Math.max(poolMax.get(k) ?? 0, s.value));
  }
  const popRel = (s: Seller, info: ItemInfo): number => {
    const max = poolMax.get(categoryOf(info.categoryPath)) ?? 0;
    return max > 0 ? Math.max(0, s.value) / max : 0;
  };

  // Next step up: from the rung of the latest priced piece in each category.
  const steps = new Map<string, { total: number; to: Map<string, number> }>();
  for (const s of input.ladder) {
    const key = `${s.category}\u0000${s.fromRung}`;
    const cur = steps.get(key) ?? { total: 0, to: new Map<string, number>() };
    cur.total += s.clients;
    cur.to.set(s.toRung, (cur.to.get(s.toRung) ?? 0) + s.clients);
    steps.set(key, cur);
  }
  for (const s of input.pool) {
    const info = input.items.get(s.sku);
    if (!info) continue;
    const k = categoryOf(info.categoryPath);
    const cat = categories.get(k);
    if (!cat) continue;
    const from = cat.latest;
    const ladder = steps.get(`${k}\u0000${from.rung}`);
    const toRung = rungOf(info.categoryPath);
    const clients = ladder?.to.get(toRung) ?? 0;
    const price = info.prices[from.price.currency];
    if (ladder && clients > 0 && price !== undefined && price > from.price.amountMinor) {
      const p = clients / ladder.total;
      const score = WEIGHTS.ladder * p * cat.share * (0.5 + 0.5 * popRel(s, info));
      const step =
        toRung === from.rung
          ? `clients who bought ${from.rung} often moved up to a dearer piece of it`
          : `clients who bought ${from.rung} often stepped up to ${toRung}`;
      consider(into, {
        sku: s.sku,
        score,
        lead: score,
        strategy: 'NEXT_STEP_UP',
        reason: `${capitalise(bought(from))}; ${step}.`,
        evidence: evidenceOf(from),
      });
    }
    // Affinity: the categories and collections the client buys most.
    const coll = info.collection === null ? undefined : collections.get(info.collection);
    const catPart = 0.6 * cat.share;
    const collPart = 0.4 * (coll?.share ?? 0);
    const score = WEIGHTS.affinity * (catPart + collPart) * popRel(s, info);
    if (score <= 0) continue;
    const byCollection = coll !== undefined && collPart >= catPart;
    consider(into, {
      sku: s.sku,
      score,
      lead: score,
      strategy: byCollection ? 'COLLECTION_AFFINITY' : 'CATEGORY_AFFINITY',
      reason: byCollection
        ? `${capitalise(bought(coll.latest))}; a best seller of the ${info.collection ?? ''} collection the client favours.`
        : `${capitalise(bought(cat.latest))}${cat.count > 1 ? ` (${String(cat.count)} ${k} pieces owned)` : ''}; a best seller in ${k}.`,
      evidence: evidenceOf(byCollection ? coll.latest : cat.latest),
    });
  }
}

function bestSellerCandidates(
  input: RankInput,
  into: Map<string, Scored>,
  weight: number,
  suffix: string,
): void {
  input.bestSellers.forEach((list, index) => {
    const max = list.sellers.reduce((m, s) => Math.max(m, s.value), 0);
    if (max <= 0) return;
    for (const s of list.sellers) {
      if (s.value <= 0) continue;
      const score = (weight * (s.value / max)) / 2 ** index;
      const cur = into.get(s.sku);
      if (cur && cur.strategy !== 'BEST_SELLER') {
        into.set(s.sku, { ...cur, score: cur.score + score });
        continue;
      }
      if (cur && cur.score >= score) continue;
      into.set(s.sku, {
        sku: s.sku,
        score,
        lead: score,
        strategy: 'BEST_SELLER',
        reason: `One of the best sellers of ${scopeLabel(list.scope)}${suffix}.`,
        evidence: null,
      });
    }
  });
}

function matchesCategory(info: ItemInfo, category: string | null): boolean {
  if (category === null) return true;
  const c = category.trim().toLowerCase();
  return info.categoryPath.some((p) => p.toLowerCase() === c);
}

/** Greedy diversification: each pick lowers the scores of the rest of its category. */
function diversify(candidates: Scored[], input: RankInput): Recommendation[] {
  const picked: Recommendation[] = [];
  const perCategory = new Map<string, number>();
  const rest = [...candidates];
  while (picked.length < input.first && rest.length > 0) {
    let bestIndex = -1;
    let bestScore = -Infinity;
    for (let i = 0; i < rest.length; i++) {
      const c = rest[i];
      const info = c ? input.items.get(c.sku) : undefined;
      if (!c || !info) continue;
      const n = perCategory.get(categoryOf(info.categoryPath)) ?? 0;
      const adjusted = round(c.score * WEIGHTS.diversity ** n);
      const best = rest[bestIndex];
      if (adjusted > bestScore || (adjusted === bestScore && best && c.sku < best.sku)) {
        bestScore = adjusted;
        bestIndex = i;
      }
    }
    const [c] = rest.splice(bestIndex, 1);
    const info = c ? input.items.get(c.sku) : undefined;
    if (!c || !info) break;
    const k = categoryOf(info.categoryPath);
    perCategory.set(k, (perCategory.get(k) ?? 0) + 1);
    picked.push({
      sku: c.sku,
      productId: info.productId,
      name: info.name,
      categoryPath: info.categoryPath,
      collection: info.collection,
      score: bestScore,
      strategy: c.strategy,
      reason: c.reason,
      evidence: c.evidence,
    });
  }
  return picked;
}

export function rank(input: RankInput): RecommendationList {
  const candidates = new Map<string, Scored>();
  const because = input.notPersonalisedBecause;
  const personal = because === null;
  const hasHistory = input.summary.items.size > 0;
  if (personal && hasHistory) personalCandidates(input, candidates);
  if (personal) bestSellerCandidates(input, candidates, WEIGHTS.bestSeller, '');
  else bestSellerCandidates(input, candidates, 1, `; not personalised: ${because}`);
  const eligible = [...candidates.values()].filter((c) => {
    const info = input.items.get(c.sku);
    return (
      info !== undefined &&
      c.score > 0 &&
      !input.summary.items.has(c.sku) &&
      !input.summary.returned.has(c.sku) &&
      input.available(c.sku) &&
      matchesCategory(info, input.category)
    );
  });
  const items = diversify(eligible, input);
  if (because !== null) {
    return {
      personalised: false,
      basis: 'NOT_PERSONALISED',
      explanation: `Not personalised: ${because}; best sellers only.`,
      items,
    };
  }
  if (hasHistory) {
    return {
      personalised: true,
      basis: 'PERSONALISED',
      explanation:
        'Personalised from the client’s purchases (profiling consent granted), with similar clients’ purchases and the category price ladders.',
      items,
    };
  }
  return {
    personalised: input.homeKnown,
    basis: 'COLD_START',
    explanation: input.homeKnown
      ? 'No purchases yet: best sellers of the client’s home boutique and region.'
      : 'No purchases and no home boutique known yet: best sellers everywhere.',
    items,
  };
}
