#!/usr/bin/env node
// Writes the `.env` that `docker compose up` reads: the settings of .env.example, with fresh
// random keys for the secrets it leaves empty (AES-256 master key, HMAC blind-index key, Ed25519
// ledger signing key). The repository holds no key; each machine makes its own, once.
//   node infra/docker/compose-env.mjs [--out FILE] [--force]
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const args = process.argv.slice(2);
const outIndex = args.indexOf('--out');
const out = outIndex >= 0 ? path.resolve(args[outIndex + 1] ?? '') : path.join(root, '.env');
const force = args.includes('--force');

const generators = {
  MAISON_MASTER_KEY: () => randomBytes(32).toString('base64'),
  MAISON_BLIND_INDEX_KEY: () => randomBytes(32).toString('base64'),
  CONSENT_LEDGER_SIGNING_KEY: () =>
    generateKeyPairSync('ed25519')
      .privateKey.export({ type: 'pkcs8', format: 'der' })
      .toString('base64'),
};

if (existsSync(out) && !force) {
  console.log(`${path.relative(process.cwd(), out) || out} exists; kept (--force writes new keys)`);
  process.exit(0);
}
const lines = readFileSync(path.join(root, '.env.example'), 'utf8')
  .split('\n')
  .map((line) => {
    const match = /^([A-Z_][A-Z0-9_]*)=$/.exec(line);
    const generate = match ? generators[match[1]] : undefined;
    return generate ? `${line}${generate()}` : line;
  });
writeFileSync(out, lines.join('\n'), { mode: 0o600 });
console.log(`wrote ${path.relative(process.cwd(), out) || out} with new development keys`);
