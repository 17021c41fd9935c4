import type { KeyObject } from 'node:crypto';
import { associatedData, open, seal } from './aead.js';
import { DecryptionError } from './errors.js';

/** What a shredded subject's PII fields decrypt to. */
export const ERASED = '[erased]';

/**
 * An encrypted PII value as it sits inside `data`, JSON-serialisable. `kid` names the data key;
 * `sub` is present only when the key subject is not the envelope's `subjectId` (events recorded
 * before identity resolution, keyed by a source reference).
 */
export interface EncryptedField {
  readonly $enc: 'v1';
  readonly kid: string;
  readonly sub?: string;
  readonly iv: string;
  readonly ct: string;
  readonly tag: string;
}

export interface DataKey {
  readonly id: string;
  /** A KeyObject, not raw bytes: OpenSSL then skips the key import on every field (~3× faster). */
  readonly key: KeyObject;
}

type PathSegment = string | number;

const TOKEN_KEYS = new Set(['$enc', 'kid', 'sub', 'iv', 'ct', 'tag']);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Recognises a token by its exact shape, so ordinary data is never mistaken for one. */
export function isEncryptedField(value: unknown): value is EncryptedField {
  if (!isRecord(value) || value.$enc !== 'v1') return false;
  const keys = Object.keys(value);
  return (
    keys.every((k) => TOKEN_KEYS.has(k)) &&
    typeof value.kid === 'string' &&
    typeof value.iv === 'string' &&
    typeof value.ct === 'string' &&
    typeof value.tag === 'string' &&
    (value.sub === undefined || typeof value.sub === 'string')
  );
}

/**
 * Binds a ciphertext to its key, subject, event and the exact field (array indices included), so it
 * cannot be replayed into another subject's event, another event or another field.
 */
function fieldAad(kid: string, subject: string, eventId: string, path: readonly PathSegment[]) {
  return associatedData('maison.pii.v1', kid, subject, eventId, JSON.stringify(path));
}

export function parsePiiPath(path: string): readonly string[] {
  const segments = path.split('.');
  if (segments.some((s) => s === '')) throw new Error(`invalid PII path "${path}"`);
  return segments;
}

function mapAtPath(
  value: unknown,
  segments: readonly string[],
  at: readonly PathSegment[],
  fn: (value: unknown, path: readonly PathSegment[]) => unknown,
): unknown {
  const [head, ...rest] = segments;
  if (head === undefined) return fn(value, at);
  if (head === '*') {
    if (Array.isArray(value)) return value.map((v, i) => mapAtPath(v, rest, [...at, i], fn));
    if (isRecord(value)) {
      return Object.fromEntries(
        Object.entries(value).map(([k, v]) => [k, mapAtPath(v, rest, [...at, k], fn)]),
      );
    }
    return value;
  }
  if (!isRecord(value) || !Object.hasOwn(value, head)) return value;
  return { ...value, [head]: mapAtPath(value[head], rest, [...at, head], fn) };
}

export interface FieldContext {
  readonly eventId: string;
  /** The subject whose key encrypts; recorded in tokens as `sub` when `embedSubject`. */
  readonly subject: string;
  readonly embedSubject: boolean;
}

/**
 * Replaces the value at each PII path (dot-separated, `*` for every array element or object
 * property) with an `EncryptedField`. Absent paths and values already encrypted are left alone.
 * The input is not modified.
 */
export function encryptFields(
  data: unknown,
  paths: readonly string[],
  key: DataKey,
  ctx: FieldContext,
): unknown {
  let out = data;
  for (const path of paths) {
    out = mapAtPath(out, parsePiiPath(path), [], (value, at) => {
      if (value === undefined || isEncryptedField(value)) return value;
      const plaintext = Buffer.from(JSON.stringify(value), 'utf8');
      const s = seal(key.key, plaintext, fieldAad(key.id, ctx.subject, ctx.eventId, at));
      const token: EncryptedField = {
        $enc: 'v1',
        kid: key.id,
        ...(ctx.embedSubject ? { sub: ctx.subject } : {}),
        iv: s.iv.toString('base64url'),
        ct: s.ct.toString('base64url'),
        tag: s.tag.toString('base64url'),
      };
      return token;
    });
  }
  return out;
}

function walk(
  value: unknown,
  at: readonly PathSegment[],
  fn: (token: EncryptedField, path: readonly PathSegment[]) => unknown,
): unknown {
  if (isEncryptedField(value)) return fn(value, at);
  if (Array.isArray(value)) return value.map((v, i) => walk(v, [...at, i], fn));
  if (isRecord(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, [...at, k], fn)]));
  }
  return value;
}

/** Every token in `data`, wherever it is (decryption does not depend on today's PII paths). */
export function findEncryptedFields(data: unknown): EncryptedField[] {
  const found: EncryptedField[] = [];
  walk(data, [], (token) => {
    found.push(token);
    return token;
  });
  return found;
}

/** What a subject's key resolves to when decrypting. */
export type KeyResolution = DataKey | 'erased';

/**
 * Decrypts every token in `data`. `keyFor(subject)` is synchronous: callers fetch the keys first
 * (see `findEncryptedFields`). A shredded subject's fields become `ERASED`.
 */
export function decryptFields(
  data: unknown,
  defaultSubject: string | null,
  eventId: string,
  keyFor: (subject: string) => KeyResolution,
): unknown {
  return walk(data, [], (token, at) => {
    const subject = token.sub ?? defaultSubject;
    const where = `field ${JSON.stringify(at)} of event ${eventId}`;
    if (subject === null) throw new DecryptionError(`${where}: no subject to pick a key`);
    const key = keyFor(subject);
    if (key === 'erased') return ERASED;
    if (key.id !== token.kid) throw new DecryptionError(`${where}: encrypted under another key`);
    const plaintext = open(
      key.key,
      {
        iv: Buffer.from(token.iv, 'base64url'),
        ct: Buffer.from(token.ct, 'base64url'),
        tag: Buffer.from(token.tag, 'base64url'),
      },
      fieldAad(token.kid, subject, eventId, at),
      where,
    );
    return JSON.parse(plaintext.toString('utf8')) as unknown;
  });
}
