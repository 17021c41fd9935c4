import type { LedgerBundle } from '../verifier/bundle.js';
import type { LedgerPublicKey, SignedCheckpoint } from './checkpoint.js';
import { consistencyProof, inclusionProof } from './merkle.js';

export interface StoredLeaf {
  readonly seq: number;
  readonly eventId: string;
  /** The canonical stored bytes (what the leaf hash is over). */
  readonly bytes: Buffer;
}

/**
 * Assembles an export bundle: the chosen leaves, their inclusion proofs against the last
 * checkpoint, and consistency proofs between consecutive checkpoints. `leafHashes` are every leaf
 * hash of the region up to the last checkpoint's size (proofs need the whole tree).
 */
export function buildBundle(input: {
  readonly kind: 'range' | 'selection';
  readonly region: string;
  readonly origin: string;
  readonly exportedAt: string;
  readonly keys: readonly LedgerPublicKey[];
  readonly checkpoints: readonly SignedCheckpoint[];
  readonly leafHashes: readonly Buffer[];
  readonly leaves: readonly StoredLeaf[];
  readonly fromSeq: number;
  readonly toSeq: number;
}): LedgerBundle {
  const head = input.checkpoints.at(-1);
  if (head === undefined) throw new RangeError('a bundle needs at least one checkpoint');
  const hex = (bs: Buffer[]) => bs.map((b) => b.toString('hex'));
  const consistency = input.checkpoints.slice(1).map((c, i) => {
    const from = input.checkpoints[i]?.treeSize ?? 0;
    return {
      fromSize: from,
      toSize: c.treeSize,
      proof: hex(consistencyProof(input.leafHashes, from, c.treeSize)),
    };
  });
  const leaves = input.leaves.filter((l) => l.seq < head.treeSize);
  return {
    format: 'maison.consent-ledger/v1',
    kind: input.kind,
    region: input.region,
    origin: input.origin,
    exportedAt: input.exportedAt,
    keys: input.keys,
    checkpoints: input.checkpoints,
    consistency,
    fromSeq: input.fromSeq,
    toSeq: Math.min(input.toSeq, head.treeSize - 1),
    leaves: leaves.map((l) => ({
      seq: l.seq,
      eventId: l.eventId,
      bytes: l.bytes.toString('base64'),
    })),
    inclusion: leaves.map((l) => ({
      seq: l.seq,
      proof: hex(inclusionProof(input.leafHashes, l.seq, head.treeSize)),
    })),
  };
}
