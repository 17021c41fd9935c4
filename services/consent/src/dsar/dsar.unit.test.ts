import { createHash } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { toCsv, type AuditRecord } from '../projections/audit.queries.js';
import { buildDsarExport } from './dsar.export.js';
import { tar, untar } from './tar.js';

const record = (overrides: Partial<AuditRecord> = {}): AuditRecord => ({
  eventId: 'e-1',
  clientId: 'c-1',
  consentId: 'k-1',
  purpose: 'marketing',
  channel: 'email',
  contactPoint: 'a@example.com',
  contactKey: '',
  state: 'granted',
  legalBasis: 'consent',
  notice: { id: 'privacy-eu', version: '3', sha256: 'a'.repeat(64), language: 'fr' },
  collection: { method: 'store', point: 'PAR-01, till 2', storeId: 'PAR-01', associateId: null },
  source: { system: 'consent.api', actor: 'assoc-1' },
  evidenceStrength: 'full',
  jurisdiction: 'FR',
  recipient: null,
  transferPurposes: [],
  nightTime: false,
  proofRef: null,
  expiresAt: null,
  occurredAt: '2026-03-02T10:00:00+01:00',
  recordedAt: '2026-03-02T09:00:01Z',
  region: 'EU',
  ledger: { region: 'EU', seq: 7 },
  ...overrides,
});

describe('DSAR files', () => {
  it('CSV quotes separators and neutralises spreadsheet formulas', () => {
    const csv = toCsv([record({ proofRef: '=HYPERLINK("http://x")' })]);
    const [header, row] = csv.split('\r\n');
    expect(header?.split(',')).toContain('ledgerSeq');
    expect(row).toContain('"PAR-01, till 2"');
    expect(row).toContain(`"'=HYPERLINK(""http://x"")"`);
  });

  it('the manifest holds the SHA-256 of every file', () => {
    const dsar = buildDsarExport({
      clientId: 'c-1',
      ids: ['c-1'],
      generatedAt: '2026-03-03T00:00:00Z',
      current: [record()],
      history: [record()],
      notices: [],
      decisions: [],
      ledger: null,
    });
    for (const f of dsar.manifest.files) {
      const file = dsar.files.find((x) => x.name === f.name);
      expect(
        createHash('sha256')
          .update(file?.content ?? '')
          .digest('hex'),
      ).toBe(f.sha256);
    }
    expect(dsar.files.map((f) => f.name)).toEqual([
      'consents.json',
      'consents.csv',
      'summary.txt',
      'manifest.json',
    ]);
  });

  it('tar round-trips any files (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            name: fc.stringMatching(/^[a-z0-9._-]{1,40}$/),
            content: fc.uint8Array({ maxLength: 2000 }),
          }),
          { maxLength: 5 },
        ),
        (files) => {
          const input = files.map((f) => ({ name: f.name, content: Buffer.from(f.content) }));
          expect(untar(tar(input, new Date(0)))).toEqual(input);
        },
      ),
    );
  });
});
