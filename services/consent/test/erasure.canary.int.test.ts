import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { RedisCache } from '@maison/cache';
import { identifierKeySubject, TOPICS, type IdentifierRef } from '@maison/event-contracts';
import { createLogger } from '@maison/service-kit';
import { eventually, isolatedRedis, type IsolatedRedis } from '@maison/testing';
import { verifyBundle } from '../src/verifier/verify-bundle.js';
import { collectTopic, grant, startHarness, unique, type Harness } from './harness.js';

/**
 * The canary: unique personal data planted through every consent ingestion path, the client
 * erased, then every store the consent service writes searched for the plaintext — raw
 * PostgreSQL rows of its schemas, raw Kafka payloads of the topics it writes, its Redis cache and
 * its logs. Identity's part (shredding the identifiers' key subjects, suppressing them) is played
 * here from the ClientErased it receives on Kafka, as identity does.
 */
let h: Harness;
let redis: IsolatedRedis;
const logLines: string[] = [];
const published: { key: string | null; value: string; headers: Record<string, string> }[] = [];
const dlq: { key: string | null; value: string; headers: Record<string, string> }[] = [];
const stops: (() => Promise<void>)[] = [];

const run = randomUUID().slice(0, 8);
const CANARY = {
  rest: `canary.rest.${run}@example.com`,
  graphql: `canary.graphql.${run}@example.com`,
  kafka: `canary.kafka.${run}@example.com`,
  shopify: `canary.shopify.${run}@example.com`,
  pending: `canary.pending.${run}@example.com`,
};
const shopifyCustomer = String(7_000_000_000_000 + Math.floor(Math.random() * 1e9));
const clientId = unique('vic');

async function pgDump(): Promise<string> {
  const tables = await h.env.database.query<{ table_schema: string; table_name: string }>(
    `SELECT table_schema, table_name FROM information_schema.tables WHERE table_schema IN ('consent', 'consent_events') AND table_type = 'BASE TABLE'`,
  );
  const out: string[] = [];
  for (const t of tables) {
    const rows = await h.env.database.query<{ row: string }>(
      `SELECT row_to_json(t)::text AS row FROM "${t.table_schema}"."${t.table_name}" t`,
    );
    out.push(...rows.map((r) => r.row));
  }
  return out.join('\n').toLowerCase();
}

async function redisDump(): Promise<string> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.client.scan(
      cursor,
      'MATCH',
      `${redis.prefix}*`,
      'COUNT',
      500,
    );
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  const values: string[] = [];
  // keyPrefix applies to key arguments, not to ARGV: read the full names through a script.
  for (const key of keys)
    values.push(String(await redis.client.eval(`return redis.call('GET', ARGV[1])`, 0, key)));
  return `${keys.join('\n')}\n${values.join('\n')}`.toLowerCase();
}

const kafkaDump = () =>
  [...published, ...dlq]
    .map((m) => `${m.key ?? ''} ${JSON.stringify(m.headers)} ${m.value}`)
    .join('\n')
    .toLowerCase();
const found = (dump: string) =>
  Object.entries(CANARY)
    .filter(([, v]) => dump.includes(v.toLowerCase()))
    .map(([k]) => k);

beforeAll(async () => {
  redis = await isolatedRedis('consent');
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      logLines.push(chunk.toString('utf8'));
      done();
    },
  });
  h = await startHarness({
    transport: 'kafka',
    cache: new RedisCache({ client: redis.client, prefix: 'consent' }),
    logger: createLogger({ service: 'consent', level: 'debug', destination: sink }),
  });
  const a = await collectTopic(h.env, TOPICS.consentEvents.name, published);
  const b = await collectTopic(h.env, `${TOPICS.ingestConsent.name}.dlq`, dlq);
  stops.push(
    () => a.stop(),
    () => b.stop(),
  );
  expect((await h.publishNotice()).status).toBe(201);
});
afterAll(async () => {
  for (const s of stops) await s();
  await h.close();
  await redis.cleanup();
});

