import { composeServices } from '@apollo/composition';
import { Supergraph } from '@apollo/federation-internals';
import { parse, type GraphQLSchema } from 'graphql';

/** One subgraph as composition sees it: its name, where the gateway reaches it, its SDL. */
export interface SubgraphSource {
  readonly name: string;
  readonly url: string;
  readonly sdl: string;
}

/** Composition failed: every error of `composeServices`, each naming the subgraphs at fault. */
export class CompositionError extends Error {
  override readonly name = 'CompositionError';
  readonly errors: readonly string[];
  constructor(errors: readonly string[]) {
    super(`Supergraph composition failed:\n${errors.map((e) => `  - ${e}`).join('\n')}`);
    this.errors = errors;
  }
}

const SUBGRAPH_NAME = /^[a-z][a-z0-9-]{0,62}$/;

/**
 * Composes the subgraphs into a Federation 2 supergraph (`@apollo/composition`, the same
 * composition the Apollo tooling runs). Subgraphs are sorted by name so the output does not depend
 * on the order files or URLs were listed in: the committed supergraph only changes when a schema
 * does.
 */
export function composeSupergraph(subgraphs: readonly SubgraphSource[]): string {
  if (subgraphs.length === 0) throw new CompositionError(['no subgraphs to compose']);
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const s of subgraphs) {
    if (!SUBGRAPH_NAME.test(s.name))
      problems.push(`invalid subgraph name ${JSON.stringify(s.name)}`);
    if (seen.has(s.name)) problems.push(`subgraph ${s.name} listed twice`);
    seen.add(s.name);
  }
  if (problems.length > 0) throw new CompositionError(problems);
  const services = [...subgraphs]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((s) => {
      try {
        return { name: s.name, url: s.url, typeDefs: parse(s.sdl) };
      } catch (error) {
        problems.push(`[${s.name}] ${error instanceof Error ? error.message : String(error)}`);
        return undefined;
      }
    })
    .filter((s) => s !== undefined);
  if (problems.length > 0) throw new CompositionError(problems);
  const result = composeServices(services);
  if (result.errors) throw new CompositionError(result.errors.map((e) => e.message));
  return `${result.supergraphSdl.trimEnd()}\n`;
}

/**
 * The client-facing (API) schema of a supergraph: what callers can query, without the federation
 * machinery (`join__*`, `link__*`, `@inaccessible` elements). Breaking-change checks and the
 * gateway's cost analysis work on it.
 */
export function apiSchemaOf(supergraphSdl: string): GraphQLSchema {
  return Supergraph.build(supergraphSdl).apiSchema().toGraphQLJSSchema();
}

/** The subgraphs a supergraph routes to, with their URLs (`join__graph`). */
export function subgraphsOf(supergraphSdl: string): readonly { name: string; url: string }[] {
  return Supergraph.build(supergraphSdl).subgraphsMetadata();
}
