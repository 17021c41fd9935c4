#!/usr/bin/env node
/* eslint-disable no-console -- a command-line tool talks to its terminal */
// The auditor's offline verifier: `npx tsx src/verifier/cli.ts <bundle.json> [--trusted-keys keys.json]`.
// Reads the export bundle (and optionally the ledger public keys pinned out of band), verifies it
// with no network and no database, prints every failure with its code, and exits 0 (verified),
// 1 (verification failed) or 2 (usage or unreadable input).
import { readFileSync } from 'node:fs';
import type { LedgerPublicKey } from '../ledger/checkpoint.js';
import { verifyBundle } from './verify-bundle.js';

function main(argv: readonly string[]): number {
  const args = [...argv];
  const keysAt = args.indexOf('--trusted-keys');
  let trustedKeys: LedgerPublicKey[] | undefined;
  if (keysAt >= 0) {
    const file = args[keysAt + 1];
    if (file === undefined) {
      console.error('--trusted-keys needs a file');
      return 2;
    }
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as
      { keys?: LedgerPublicKey[] } | LedgerPublicKey[];
    trustedKeys = Array.isArray(parsed) ? parsed : (parsed.keys ?? []);
    args.splice(keysAt, 2);
  }
  const [file] = args;
  if (file === undefined || args.length !== 1) {
    console.error('usage: maison-consent-verify <bundle.json> [--trusted-keys keys.json]');
    return 2;
  }
  let bundle: unknown;
  try {
    bundle = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    console.error(`cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`);
    return 2;
  }
  const report = verifyBundle(bundle, trustedKeys ? { trustedKeys } : {});
  if (trustedKeys === undefined)
    console.log('warning: no --trusted-keys given; trusting the keys inside the bundle');
  for (const f of report.failures) console.log(`FAIL ${f.code}: ${f.message}`);
  const c = report.checked;
  console.log(
    `${report.ok ? 'OK' : 'FAILED'}: ${String(c.leaves)} leaves, ${String(c.consents)} consents, ${String(c.notices)} notice versions, ${String(c.checkpoints)} checkpoints; tree size ${String(c.treeSize)}, root ${c.rootHash ?? '-'}`,
  );
  return report.ok ? 0 : 1;
}

process.exitCode = main(process.argv.slice(2));
