import { createSecretKey, randomBytes, randomUUID } from 'node:crypto';
import type { EventEnvelope, EventTypeDefinition } from '@maison/event-contracts';
import { associatedData, open, packSealed, seal, unpackSealed } from './aead.js';
import { blindIndex, type IdentifierType } from './blind-index.js';
import { KEY_BYTES, type PrivacyConfig } from './config.js';
import {
  DataKeyNotFoundError,
  MissingSubjectError,
  SubjectErasedError,
  UnknownKekError,
  UnknownPiiPathsError,
} from './errors.js';
import {
  decryptFields,
  encryptFields,
  findEncryptedFields,
  type DataKey,
  type KeyResolution,
} from './field-cipher.js';
import type { KeyStore, ShredResult, StoredDataKey } from './key-store.js';

export interface PrivacyOptions {
  readonly config: PrivacyConfig;
  readonly keyStore: KeyStore;
  /** Where `encryptEvent` finds PII paths by event type (an `EventTypeRegistry` fits). */
  readonly definitions?: { get(type: string): Pick<EventTypeDefinition, 'pii'> | undefined };
  /**
   * Unwrapped keys kept in memory. `ttlMs` bounds how long another process's shred can go
   * unnoticed here; this process's own shreds evict at once.
   */
  readonly cache?: { readonly maxEntries?: number; readonly ttlMs?: number };
  /** Clock for the cache TTL (milliseconds). */
  readonly now?: () => number;
}

export interface EncryptOptions {
  /** PII paths to use instead of the definition's. */
  readonly paths?: readonly string[];
  readonly definition?: Pick<EventTypeDefinition, 'pii'>;
  /**
   * For events with `subjectId: null` (before identity resolution): the pseudonymous subject whose
   * key encrypts, e.g. a source reference `shopify:customer:123`. Ignored when `subjectId` is set.
   */
  readonly keySubject?: string;
}

interface CacheEntry {
  readonly key: DataKey;
  readonly expiresAt: number;
}

function wrapAad(kekId: string, subjectId: string, keyId: string): Buffer {
  return associatedData('maison.dek.v1', kekId, subjectId, keyId);
}

/**
 * Per-subject envelope encryption of PII fields, crypto-shredding, blind indexes and the
 * suppression list, over a `KeyStore`.
 */
export class Privacy {
  readonly #config: PrivacyConfig;
  readonly #store: KeyStore;
  readonly #definitions: PrivacyOptions['definitions'];
  readonly #cache = new Map<string, CacheEntry>();
  readonly #maxEntries: number;
  readonly #ttlMs: number;
  readonly #now: () => number;
  /** Bumped around every shred: a key looked up across a shred must not be cached. */
  #shredEpoch = 0;

  constructor(options: PrivacyOptions) {
    this.#config = options.config;
    this.#store = options.keyStore;
    this.#definitions = options.definitions;
    this.#maxEntries = options.cache?.maxEntries ?? 1000;
    this.#ttlMs = options.cache?.ttlMs ?? 60_000;
    this.#now = options.now ?? Date.now;
  }

  /** Returns a copy of the event with every PII value replaced by an encrypted token. */
  async encryptEvent<E extends EventEnvelope>(
    envelope: E,
    options: EncryptOptions = {},
  ): Promise<E> {
    const paths =
      options.paths ??
      options.definition?.pii ??
      this.#definitions?.get(envelope.type)?.pii ??
      undefined;
    if (paths === undefined) throw new UnknownPiiPathsError(envelope.type);
    if (paths.length === 0) return envelope;
    const subject = envelope.subjectId ?? options.keySubject;
    if (subject === undefined) {
      throw new MissingSubjectError(
        `event ${envelope.id} has no subjectId: pass keySubject (e.g. its source reference)`,
      );
    }
    const key = await this.#keyForEncryption(subject);
    const data = encryptFields(envelope.data, paths, key, {
      eventId: envelope.id,
      subject,
      embedSubject: envelope.subjectId === null,
    });
    return { ...envelope, data };
  }

