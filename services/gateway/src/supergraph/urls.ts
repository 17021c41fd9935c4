import { Kind, parse, print, visit, type ConstArgumentNode } from 'graphql';
import { subgraphsOf } from './compose.js';

/**
 * Points a supergraph's subgraphs at other URLs (`join__graph(url:)`), e.g. the local ports of the
 * embedded platform or a test's servers, so one committed supergraph serves every deployment.
 * Unknown names are an error: a typo would otherwise silently keep the committed URL.
 */
export function withSubgraphUrls(
  supergraphSdl: string,
  urls: Readonly<Record<string, string>>,
): string {
  const names = new Set(subgraphsOf(supergraphSdl).map((s) => s.name));
  const unknown = Object.keys(urls).filter((n) => !names.has(n));
  if (unknown.length > 0)
    throw new Error(
      `No subgraph named ${unknown.join(', ')} in the supergraph (it has ${[...names].join(', ')}).`,
    );
  for (const [name, url] of Object.entries(urls)) {
    const parsed = URL.canParse(url) ? new URL(url) : undefined;
    if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:'))
      throw new Error(`The URL of subgraph ${name} must be an http(s) URL.`);
  }
  if (Object.keys(urls).length === 0) return supergraphSdl;
  const document = visit(parse(supergraphSdl), {
    Directive(node) {
      if (node.name.value !== 'join__graph') return undefined;
      const name = node.arguments?.find((a) => a.name.value === 'name')?.value;
      if (name?.kind !== Kind.STRING) return undefined;
      const url = urls[name.value];
      if (url === undefined) return undefined;
      const args = (node.arguments ?? []).map((a) =>
        a.name.value === 'url' ? { ...a, value: { kind: Kind.STRING, value: url } } : a,
      ) as ConstArgumentNode[];
      return { ...node, arguments: args };
    },
  });
  return `${print(document)}\n`;
}
