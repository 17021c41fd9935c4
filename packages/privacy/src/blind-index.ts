import { createHmac } from 'node:crypto';
import type { SecretKey } from './config.js';

/** Identifier kinds with a known normalisation; any other lowercase name is accepted as-is. */
export type IdentifierType = 'email' | 'phone' | 'loyalty-card' | 'source-ref' | (string & {});

const TYPE = /^[a-z][a-z0-9_.-]{0,63}$/;

/**
 * Canonical form of an identifier, so that `Jane@Example.com ` and `jane@example.com` match.
 * Phone numbers keep only digits and a leading `+` (E.164 parsing belongs to the caller).
 */
export function normaliseIdentifier(type: IdentifierType, value: string): string {
  const v = value.normalize('NFKC').trim();
  switch (type) {
    case 'email':
      return v.toLowerCase();
    case 'phone': {
      const digits = v.replace(/[^0-9]/g, '');
      return v.startsWith('+') ? `+${digits}` : digits;
    }
    case 'loyalty-card':
    case 'source-ref':
    default:
      return v;
  }
}

/**
 * Keyed blind index: HMAC-SHA-256(key, "maison.bidx.v1:" + type + ":" + normalised value),
 * base64url. The type is part of the MAC input, so the same string as an email and as a loyalty
 * number gives unrelated indexes; without the key nobody can test guesses against stored indexes.
 */
export function blindIndex(key: SecretKey, type: IdentifierType, value: string): string {
  if (!TYPE.test(type)) throw new Error(`invalid identifier type "${type}"`);
  return createHmac('sha256', key.reveal())
    .update(`maison.bidx.v1:${type}:${normaliseIdentifier(type, value)}`, 'utf8')
    .digest('base64url');
}
