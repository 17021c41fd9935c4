import { createHash } from 'node:crypto';

/**
 * RFC 6962 §2.1 Merkle tree hashing (the same as RFC 9162 §2.1): leaf = SHA-256(0x00 ‖ data),
 * node = SHA-256(0x01 ‖ left ‖ right), the tree of n leaves split at the largest power of two
 * smaller than n. Audit paths (inclusion) and consistency proofs are generated as RFC 6962
 * defines them and verified with RFC 9162's iterative algorithms, so a proof made here verifies
 * in any RFC 6962 verifier and vice versa. Depends on node:crypto only: the offline verifier
 * uses it as is.
 */

const sha256 = (...parts: Uint8Array[]): Buffer => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};
const LEAF = Uint8Array.of(0);

function item<T>(list: readonly T[], i: number): T {
  const v = list[i];
  if (v === undefined) throw new RangeError(`no element ${String(i)}`);
  return v;
}
const NODE = Uint8Array.of(1);

export const EMPTY_ROOT: Buffer = sha256();

export function leafHash(data: Uint8Array): Buffer {
  return sha256(LEAF, data);
}

export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  return sha256(NODE, left, right);
}

/** Largest power of two strictly smaller than n (n ≥ 2). */
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** MTH(D[lo:hi]) over leaf hashes. */
function mth(leaves: readonly Uint8Array[], lo: number, hi: number): Buffer {
  const n = hi - lo;
  if (n === 0) return EMPTY_ROOT;
  if (n === 1) return Buffer.from(item(leaves, lo));
  const k = split(n);
  return nodeHash(mth(leaves, lo, lo + k), mth(leaves, lo + k, hi));
}

/** The tree head of the first `size` leaves (default all). */
export function rootHash(leafHashes: readonly Uint8Array[], size = leafHashes.length): Buffer {
  if (size > leafHashes.length) throw new RangeError('size is larger than the number of leaves');
  return mth(leafHashes, 0, size);
}

/** RFC 6962 PATH(m, D[n]): the audit path of leaf m in the tree of the first n leaves. */
export function inclusionProof(
  leafHashes: readonly Uint8Array[],
  index: number,
  size = leafHashes.length,
): Buffer[] {
  if (size > leafHashes.length) throw new RangeError('size is larger than the number of leaves');
  if (!Number.isInteger(index) || index < 0 || index >= size)
    throw new RangeError('leaf index out of range');
  const path = (m: number, lo: number, hi: number): Buffer[] => {
    const n = hi - lo;
    if (n === 1) return [];
    const k = split(n);
    return m < k
      ? [...path(m, lo, lo + k), mth(leafHashes, lo + k, hi)]
      : [...path(m - k, lo + k, hi), mth(leafHashes, lo, lo + k)];
  };
  return path(index, 0, size);
}

/** RFC 6962 PROOF(m, D[n]): proves the tree of the first m leaves is a prefix of the first n. */
export function consistencyProof(
  leafHashes: readonly Uint8Array[],
  first: number,
  second = leafHashes.length,
): Buffer[] {
  if (second > leafHashes.length) throw new RangeError('size is larger than the number of leaves');
  if (first < 0 || first > second) throw new RangeError('first size must be within [0, second]');
  if (first === 0 || first === second) return [];
  const sub = (m: number, lo: number, hi: number, complete: boolean): Buffer[] => {
    const n = hi - lo;
    if (m === n) return complete ? [] : [mth(leafHashes, lo, hi)];
    const k = split(n);
    return m <= k
      ? [...sub(m, lo, lo + k, complete), mth(leafHashes, lo + k, hi)]
      : [...sub(m - k, lo + k, hi, false), mth(leafHashes, lo, lo + k)];
  };
  return sub(first, 0, second, true);
}

const equal = (a: Uint8Array, b: Uint8Array): boolean => Buffer.compare(a, b) === 0;

/** RFC 9162 §2.1.3.2: verifies an inclusion proof (leaf index, tree size, leaf hash, path, root). */
export function verifyInclusion(
  index: number,
  size: number,
  leaf: Uint8Array,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): boolean {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size)
    return false;
  if (proof.some((p) => p.length !== 32)) return false;
  let fn = BigInt(index);
  let sn = BigInt(size - 1);
  let r: Buffer = Buffer.from(leaf);
  for (const p of proof) {
    if (sn === 0n) return false;
    if ((fn & 1n) === 1n || fn === sn) {
      r = nodeHash(p, r);
      if ((fn & 1n) === 0n) {
        while ((fn & 1n) === 0n && fn !== 0n) {
          fn >>= 1n;
          sn >>= 1n;
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  return sn === 0n && equal(r, root);
}

/** RFC 9162 §2.1.4.2: verifies a consistency proof between two tree heads. */
export function verifyConsistency(
  first: number,
  second: number,
  firstRoot: Uint8Array,
  secondRoot: Uint8Array,
  proof: readonly Uint8Array[],
): boolean {
  if (!Number.isSafeInteger(first) || !Number.isSafeInteger(second) || first < 0 || first > second)
    return false;
  if (first === second) return proof.length === 0 && equal(firstRoot, secondRoot);
  if (first === 0) return proof.length === 0;
  if (proof.length === 0 || proof.some((p) => p.length !== 32)) return false;
  const path: Uint8Array[] = [...proof];
  const isPowerOfTwo = (first & (first - 1)) === 0;
  if (isPowerOfTwo) path.unshift(firstRoot);
  let fn = BigInt(first - 1);
  let sn = BigInt(second - 1);
  while ((fn & 1n) === 1n) {
    fn >>= 1n;
    sn >>= 1n;
  }
  let fr: Buffer = Buffer.from(item(path, 0));
  let sr: Buffer = Buffer.from(item(path, 0));
  for (const c of path.slice(1)) {
    if (sn === 0n) return false;
    if ((fn & 1n) === 1n || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if ((fn & 1n) === 0n) {
        while ((fn & 1n) === 0n && fn !== 0n) {
          fn >>= 1n;
          sn >>= 1n;
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  return equal(fr, firstRoot) && equal(sr, secondRoot) && sn === 0n;
}
