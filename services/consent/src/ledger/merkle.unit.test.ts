import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  consistencyProof,
  EMPTY_ROOT,
  inclusionProof,
  leafHash,
  rootHash,
  verifyConsistency,
  verifyInclusion,
} from './merkle.js';

/**
 * RFC 6962 test vectors as published by the transparency-dev project (github.com/transparency-dev/merkle,
 * proof/verify_test.go, originally from Certificate Transparency's merkle_tree_test): eight leaves, the
 * tree head of every prefix, and audit paths / consistency proofs (leaf numbers there are 1-based).
 */
const hex = (h: string) => Buffer.from(h, 'hex');
const LEAVES = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
].map(hex);
const ROOTS = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
const INCLUSION: { leaf: number; size: number; proof: string[] }[] = [
  { leaf: 1, size: 1, proof: [] },
  {
    leaf: 1,
    size: 8,
    proof: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    leaf: 6,
    size: 8,
    proof: [
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  { leaf: 3, size: 3, proof: ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125'] },
  {
    leaf: 2,
    size: 5,
    proof: [
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  },
];
const CONSISTENCY: { size1: number; size2: number; proof: string[] }[] = [
  { size1: 1, size2: 1, proof: [] },
  {
    size1: 1,
    size2: 8,
    proof: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    size1: 6,
    size2: 8,
    proof: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  {
    size1: 2,
    size2: 5,
    proof: [
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  },
  {
    size1: 6,
    size2: 7,
    proof: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
];

const hashes = LEAVES.map(leafHash);
const toHex = (bs: Buffer[]) => bs.map((b) => b.toString('hex'));

describe('RFC 6962 Merkle tree against published test vectors', () => {
  it('hashes the empty tree and every prefix to the published roots', () => {
    expect(EMPTY_ROOT.toString('hex')).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
    ROOTS.forEach((root, i) => {
      expect(rootHash(hashes, i + 1).toString('hex')).toBe(root);
    });
  });

  it.each(INCLUSION)(
    'generates and verifies the audit path of leaf $leaf in a tree of $size',
    ({ leaf, size, proof }) => {
      expect(toHex(inclusionProof(hashes, leaf - 1, size))).toEqual(proof);
      const root = hex(ROOTS[size - 1]!);
      expect(verifyInclusion(leaf - 1, size, hashes[leaf - 1]!, proof.map(hex), root)).toBe(true);
      expect(verifyInclusion(leaf, size, hashes[leaf - 1]!, proof.map(hex), root)).toBe(false);
      expect(
        verifyInclusion(leaf - 1, size, leafHash(Buffer.from('WrongLeaf')), proof.map(hex), root),
      ).toBe(false);
      for (let i = 0; i < proof.length; i++) {
        const bad = proof.map(hex);
        const b = bad[i] as Buffer;
        b[0] = (b[0] ?? 0) ^ 8;
        expect(verifyInclusion(leaf - 1, size, hashes[leaf - 1]!, bad, root)).toBe(false);
      }
      expect(
        verifyInclusion(leaf - 1, size, hashes[leaf - 1]!, [...proof.map(hex), root], root),
      ).toBe(false);
    },
  );

  it.each(CONSISTENCY)(
    'generates and verifies the consistency proof $size1 → $size2',
    ({ size1, size2, proof }) => {
      expect(toHex(consistencyProof(hashes, size1, size2))).toEqual(proof);
      const r1 = hex(ROOTS[size1 - 1]!);
      const r2 = hex(ROOTS[size2 - 1]!);
      expect(verifyConsistency(size1, size2, r1, r2, proof.map(hex))).toBe(true);
      if (proof.length > 0) {
        expect(verifyConsistency(size1, size2, r2, r1, proof.map(hex))).toBe(false);
        expect(verifyConsistency(size1, size2, r1, r2, proof.slice(0, -1).map(hex))).toBe(false);
        expect(verifyConsistency(size1 + 1, size2, r1, r2, proof.map(hex))).toBe(false);
        for (let i = 0; i < proof.length; i++) {
          const bad = proof.map(hex);
          const b = bad[i] as Buffer;
          b[0] = (b[0] ?? 0) ^ 16;
          expect(verifyConsistency(size1, size2, r1, r2, bad)).toBe(false);
        }
      }
    },
  );

  it('edge cases follow RFC 9162', () => {
    expect(verifyConsistency(0, 5, EMPTY_ROOT, hex(ROOTS[4]!), [])).toBe(true);
    expect(verifyConsistency(1, 1, hex(ROOTS[0]!), hex(ROOTS[1]!), [])).toBe(false);
    expect(verifyConsistency(2, 1, hex(ROOTS[1]!), hex(ROOTS[0]!), [])).toBe(false);
    expect(verifyInclusion(0, 0, hashes[0]!, [], EMPTY_ROOT)).toBe(false);
  });

  it('every generated proof verifies, for random trees (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 70 }), fc.nat(), fc.nat(), (n, a, b) => {
        const leaves = Array.from({ length: n }, (_, i) => leafHash(Buffer.from(`leaf-${i}`)));
        const root = rootHash(leaves);
        const i = a % n;
        expect(verifyInclusion(i, n, leaves[i]!, inclusionProof(leaves, i), root)).toBe(true);
        const m = (b % n) + 1;
        expect(
          verifyConsistency(m, n, rootHash(leaves, m), root, consistencyProof(leaves, m, n)),
        ).toBe(true);
      }),
    );
  });
});
