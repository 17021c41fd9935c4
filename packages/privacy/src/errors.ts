/**
 * Typed errors of the privacy package. Messages carry subject ids (pseudonymous client ids or
 * source references) and field paths, never a plaintext value or key material.
 */

/** Configuration is missing or unusable (names the variable, never its value). */
export class PrivacyConfigError extends Error {
  override readonly name = 'PrivacyConfigError';
}

/** The subject was crypto-shredded: no new data key may be created for it. */
export class SubjectErasedError extends Error {
  override readonly name = 'SubjectErasedError';
  readonly subjectId: string;
  constructor(subjectId: string) {
    super(`subject ${subjectId} has been erased; refusing to create a new data key`);
    this.subjectId = subjectId;
  }
}

/** An event without `subjectId` needs an explicit `keySubject` to encrypt or decrypt its PII. */
export class MissingSubjectError extends Error {
  override readonly name = 'MissingSubjectError';
}

/** Encrypting an event whose PII paths are unknown would store plaintext: refused. */
export class UnknownPiiPathsError extends Error {
  override readonly name = 'UnknownPiiPathsError';
  readonly eventType: string;
  constructor(eventType: string) {
    super(`no PII paths known for event type ${eventType}; pass a definition or explicit paths`);
    this.eventType = eventType;
  }
}

/** A ciphertext failed authentication: tampered, moved to another subject/event/field, or wrong key. */
export class DecryptionError extends Error {
  override readonly name = 'DecryptionError';
}

/** A token refers to a subject with neither a data key nor a tombstone in this key store. */
export class DataKeyNotFoundError extends Error {
  override readonly name = 'DataKeyNotFoundError';
  readonly subjectId: string;
  constructor(subjectId: string) {
    super(`no data key and no erasure record for subject ${subjectId} in this key store`);
    this.subjectId = subjectId;
  }
}

/** A data key is wrapped by a master key (KEK) that the configuration does not hold. */
export class UnknownKekError extends Error {
  override readonly name = 'UnknownKekError';
  readonly kekId: string;
  constructor(kekId: string) {
    super(`master key ${kekId} is not configured`);
    this.kekId = kekId;
  }
}
