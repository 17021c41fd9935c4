import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

/** The OpenAPI document describes every REST route the service mounts (and nothing else). */
const source = readFileSync(new URL('./rest.routes.ts', import.meta.url), 'utf8');
const routes = [...source.matchAll(/e\.(get|post)\(\s*'([^']+)'/g)].map(
  ([, method, path]) => `${String(method)} ${String(path).replace(/:([A-Za-z]+)/g, '{$1}')}`,
);
const doc = parse(readFileSync(new URL('../../openapi.yaml', import.meta.url), 'utf8')) as {
  openapi: string;
  paths: Record<string, Record<string, unknown>>;
};
const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
  Object.keys(ops)
    .filter((k) => ['get', 'post', 'put', 'patch', 'delete'].includes(k))
    .map((method) => `${method} ${path}`),
);

describe('REST documentation', () => {
  it('is OpenAPI 3.1 and lists exactly the mounted routes', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(routes.length).toBeGreaterThan(20);
    expect([...documented].sort()).toEqual([...routes].sort());
  });

  it('the AsyncAPI document names the topics the service owns', () => {
    const asyncapi = parse(
      readFileSync(new URL('../../../../docs/asyncapi/consent.yaml', import.meta.url), 'utf8'),
    ) as {
      asyncapi: string;
      channels: Record<string, { address: string }>;
    };
    expect(asyncapi.asyncapi).toBe('3.0.0');
    expect(
      Object.values(asyncapi.channels)
        .map((c) => c.address)
        .sort(),
    ).toEqual(['consent.events.v1', 'ingest.consent.v1', 'ingest.consent.v1.dlq']);
  });
});
