import { describe, expect, it } from '@jest/globals';
import { parse, print, visit } from 'graphql';
import { fixtureSubgraphSdl } from '../testing.js';
import { diffSupergraphs } from './breaking.js';
import { apiSchemaOf, composeSupergraph, CompositionError, subgraphsOf } from './compose.js';
import { withSubgraphUrls } from './urls.js';

const fixtures = fixtureSubgraphSdl();

/** The fixtures with one subgraph's SDL edited. */
function edited(name: string, edit: (sdl: string) => string) {
  return fixtures.map((s) => (s.name === name ? { ...s, sdl: edit(s.sdl) } : s));
}

describe('supergraph composition', () => {
  it('composes identity-owned Client with fields from every subgraph', () => {
    const schema = apiSchemaOf(composeSupergraph(fixtures));
    const client = schema.getType('Client');
    expect(client?.toString()).toBe('Client');
    const fields = Object.keys((client as { getFields(): object }).getFields());
    expect(fields).toEqual(
      expect.arrayContaining([
        'id',
        'identities',
        'profile',
        'consents',
        'transactions',
        'spend',
        'recommendations',
      ]),
    );
    // federation machinery is not part of the client-facing schema
    expect(schema.getType('join__Graph')).toBeUndefined();
    expect(schema.getQueryType()?.getFields()._entities).toBeUndefined();
  });

  it('does not depend on the order subgraphs are listed in', () => {
    expect(composeSupergraph([...fixtures].reverse())).toBe(composeSupergraph(fixtures));
  });

  it('records each subgraph with its URL', () => {
    expect(
      subgraphsOf(composeSupergraph(fixtures))
        .map((s) => s.name)
        .sort(),
    ).toEqual(fixtures.map((s) => s.name).sort());
  });

  it('fails on a type defined by two subgraphs without @shareable, naming it', () => {
    const clash = edited(
      'consent',
      (sdl) => `${sdl}\ntype TransactionMoney { amountMinor: Int! currency: String! }\n`,
    );
    expect(() => composeSupergraph(clash)).toThrow(CompositionError);
    expect(() => composeSupergraph(clash)).toThrow(/TransactionMoney/);
  });

  it('fails on an invalid SDL, a duplicate name or nothing to compose', () => {
    expect(() => composeSupergraph(edited('profiles', () => 'type {'))).toThrow(/\[profiles\]/);
    expect(() => composeSupergraph([...fixtures, fixtures[0]!])).toThrow(/listed twice/);
    expect(() => composeSupergraph([])).toThrow(CompositionError);
  });
});

describe('breaking changes against a previous supergraph', () => {
  const base = composeSupergraph(fixtures);

  it('finds none between a supergraph and itself, or after adding a field', () => {
    expect(diffSupergraphs(base, base).breaking).toEqual([]);
    const added = composeSupergraph(
      edited('transactions', (sdl) =>
        sdl.replace('tier: String!', 'tier: String!\n  currencyCount: Int'),
      ),
    );
    expect(diffSupergraphs(base, added).breaking).toEqual([]);
  });

  it('reports a removed field, a changed type and a new required argument', () => {
    const removed = composeSupergraph(
      edited('transactions', (sdl) => sdl.replace(/\n\s*tier: String!/, '')),
    );
    expect(diffSupergraphs(base, removed).breaking.map((c) => c.description)).toEqual([
      'TransactionSpend.tier was removed.',
    ]);
    const retyped = composeSupergraph(
      edited('recommendations', (sdl) => sdl.replace('score: Float!', 'score: String!')),
    );
    // Float is no longer used anywhere either, so it disappears from the API schema
    expect(diffSupergraphs(base, retyped).breaking.map((c) => c.description)).toEqual(
      expect.arrayContaining(['Recommendation.score changed type from Float! to String!.']),
    );
    const required = composeSupergraph(
      edited('identity', (sdl) =>
        sdl.replace('viewer: IdentityViewer!', 'viewer(as: String!): IdentityViewer!'),
      ),
    );
    expect(diffSupergraphs(base, required).breaking.map((c) => c.type)).toEqual([
      'REQUIRED_ARG_ADDED',
    ]);
  });
});

describe('subgraph URLs per deployment', () => {
  const base = composeSupergraph(fixtures);

  it('rewrites join__graph URLs and nothing else', () => {
    const moved = withSubgraphUrls(base, { identity: 'http://127.0.0.1:9/graphql' });
    expect(subgraphsOf(moved).find((s) => s.name === 'identity')?.url).toBe(
      'http://127.0.0.1:9/graphql',
    );
    expect(subgraphsOf(moved).find((s) => s.name === 'profiles')?.url).toBe(
      subgraphsOf(base).find((s) => s.name === 'profiles')?.url,
    );
    const strip = (sdl: string) =>
      print(
        visit(parse(sdl), {
          Directive: (d) => (d.name.value === 'join__graph' ? null : undefined),
        }),
      );
    expect(strip(moved)).toBe(strip(base));
  });

  it('refuses unknown subgraph names and non-http URLs', () => {
    expect(() => withSubgraphUrls(base, { idnetity: 'http://x/graphql' })).toThrow(/idnetity/);
    expect(() => withSubgraphUrls(base, { identity: 'file:///etc/passwd' })).toThrow(/http/);
  });
});