  /**
   * Returns a copy of the event with every encrypted token decrypted; tokens of a shredded
   * subject become `ERASED`. Throws `DecryptionError` for tampered or misplaced ciphertext.
   */
  async decryptEvent<E extends EventEnvelope>(envelope: E): Promise<E> {
    const tokens = findEncryptedFields(envelope.data);
    if (tokens.length === 0) return envelope;
    const keys = new Map<string, KeyResolution>();
    for (const token of tokens) {
      const subject = token.sub ?? envelope.subjectId;
      if (subject === null) {
        throw new MissingSubjectError(`event ${envelope.id} has a token without a key subject`);
      }
      if (!keys.has(subject)) keys.set(subject, await this.#keyForDecryption(subject));
    }
    const data = decryptFields(envelope.data, envelope.subjectId, envelope.id, (subject) => {
      const key = keys.get(subject);
      if (key === undefined) throw new DataKeyNotFoundError(subject);
      return key;
    });
    return { ...envelope, data };
  }

  /** Keyed blind index of an identifier (see `blindIndex`). */
  blindIndex(identifierType: IdentifierType, value: string): string {
    return blindIndex(this.#config.blindIndexKey, identifierType, value);
  }

  /** Destroys the subject's data key and tombstones the subject. Idempotent. */
  async shred(subjectId: string): Promise<ShredResult> {
    this.#shredEpoch += 1;
    this.#cache.delete(subjectId);
    try {
      return await this.#store.shred(subjectId);
    } finally {
      // A lookup that finished while the shred ran may have cached the key: drop it again.
      this.#shredEpoch += 1;
      this.#cache.delete(subjectId);
    }
  }

  /** True once the subject has been shredded. */
  async isErased(subjectId: string): Promise<boolean> {
    return (await this.#store.lookup(subjectId)).state === 'shredded';
  }

  /** Adds an erased identifier's blind index to the suppression list. `reason` must hold no PII. */
  suppress(identifierType: IdentifierType, index: string, reason: string) {
    return this.#store.suppress(identifierType, index, reason);
  }

  isSuppressed(identifierType: IdentifierType, index: string): Promise<boolean> {
    return this.#store.isSuppressed(identifierType, index);
  }

  /**
   * Re-wraps every data key not yet under the active master key (after a master-key rotation).
   * Data keys and event ciphertexts are unchanged. Returns how many keys were re-wrapped.
   */
  async rewrapKeys(batchSize = 200): Promise<number> {
    const active = this.#config.activeKekId;
    let after = '';
    let count = 0;
    for (;;) {
      const batch = await this.#store.keysNotWrappedBy(active, after, batchSize);
      for (const stored of batch) {
        const bytes = this.#unwrap(stored);
        const wrapped = this.#wrap(stored.subjectId, stored.keyId, bytes);
        bytes.fill(0);
        if (await this.#store.rewrap(stored.subjectId, stored.kekId, active, wrapped)) count += 1;
      }
      const last = batch.at(-1);
      if (last === undefined || batch.length < batchSize) return count;
      after = last.subjectId;
    }
  }

  #cached(subject: string): DataKey | undefined {
    const entry = this.#cache.get(subject);
    if (entry === undefined) return undefined;
    this.#cache.delete(subject);
    if (entry.expiresAt <= this.#now()) return undefined;
    this.#cache.set(subject, entry); // most recently used goes last
    return entry.key;
  }

  #remember(subject: string, key: DataKey, epoch: number): DataKey {
    if (epoch !== this.#shredEpoch) return key;
    this.#cache.delete(subject);
    this.#cache.set(subject, { key, expiresAt: this.#now() + this.#ttlMs });
    while (this.#cache.size > this.#maxEntries) {
      const oldest = this.#cache.keys().next();
      if (oldest.done === true) break;
      this.#cache.delete(oldest.value);
    }
    return key;
  }

  #wrap(subjectId: string, keyId: string, bytes: Buffer): Buffer {
    const kekId = this.#config.activeKekId;
    const kek = this.#config.keks.get(kekId);
    if (kek === undefined) throw new UnknownKekError(kekId);
    return packSealed(seal(kek.reveal(), bytes, wrapAad(kekId, subjectId, keyId)));
  }

  #unwrap(stored: StoredDataKey): Buffer {
    const kek = this.#config.keks.get(stored.kekId);
    if (kek === undefined) throw new UnknownKekError(stored.kekId);
    return open(
      kek.reveal(),
      unpackSealed(stored.wrapped),
      wrapAad(stored.kekId, stored.subjectId, stored.keyId),
      `data key of subject ${stored.subjectId}`,
    );
  }

  #dataKey(stored: StoredDataKey): DataKey {
    const raw = this.#unwrap(stored);
    const key = createSecretKey(raw);
    raw.fill(0); // the KeyObject holds its own copy; leave no stray plaintext key on the heap
    return { id: stored.keyId, key };
  }

  async #keyForEncryption(subject: string): Promise<DataKey> {
    const cached = this.#cached(subject);
    if (cached) return cached;
    const epoch = this.#shredEpoch;
    const found = await this.#store.lookup(subject);
    switch (found.state) {
      case 'active':
        return this.#remember(subject, this.#dataKey(found.key), epoch);
      case 'shredded':
        throw new SubjectErasedError(subject);
      case 'absent': {
        const keyId = randomUUID();
        const bytes = randomBytes(KEY_BYTES);
        const stored = await this.#store.createIfAbsent({
          subjectId: subject,
          keyId,
          kekId: this.#config.activeKekId,
          wrapped: this.#wrap(subject, keyId, bytes),
        });
        bytes.fill(0);
        // Another writer may have won the race: use its key, not ours.
        return this.#remember(subject, this.#dataKey(stored), epoch);
      }
      default: {
        const unreachable: never = found;
        throw new Error(`unexpected key state ${JSON.stringify(unreachable)}`);
      }
    }
  }

  async #keyForDecryption(subject: string): Promise<KeyResolution> {
    const cached = this.#cached(subject);
    if (cached) return cached;
    const epoch = this.#shredEpoch;
    const found = await this.#store.lookup(subject);
    switch (found.state) {
      case 'active':
        return this.#remember(subject, this.#dataKey(found.key), epoch);
      case 'shredded':
        return 'erased';
      case 'absent':
        throw new DataKeyNotFoundError(subject);
      default: {
        const unreachable: never = found;
        throw new Error(`unexpected key state ${JSON.stringify(unreachable)}`);
      }
    }
  }
}