describe('erasure canary', () => {
  const linked: IdentifierRef[] = [];

  it('plants unique PII through every ingestion path', async () => {
    const associate = await h.token('associate');
    // 1. REST (associate app)
    expect(
      (
        await h.request('POST', `/v1/clients/${clientId}/consents`, {
          token: associate,
          body: grant({ contactPoint: { type: 'email', value: CANARY.rest } }),
        })
      ).status,
    ).toBe(201);
    // 2. GraphQL mutation
    const gql = await h.graphql<{ grantConsent: { status: string } }>(
      `mutation G($input: ConsentGrantInput!) { grantConsent(input: $input) { status } }`,
      {
        input: {
          clientId,
          purpose: 'MARKETING',
          channel: 'EMAIL',
          contactPoint: { type: 'email', value: CANARY.graphql },
          notice: grant().notice as Record<string, string>,
          collection: { method: 'STORE', point: 'PAR-01 till', storeId: 'PAR-01' },
          jurisdiction: 'FR',
          occurredAt: '2026-03-02T11:00:00+01:00',
        },
      },
      associate,
    );
    expect(gql.body.data.grantConsent.status).toBe('recorded');
    // 3. Kafka ingest.consent.v1 (and a refused record: its dead letter keeps the bytes, so it must hold no PII of ours)
    await h.env.producer.send(h.env.names.topic(TOPICS.ingestConsent), [
      {
        key: 'k-1',
        value: JSON.stringify({
          sourceSystem: 'webform.eu',
          sourceRecordId: `k-1-${run}`,
          clientId,
          consent: grant({
            contactPoint: { type: 'email', value: CANARY.kafka },
            collection: { method: 'web_form', point: 'maison.example' },
          }),
        }),
      },
    ]);
    // 4. Shopify webhook for a customer identity links to the client
    linked.push(
      await h.linkIdentifier(
        clientId,
        'ecom_customer',
        shopifyCustomer,
        'shopify:maison-paris.myshopify.com',
      ),
    );
    linked.push(await h.linkIdentifier(clientId, 'email', CANARY.shopify));
    // 5. Reference-only evidence held as pending, attributed once identity links the email
    const integration = await h.token('integration');
    const pending = await h.request<{ status: string }>('POST', '/v1/consents', {
      token: integration,
      body: {
        sourceSystem: 'crm.import',
        sourceRecordId: `p-${run}`,
        customer: [{ type: 'email', value: CANARY.pending }],
        consent: grant({
          contactPoint: { type: 'email', value: CANARY.pending },
          collection: { method: 'import', point: 'crm 2019' },
        }),
      },
    });
    expect(pending.body.status).toBe('pending_attribution');
    linked.push(await h.linkIdentifier(clientId, 'email', CANARY.pending));
    const admin = await h.token('admin');
    await eventually(
      async () => {
        const r = await h.shopify(
          'customers/email_marketing_consent_update',
          `{"customer_id":${shopifyCustomer},"email_address":"${CANARY.shopify}","email_marketing_consent":{"state":"subscribed","opt_in_level":"single_opt_in","consent_updated_at":"2026-03-01T19:00:00-05:00"}}`,
          unique('wh'),
        );
        return r.body.status === 'recorded' ? true : undefined;
      },
      { timeoutMs: 30_000, what: 'the Shopify consent attributed' },
    );
    const consents = await eventually(
      async () => {
        const r = await h.request<{ consents: unknown[] }>(
          'GET',
          `/v1/clients/${clientId}/consents`,
          { token: admin },
        );
        return r.body.consents.length === 5 ? r.body.consents : undefined;
      },
      { timeoutMs: 30_000, what: 'five consents (REST, GraphQL, Kafka, Shopify, pending)' },
    );
    expect(consents).toHaveLength(5);
    await h.consent.ready();
    // Positive controls: the scans do find the plaintext where it legitimately lives before erasure.
    await eventually(async () => (found(await pgDump()).length === 5 ? true : undefined), {
      timeoutMs: 20_000,
      what: 'all canaries in the read model',
    });
    // The cache is filled by reads and emptied by the events that change the client (a late
    // attribution may land after the read above): read again until the cached view holds them all.
    await eventually(
      async () => {
        await h.request('GET', `/v1/clients/${clientId}/consents`, { token: admin });
        return found(await redisDump()).length === 5 ? true : undefined;
      },
      { timeoutMs: 20_000, what: 'all canaries in the cache' },
    );
    await eventually(() => (published.length >= 5 ? true : undefined), {
      timeoutMs: 20_000,
      what: 'events on Kafka',
    });
    expect(found(kafkaDump())).toEqual([]); // published events carry ciphertext only
    expect(kafkaDump()).toContain('"$enc":"v1"');
  });

  it('erases: every service reports, the plaintext is nowhere, the ledger still verifies, re-import is suppressed', async () => {
    const compliance = await h.token('compliance');
    const before = await h.request<unknown>('GET', '/v1/ledger/EU/export', { token: compliance });
    expect(verifyBundle(before.body).ok).toBe(true);

    // Every record of the client (a Shopify retry above may have been held, then attributed, too).
    const history = await h.request<{ records: unknown[] }>(
      'GET',
      `/v1/audit/clients/${clientId}/history`,
      { token: compliance },
    );
    expect(history.body.records.length).toBeGreaterThanOrEqual(5);
    const request = await h.request<{ requestId: string }>('POST', '/v1/erasure-requests', {
      token: compliance,
      body: { clientId, ticket: 'DSR-2026-0042' },
    });
    expect(request.status).toBe(202);
    const { requestId } = request.body;
    // Identity's part, from the ClientErased it consumes: shred the identifiers' subjects, suppress them, report.
    await eventually(
      () => (published.some((m) => m.value.includes('"ClientErased"')) ? true : undefined),
      { timeoutMs: 30_000, what: 'ClientErased on Kafka' },
    );
    for (const ref of linked) {
      await h.env.privacy.shred(identifierKeySubject(ref.index));
      await h.env.privacy.suppress(ref.type, ref.index, requestId);
    }
    await h.env.privacy.shred(clientId);
    await h.reportPurge(
      'identity',
      requestId,
      clientId,
      { 'read_model.identifiers': linked.length },
      linked,
    );
    for (const svc of ['profiles', 'transactions', 'recommendations'] as const)
      await h.reportPurge(svc, requestId, clientId, { [`read_model.${svc}`]: 0 });

    const report = await eventually(
      async () => {
        const r = await h.request<{
          status: string;
          services: Record<
            string,
            { status: string; purged?: Record<string, number>; suppressed?: number }
          >;
        }>('GET', `/v1/erasure-requests/${requestId}`, { token: compliance });
        return r.body.status === 'completed' ? r.body : undefined;
      },
      { timeoutMs: 30_000, what: 'the completion report' },
    );
    expect(report.services.consent?.status).toBe('purged');
    // At least every record seen before (a held retry may have been attributed since).
    expect(report.services.consent?.purged?.['read_model.consent_records']).toBeGreaterThanOrEqual(
      history.body.records.length,
    );
    expect(report.services.identity).toMatchObject({ status: 'purged', suppressed: linked.length });
    expect(Object.values(report.services).every((s) => s.status === 'purged')).toBe(true);

    // The scans.
    expect(found(await pgDump())).toEqual([]);
    expect(found(await redisDump())).toEqual([]);
    expect(found(kafkaDump())).toEqual([]);
    expect(found(logLines.join('\n').toLowerCase())).toEqual([]);
    expect(logLines.length).toBeGreaterThan(0);
    // The events still hold their (now undecryptable) ciphertext: the ledger verifies, and is an extension of the one before.
    const after = await h.request<{ checkpoints: { treeSize: number; rootHash: string }[] }>(
      'GET',
      '/v1/ledger/EU/export',
      { token: compliance },
    );
    expect(verifyBundle(after.body)).toMatchObject({ ok: true });
    const consistency = await h.request<{ proof: string[] }>(
      'GET',
      `/v1/ledger/EU/proofs/consistency?from=${String((before.body as { checkpoints: { treeSize: number }[] }).checkpoints.at(-1)?.treeSize)}&to=${String(after.body.checkpoints.at(-1)?.treeSize)}`,
      { token: compliance },
    );
    expect(consistency.status).toBe(200);

    // Nothing comes back: decisions, new consents, re-imports of the same contact points.
    const admin = await h.token('admin');
    expect(
      (
        await h.request<{ code: string }>(
          'GET',
          `/v1/clients/${clientId}/decision?purpose=marketing&channel=email`,
          { token: admin },
        )
      ).body.code,
    ).toBe('client_erased');
    expect(
      (await h.request('POST', `/v1/clients/${clientId}/consents`, { token: admin, body: grant() }))
        .status,
    ).toBe(409);
    const reimport = await h.shopify(
      'customers/email_marketing_consent_update',
      `{"customer_id":${shopifyCustomer},"email_address":"${CANARY.shopify}","email_marketing_consent":{"state":"subscribed","opt_in_level":"single_opt_in","consent_updated_at":"2026-04-01T19:00:00-05:00"}}`,
      unique('wh'),
    );
    expect(reimport.body.status).toBe('refused:conflict');
    const rest = await h.request('POST', '/v1/consents', {
      token: await h.token('integration'),
      body: {
        sourceSystem: 'crm.import',
        customer: [{ type: 'email', value: CANARY.pending }],
        consent: grant(),
      },
    });
    expect(rest.status).toBe(409);
    expect(rest.body.detail).toContain('suppressed');
    expect(found(await pgDump())).toEqual([]);
  });
});
