import { describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { buildBundle, type StoredLeaf } from '../ledger/bundle-builder.js';
import { canonicalJson } from '../ledger/canonical-json.js';
import { generateDevSigner, ledgerOrigin, type SignedCheckpoint } from '../ledger/checkpoint.js';
import { leafHash, rootHash } from '../ledger/merkle.js';
import type { LedgerBundle } from './bundle.js';
import { verifyBundle } from './verify-bundle.js';

const signer = generateDevSigner();
const origin = ledgerOrigin('EU');
const text = 'Nous utilisons vos coordonnées pour vous informer de nos collections.';
const sha = createHash('sha256').update(text).digest('hex');

function event(i: number, type: string, data: unknown, occurredAt = '2026-03-02T10:00:00+01:00') {
  return {
    id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    type,
    schemaVersion: 1,
    streamId: type === 'NoticeVersionPublished' ? 'notice-privacy-eu' : 'consent-c-1',
    subjectId: type === 'NoticeVersionPublished' ? null : 'c-1',
    occurredAt,
    recordedAt: '2026-03-02T09:00:01Z',
    region: 'EU',
    source: { system: 'consent.api' },
    correlationId: 'x',
    causationId: null,
    data,
  };
}
const notice = { id: 'privacy-eu', version: '3', sha256: sha, language: 'fr' };
const EVENTS = [
  event(
    0,
    'NoticeVersionPublished',
    {
      noticeId: 'privacy-eu',
      version: '3',
      language: 'fr',
      jurisdiction: 'FR',
      title: 'Privacy',
      sha256: sha,
      text,
      publishedAt: '2026-01-01T00:00:00Z',
    },
    '2026-01-01T00:00:00Z',
  ),
  ...Array.from({ length: 9 }, (_, i) =>
    event(i + 1, 'ConsentRecorded', {
      clientId: 'c-1',
      state: i % 2 ? 'withdrawn' : 'granted',
      notice,
      contactPoint: { $enc: 'v1', ct: `ciphertext-${i}` },
    }),
  ),
];
const LEAVES: StoredLeaf[] = EVENTS.map((e, seq) => ({
  seq,
  eventId: e.id,
  bytes: Buffer.from(canonicalJson(e)),
}));
const HASHES = LEAVES.map((l) => leafHash(l.bytes));
const checkpoint = (size: number): SignedCheckpoint =>
  signer.sign({
    origin,
    treeSize: size,
    rootHash: rootHash(HASHES, size).toString('hex'),
    timestamp: '2026-03-02T09:00:05Z',
  });

function honest(leaves = LEAVES): LedgerBundle {
  return buildBundle({
    kind: 'range',
    region: 'EU',
    origin,
    exportedAt: '2026-03-02T09:01:00Z',
    keys: [signer.publicKey],
    checkpoints: [checkpoint(4), checkpoint(7), checkpoint(10)],
    leafHashes: HASHES,
    leaves,
    fromSeq: 0,
    toSeq: 9,
  });
}
const codes = (b: unknown) =>
  verifyBundle(b, { trustedKeys: [signer.publicKey] }).failures.map((f) => f.code);
const messages = (b: unknown) =>
  verifyBundle(b, { trustedKeys: [signer.publicKey] }).failures.map((f) => f.message);

describe('offline verifier', () => {
  it('accepts an honest export', () => {
    const report = verifyBundle(honest(), { trustedKeys: [signer.publicKey] });
    expect(report.failures).toEqual([]);
    expect(report).toMatchObject({
      ok: true,
      checked: { leaves: 10, consents: 9, notices: 1, checkpoints: 3, treeSize: 10 },
    });
  });

  it('rejects a flipped byte in a stored event', () => {
    const b = honest();
    const bytes = Buffer.from(b.leaves[5]?.bytes ?? '', 'base64');
    const at = bytes.indexOf('ciphertext-4');
    bytes[at] = (bytes[at] ?? 0) ^ 0x01;
    const tampered = {
      ...b,
      leaves: b.leaves.map((l, i) => (i === 5 ? { ...l, bytes: bytes.toString('base64') } : l)),
    };
    expect(codes(tampered)).toEqual(['LEAF_ALTERED']);
    expect(messages(tampered)[0]).toMatch(/leaf 5 .*do not hash/);
  });

  it('rejects a dropped event as a sequence gap', () => {
    const b = honest();
    const tampered = {
      ...b,
      leaves: b.leaves.filter((l) => l.seq !== 6),
      inclusion: b.inclusion.filter((p) => p.seq !== 6),
    };
    expect(codes(tampered)).toEqual(['SEQUENCE_GAP']);
    expect(messages(tampered)[0]).toBe(
      'sequence gap: expected leaf 6, found leaf 7 (1 leaf(s) missing)',
    );
  });

  it('rejects a dropped last event as a truncated export', () => {
    const b = honest();
    const tampered = { ...b, leaves: b.leaves.slice(0, -1), inclusion: b.inclusion.slice(0, -1) };
    expect(codes(tampered)).toContain('SEQUENCE_TRUNCATED');
  });

  it('rejects a reordered pair, whether the entries or only their contents are swapped', () => {
    const b = honest();
    const swapped = [...b.leaves];
    [swapped[3], swapped[4]] = [swapped[4]!, swapped[3]!];
    expect(codes({ ...b, leaves: swapped })).toEqual(['SEQUENCE_ORDER']);
    const contents = b.leaves.map((l) =>
      l.seq === 3
        ? { ...l, bytes: b.leaves[4]!.bytes }
        : l.seq === 4
          ? { ...l, bytes: b.leaves[3]!.bytes }
          : l,
    );
    expect(codes({ ...b, leaves: contents })).toEqual(['LEAF_REORDERED', 'LEAF_REORDERED']);
    expect(messages({ ...b, leaves: contents })[0]).toBe(
      'leaf 3 holds the event committed at position 4 (events reordered)',
    );
  });

  it('rejects a forged checkpoint signature and a checkpoint signed by another key', () => {
    const b = honest();
    const forged = {
      ...b,
      checkpoints: b.checkpoints.map((c, i) => (i === 2 ? { ...c, rootHash: 'f'.repeat(64) } : c)),
    };
    const found = codes(forged);
    expect(found).toContain('CHECKPOINT_SIGNATURE');
    expect(messages(forged).find((m) => m.includes('signature'))).toMatch(
      /checkpoint #3 \(tree size 10\): the Ed25519 signature does not verify/,
    );
    const other = generateDevSigner();
    const resigned = {
      ...b,
      keys: [other.publicKey],
      checkpoints: b.checkpoints.map((c) => other.sign(c)),
    };
    expect(codes(resigned)).toEqual(['UNTRUSTED_KEY', 'UNTRUSTED_KEY', 'UNTRUSTED_KEY']);
    const sigFlip = {
      ...b,
      checkpoints: b.checkpoints.map((c, i) =>
        i === 0 ? { ...c, signature: Buffer.alloc(64, 1).toString('base64') } : c,
      ),
    };
    expect(codes(sigFlip)).toEqual(['CHECKPOINT_SIGNATURE']);
  });

  it('rejects a rewritten history between checkpoints (consistency)', () => {
    const rewritten = [...HASHES];
    rewritten[1] = leafHash(Buffer.from('rewritten'));
    const b = honest();
    const old = signer.sign({
      origin,
      treeSize: 4,
      rootHash: rootHash(rewritten, 4).toString('hex'),
      timestamp: '2026-03-02T09:00:00Z',
    });
    expect(codes({ ...b, checkpoints: [old, ...b.checkpoints.slice(1)] })).toEqual(['CONSISTENCY']);
  });

  it('rejects a consent citing a notice version that did not exist yet or with another hash', () => {
    const events = [...EVENTS];
    events[1] = { ...events[1]!, occurredAt: '2025-12-01T10:00:00+01:00' };
    events[2] = {
      ...events[2]!,
      data: { ...(events[2]!.data as object), notice: { ...notice, sha256: 'b'.repeat(64) } },
    };
    events[3] = {
      ...events[3]!,
      data: { ...(events[3]!.data as object), notice: { ...notice, version: '9' } },
    };
    const leaves = events.map((e, seq) => ({
      seq,
      eventId: e.id,
      bytes: Buffer.from(canonicalJson(e)),
    }));
    const hashes = leaves.map((l) => leafHash(l.bytes));
    const b = buildBundle({
      kind: 'range',
      region: 'EU',
      origin,
      exportedAt: 'x',
      keys: [signer.publicKey],
      checkpoints: [
        signer.sign({
          origin,
          treeSize: 10,
          rootHash: rootHash(hashes).toString('hex'),
          timestamp: 't',
        }),
      ],
      leafHashes: hashes,
      leaves,
      fromSeq: 0,
      toSeq: 9,
    });
    expect(codes(b)).toEqual([
      'NOTICE_NOT_YET_PUBLISHED',
      'NOTICE_HASH_MISMATCH',
      'NOTICE_UNKNOWN',
    ]);
  });

  it('verifies a selection export (a client history with the notices it cites)', () => {
    const b = buildBundle({
      kind: 'selection',
      region: 'EU',
      origin,
      exportedAt: 'x',
      keys: [signer.publicKey],
      checkpoints: [checkpoint(10)],
      leafHashes: HASHES,
      leaves: [LEAVES[0]!, LEAVES[3]!, LEAVES[8]!],
      fromSeq: 0,
      toSeq: 9,
    });
    expect(codes(b)).toEqual([]);
  });

  it('rejects what is not a bundle', () => {
    expect(codes({ format: 'x' })).toEqual(['MALFORMED_BUNDLE']);
    expect(codes(null)).toEqual(['MALFORMED_BUNDLE']);
  });
});
