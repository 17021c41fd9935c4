import { createHash } from 'node:crypto';
import type { AuditRecord } from '../projections/audit.queries.js';
import { toCsv } from '../projections/audit.queries.js';
import type { LedgerBundle } from '../verifier/bundle.js';

/**
 * A data subject access export of what the consent service holds about a client: machine-readable
 * JSON, the same history as CSV, a readable summary, the consent history with ledger proofs (a
 * selection bundle the offline verifier accepts) and a manifest with a SHA-256 per file.
 */
export interface DsarFile {
  readonly name: string;
  readonly contentType: string;
  readonly content: Buffer;
}

export interface DsarExport {
  readonly manifest: {
    clientId: string;
    generatedAt: string;
    files: { name: string; sha256: string; bytes: number; contentType: string }[];
  };
  readonly files: readonly DsarFile[];
}

export function buildDsarExport(input: {
  readonly clientId: string;
  readonly ids: readonly string[];
  readonly generatedAt: string;
  readonly current: readonly AuditRecord[];
  readonly history: readonly AuditRecord[];
  readonly notices: readonly {
    id: string;
    version: string;
    language: string;
    title: string;
    sha256: string;
    text: string;
    publishedAt: string;
  }[];
  readonly decisions: readonly Record<string, unknown>[];
  readonly ledger: LedgerBundle | null;
}): DsarExport {
  const json = {
    format: 'maison.consent-dsar/v1',
    clientId: input.clientId,
    mergedIds: input.ids.filter((i) => i !== input.clientId),
    generatedAt: input.generatedAt,
    currentConsents: input.current,
    consentHistory: input.history,
    noticesShown: input.notices,
    decisions: input.decisions,
  };
  const lines = [
    `Consent record of client ${input.clientId}`,
    `Generated ${input.generatedAt}`,
    '',
    `Consents in force (${String(input.current.length)}):`,
    ...input.current.map(
      (r) =>
        `- ${r.purpose}${r.channel ? ` by ${r.channel}` : ''}${r.contactPoint ? ` (${r.contactPoint})` : ''}: ${r.state.replaceAll('_', ' ')} since ${r.occurredAt}, collected by ${r.collection.method} at ${r.collection.point}${r.notice ? `, notice ${r.notice.id} v${r.notice.version} (${r.notice.language})` : ', no notice version (weaker evidence)'}`,
    ),
    '',
    `History: ${String(input.history.length)} consent events; ${String(input.decisions.length)} processing decisions recorded.`,
    `Notices shown: ${input.notices.map((n) => `${n.id} v${n.version} (${n.language})`).join(', ') || 'none'}.`,
    input.ledger
      ? `Tamper evidence: ${String(input.ledger.leaves.length)} ledger entries with inclusion proofs in checkpoint of size ${String(input.ledger.checkpoints.at(-1)?.treeSize ?? 0)}; verify with maison-consent-verify consent-history-proofs.json.`
      : 'Tamper evidence: no ledger entries yet.',
    '',
  ];
  const files: DsarFile[] = [
    {
      name: 'consents.json',
      contentType: 'application/json',
      content: Buffer.from(`${JSON.stringify(json, null, 2)}\n`),
    },
    { name: 'consents.csv', contentType: 'text/csv', content: Buffer.from(toCsv(input.history)) },
    {
      name: 'summary.txt',
      contentType: 'text/plain; charset=utf-8',
      content: Buffer.from(lines.join('\n')),
    },
    ...(input.ledger
      ? [
          {
            name: 'consent-history-proofs.json',
            contentType: 'application/json',
            content: Buffer.from(`${JSON.stringify(input.ledger, null, 2)}\n`),
          },
        ]
      : []),
  ];
  const manifest = {
    clientId: input.clientId,
    generatedAt: input.generatedAt,
    files: files.map((f) => ({
      name: f.name,
      sha256: createHash('sha256').update(f.content).digest('hex'),
      bytes: f.content.length,
      contentType: f.contentType,
    })),
  };
  return {
    manifest,
    files: [
      ...files,
      {
        name: 'manifest.json',
        contentType: 'application/json',
        content: Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`),
      },
    ],
  };
}
