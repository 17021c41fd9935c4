import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';

/** The SHA-256 of an operation's text, lowercase hex: its id in the allow-list. */
export function operationHash(query: string): string {
  return createHash('sha256').update(query, 'utf8').digest('hex');
}

const HASH = /^[0-9a-f]{64}$/;

/**
 * Operations allowed in production, by hash. Accepts the Apollo persisted-query manifest
 * (`{ format: "apollo-persisted-query-manifest", version: 1, operations: [{ id, body, … }] }`,
 * as `@apollo/generate-persisted-query-manifest` writes it) or a plain `{ "<sha256>": "<query>" }`
 * map. Every id must be the SHA-256 of its body, so a manifest cannot smuggle in an operation
 * under another's id.
 */
export class PersistedOperations {
  private readonly byHash: ReadonlyMap<string, string>;

  constructor(operations: Iterable<string>) {
    const map = new Map<string, string>();
    for (const query of operations) map.set(operationHash(query), query);
    this.byHash = map;
  }

  static fromManifest(json: unknown): PersistedOperations {
    const apollo = z.object({
      format: z.literal('apollo-persisted-query-manifest'),
      version: z.literal(1),
      operations: z.array(z.object({ id: z.string(), body: z.string() }).loose()),
    });
    const plain = z.record(z.string(), z.string());
    const parsedApollo = apollo.safeParse(json);
    const entries: [string, string][] = parsedApollo.success
      ? parsedApollo.data.operations.map((o) => [o.id, o.body])
      : Object.entries(plain.parse(json));
    for (const [id, body] of entries) {
      if (!HASH.test(id) || operationHash(body) !== id)
        throw new Error(`Persisted operation ${id.slice(0, 80)} is not the SHA-256 of its body.`);
    }
    return new PersistedOperations(entries.map(([, body]) => body));
  }

  static fromFile(file: string): PersistedOperations {
    return PersistedOperations.fromManifest(JSON.parse(readFileSync(file, 'utf8')) as unknown);
  }

  get size(): number {
    return this.byHash.size;
  }

  get(hash: string): string | undefined {
    return this.byHash.get(hash.toLowerCase());
  }

  has(query: string): boolean {
    return this.byHash.has(operationHash(query));
  }

  /** The manifest in Apollo's format (for `npm run persisted-operations` and the clients). */
  toManifest(): { format: string; version: 1; operations: { id: string; body: string }[] } {
    return {
      format: 'apollo-persisted-query-manifest',
      version: 1,
      operations: [...this.byHash].map(([id, body]) => ({ id, body })),
    };
  }
}
