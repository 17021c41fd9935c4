import type { LedgerPublicKey, SignedCheckpoint } from '../ledger/checkpoint.js';

/**
 * The ledger export an auditor verifies offline. `range` exports every leaf from `fromSeq` to
 * `toSeq` (inclusive; a full export is 0 … treeSize-1 of the last checkpoint); `selection` exports
 * chosen leaves (a client's history and the notices it cites), each with its inclusion proof.
 */
export interface LedgerBundle {
  readonly format: 'maison.consent-ledger/v1';
  readonly kind: 'range' | 'selection';
  readonly region: string;
  readonly origin: string;
  readonly exportedAt: string;
  readonly keys: readonly LedgerPublicKey[];
  /** Ascending tree size; the last one is what every inclusion proof refers to. */
  readonly checkpoints: readonly SignedCheckpoint[];
  /** Between consecutive checkpoints (hex nodes). */
  readonly consistency: readonly {
    readonly fromSize: number;
    readonly toSize: number;
    readonly proof: readonly string[];
  }[];
  readonly fromSeq: number;
  readonly toSeq: number;
  /** The stored events: `bytes` is base64 of the canonical JSON of the stored (ciphertext) event. */
  readonly leaves: readonly {
    readonly seq: number;
    readonly eventId: string;
    readonly bytes: string;
  }[];
  /** One per leaf, against the last checkpoint. */
  readonly inclusion: readonly { readonly seq: number; readonly proof: readonly string[] }[];
}
