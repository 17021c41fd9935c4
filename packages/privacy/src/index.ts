export { Privacy, type PrivacyOptions, type EncryptOptions } from './privacy.js';
export {
  privacyConfig,
  privacyConfigFromEnv,
  SecretKey,
  KEY_BYTES,
  type PrivacyConfig,
} from './config.js';
export { blindIndex, normaliseIdentifier, type IdentifierType } from './blind-index.js';
export { ERASED, isEncryptedField, type EncryptedField } from './field-cipher.js';
export {
  SqlKeyStore,
  postgresKeyStore,
  databaseKeyStore,
  pgliteKeyStore,
  type KeyStore,
  type KeyStoreOptions,
  type KeyLookup,
  type StoredDataKey,
  type NewDataKey,
  type ShredResult,
} from './key-store.js';
export { pgRunner, pgliteRunner, type QueryRunner, type Queryable, type Row } from './sql.js';
export {
  PrivacyConfigError,
  SubjectErasedError,
  MissingSubjectError,
  UnknownPiiPathsError,
  DecryptionError,
  DataKeyNotFoundError,
  UnknownKekError,
} from './errors.js';
