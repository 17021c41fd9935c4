import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ClientDirectory, DIRECTORY_MIGRATIONS } from '@maison/client-directory';
import {
  ClientBookAssigned,
  newEventId,
  profileStream,
  TOPICS,
  type CustomerReferenceData,
  type DataOf,
  type EventEnvelope,
  type ClientDataPurged,
} from '@maison/event-contracts';
import { eventMessage, type IdempotentConsumer, type MessageConsumer } from '@maison/messaging';
import { createEventConsumer, defaultKeySubject } from '@maison/runtime';
import { createTestEnvironment, type TestEnvironment } from '@maison/runtime/testing';
import { runMigrations } from '@maison/sql';
import { eventually } from '@maison/testing';
import {
  ADMIN,
  DUBAI_ASSOCIATE,
  INTEGRATION,
  customerRecord,
  erasure,
  sale,
  startIdentity,
  type Identity,
  type RawIdentifier,
} from './harness.js';

// The acceptance tests on real Kafka and PostgreSQL: identity consumes transactions, profiles and
// consent topics as those services publish them, and a stand-in for the transactions service
// attributes sales from what identity publishes, with @maison/client-directory — the way every
// attributing service does.

let env: TestEnvironment;
let id: Identity;
let directoryConsumer: IdempotentConsumer;
let rawConsumer: MessageConsumer;
const directory = new ClientDirectory('transactions');
const published: EventEnvelope[] = [];
const rawMessages: string[] = [];

beforeAll(async () => {
  env = await createTestEnvironment({ transport: 'kafka' });
  id = await startIdentity({ env });
  const transactions = env.contextFor('transactions');
  await runMigrations(env.database, {
    schema: 'transactions',
    migrations: DIRECTORY_MIGRATIONS,
    table: 'directory_migrations',
  });
  directoryConsumer = await createEventConsumer(transactions, {
    name: 'transactions.identity-test',
    topics: [TOPICS.identityEvents],
    handler: async (event, tx) => {
      await directory.apply(tx, event);
      published.push(event);
    },
  });
  void directoryConsumer.start();
  rawConsumer = env.broker.createConsumer({ groupId: env.names.group('identity-raw-test') });
  await rawConsumer.run({
    topics: [env.names.topic(TOPICS.identityEvents)],
    eachMessage: (m) => {
      rawMessages.push(
        `${m.key?.toString('utf8') ?? ''} ${JSON.stringify(m.headers)} ${m.value?.toString('utf8') ?? ''}`,
      );
      return Promise.resolve();
    },
  });
}, 120_000);

afterAll(async () => {
  await rawConsumer.stop();
  await directoryConsumer.stop();
  await id.close();
  await env.cleanup();
});

const refsOf = (event: EventEnvelope) =>
  (event.data as { customer: CustomerReferenceData[] }).customer;

/** Who the stand-in transactions service attributes a sale to now. */
async function attributed(event: EventEnvelope): Promise<string | null> {
  return (await directory.attribute(env.database, refsOf(event)))?.clientId ?? null;
}

async function attributedAll(events: readonly EventEnvelope[]): Promise<(string | null)[]> {
  return Promise.all(events.map(attributed));
}

async function until<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 30_000,
): Promise<T> {
  return eventually(probe, { timeoutMs, what });
}

async function postSale(customer: RawIdentifier[], options: Parameters<typeof sale>[2] = {}) {
  const event = sale(env, customer, options);
  await id.publish(TOPICS.transactionsEvents, event);
  return event;
}

describe('resolution from the stream', () => {
  it('resolves sales and customer records, and publishes the attribution', async () => {
    const s1 = await postSale([
      { type: 'pos_customer', value: 'C000123', scope: 'cegid:fr' },
      { type: 'email', value: 'jane.doe@example.com' },
    ]);
    const client = await until('the sale attributed', () =>
      attributed(s1).then((c) => c ?? undefined),
    );
    const record = customerRecord(env, [
      { type: 'ecom_customer', value: '7654321', scope: 'shopify:maison-eu.myshopify.com' },
      { type: 'email', value: 'Jane.Doe@example.com' },
    ]);
    await id.publish(TOPICS.profilesEvents, record);
    await until('every identifier of the customer record owned by the same client', async () => {
      const owners = await Promise.all(
        refsOf(record).map((r) => directory.attribute(env.database, [r])),
      );
      return owners.every((o) => o?.clientId === client) ? true : undefined;
    });
    const links = published.filter((e) => e.type === 'IdentifierLinked' && e.subjectId === client);
    expect(
      links.map((e) => (e.data as { identifier: { type: string } }).identifier.type).sort(),
    ).toEqual(['ecom_customer', 'email', 'pos_customer']);
    const registered = published.find(
      (e) => e.type === 'ClientRegistered' && e.subjectId === client,
    );
    expect(registered?.data).toMatchObject({
      rule: { id: 'identity.register' },
      evidence: { trigger: `transactions:${s1.id}`, storeId: 'PAR-01', sourceSystem: 'pos.cegid' },
    });
    // a redelivered sale changes nothing
    await id.publish(TOPICS.transactionsEvents, s1);
    const again = await postSale([{ type: 'email', value: 'JANE.DOE@example.com' }]);
    await until('a later sale by e-mail attributed', async () =>
      (await attributed(again)) === client ? true : undefined,
    );
    expect(
      published.filter((e) => e.type === 'ClientRegistered' && e.subjectId === client),
    ).toHaveLength(1);
  });
});

