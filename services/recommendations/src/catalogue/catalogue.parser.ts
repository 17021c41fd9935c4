import { REGIONS } from '@maison/event-contracts';
import { parseInput, ValidationError } from '@maison/service-kit';
import { z } from 'zod';

/**
 * The catalogue / stock feed. When one is configured, only the SKUs it lists as available (in
 * stock, sellable in the region) are recommended; without one every SKU the model knows is.
 *
 * Format — a JSON document:
 *   { "version": "2026-03-01T06:00:00Z", "items": [
 *       { "sku": "BAG-001", "available": true, "regions": ["EU", "ME"], "stock": 4 } ] }
 * or NDJSON, one item object per line (the version is then the caller's). `regions` (optional)
 * restricts where the SKU may be proposed; `stock` (optional) is the units on hand — 0 means
 * not proposable even if `available`.
 */
export const catalogueItem = z.strictObject({
  sku: z.string().min(1).max(100),
  available: z.boolean(),
  regions: z.array(z.enum(REGIONS)).max(REGIONS.length).optional(),
  stock: z.number().int().min(0).max(1_000_000_000).optional(),
});
export type CatalogueItem = z.infer<typeof catalogueItem>;

export const catalogueFeed = z.strictObject({
  version: z.string().min(1).max(100),
  items: z
    .array(catalogueItem)
    .max(500_000)
    .refine((items) => new Set(items.map((i) => i.sku)).size === items.length, {
      message: 'each SKU may appear once',
    }),
});
export type CatalogueFeed = z.infer<typeof catalogueFeed>;

export const MAX_CATALOGUE_BYTES = 64 * 1024 * 1024;

/** Parses a JSON or NDJSON feed; anything malformed is a ValidationError naming where. */
export function parseCatalogue(text: string, fallbackVersion = 'unversioned'): CatalogueFeed {
  if (text.length > MAX_CATALOGUE_BYTES)
    throw new ValidationError('The catalogue feed is too large.', [
      { pointer: '', detail: `at most ${String(MAX_CATALOGUE_BYTES)} bytes` },
    ]);
  const trimmed = text.trim();
  if (trimmed.startsWith('{') && !trimmed.includes('\n{')) {
    let json: unknown;
    try {
      json = JSON.parse(trimmed);
    } catch {
      throw new ValidationError('The catalogue feed is not valid JSON.', [
        { pointer: '', detail: 'invalid JSON' },
      ]);
    }
    if (typeof json === 'object' && json !== null && 'items' in json)
      return parseInput(catalogueFeed, json, { message: 'The catalogue feed is invalid.' });
  }
  const items: unknown[] = [];
  const lines = trimmed.length === 0 ? [] : trimmed.split(/\r?\n/);
  lines.forEach((line, index) => {
    if (line.trim().length === 0) return;
    try {
      items.push(JSON.parse(line));
    } catch {
      throw new ValidationError('The catalogue feed is invalid.', [
        { pointer: `/${String(index)}`, detail: `line ${String(index + 1)} is not valid JSON` },
      ]);
    }
  });
  return parseInput(
    catalogueFeed,
    { version: fallbackVersion, items },
    { message: 'The catalogue feed is invalid.' },
  );
}

/** Whether a SKU may be proposed in a region, by the feed's row (undefined = not in the feed). */
export function proposable(item: CatalogueItem | undefined, region: string | null): boolean {
  if (!item?.available) return false;
  if (item.stock !== undefined && item.stock <= 0) return false;
  if (item.regions !== undefined && region !== null)
    return (item.regions as readonly string[]).includes(region);
  return true;
}
