// OpenTelemetry end to end (issue 9): one trace from a POS `POST /v1/transactions` through the
// Kafka ingest topic, the transactions ingest consumer and its event store, the services that
// consume `transactions.events.v1`, to the gateway query that reads the result — on real Kafka,
// PostgreSQL and Redis, every service in this process, spans kept in memory.
//
// The POS app sends the same trace on its sale and on its read of the client view (a W3C
// `traceparent` per request, one trace id: "ring up the sale, show the client"), as an
// instrumented client does. The test then walks the parent links of the recorded spans.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { eventually } from '@maison/testing';
import { SpanKind } from '@opentelemetry/api';

interface RecordedSpan {
  readonly name: string;
  readonly kind: SpanKind;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly attributes: Readonly<Record<string, unknown>>;
}

interface Platform {
  readonly urls: Readonly<Record<string, string>>;
  readonly gateway: string;
  readonly integration: string;
  readonly admin: string;
}

let child: ChildProcessWithoutNullStreams;
let lines: Interface;
const pending: ((line: string) => void)[] = [];
let p: Platform;

function nextLine(): Promise<string> {
  return new Promise((resolve) => pending.push(resolve));
}

beforeAll(async () => {
  const { NODE_OPTIONS: _jestOptions, ...env } = process.env;
  child = spawn(
    process.execPath,
    [
      '--conditions=@maison/source',
      '--disable-warning=TimeoutNegativeWarning',
      '--import',
      'tsx',
      'test/fixtures/traced-platform.ts',
    ],
    { cwd: path.resolve(import.meta.dirname, '..'), env, stdio: 'pipe' },
  );
  child.stderr.on('data', (chunk: Buffer) => process.stderr.write(chunk));
  lines = createInterface({ input: child.stdout });
  lines.on('line', (line) => pending.shift()?.(line));
  const exited = new Promise<never>((_resolve, reject) =>
    child.once('exit', (code) => {
      reject(new Error(`the platform exited with ${String(code)}`));
    }),
  );
  p = JSON.parse(await Promise.race([nextLine(), exited])) as Platform;
}, 120_000);

afterAll(async () => {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.stdin.end();
  await exited;
});

async function spansOf(traceId: string): Promise<RecordedSpan[]> {
  const answer = nextLine();
  child.stdin.write('spans\n');
  return (JSON.parse(await answer) as RecordedSpan[]).filter((s) => s.traceId === traceId);
}

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

const VIEW = `query View($email: String!) {
  clientByIdentifier(type: EMAIL, value: $email) {
    id
    transactions(first: 5) { totalCount edges { node { id storeId } } }
  }
}`;

