import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';

/** The embedded platform's own secrets, created on first start and kept in the data folder. */
export interface EmbeddedSecrets {
  readonly masterKey: Buffer;
  readonly blindIndexKey: Buffer;
  /** Shopify webhook secret of the demo shop (for the tour's signed webhook). */
  readonly shopifySecret: string;
  /** Ed25519 private key (PKCS#8 PEM) signing the consent ledger's checkpoints. */
  readonly ledgerSigningKeyPem: string;
}

interface StoredSecrets {
  readonly masterKey: string;
  readonly blindIndexKey: string;
  readonly shopifySecret: string;
  readonly ledgerSigningKeyPem?: string;
}

/**
 * Loads `<dataDir>/secrets.json` or creates it (mode 0600). These are development secrets for a
 * demo on one machine — never used in the standalone or production-like modes, which read theirs
 * from the environment — and they live in the git-ignored data folder, never in the repository.
 */
export function loadOrCreateSecrets(dataDir: string): EmbeddedSecrets {
  const file = path.join(dataDir, 'secrets.json');
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    const fresh: StoredSecrets = {
      masterKey: randomBytes(32).toString('base64'),
      blindIndexKey: randomBytes(32).toString('base64'),
      shopifySecret: randomBytes(24).toString('base64url'),
      ledgerSigningKeyPem: newLedgerKey(),
    };
    writeFileSync(file, `${JSON.stringify(fresh, null, 2)}\n`, { mode: 0o600 });
  }
  const stored = JSON.parse(readFileSync(file, 'utf8')) as StoredSecrets;
  return {
    masterKey: Buffer.from(stored.masterKey, 'base64'),
    blindIndexKey: Buffer.from(stored.blindIndexKey, 'base64'),
    shopifySecret: stored.shopifySecret,
    ledgerSigningKeyPem: stored.ledgerSigningKeyPem ?? newLedgerKey(),
  };
}

function newLedgerKey(): string {
  return generateKeyPairSync('ed25519')
    .privateKey.export({ type: 'pkcs8', format: 'pem' })
    .toString();
}
