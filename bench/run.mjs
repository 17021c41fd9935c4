// Benchmark runner: `npm run bench -- <name> [--sizes 10000,100000]`.
// Each benchmark is bench/<name>.bench.mjs exporting `run({ sizes })`, which measures our path and
// a raw baseline in the same run and returns { summary, results }. The runner prints the summary
// line last and writes the JSON under bench/results/.
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const dir = import.meta.dirname;
const available = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.mjs'))
  .map((f) => f.replace(/\.bench\.mjs$/, ''))
  .sort();

const [name, ...rest] = process.argv.slice(2);
if (!name || !available.includes(name)) {
  console.error(
    available.length === 0
      ? 'no benchmarks yet: add bench/<name>.bench.mjs'
      : `usage: npm run bench -- <name> [--sizes a,b]\navailable: ${available.join(', ')}`,
  );
  process.exit(name ? 1 : 0);
}
const sizesArg = rest.indexOf('--sizes');
const sizes =
  sizesArg >= 0
    ? (rest[sizesArg + 1] ?? '').split(',').map(Number).filter(Number.isFinite)
    : undefined;

const mod = await import(pathToFileURL(path.join(dir, `${name}.bench.mjs`)).href);
const { summary, results } = await mod.run({ sizes });
const record = {
  name,
  at: new Date().toISOString(),
  machine: {
    cpus: os.cpus().length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
  },
  results,
  summary,
};
mkdirSync(path.join(dir, 'results'), { recursive: true });
const file = path.join(dir, 'results', `${name}-${record.at.replace(/[:.]/g, '-')}.json`);
writeFileSync(file, `${JSON.stringify(record, null, 2)}\n`);
console.log(`results: ${path.relative(process.cwd(), file)}`);
console.log(summary);
