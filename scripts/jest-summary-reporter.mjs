// A jest reporter that records each run's totals under <repo>/.test-results/, so that
// scripts/test.mjs can print one closing line for the whole monorepo.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const outDir = path.join(import.meta.dirname, '..', '.test-results');

export default class SummaryReporter {
  onRunComplete(_contexts, results) {
    mkdirSync(outDir, { recursive: true });
    const name = path.basename(process.cwd());
    const file = path.join(outDir, `${name}-${process.pid}-${Date.now()}.json`);
    const skippedSuites = [];
    for (const suite of results.testResults) {
      for (const t of suite.testResults) {
        if (t.status === 'pending' || t.status === 'skipped' || t.status === 'todo') {
          skippedSuites.push(`${path.relative(process.cwd(), suite.testFilePath)} › ${t.fullName}`);
        }
      }
    }
    writeFileSync(
      file,
      JSON.stringify({
        workspace: name,
        args: process.argv.slice(2),
        passed: results.numPassedTests,
        failed: results.numFailedTests + results.numRuntimeErrorTestSuites,
        skipped: results.numPendingTests + results.numTodoTests,
        skippedTests: skippedSuites,
      }),
    );
  }
}