it('follows one POS sale from the REST edge through Kafka and the consumers to the gateway read', async () => {
  const traceId = hex(16);
  const posSpan = hex(8);
  const email = `trace.${hex(4)}@example.com`;
  const sale = await fetch(`${p.urls.transactions ?? ''}/v1/transactions`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: p.integration,
      traceparent: `00-${traceId}-${posSpan}-01`,
    },
    body: JSON.stringify({
      kind: 'sale',
      sourceSystem: 'pos.cegid',
      sourceTransactionId: `PAR-01/2026/T${hex(3)}`,
      channel: 'boutique',
      storeId: 'PAR-01',
      region: 'EU',
      country: 'FR',
      associateId: 'A-PAR-1',
      occurredAt: '2026-11-20T11:05:00+01:00',
      currency: 'EUR',
      lines: [
        {
          sku: 'SLG-CARD-01',
          productId: 'SLG',
          name: 'Card holder',
          categoryPath: ['Leather goods', 'Small leather goods'],
          quantity: 1,
          unitPrice: { amountMinor: 42_000, currency: 'EUR' },
        },
      ],
      total: { amountMinor: 42_000, currency: 'EUR' },
      customer: [{ type: 'email', value: email }],
    }),
  });
  expect(sale.status).toBe(202);
  const { transactionId } = (await sale.json()) as { transactionId: string };

  // The POS screen reads the client view in the same trace, until the sale shows.
  const readSpan = hex(8);
  await eventually(
    async () => {
      const res = await fetch(`${p.gateway}/graphql`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: p.admin,
          traceparent: `00-${traceId}-${readSpan}-01`,
        },
        body: JSON.stringify({ query: VIEW, variables: { email } }),
      });
      const body = (await res.json()) as {
        data?: {
          clientByIdentifier: {
            transactions: { totalCount: number; edges: { node: { id: string } }[] };
          } | null;
        };
      };
      const tx = body.data?.clientByIdentifier?.transactions;
      return tx?.totalCount === 1 && tx.edges[0]?.node.id === transactionId ? true : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 100, what: 'the sale in the client view' },
  );

  // Consumers keep working a moment after the view shows (profiles, recommendations): wait for
  // their spans rather than racing them.
  const spans = await eventually(
    async () => {
      const mine = await spansOf(traceId);
      const consumers = mine.filter(
        (s) =>
          s.kind === SpanKind.CONSUMER &&
          s.attributes['maison.event.type'] === 'TransactionAttributed',
      );
      return consumers.length >= 2 ? mine : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 200, what: 'the consumers’ spans' },
  );

  const byId = new Map(spans.map((s) => [s.spanId, s]));
  /** The span's chain of parents within the trace, nearest first, ending at a remote parent id. */
  const ancestry = (span: RecordedSpan): string[] => {
    const chain: string[] = [];
    let parent = span.parentSpanId;
    while (parent !== undefined && chain.length < 50) {
      chain.push(parent);
      parent = byId.get(parent)?.parentSpanId;
    }
    return chain;
  };

  // 1. The REST edge: the POST's server span continues the POS app's span.
  const post = spans.find((s) => s.kind === SpanKind.SERVER && s.parentSpanId === posSpan);
  expect(post?.name).toMatch(/POST/);

  // 2. Kafka → the ingest consumer: its span descends from the POST (the record's header).
  const ingest = spans.find((s) => s.name === 'transactions.ingest');
  expect(ingest?.kind).toBe(SpanKind.CONSUMER);
  expect(ingest?.attributes['messaging.destination.name']).toMatch(/ingest\.transactions\.v1$/);
  if (!ingest) throw new Error('no ingest span in the trace');
  expect(ancestry(ingest)).toContain(post?.spanId);
  const ingestId = ingest.spanId;

  // 3. The event store → transactions.events.v1 → the consumers of the other services: the events
  //    the ingest consumer appended carry its span, and each consumer's span continues it.
  const recorded = spans.filter(
    (s) =>
      s.kind === SpanKind.CONSUMER && s.attributes['maison.event.type'] === 'TransactionRecorded',
  );
  expect(recorded.length).toBeGreaterThan(0);
  for (const s of recorded) expect(s.parentSpanId).toBe(ingestId);
  // identity registered the client from the sale's e-mail, in the same trace; transactions'
  // directory took identity's decision and attributed the sale: still the same trace
  const registered = spans.filter(
    (s) => s.kind === SpanKind.CONSUMER && s.attributes['maison.event.type'] === 'ClientRegistered',
  );
  expect(registered.length).toBeGreaterThan(0);
  const attributedSpans = spans.filter(
    (s) =>
      s.kind === SpanKind.CONSUMER && s.attributes['maison.event.type'] === 'TransactionAttributed',
  );
  for (const s of [...registered, ...attributedSpans]) expect(ancestry(s)).toContain(ingestId);
  // the store's writes happened inside: PostgreSQL spans under the consumers
  expect(
    spans.some(
      (s) =>
        s.kind === SpanKind.CLIENT &&
        (s.attributes['db.system'] ?? s.attributes['db.system.name']) === 'postgresql' &&
        ancestry(s).some((id) => recorded.some((r) => r.spanId === id)),
    ),
  ).toBe(true);

  // 4. The gateway queries that read the result (the POS polled until the sale showed): each
  //    server span continues the POS read; the last one, which found the client, fanned out to
  //    identity and transactions, whose subgraph server spans descend from the gateway's.
  const reads = spans.filter((s) => s.kind === SpanKind.SERVER && s.parentSpanId === readSpan);
  expect(reads.length).toBeGreaterThan(0);
  const fanOut = reads.map(
    (read) =>
      spans.filter(
        (s) => s.kind === SpanKind.SERVER && s !== read && ancestry(s).includes(read.spanId),
      ).length,
  );
  expect(Math.max(...fanOut)).toBeGreaterThanOrEqual(2);

  // Nothing personal on any span of the trace.
  const text = JSON.stringify(spans.map((s) => ({ name: s.name, attributes: s.attributes })));
  expect(text).not.toContain(email);
});
