import { createHash } from 'node:crypto';
import type { DevIssuer } from '@maison/auth/dev';
import {
  generateDemoData,
  type DemoClient,
  type DemoConsent,
  type DemoData,
  type DemoTransaction,
} from '@maison/demo-data';
import { TOPICS, type ProfileIngestRecord } from '@maison/event-contracts';
import type { MessageProducer } from '@maison/messaging';
import type { Logger } from '@maison/service-kit';

/** Where the loader reaches each service (REST) and the gateway (GraphQL). */
export interface DemoTargets {
  readonly identity: string;
  readonly transactions: string;
  readonly consent: string;
  readonly gateway: string;
}

export interface DemoLoadReport {
  readonly clients: number;
  readonly transactions: number;
  readonly consents: number;
  readonly notes: number;
  readonly ms: number;
}

/** The privacy notice shown when consent is collected, per jurisdiction and language. */
export const DEMO_NOTICE = { version: '2024-01' } as const;

/** One notice per jurisdiction (each has its own legal wording), in each language it is shown in. */
export function noticeId(jurisdiction: string): string {
  return `maison-privacy-${jurisdiction.toLowerCase()}`;
}

export function noticeText(jurisdiction: string, language: string): string {
  return [
    `Maison Aurèle — privacy notice ${DEMO_NOTICE.version} (${jurisdiction}, ${language}).`,
    'We use your contact details to tell you about our collections and events, and your purchase',
    'history to personalise our advice, only with your consent, which you may withdraw at any time',
    'in boutique, online or by writing to privacy@maison-aurele.example.',
  ].join(' ');
}

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

async function call(
  method: string,
  url: string,
  token: string,
  body?: unknown,
): Promise<{ status: number; json: unknown }> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await send(method, url, token, body);
    } catch (error) {
      // A keep-alive connection the server closed just as it was reused (ECONNRESET) fails before
      // the request is read; the loader's writes are idempotent, so it sends again.
      const reset =
        error instanceof TypeError &&
        String((error.cause as Error | undefined)?.message).includes('ECONNRESET');
      if (reset && attempt < 4) continue;
      throw new Error(`${method} ${new URL(url).pathname} failed`, { cause: error });
    }
  }
}