describe("a client's scope follows the client book", () => {
  it('gives the values to an associate of another boutique once the client is in their book', async () => {
    const s1 = await postSale([{ type: 'email', value: 'traveller@example.com' }]);
    const client = await until('attributed', () => attributed(s1).then((c) => c ?? undefined));
    const valuesFor = async () =>
      (
        (await id.request('GET', `/v1/clients/${client}/identifiers`, { as: DUBAI_ASSOCIATE })).body
          .identifiers as { value?: string }[] | undefined
      )?.map((i) => i.value);
    await until('visible, masked for Dubai', async () => {
      const values = await valuesFor();
      return values?.length === 1 && values[0] === undefined ? true : undefined;
    });
    const id2 = newEventId();
    await id.publish(TOPICS.profilesEvents, {
      id: id2,
      type: ClientBookAssigned.type,
      schemaVersion: 1,
      streamId: profileStream(client),
      subjectId: client,
      occurredAt: '2026-12-01T12:00:00+04:00',
      recordedAt: '2026-12-01T08:00:00Z',
      region: 'EU',
      source: { system: 'profiles', actor: 'mgr-dxb' },
      correlationId: id2,
      causationId: null,
      data: {
        clientId: client,
        role: 'secondary',
        associateId: 'assoc-dxb-1',
        storeId: 'DXB-01',
        previousAssociateId: null,
        assignedBy: 'mgr-dxb',
        policy: null,
        since: '2026-12-01T12:00:00+04:00',
      },
    });
    await until('full values for the Dubai associate', async () =>
      (await valuesFor())?.[0] === 'traveller@example.com' ? true : undefined,
    );
  });
});

