import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { parse } from 'graphql';
import { apiSchemaOf, composeSupergraph } from '../supergraph/compose.js';
import { CLIENT_VIEW_QUERY, fixtureSubgraphSdl } from '../testing.js';
import { DEFAULT_LIMITS } from '../gateway.js';
import { analyseOperation } from './operation.analysis.js';

const schema = apiSchemaOf(composeSupergraph(fixtureSubgraphSdl()));
const analyse = (query: string, variables?: Record<string, unknown>, operationName?: string) =>
  analyseOperation(parse(query), schema, { defaultListSize: 10, variables, operationName });

describe('operation depth and cost', () => {
  it('measures the client view within the default limits', () => {
    const r = analyse(CLIENT_VIEW_QUERY, { id: 'client-1' });
    expect(r.introspection).toBe(false);
    expect(r.depth).toBe(6); // client > transactions > nodes > lines > amount > currency
    expect(r.depth).toBeLessThanOrEqual(DEFAULT_LIMITS.maxDepth);
    expect(r.cost).toBeLessThanOrEqual(DEFAULT_LIMITS.maxCost);
    expect(r.cost).toBeGreaterThan(100);
  });

  it('multiplies by size arguments, literal or variable, and by the default list size', () => {
    const one = analyse(
      '{ client(id: "c") { recommendations(first: 1) { sku reasons { kind } } } }',
    );
    const ten = analyse(
      'query($n: Int) { client(id: "c") { recommendations(first: $n) { sku reasons { kind } } } }',
      { n: 10 },
    );
    // client 1 + recommendations 1×n + reasons (default 10 per recommendation)
    expect(one.cost).toBe(1 + 1 * (1 + 10));
    expect(ten.cost).toBe(1 + 10 * (1 + 10));
    // a sized connection multiplies its subtree once; its `nodes` list does not again
    expect(analyse('{ client(id: "c") { transactions(last: 3) { nodes { id } } } }').cost).toBe(
      1 + 3 * (1 + 1),
    );
  });

  it('follows fragments and inline fragments, and finds introspection anywhere', () => {
    const viaFragment = analyse(
      'query { client(id: "c") { ...F } } fragment F on Client { spend { ... on TransactionSpend { lifetime { currency } } } }',
    );
    expect(viaFragment.depth).toBe(4);
    expect(analyse('{ __schema { types { name } } }').introspection).toBe(true);
    expect(
      analyse('query { ...Q } fragment Q on Query { __type(name: "Client") { name } }')
        .introspection,
    ).toBe(true);
    expect(analyse('{ __typename client(id: "c") { __typename } }')).toEqual({
      depth: 1,
      cost: 1,
      introspection: false,
    });
  });

  it('measures the named operation, or the largest when none is named', () => {
    const doc = 'query A { viewer { role } } query B { client(id: "c") { spend { tier } } }';
    expect(analyse(doc, undefined, 'A').depth).toBe(2);
    expect(analyse(doc, undefined, 'B').depth).toBe(3);
    expect(analyse(doc).depth).toBe(3);
  });

  it('terminates on fragment cycles and unknown fields (validation rejects them later)', () => {
    const r = analyse(
      '{ client(id: "c") { ...A } } fragment A on Client { ...B id } fragment B on Client { ...A nope { deeper } }',
    );
    expect(r.depth).toBe(3);
  });

  it('property: inline fragments change nothing, and a larger page never lowers cost', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 20 }),
        fc.integer({ min: 0, max: 1000 }),
        fc.integer({ min: 0, max: 1000 }),
        (wraps, a, b) => {
          const inner = 'client(id: "c") { profile { notes { id } } }';
          const wrapped = `{ ${'... on Query { '.repeat(wraps)}${inner}${' }'.repeat(wraps)} }`;
          expect(analyse(wrapped)).toEqual(analyse(`{ ${inner} }`));
          const page = (n: number) =>
            analyse(
              `{ searchClients(query: "x", first: ${String(n)}) { nodes { spend { tier } } } }`,
            ).cost;
          const [lo, hi] = a <= b ? [a, b] : [b, a];
          expect(page(lo)).toBeLessThanOrEqual(page(hi));
        },
      ),
      { numRuns: 50 },
    );
  });

  it('property: depth grows with every nested selection of unknown fields too', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), (n) => {
        const query = `{ ${'a { '.repeat(n)}b${' }'.repeat(n)} }`;
        expect(analyse(query).depth).toBe(n + 1);
      }),
      { numRuns: 30 },
    );
  });
});