async function send(
  method: string,
  url: string,
  token: string,
  body?: unknown,
): Promise<{ status: number; json: unknown }> {
  const res = await fetch(url, {
    method,
    signal: AbortSignal.timeout(120_000),
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      'x-maison-csrf': '1',
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = text === '' ? null : (JSON.parse(text) as unknown);
  } catch {
    json = text;
  }
  if (res.status >= 400)
    throw new Error(
      `${method} ${new URL(url).pathname} answered ${String(res.status)}: ${text.slice(0, 300)}`,
    );
  return { status: res.status, json };
}

function profileRecord(c: DemoClient, demo: DemoData): ProfileIngestRecord {
  const home = demo.boutiques.find((b) => b.storeId === c.homeStoreId);
  const pos = Object.entries(c.posCustomerNumbers)[0];
  return {
    sourceSystem: home?.posScope.startsWith('cegid') ? 'pos.cegid' : 'pos.xstore',
    sourceRecordId: `${c.homeStoreId}/customer/${c.key}`,
    occurredAt: '2024-01-02T10:00:00+00:00',
    region: c.homeRegion,
    storeId: c.homeStoreId,
    customer: [
      ...(pos ? [{ type: 'pos_customer', value: pos[1], scope: pos[0] }] : []),
      { type: 'email', value: c.email },
      { type: 'phone', value: c.phone },
      ...(c.loyaltyId ? [{ type: 'loyalty_id', value: c.loyaltyId }] : []),
    ],
    fields: {
      name: {
        ...(c.name.native ? { native: c.name.native } : {}),
        latin: c.name.latin,
        salutation: c.name.salutation,
      },
      languages: [...c.languages],
      birthday: c.birthday,
      homeRegion: c.homeRegion,
      homeStoreId: c.homeStoreId,
      country: c.country,
      sizes: c.sizes,
      preferredChannel: c.preferredChannel as 'email',
    },
  };
}

function transactionRecord(t: DemoTransaction): unknown {
  return {
    kind: t.kind,
    sourceSystem: t.sourceSystem,
    sourceTransactionId: t.sourceTransactionId,
    ...(t.originalSourceTransactionId
      ? { originalSourceTransactionId: t.originalSourceTransactionId }
      : {}),
    channel: t.channel,
    storeId: t.storeId ?? 'WEB-EU',
    region: t.region,
    country: t.country,
    associateId: t.associateId,
    occurredAt: t.occurredAt,
    currency: t.currency,
    lines: t.lines.map((l) => ({
      lineId: l.lineId,
      sku: l.sku,
      productId: l.productId,
      name: l.name,
      categoryPath: l.categoryPath,
      collection: l.collection,
      quantity: l.quantity,
      unitPrice: { amountMinor: l.unitPriceMinor, currency: t.currency },
      discount: { amountMinor: l.discountMinor, currency: t.currency },
      tax: { amountMinor: l.taxMinor, currency: t.currency },
      ...(l.originalLineId ? { originalLineId: l.originalLineId } : {}),
    })),
    total: { amountMinor: t.totalMinor, currency: t.currency },
    customer: t.customer.map((r) => ({
      type: r.type,
      value: r.value,
      ...(r.scope ? { scope: r.scope } : {}),
    })),
  };
}

function consentRecord(c: DemoConsent, client: DemoClient, index: number): unknown {
  const language = c.language;
  return {
    sourceSystem: 'clienteling.app',
    sourceRecordId: `${c.clientKey}/consent/${String(index)}`,
    customer: [{ type: 'email', value: client.email }],
    consent: {
      purpose: c.purpose,
      channel: c.channel,
      state: c.state,
      legalBasis: 'consent',
      notice:
        c.state === 'granted'
          ? {
              id: noticeId(c.jurisdiction),
              version: DEMO_NOTICE.version,
              sha256: sha256(noticeText(c.jurisdiction, language)),
              language,
            }
          : null,
      collection: {
        method: c.method,
        point: c.point,
        storeId: c.storeId,
        associateId: c.associateId,
      },
      jurisdiction: c.jurisdiction,
      occurredAt: c.occurredAt,
      recipient: c.recipient,
      ...(c.purpose === 'cross_border_transfer'
        ? { transferPurposes: ['profiling', 'marketing'] }
        : {}),
      nightTime: c.nightTime,
    },
  };
}

/**
 * Loads the demo house through the platform's own ingestion paths — customer records on the
 * profiles ingest topic, sales and returns through the transactions REST batch endpoint, consents on
 * the consent ingest topic (attributed by identity like any integration's), notes through the
 * gateway's GraphQL as their associates — then waits until the services have caught up.
 */
export interface DemoLoadOptions {
  readonly targets: DemoTargets;
  readonly issuer: DevIssuer;
  readonly producer: MessageProducer;
  readonly logger: Logger;
  readonly clients?: number;
  /** Clients loaded before the platform says it is ready; the rest follow in the background. */
  readonly firstClients?: number;
  readonly chunk?: number;
  readonly settled: () => Promise<void>;
  readonly onProgress?: (report: DemoLoadReport) => void;
  /** Stops the load between two steps (the platform is shutting down). */
  readonly signal?: AbortSignal;
}

export class DemoLoadStopped extends Error {
  override readonly name = 'DemoLoadStopped';
}

export interface DemoLoading {
  /** Settles once the first clients (with their purchases, consents and notes) are in. */
  readonly first: Promise<DemoLoadReport>;
  /** Settles once every client is in. */
  readonly all: Promise<DemoLoadReport>;
}

/**
 * Loads the demo house through the platform's own ingestion paths — customer records on the
 * profiles ingest topic, sales and returns through the transactions REST batch endpoint, consents on
 * the consent ingest topic (attributed by identity like any integration's), notes through the
 * gateway's GraphQL as their associates — a chunk of clients at a time, waiting after each step
 * until the services have caught up. The first chunk is small so the platform is usable quickly.
 */
export function loadDemo(options: DemoLoadOptions): DemoLoading {
  let resolveFirst: (r: DemoLoadReport) => void = () => undefined;
  let rejectFirst: (e: unknown) => void = () => undefined;
  const first = new Promise<DemoLoadReport>((resolve, reject) => {
    resolveFirst = resolve;
    rejectFirst = reject;
  });
  const all = loadAll(options, resolveFirst);
  all.catch(rejectFirst);
  return { first, all };
}

async function loadAll(
  options: DemoLoadOptions,
  onFirst: (r: DemoLoadReport) => void,
): Promise<DemoLoadReport> {
  const started = performance.now();
  const demo = generateDemoData({ clients: options.clients ?? 2000 });
  const { targets, issuer, producer } = options;
  const integration = await issuer.mintToken({ role: 'integration', subject: 'demo-loader' });
  const compliance = await issuer.mintToken({ role: 'compliance', subject: 'demo-dpo' });
  const byKey = new Map(demo.clients.map((c) => [c.key, c]));

  // Notices, before any consent cites them.
  const notices = new Set(demo.consents.map((c) => `${c.jurisdiction}|${c.language}`));
  for (const n of notices) {
    const [jurisdiction = 'EU', language = 'en'] = n.split('|');
    await call('POST', `${targets.consent}/v1/notices`, compliance, {
      noticeId: noticeId(jurisdiction),
      version: DEMO_NOTICE.version,
      language,
      jurisdiction,
      title: 'Privacy notice',
      text: noticeText(jurisdiction, language),
      publishedAt: '2023-12-01T00:00:00Z',
    });
  }

  const report = { clients: 0, transactions: 0, consents: 0, notes: 0, ms: 0 };
  const firstSize = options.firstClients ?? 150;
  const chunk = options.chunk ?? 250;
  const bounds: [number, number][] = [[0, Math.min(firstSize, demo.clients.length)]];
  for (let from = firstSize; from < demo.clients.length; from += chunk)
    bounds.push([from, Math.min(from + chunk, demo.clients.length)]);

  const stopIfAborted = (): void => {
    if (options.signal?.aborted === true) throw new DemoLoadStopped('the platform is stopping');
  };
  const checkpoint = async (): Promise<void> => {
    stopIfAborted();
    await options.settled();
    stopIfAborted();
  };
  for (const [n, [from, to]] of bounds.entries()) {
    const clients = demo.clients.slice(from, to);
    const keys = new Set(clients.map((c) => c.key));

    // 1. Customer records from each client's home boutique POS.
    const records = clients.map((c) => profileRecord(c, demo));
    await producer.send(
      TOPICS.ingestProfiles.name,
      records.map((r) => ({ key: r.sourceRecordId, value: JSON.stringify(r) })),
    );
    await checkpoint();

    // 2. Their sales and returns (and a share of the anonymous sales), by REST in batches of 100 —
    // well inside the services' request body limit — in business-time order.
    const transactions = demo.transactions.filter((t, i) =>
      t.clientKey === null ? i % bounds.length === n : keys.has(t.clientKey),
    );
    for (let i = 0; i < transactions.length; i += 100) {
      await call('POST', `${targets.transactions}/v1/transactions:batch`, integration, {
        records: transactions.slice(i, i + 100).map(transactionRecord),
      });
    }
    await checkpoint();

    // 3. Consents, as a clienteling app's integration would send them.
    const consents = demo.consents.flatMap((c, i) => {
      const client = keys.has(c.clientKey) ? byKey.get(c.clientKey) : undefined;
      return client
        ? [
            {
              key: `${c.clientKey}/consent/${String(i)}`,
              value: JSON.stringify(consentRecord(c, client, i)),
            },
          ]
        : [];
    });
    await producer.send(TOPICS.ingestConsent.name, consents);
    await checkpoint();

    // 4. Notes, written by their associates once identity knows the clients.
    let notes = 0;
    for (const note of demo.notes.filter((x) => keys.has(x.clientKey))) {
      const client = byKey.get(note.clientKey);
      if (!client) continue;
      const { json } = await call('POST', `${targets.identity}/v1/identify`, integration, {
        identifiers: [{ type: 'email', value: client.email }],
        storeId: client.homeStoreId,
        region: client.homeRegion,
      });
      const clientId = (json as { clientId?: string }).clientId;
      if (!clientId) continue;
      const token = await issuer.mintToken({
        role: 'associate',
        subject: note.authorAssociateId,
        associateId: note.authorAssociateId,
        storeIds: [note.storeId],
      });
      const { json: result } = await call('POST', `${targets.gateway}/graphql`, token, {
        query:
          'mutation Note($clientId: ID!, $text: String!, $visibility: ProfileNoteVisibility!, $storeId: String) { addProfileNote(clientId: $clientId, text: $text, visibility: $visibility, storeId: $storeId) { id } }',
        variables: {
          clientId,
          text: note.text,
          visibility: note.visibility.toUpperCase(),
          storeId: note.storeId,
        },
      });
      if ((result as { errors?: unknown[] }).errors === undefined) notes++;
    }
    await checkpoint();

    report.clients += clients.length;
    report.transactions += transactions.length;
    report.consents += consents.length;
    report.notes += notes;
    report.ms = Math.round(performance.now() - started);
    if (n === 0) onFirst({ ...report });
    options.onProgress?.({ ...report });
  }
  return { ...report };
}