describe('merge then unmerge returns every identifier and every attributed sale to where it was', () => {
  it('for a steward merge, with sales on both sides before and since', async () => {
    const before = [
      await postSale([
        { type: 'loyalty_id', value: 'LX-4242' },
        { type: 'email', value: 'aiko.t@example.com' },
      ]),
      await postSale([{ type: 'email', value: 'aiko.t@example.com' }], { storeId: 'PAR-02' }),
      await postSale(
        [
          { type: 'ecom_customer', value: '90001', scope: 'shopify:maison-eu.myshopify.com' },
          { type: 'email', value: 'a.tanaka@example.jp' },
        ],
        { storeId: 'TYO-01', country: 'JP' },
      ),
      await postSale(
        [
          { type: 'phone', value: '090-1234-5678' },
          { type: 'email', value: 'a.tanaka@example.jp' },
        ],
        { storeId: 'TYO-01', country: 'JP' },
      ),
    ];
    const [a, , b] = await until('the sales attributed', async () => {
      const now = await attributedAll(before);
      return now.every((c) => c !== null) ? now : undefined;
    });
    expect(a).not.toBe(b);
    const split = await attributedAll(before);
    expect(split).toEqual([a, a, b, b]);

    const merge = await id.request('POST', '/v1/merges', {
      as: ADMIN,
      body: { survivorId: a, mergedId: b, reason: 'same client, ticket CRM-7' },
    });
    expect(merge.status).toBe(201);
    // sales since the merge, each through one side's identifiers, bringing new ones
    const since = [
      await postSale([
        { type: 'email', value: 'aiko.t@example.com' },
        { type: 'phone', value: '06 12 34 56 71' },
      ]),
      await postSale(
        [
          { type: 'email', value: 'a.tanaka@example.jp' },
          { type: 'whatsapp', value: '+81 90 8765 4321' },
        ],
        { storeId: 'TYO-01', country: 'JP' },
      ),
    ];
    await until('every sale attributed to the survivor', async () => {
      const now = await attributedAll([...before, ...since]);
      return now.every((c) => c === a) ? true : undefined;
    });

    const unmerge = await id.request('POST', `/v1/merges/${String(merge.body.mergeId)}/unmerge`, {
      as: ADMIN,
      body: { reason: 'two clients after all, ticket CRM-8' },
    });
    expect(unmerge.status).toBe(200);
    await until('the prior split restored', async () => {
      const now = await attributedAll([...before, ...since]);
      return JSON.stringify(now) === JSON.stringify([a, a, b, b, a, b]) ? true : undefined;
    });
    const types = async (client: string | null | undefined) =>
      (
        (await id.request('GET', `/v1/clients/${String(client)}/identifiers`, { as: ADMIN })).body
          .identifiers as { type: string }[]
      )
        .map((i) => i.type)
        .sort();
    await until('identifiers back on their side', async () =>
      JSON.stringify(await types(b)) ===
      JSON.stringify(['ecom_customer', 'email', 'phone', 'whatsapp'])
        ? true
        : undefined,
    );
    expect(await types(a)).toEqual(['email', 'loyalty_id', 'phone']);
  });

  it('for an automatic merge, which the steward then undoes for good', async () => {
    const first = await postSale([{ type: 'loyalty_id', value: 'LX-5151' }]);
    const second = await postSale([{ type: 'email', value: 'omar.k@example.ae' }], {
      storeId: 'DXB-01',
      country: 'AE',
    });
    const [a, b] = await until('both attributed', async () => {
      const now = await attributedAll([first, second]);
      return now.every((c) => c !== null) ? now : undefined;
    });
    const bridge = await postSale(
      [
        { type: 'loyalty_id', value: 'LX-5151' },
        { type: 'email', value: 'omar.k@example.ae' },
      ],
      { storeId: 'DXB-01', country: 'AE' },
    );
    await until('merged', async () => {
      const now = await attributedAll([first, second, bridge]);
      return now.every((c) => c === a) ? true : undefined;
    });
    const merged = published.find(
      (e) =>
        e.type === 'ClientsMerged' &&
        (e.data as { mergedIds: string[] }).mergedIds.includes(b ?? ''),
    );
    expect(merged?.data).toMatchObject({
      rule: { id: 'identity.merge.auto' },
      evidence: { trigger: `transactions:${bridge.id}` },
    });
    const mergeId = (merged?.data as { mergeId: string }).mergeId;
    await until('the merge in the read model', async () =>
      (
        await id.request('POST', `/v1/merges/${mergeId}/unmerge`, {
          as: ADMIN,
          body: { reason: 'father and son, ticket CRM-9' },
        })
      ).status === 200
        ? true
        : undefined,
    );
    await until('split again', async () => {
      const now = await attributedAll([first, second]);
      return now[0] === a && now[1] === b ? true : undefined;
    });
    // the same evidence again is now rejected, not merged
    await postSale([
      { type: 'loyalty_id', value: 'LX-5151' },
      { type: 'email', value: 'omar.k@example.ae' },
    ]);
    const rejected = await until('the veto recorded', () =>
      published.find(
        (e) =>
          e.type === 'MergeRejected' && (e.data as { reason: string }).reason === 'steward-veto',
      ),
    );
    expect((rejected.data as { clientIds: string[] }).clientIds.sort()).toEqual([a, b].sort());
    expect(await attributedAll([first, second])).toEqual([a, b]);
  });
});

