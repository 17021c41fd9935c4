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
    const failures = [];
    for (const suite of results.testResults) {
      const testFile = path.relative(process.cwd(), suite.testFilePath);
      // a suite that failed to run at all (import error, hook timeout) has a message but no failed test
      if (suite.testExecError || (suite.failureMessage && suite.numFailingTests === 0)) {
        failures.push(
          `${testFile} › (suite) ${firstLines(suite.testExecError?.message ?? suite.failureMessage)}`,
        );
      }
      for (const t of suite.testResults) {
        if (t.status === 'failed') {
          failures.push(`${testFile} › ${t.fullName}: ${firstLines(t.failureMessages.join('\n'))}`);
        }
        if (t.status === 'pending' || t.status === 'skipped' || t.status === 'todo') {
          skippedSuites.push(`${testFile} › ${t.fullName}`);
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
        failures,
      }),
    );
  }
}

/** The first lines of a failure message, without colour codes, so CI's tail names what broke. */
function firstLines(message = '', lines = 6) {
  return message
    .replace(/\u001b\[[0-9;]*m/g, '')
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l.trim() !== '')
    .slice(0, lines)
    .join('\n      ');
}
