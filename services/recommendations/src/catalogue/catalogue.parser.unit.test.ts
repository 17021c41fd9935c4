import { describe, expect, it } from '@jest/globals';
import { ValidationError } from '@maison/service-kit';
import fc from 'fast-check';
import {
  catalogueItem,
  parseCatalogue,
  proposable,
  type CatalogueItem,
} from './catalogue.parser.js';

describe('catalogue feed parser', () => {
  it('reads a JSON document and NDJSON lines', () => {
    const doc = parseCatalogue(
      JSON.stringify({ version: 'v1', items: [{ sku: 'A', available: true, stock: 2 }] }),
    );
    expect(doc).toEqual({ version: 'v1', items: [{ sku: 'A', available: true, stock: 2 }] });
    const nd = parseCatalogue(
      '{"sku":"A","available":true}\n\n{"sku":"B","available":false,"regions":["EU"]}\n',
      'v2',
    );
    expect(nd.version).toBe('v2');
    expect(nd.items.map((i) => i.sku)).toEqual(['A', 'B']);
  });

  it('rejects bad feeds with a ValidationError that points at the problem', () => {
    const cases = [
      '{"version":"v","items":[{"sku":"A","available":"yes"}]}',
      '{"version":"v","items":[{"sku":"A","available":true},{"sku":"A","available":false}]}',
      '{"sku":"A","available":true}\nnot json',
      '{"version":"v","items":[{"sku":"A","available":true,"regions":["MARS"]}]}',
      '{"version":"v","items":[{"sku":"A","available":true,"price":3}]}',
    ];
    for (const text of cases) {
      let error: unknown;
      try {
        parseCatalogue(text);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).errors.length).toBeGreaterThan(0);
    }
  });

  it('property: any text either parses or fails with a ValidationError, never anything else', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.json(),
          fc.array(fc.json()).map((a) => a.join('\n')),
        ),
        (text) => {
          try {
            parseCatalogue(text);
          } catch (e) {
            expect(e).toBeInstanceOf(ValidationError);
          }
        },
      ),
    );
  });

  it('property: valid items round-trip through both formats', () => {
    const item = fc.record(
      {
        sku: fc.string({ minLength: 1, maxLength: 20 }),
        available: fc.boolean(),
        regions: fc.uniqueArray(fc.constantFrom('EU', 'UK', 'ME', 'JP')),
        stock: fc.nat({ max: 1000 }),
      },
      { requiredKeys: ['sku', 'available'] },
    );
    fc.assert(
      fc.property(fc.uniqueArray(item, { selector: (i) => i.sku, maxLength: 10 }), (items) => {
        const parsed = items.map((i) => catalogueItem.parse(i));
        expect(parseCatalogue(JSON.stringify({ version: 'v', items: parsed })).items).toEqual(
          parsed,
        );
        if (parsed.length > 0)
          expect(
            parseCatalogue(parsed.map((i) => JSON.stringify(i)).join('\n'), 'v').items,
          ).toEqual(parsed);
      }),
    );
  });

  it('proposes only available, in-stock SKUs of the region', () => {
    const a: CatalogueItem = { sku: 'A', available: true, regions: ['EU'], stock: 1 };
    expect(proposable(a, 'EU')).toBe(true);
    expect(proposable(a, 'ME')).toBe(false);
    expect(proposable({ ...a, stock: 0 }, 'EU')).toBe(false);
    expect(proposable({ ...a, available: false }, 'EU')).toBe(false);
    expect(proposable(undefined, 'EU')).toBe(false);
  });
});