describe('a junk identifier shared by 1,000 POS records never merges them', () => {
  it('gives each POS customer its own client and stops linking the shared e-mail', async () => {
    const junk = 'client@example.com'; // not on the blocklist: the shared guard must catch it
    const sales = Array.from({ length: 1000 }, (_, i) =>
      sale(env, [
        { type: 'pos_customer', value: `J${String(i).padStart(5, '0')}`, scope: 'cegid:fr' },
        { type: 'email', value: junk },
      ]),
    );
    const stored = await Promise.all(
      sales.map((e) =>
        env.privacy.encryptEvent(id.ctx.registry.validate(e), { keySubject: defaultKeySubject(e) }),
      ),
    );
    for (let i = 0; i < stored.length; i += 200)
      await env.producer.send(
        env.names.topic(TOPICS.transactionsEvents),
        stored.slice(i, i + 200).map(eventMessage),
      );
    const posIndexes = sales.flatMap((e) =>
      refsOf(e)
        .filter((r) => r.type === 'pos_customer')
        .map((r) => r.index),
    );
    await until(
      'every POS customer number owned',
      async () => {
        const rows = await env.database.query<{ n: string }>(
          `SELECT count(*)::text AS n FROM transactions.directory_identifiers
            WHERE identifier_index = ANY($1::text[])`,
          [posIndexes],
        );
        return rows[0]?.n === '1000' ? true : undefined;
      },
      120_000,
    );
    const owners = await attributedAll(sales);
    expect(new Set(owners).size).toBe(1000);
    const junkRef = refsOf(sales[0]!).find((r) => r.type === 'email');
    expect(await directory.attribute(env.database, junkRef ? [junkRef] : [])).toBeNull();
    const clients = new Set(owners);
    expect(
      published.filter((e) => e.type === 'ClientsMerged' && clients.has(e.subjectId ?? '')),
    ).toEqual([]);
    const shared = published.filter(
      (e) => e.type === 'IdentifierUnlinked' && (e.data as { reason: string }).reason === 'shared',
    );
    expect(
      shared.map((e) => (e.data as { identifier: { index: string } }).identifier.index),
    ).toContain(junkRef?.index);
  }, 180_000);
});

describe('erasure', () => {
  it('shreds and suppresses, purges, reports ClientDataPurged, and never brings the client back', async () => {
    const canary = `canary.${Date.now().toString(36)}@example.com`;
    const canaryPhone = '+33 6 98 76 54 32';
    const first = await postSale([
      { type: 'email', value: canary },
      { type: 'phone', value: canaryPhone },
    ]);
    const client = await until('the canary client', () =>
      attributed(first).then((c) => c ?? undefined),
    );
    await until('visible', async () =>
      (await id.request('GET', `/v1/clients/${client}/identifiers`, { as: ADMIN })).status === 200
        ? true
        : undefined,
    );
    const erased = erasure(client);
    await id.publish(TOPICS.consentEvents, erased);
    const purged = await until('ClientDataPurged from identity', () =>
      published.find((e) => e.type === 'ClientDataPurged' && e.subjectId === client),
    );
    const report = purged.data as DataOf<typeof ClientDataPurged>;
    expect(report).toMatchObject({
      service: 'identity',
      clientId: client,
      requestId: (erased.data as { requestId: string }).requestId,
    });
    expect(report.suppressed.map((r) => r.type).sort()).toEqual(['email', 'phone']);
    expect(report.purged['read_model.identifiers']).toBe(2);

    // the read models and the subgraph know nothing of it any more
    expect(
      (await id.request('GET', `/v1/clients/${client}/identifiers`, { as: ADMIN })).status,
    ).toBe(404);
    const gql = await id.graphql(
      `query ($v: String!) { clientByIdentifier(type: EMAIL, value: $v) { id } }`,
      { v: canary },
      ADMIN,
    );
    expect(gql.body.data?.clientByIdentifier).toBeNull();
    // identify refuses it, and a POS re-import does not recreate it
    const refused = await id.request('POST', '/v1/identify', {
      as: INTEGRATION,
      body: {
        identifiers: [
          { type: 'email', value: canary },
          { type: 'loyalty_id', value: 'LX-NEW-1' },
        ],
      },
    });
    expect(refused.status).toBe(409);
    const reimport = await postSale([
      { type: 'email', value: canary },
      { type: 'pos_customer', value: 'R1', scope: 'cegid:fr' },
    ]);
    await until('the re-import consumed', async () => {
      const rows = await env.database.query(
        'SELECT 1 FROM identity.processed_events WHERE event_id = $1',
        [reimport.id],
      );
      return rows.length > 0 ? true : undefined;
    });
    expect(await attributed(reimport)).toBeNull();

    // canary: the plaintext is nowhere in identity's tables, nor on its topic
    const tables = await env.database.query<{ schemaname: string; tablename: string }>(
      `SELECT schemaname, tablename FROM pg_tables WHERE schemaname IN ('identity', 'identity_events')`,
    );
    for (const t of tables) {
      const dump = await env.database.query<{ row: unknown }>(
        `SELECT row_to_json(t) AS row FROM "${t.schemaname}"."${t.tablename}" t`,
      );
      const text = JSON.stringify(dump);
      expect(text.includes(canary)).toBe(false);
      expect(text.includes('+33698765432')).toBe(false);
    }
    await until('identity messages read raw', () =>
      rawMessages.some((m) => m.includes(client)) ? true : undefined,
    );
    expect(rawMessages.some((m) => m.includes(canary) || m.includes('+33698765432'))).toBe(false);
  });
});
