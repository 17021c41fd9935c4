import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';

/**
 * Signed tree heads ("checkpoints") in the C2SP tlog-checkpoint text form — origin, tree size,
 * base64 root hash, then extension lines (here the timestamp) — signed with Ed25519 over those
 * exact bytes. Depends on node:crypto only (used by the offline verifier).
 */
export interface SignedCheckpoint {
  readonly origin: string;
  readonly treeSize: number;
  /** Lowercase hex SHA-256. */
  readonly rootHash: string;
  readonly timestamp: string;
  readonly keyId: string;
  /** base64 Ed25519 signature over `checkpointBody(...)`. */
  readonly signature: string;
}

export interface LedgerPublicKey {
  readonly keyId: string;
  readonly algorithm: 'Ed25519';
  /** base64 DER SubjectPublicKeyInfo. */
  readonly publicKey: string;
}

export function ledgerOrigin(region: string): string {
  return `maison.consent/${region}`;
}

export function checkpointBody(
  c: Pick<SignedCheckpoint, 'origin' | 'treeSize' | 'rootHash' | 'timestamp'>,
): Buffer {
  const root = Buffer.from(c.rootHash, 'hex').toString('base64');
  return Buffer.from(
    `${c.origin}\n${String(c.treeSize)}\n${root}\ntimestamp ${c.timestamp}\n`,
    'utf8',
  );
}

/** The key id: the first 8 bytes of SHA-256 over the SPKI, hex. */
export function keyIdOf(publicKey: KeyObject): string {
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('hex').slice(0, 16);
}

export function publicKeyRecord(publicKey: KeyObject): LedgerPublicKey {
  return {
    keyId: keyIdOf(publicKey),
    algorithm: 'Ed25519',
    publicKey: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
  };
}

export interface LedgerSigner {
  readonly keyId: string;
  readonly publicKey: LedgerPublicKey;
  sign(
    c: Pick<SignedCheckpoint, 'origin' | 'treeSize' | 'rootHash' | 'timestamp'>,
  ): SignedCheckpoint;
}

export function signerFromPrivateKey(privateKey: KeyObject): LedgerSigner {
  if (privateKey.asymmetricKeyType !== 'ed25519')
    throw new TypeError('the ledger signing key must be Ed25519');
  const publicKey = createPublicKey(privateKey);
  const record = publicKeyRecord(publicKey);
  return {
    keyId: record.keyId,
    publicKey: record,
    sign: (c) => ({
      ...c,
      keyId: record.keyId,
      signature: sign(null, checkpointBody(c), privateKey).toString('base64'),
    }),
  };
}

/** Parses a PEM or base64 PKCS#8 DER Ed25519 private key (the configured signing key). */
export function signerFromConfig(value: string): LedgerSigner {
  const key = value.includes('-----BEGIN')
    ? createPrivateKey(value)
    : createPrivateKey({ key: Buffer.from(value, 'base64'), format: 'der', type: 'pkcs8' });
  return signerFromPrivateKey(key);
}

/** A fresh key for tests and the demo (never for production: it dies with the process). */
export function generateDevSigner(): LedgerSigner & { readonly privateKeyPem: string } {
  const { privateKey } = generateKeyPairSync('ed25519');
  return {
    ...signerFromPrivateKey(privateKey),
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

export function verifyCheckpointSignature(c: SignedCheckpoint, key: LedgerPublicKey): boolean {
  try {
    const publicKey = createPublicKey({
      key: Buffer.from(key.publicKey, 'base64'),
      format: 'der',
      type: 'spki',
    });
    return verify(null, checkpointBody(c), publicKey, Buffer.from(c.signature, 'base64'));
  } catch {
    return false;
  }
}
