import { createHash } from 'node:crypto';
import { verifyCheckpointSignature, type LedgerPublicKey } from '../ledger/checkpoint.js';
import { leafHash, rootHash, verifyConsistency, verifyInclusion } from '../ledger/merkle.js';
import type { LedgerBundle } from './bundle.js';

/**
 * The auditor's offline verification of a ledger export: checkpoint signatures, consistency
 * between checkpoints, the sequence (no gap, no reordering), each leaf's inclusion in the last
 * checkpoint, the root over a full range, and that every consent cites a notice version that
 * existed (and hashed as cited) when the consent occurred. Pure: node:crypto only.
 */
export type FailureCode =
  | 'MALFORMED_BUNDLE'
  | 'UNTRUSTED_KEY'
  | 'CHECKPOINT_SIGNATURE'
  | 'CHECKPOINT_ORIGIN'
  | 'CHECKPOINT_ORDER'
  | 'CONSISTENCY'
  | 'SEQUENCE_GAP'
  | 'SEQUENCE_ORDER'
  | 'SEQUENCE_DUPLICATE'
  | 'SEQUENCE_TRUNCATED'
  | 'LEAF_REORDERED'
  | 'LEAF_ALTERED'
  | 'LEAF_MALFORMED'
  | 'MISSING_PROOF'
  | 'ROOT_MISMATCH'
  | 'NOTICE_UNKNOWN'
  | 'NOTICE_NOT_YET_PUBLISHED'
  | 'NOTICE_HASH_MISMATCH'
  | 'NOTICE_TEXT_MISMATCH';

export interface VerificationFailure {
  readonly code: FailureCode;
  readonly message: string;
}

export interface VerificationReport {
  readonly ok: boolean;
  readonly failures: readonly VerificationFailure[];
  readonly checked: {
    readonly checkpoints: number;
    readonly leaves: number;
    readonly consents: number;
    readonly notices: number;
    readonly treeSize: number;
    readonly rootHash: string | null;
  };
}

export interface VerifyOptions {
  /** Keys the auditor trusts (pinned out of band). Without them the bundle's own keys are used. */
  readonly trustedKeys?: readonly LedgerPublicKey[];
}

const hex = (h: string) => Buffer.from(h, 'hex');
const isHex32 = (h: unknown): h is string => typeof h === 'string' && /^[0-9a-f]{64}$/.test(h);

interface ParsedLeaf {
  readonly seq: number;
  readonly eventId: string;
  readonly bytes: Buffer;
  readonly hash: Buffer;
  readonly event: Record<string, unknown> | null;
}

