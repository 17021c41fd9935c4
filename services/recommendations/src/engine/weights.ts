/**
 * Time decay with exact arithmetic. A purchase at time t weighs `2^((t − epoch) / halfLife)`
 * (scaled to an integer): weights grow with time instead of old ones shrinking, and because cosine
 * similarity is invariant to scaling every weight by the same factor, this is the same as decaying
 * every purchase relative to "now" — without ever rewriting old contributions. Weights are
 * integers (bigint) so every aggregate is an exact sum: the model is the same whatever order the
 * events arrive in, and a replay from scratch rebuilds it bit for bit.
 */
export const DECAY_EPOCH = Date.UTC(2020, 0, 1);
const DAY_MS = 86_400_000;
const SCALE = 1024;

export function decayWeight(occurredAtMs: number, halfLifeDays: number): bigint {
  const exponent = (occurredAtMs - DECAY_EPOCH) / (halfLifeDays * DAY_MS);
  const w = Math.round(SCALE * 2 ** exponent);
  if (!Number.isFinite(w) || w > Number.MAX_SAFE_INTEGER) return BigInt(Number.MAX_SAFE_INTEGER);
  return BigInt(Math.max(1, w));
}
