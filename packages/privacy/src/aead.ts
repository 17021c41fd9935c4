import { createCipheriv, createDecipheriv, randomBytes, type CipherKey } from 'node:crypto';
import { DecryptionError } from './errors.js';

const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface Sealed {
  readonly iv: Buffer;
  readonly ct: Buffer;
  readonly tag: Buffer;
}

/** AES-256-GCM with a fresh random 96-bit IV; `aad` is authenticated, not encrypted. */
export function seal(key: CipherKey, plaintext: Buffer, aad: Buffer): Sealed {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  const ct = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { iv, ct, tag: cipher.getAuthTag() };
}

/** Opens what `seal` produced; any mismatch of key, AAD, IV, ciphertext or tag throws. */
export function open(key: CipherKey, sealed: Sealed, aad: Buffer, what: string): Buffer {
  if (sealed.iv.length !== IV_BYTES || sealed.tag.length !== TAG_BYTES) {
    throw new DecryptionError(`${what}: malformed ciphertext`);
  }
  try {
    const decipher = createDecipheriv(ALGORITHM, key, sealed.iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(aad);
    decipher.setAuthTag(sealed.tag);
    return Buffer.concat([decipher.update(sealed.ct), decipher.final()]);
  } catch {
    // OpenSSL says only "unsupported state or unable to authenticate data"; say where instead.
    throw new DecryptionError(`${what}: authentication failed (tampered, moved or wrong key)`);
  }
}

/** Stored form of a wrapped data key: iv ‖ tag ‖ ciphertext. */
export function packSealed(s: Sealed): Buffer {
  return Buffer.concat([s.iv, s.tag, s.ct]);
}

export function unpackSealed(bytes: Uint8Array): Sealed {
  const b = Buffer.from(bytes);
  return {
    iv: b.subarray(0, IV_BYTES),
    tag: b.subarray(IV_BYTES, IV_BYTES + TAG_BYTES),
    ct: b.subarray(IV_BYTES + TAG_BYTES),
  };
}

/**
 * Builds associated data from labelled parts, length-prefixed so no two different part lists
 * can produce the same bytes.
 */
export function associatedData(...parts: readonly string[]): Buffer {
  return Buffer.concat(
    parts.flatMap((p) => {
      const bytes = Buffer.from(p, 'utf8');
      const len = Buffer.alloc(4);
      len.writeUInt32BE(bytes.length);
      return [len, bytes];
    }),
  );
}
