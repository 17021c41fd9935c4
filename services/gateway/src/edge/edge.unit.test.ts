import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { isPreflighted } from './csrf.js';
import { operationHash, PersistedOperations } from './persisted-operations.js';
import { traceHeaders } from './trace.js';

describe('CSRF prevention (Apollo rule)', () => {
  it('accepts JSON and custom-header requests, refuses simple ones', () => {
    expect(isPreflighted({ 'content-type': 'application/json' })).toBe(true);
    expect(isPreflighted({ 'content-type': 'application/json; charset=utf-8' })).toBe(true);
    expect(isPreflighted({ 'x-maison-csrf': '1' })).toBe(true);
    expect(isPreflighted({ 'apollo-require-preflight': 'true' })).toBe(true);
    expect(isPreflighted({})).toBe(false);
    expect(isPreflighted({ 'content-type': 'text/plain;charset=UTF-8' })).toBe(false);
    expect(isPreflighted({ 'content-type': ' Multipart/Form-Data; boundary=x' })).toBe(false);
    expect(isPreflighted({ 'content-type': 'application/x-www-form-urlencoded' })).toBe(false);
    expect(isPreflighted({ 'content-type': '' })).toBe(false);
  });
});

describe('persisted operations', () => {
  const query = 'query A { viewer { role } }';

  it('looks operations up by SHA-256, in both manifest formats', () => {
    const ops = new PersistedOperations([query]);
    expect(ops.get(operationHash(query))).toBe(query);
    expect(ops.get(operationHash(query).toUpperCase())).toBe(query);
    expect(ops.has(query)).toBe(true);
    expect(ops.has(`${query} `)).toBe(false);
    expect(PersistedOperations.fromManifest(ops.toManifest()).has(query)).toBe(true);
    expect(PersistedOperations.fromManifest({ [operationHash(query)]: query }).size).toBe(1);
  });

  it('refuses a manifest whose id is not the hash of its body', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => {
        fc.pre(a !== b);
        expect(() => PersistedOperations.fromManifest({ [operationHash(a)]: b })).toThrow(
          /SHA-256/,
        );
      }),
      { numRuns: 50 },
    );
    expect(() => PersistedOperations.fromManifest([1, 2])).toThrow();
  });
});

describe('trace context to the subgraphs', () => {
  const valid = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

  it('forwards a valid traceparent (and tracestate), outside any span', () => {
    expect(traceHeaders({ traceparent: valid, tracestate: 'maison=1' })).toEqual({
      traceparent: valid,
      tracestate: 'maison=1',
    });
  });

  it('never forwards an invalid one', () => {
    expect(
      traceHeaders({ traceparent: '00-00000000000000000000000000000000-b7ad6b7169203331-01' }),
    ).toEqual({});
    expect(traceHeaders({ traceparent: `${valid}\r\nx-evil: 1` })).toEqual({});
    fc.assert(
      fc.property(fc.string(), (s) => {
        const out = traceHeaders({ traceparent: s });
        if (out.traceparent !== undefined)
          expect(out.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/);
      }),
    );
  });
});
