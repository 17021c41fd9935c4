// Runs the given test tiers through Turborepo and prints one closing line for the monorepo:
//   tests: N passed, N failed, N skipped
// Usage: node scripts/test.mjs test:unit test:int test:e2e [-- extra turbo args]
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';

const root = path.join(import.meta.dirname, '..');
const resultsDir = path.join(root, '.test-results');
const tasks = process.argv.slice(2);
rmSync(resultsDir, { recursive: true, force: true });

const started = Date.now();
const run = spawnSync(
  'npx',
  ['turbo', 'run', ...tasks, '--concurrency=2', '--continue=dependencies-successful'],
  { cwd: root, stdio: 'inherit' },
);

let passed = 0;
let failed = 0;
let skipped = 0;
const skippedTests = [];
const failures = [];
let files = [];
try {
  files = readdirSync(resultsDir).filter((f) => f.endsWith('.json'));
} catch {
  files = [];
}
for (const f of files) {
  const r = JSON.parse(readFileSync(path.join(resultsDir, f), 'utf8'));
  passed += r.passed;
  failed += r.failed;
  skipped += r.skipped;
  skippedTests.push(...r.skippedTests.map((t) => `${r.workspace}: ${t}`));
  failures.push(...(r.failures ?? []).map((t) => `${r.workspace}: ${t}`));
}
if (skippedTests.length > 0) {
  console.log('\nskipped tests (each names its reason):');
  // one line per test file, so a long skipped suite does not push the failures out of CI's tail
  const byFile = new Map();
  for (const t of skippedTests) {
    const file = t.split(' › ')[0];
    byFile.set(file, [...(byFile.get(file) ?? []), t]);
  }
  for (const [file, tests] of byFile) {
    const first = tests[0].slice(file.length + 3);
    console.log(`  - ${file}: ${tests.length} skipped, first: ${first}`);
  }
}
if (failures.length > 0) {
  console.log('\nfailed tests (first lines of each failure):');
  for (const t of failures) console.log(`  - ${t}`);
}
const code = run.status ?? 1;
if (code !== 0 && failed === 0) failed = 1; // a task failed outside jest (e.g. a crash before tests ran)
console.log(`\n${tasks.join(' ')} finished in ${((Date.now() - started) / 1000).toFixed(1)} s`);
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(code);
