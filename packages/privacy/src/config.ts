import { PrivacyConfigError } from './errors.js';

const REDACTED = '[redacted key]';

/**
 * Key material that refuses to be printed: `String()`, `JSON.stringify` and `util.inspect` all
 * give a placeholder, so a config object logged by mistake leaks nothing.
 */
export class SecretKey {
  readonly #bytes: Buffer;

  constructor(bytes: Uint8Array) {
    this.#bytes = Buffer.from(bytes);
  }

  get length(): number {
    return this.#bytes.length;
  }

  /** The raw bytes, for the crypto code only. */
  reveal(): Buffer {
    return this.#bytes;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return REDACTED;
  }
}

export interface PrivacyConfig {
  /** The master key (KEK) that wraps new data keys and re-wraps old ones on rotation. */
  readonly activeKekId: string;
  /** Every master key still able to unwrap stored data keys, by id (includes the active one). */
  readonly keks: ReadonlyMap<string, SecretKey>;
  /** HMAC key for blind indexes; must differ from every master key. */
  readonly blindIndexKey: SecretKey;
}

export const KEY_BYTES = 32;
const KEK_ID = /^[A-Za-z0-9._-]{1,64}$/;
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

/** Builds and validates a config from raw keys (for tests and for secret managers). */
export function privacyConfig(input: {
  activeKekId: string;
  keks: Readonly<Record<string, Uint8Array>>;
  blindIndexKey: Uint8Array;
}): PrivacyConfig {
  const keks = new Map<string, SecretKey>();
  for (const [id, bytes] of Object.entries(input.keks)) {
    if (!KEK_ID.test(id)) throw new PrivacyConfigError(`master key id "${id}" is not valid`);
    if (bytes.length !== KEY_BYTES) {
      throw new PrivacyConfigError(
        `master key ${id} must be ${KEY_BYTES} bytes, got ${bytes.length}`,
      );
    }
    keks.set(id, new SecretKey(bytes));
  }
  if (!keks.has(input.activeKekId)) {
    throw new PrivacyConfigError(`active master key ${input.activeKekId} is not among the keys`);
  }
  if (input.blindIndexKey.length < KEY_BYTES) {
    throw new PrivacyConfigError(
      `blind index key must be at least ${KEY_BYTES} bytes, got ${input.blindIndexKey.length}`,
    );
  }
  const blindIndexKey = new SecretKey(input.blindIndexKey);
  for (const [id, kek] of keks) {
    // One key for two jobs would let a leak of one compromise both.
    if (kek.reveal().equals(blindIndexKey.reveal())) {
      throw new PrivacyConfigError(`blind index key must differ from master key ${id}`);
    }
  }
  return { activeKekId: input.activeKekId, keks, blindIndexKey };
}

function decodeKey(variable: string, value: string | undefined): Buffer {
  const text = value?.trim();
  if (text === undefined || text === '') throw new PrivacyConfigError(`${variable} is not set`);
  if (!BASE64.test(text)) throw new PrivacyConfigError(`${variable} is not base64`);
  return Buffer.from(text, text.includes('-') || text.includes('_') ? 'base64url' : 'base64');
}

/**
 * Reads the privacy configuration from the environment:
 * - `MAISON_MASTER_KEY`: base64, 32 bytes: the active master key (KEK);
 * - `MAISON_MASTER_KEY_ID`: its id (default `kek-1`), recorded with every wrapped data key;
 * - `MAISON_RETIRED_MASTER_KEYS`: optional `id=base64,id=base64` of earlier master keys, kept
 *   until `rewrapKeys()` has moved every data key to the active one;
 * - `MAISON_BLIND_INDEX_KEY`: base64, at least 32 bytes.
 * Errors name the variable, never its value.
 */
export function privacyConfigFromEnv(
  env: Readonly<Record<string, string | undefined>>,
): PrivacyConfig {
  const configuredId = env.MAISON_MASTER_KEY_ID?.trim() ?? '';
  const activeKekId = configuredId === '' ? 'kek-1' : configuredId;
  const keks: Record<string, Uint8Array> = {};
  const retired = env.MAISON_RETIRED_MASTER_KEYS?.trim() ?? '';
  for (const entry of retired === '' ? [] : retired.split(',')) {
    const eq = entry.indexOf('=');
    if (eq <= 0) {
      throw new PrivacyConfigError('MAISON_RETIRED_MASTER_KEYS must be id=base64[,id=base64]');
    }
    const id = entry.slice(0, eq).trim();
    keks[id] = decodeKey(`MAISON_RETIRED_MASTER_KEYS[${id}]`, entry.slice(eq + 1));
  }
  const active = decodeKey('MAISON_MASTER_KEY', env.MAISON_MASTER_KEY);
  if (active.length !== KEY_BYTES) {
    throw new PrivacyConfigError(
      `MAISON_MASTER_KEY must decode to ${KEY_BYTES} bytes, got ${active.length}`,
    );
  }
  keks[activeKekId] = active;
  const blindIndexKey = decodeKey('MAISON_BLIND_INDEX_KEY', env.MAISON_BLIND_INDEX_KEY);
  if (blindIndexKey.length < KEY_BYTES) {
    throw new PrivacyConfigError(
      `MAISON_BLIND_INDEX_KEY must decode to at least ${KEY_BYTES} bytes, got ${blindIndexKey.length}`,
    );
  }
  return privacyConfig({ activeKekId, keks, blindIndexKey });
}