export function verifyBundle(input: unknown, options: VerifyOptions = {}): VerificationReport {
  const failures: VerificationFailure[] = [];
  const fail = (code: FailureCode, message: string) => failures.push({ code, message });
  const empty = { checkpoints: 0, leaves: 0, consents: 0, notices: 0, treeSize: 0, rootHash: null };
  const b = input as Partial<LedgerBundle> | null;
  if (
    b === null ||
    typeof b !== 'object' ||
    b.format !== 'maison.consent-ledger/v1' ||
    !Array.isArray(b.checkpoints) ||
    !Array.isArray(b.leaves) ||
    !Array.isArray(b.inclusion) ||
    !Array.isArray(b.keys) ||
    !Array.isArray(b.consistency) ||
    (b.kind !== 'range' && b.kind !== 'selection')
  ) {
    fail(
      'MALFORMED_BUNDLE',
      'not a maison.consent-ledger/v1 bundle (format, kind, keys, checkpoints, leaves, inclusion)',
    );
    return { ok: false, failures, checked: empty };
  }
  const bundle = b as LedgerBundle;

  // 1. Checkpoint signatures, under keys the auditor trusts.
  const keys = new Map((options.trustedKeys ?? bundle.keys).map((k) => [k.keyId, k]));
  bundle.checkpoints.forEach((c, i) => {
    const label = `checkpoint #${i + 1} (tree size ${String(c.treeSize)})`;
    if (c.origin !== bundle.origin)
      fail('CHECKPOINT_ORIGIN', `${label} is for origin "${c.origin}", not "${bundle.origin}"`);
    if (!isHex32(c.rootHash) || !Number.isSafeInteger(c.treeSize) || c.treeSize < 0) {
      fail('MALFORMED_BUNDLE', `${label} has no valid tree size or root hash`);
      return;
    }
    const key = keys.get(c.keyId);
    if (key === undefined)
      fail('UNTRUSTED_KEY', `${label} is signed by key ${c.keyId}, which is not trusted`);
    else if (!verifyCheckpointSignature(c, key))
      fail(
        'CHECKPOINT_SIGNATURE',
        `${label}: the Ed25519 signature does not verify with key ${c.keyId} (forged or altered checkpoint)`,
      );
  });

  // 2. Consistency between consecutive checkpoints: each is an append-only extension of the last.
  const proofs = new Map(
    bundle.consistency.map((p) => [`${String(p.fromSize)}→${String(p.toSize)}`, p.proof]),
  );
  for (const [i, c] of bundle.checkpoints.entries()) {
    const a = bundle.checkpoints[i - 1];
    if (a === undefined) continue;
    if (c.treeSize < a.treeSize) {
      fail(
        'CHECKPOINT_ORDER',
        `checkpoint of size ${String(c.treeSize)} follows one of size ${String(a.treeSize)}: the log shrank`,
      );
      continue;
    }
    const proof = proofs.get(`${String(a.treeSize)}→${String(c.treeSize)}`);
    if (proof === undefined && a.treeSize !== 0 && a.treeSize !== c.treeSize) {
      fail(
        'MISSING_PROOF',
        `no consistency proof from size ${String(a.treeSize)} to ${String(c.treeSize)}`,
      );
      continue;
    }
    if (
      !verifyConsistency(
        a.treeSize,
        c.treeSize,
        hex(a.rootHash),
        hex(c.rootHash),
        (proof ?? []).map(hex),
      )
    )
      fail(
        'CONSISTENCY',
        `checkpoints of size ${String(a.treeSize)} and ${String(c.treeSize)} are not consistent: the log was rewritten between them`,
      );
  }

  const head = bundle.checkpoints.at(-1);
  if (head === undefined) {
    fail('MALFORMED_BUNDLE', 'the bundle holds no checkpoint');
    return { ok: false, failures, checked: { ...empty, leaves: bundle.leaves.length } };
  }

  // 3. Leaves: parse, then the sequence.
  const leaves: ParsedLeaf[] = bundle.leaves.map((l) => {
    const bytes = Buffer.from(typeof l.bytes === 'string' ? l.bytes : '', 'base64');
    let event: Record<string, unknown> | null = null;
    try {
      const parsed: unknown = JSON.parse(bytes.toString('utf8'));
      if (parsed !== null && typeof parsed === 'object') event = parsed as Record<string, unknown>;
    } catch {
      event = null;
    }
    return { seq: l.seq, eventId: l.eventId, bytes, hash: leafHash(bytes), event };
  });
  const seen = new Set<number>();
  let previous = -1;
  for (const l of leaves) {
    if (seen.has(l.seq)) fail('SEQUENCE_DUPLICATE', `leaf ${String(l.seq)} appears twice`);
    else if (l.seq < previous)
      fail(
        'SEQUENCE_ORDER',
        `leaves out of order: leaf ${String(l.seq)} comes after leaf ${String(previous)}`,
      );
    seen.add(l.seq);
    previous = Math.max(previous, l.seq);
  }
  let expected = bundle.fromSeq;
  for (const seq of [...seen].sort((a, b) => a - b)) {
    if (bundle.kind === 'range' && seq > expected)
      fail(
        'SEQUENCE_GAP',
        `sequence gap: expected leaf ${String(expected)}, found leaf ${String(seq)} (${String(seq - expected)} leaf(s) missing)`,
      );
    expected = Math.max(expected, seq + 1);
  }
  if (bundle.kind === 'range' && expected <= bundle.toSeq)
    fail(
      'SEQUENCE_TRUNCATED',
      `the export ends at leaf ${String(expected - 1)} but declares leaves up to ${String(bundle.toSeq)}`,
    );
  if (bundle.toSeq >= head.treeSize)
    fail(
      'SEQUENCE_TRUNCATED',
      `the export declares leaf ${String(bundle.toSeq)} beyond the last checkpoint (size ${String(head.treeSize)})`,
    );

  // 4. Inclusion of every leaf in the last checkpoint; a hash that proves at another position is a reordering.
  const root = hex(head.rootHash);
  const inclusion = new Map(bundle.inclusion.map((p) => [p.seq, p.proof.map(hex)]));
  const verifies = (seq: number, hash: Buffer) => {
    const proof = inclusion.get(seq);
    return proof !== undefined && verifyInclusion(seq, head.treeSize, hash, proof, root);
  };
  for (const l of leaves) {
    if (!inclusion.has(l.seq)) {
      fail('MISSING_PROOF', `leaf ${String(l.seq)} has no inclusion proof`);
      continue;
    }
    if (verifies(l.seq, l.hash)) {
      if (l.event === null) fail('LEAF_MALFORMED', `leaf ${String(l.seq)} is not a JSON event`);
      else if (l.event.id !== l.eventId)
        fail(
          'LEAF_MALFORMED',
          `leaf ${String(l.seq)} is labelled ${l.eventId} but holds event ${String(l.event.id)}`,
        );
      continue;
    }
    const elsewhere = leaves.find((o) => o.seq !== l.seq && verifies(o.seq, l.hash));
    if (elsewhere !== undefined)
      fail(
        'LEAF_REORDERED',
        `leaf ${String(l.seq)} holds the event committed at position ${String(elsewhere.seq)} (events reordered)`,
      );
    else
      fail(
        'LEAF_ALTERED',
        `leaf ${String(l.seq)} (event ${l.eventId}): its bytes do not hash to what checkpoint ${String(head.treeSize)} commits to (altered)`,
      );
  }
  if (
    bundle.kind === 'range' &&
    bundle.fromSeq === 0 &&
    bundle.toSeq === head.treeSize - 1 &&
    failures.length === 0
  ) {
    const computed = rootHash(leaves.map((l) => l.hash));
    if (computed.toString('hex') !== head.rootHash)
      fail(
        'ROOT_MISMATCH',
        `the leaves hash to root ${computed.toString('hex')}, the checkpoint says ${head.rootHash}`,
      );
  }

  // 5. Notices: every consent cites a version registered (in this log) before it occurred, with that hash.
  const notices = new Map<string, { sha256: string; publishedAt: string; seq: number }>();
  let consents = 0;
  for (const l of leaves) {
    if (l.event?.type !== 'NoticeVersionPublished') continue;
    const d = l.event.data as {
      noticeId: string;
      version: string;
      language: string;
      sha256: string;
      publishedAt: string;
      text: string;
    };
    const textHash = createHash('sha256').update(d.text, 'utf8').digest('hex');
    if (textHash !== d.sha256)
      fail(
        'NOTICE_TEXT_MISMATCH',
        `notice ${d.noticeId} v${d.version} (${d.language}) at leaf ${String(l.seq)}: its text does not hash to ${d.sha256}`,
      );
    notices.set(`${d.noticeId}|${d.version}|${d.language}`, {
      sha256: d.sha256,
      publishedAt: d.publishedAt,
      seq: l.seq,
    });
  }
  for (const l of leaves) {
    if (l.event?.type !== 'ConsentRecorded') continue;
    consents++;
    const d = l.event.data as {
      notice: { id: string; version: string; sha256: string; language: string } | null;
    };
    if (d.notice === null) continue; // weak or device evidence: no notice by definition
    const n = d.notice;
    const registered = notices.get(`${n.id}|${n.version}|${n.language}`);
    const occurredAt = String(l.event.occurredAt);
    const label = `consent at leaf ${String(l.seq)} (event ${l.eventId})`;
    if (registered === undefined || registered.seq > l.seq)
      fail(
        'NOTICE_UNKNOWN',
        `${label} cites notice ${n.id} v${n.version} (${n.language}), which is not in the log before it`,
      );
    else if (registered.sha256 !== n.sha256)
      fail(
        'NOTICE_HASH_MISMATCH',
        `${label} cites notice ${n.id} v${n.version} with hash ${n.sha256}, the registry says ${registered.sha256}`,
      );
    else if (Date.parse(registered.publishedAt) > Date.parse(occurredAt))
      fail(
        'NOTICE_NOT_YET_PUBLISHED',
        `${label} occurred at ${occurredAt}, before notice ${n.id} v${n.version} was published (${registered.publishedAt})`,
      );
  }

  return {
    ok: failures.length === 0,
    failures,
    checked: {
      checkpoints: bundle.checkpoints.length,
      leaves: leaves.length,
      consents,
      notices: notices.size,
      treeSize: head.treeSize,
      rootHash: head.rootHash,
    },
  };
}
