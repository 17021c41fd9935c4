// Writes docs/graphql/supergraph.graphql, composed from every service's committed subgraph SDL
// (services/<name>/schema.graphql), or from running subgraphs:
//   npm run supergraph -w services/gateway                          # from the SDL files
//   npm run supergraph -w services/gateway -- --from identity=http://localhost:4001/graphql,…
//   npm run supergraph -w services/gateway -- --check               # compose and compare, write nothing
//   npm run supergraph -w services/gateway -- --services-dir <dir>  # SDL files from another tree
// A breaking change against the committed supergraph is refused unless --allow-breaking is given.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { format, resolveConfig } from 'prettier';
import {
  composeSupergraph,
  CompositionError,
  diffSupergraphs,
  fetchSubgraphs,
  readServiceSubgraphs,
} from '../src/index.js';

const root = path.resolve(import.meta.dirname, '..', '..', '..');
const target = path.join(root, 'docs', 'graphql', 'supergraph.graphql');
const args = process.argv.slice(2);
const from = args.includes('--from') ? args[args.indexOf('--from') + 1] : undefined;
const check = args.includes('--check');
const allowBreaking = args.includes('--allow-breaking');
const servicesDir = args.includes('--services-dir')
  ? path.resolve(args[args.indexOf('--services-dir') + 1] ?? '')
  : path.join(root, 'services');

const out = (line: string) => process.stdout.write(`${line}\n`);

const subgraphs = from
  ? await fetchSubgraphs(
      Object.fromEntries(from.split(',').map((pair) => pair.split('=', 2) as [string, string])),
    )
  : readServiceSubgraphs(servicesDir);
if (subgraphs.length === 0) {
  out('No subgraph SDL found (services/<name>/schema.graphql): nothing to compose.');
  process.exit(1);
}
let supergraph: string;
try {
  // formatted like every other file in the tree (the root lint runs prettier --check)
  supergraph = await format(composeSupergraph(subgraphs), {
    ...(await resolveConfig(target)),
    parser: 'graphql',
  });
} catch (error) {
  if (error instanceof CompositionError) {
    out(error.message);
    process.exit(1);
  }
  throw error;
}
out(`composed ${subgraphs.map((s) => s.name).join(', ')}`);
if (existsSync(target)) {
  const diff = diffSupergraphs(readFileSync(target, 'utf8'), supergraph);
  for (const c of diff.dangerous) out(`dangerous: ${c.description}`);
  for (const c of diff.breaking) out(`BREAKING: ${c.description}`);
  if (diff.breaking.length > 0 && !allowBreaking) {
    out('Breaking changes against the committed supergraph: fix them, or pass --allow-breaking.');
    process.exit(1);
  }
}
if (check) {
  const same = existsSync(target) && readFileSync(target, 'utf8') === supergraph;
  out(same ? 'the committed supergraph is up to date' : 'the committed supergraph is out of date');
  process.exit(same ? 0 : 1);
}
mkdirSync(path.dirname(target), { recursive: true });
writeFileSync(target, supergraph);
out(`wrote ${path.relative(root, target)}`);
