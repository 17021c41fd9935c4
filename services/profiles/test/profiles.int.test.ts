import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { attributed, eventually, identityEvents, startProfiles, type Profiles } from './harness.js';

const PROFILE = `query ($id: ID!) { _entities(representations: [{ __typename: "Client", id: $id }]) {
  ... on Client { id profile { displayName name { native { given family full } latin { given family full } }
    languages sizes { category value } birthday { day month } homeStoreId timeZone } } } }`;

describe('profiles on the runtime (in-process bus, PostgreSQL)', () => {
  let p: Profiles;
  let associate: string;

  beforeAll(async () => {
    p = await startProfiles({ transport: 'memory' });
    associate = await p.auth({ role: 'associate', associateId: 'par-a1', storeIds: ['PAR-01'] });
  });
  afterAll(() => p.close());

  it('applies an ingested record to the client identity links it to', async () => {
    await p.ingest([
      {
        sourceSystem: 'pos.cegid',
        sourceRecordId: 'FR-C-1',
        occurredAt: '2026-03-01T10:00:00+01:00',
        region: 'EU',
        storeId: 'PAR-01',
        customer: [{ type: 'email', value: 'Fang.Wang@example.com' }],
        fields: {
          name: { native: { family: '王', given: '芳' }, latin: { family: 'Wang', given: 'Fang' } },
          languages: ['zh-Hans', 'fr'],
          sizes: { Shoes: '37' },
          birthday: { day: 12, month: 6 },
          homeStoreId: 'PAR-01',
        },
      },
    ]);
    await eventually(() => (p.ingestOutcomes.includes('recorded') ? true : undefined), {
      what: 'the record',
    });
    await p.publish('identity', [
      identityEvents.linked('c-1', {
        type: 'email',
        index: p.index('email', 'fang.wang@example.com'),
      }),
    ]);
    const profile = await eventually(
      async () => {
        const r = await p.gql<{ _entities: [{ profile: Record<string, unknown> | null }] }>(
          PROFILE,
          { id: 'c-1' },
          associate,
        );
        return r.data?._entities[0].profile?.displayName ? r.data._entities[0].profile : undefined;
      },
      { what: 'the profile', timeoutMs: 15_000 },
    );
    expect(profile).toEqual({
      displayName: 'Fang Wang',
      name: {
        native: { given: '芳', family: '王', full: null },
        latin: { given: 'Fang', family: 'Wang', full: null },
      },
      languages: ['zh-Hans', 'fr'],
      sizes: [{ category: 'shoes', value: '37' }],
      birthday: { day: 12, month: 6 },
      homeStoreId: 'PAR-01',
      timeZone: 'Europe/Paris',
    });
  });

  it('auto-assigns the associate of the first identified sale', async () => {
    await p.publish('transactions', [
      attributed({
        clientId: 'c-1',
        occurredAt: '2026-03-02T11:00:00+01:00',
        storeId: 'PAR-01',
        region: 'EU',
        associateId: 'par-a1',
        amountMinor: 250000,
      }),
    ]);
    const book = await eventually(async () => {
      const r = await p.rest('GET', '/v1/clients/c-1/client-book', undefined, associate);
      return (r.body.primary as { associateId?: string } | null)?.associateId === 'par-a1'
        ? r.body
        : undefined;
    });
    expect(book.primary).toMatchObject({
      storeId: 'PAR-01',
      assignedBy: 'system',
      policy: 'client-book.auto.first-identified-sale@2026-03',
    });
  });
});

describe('automatic assignment by highest 12-month spend', () => {
  let p: Profiles;
  beforeAll(async () => {
    p = await startProfiles({
      transport: 'memory',
      service: {
        config: {
          autoAssignment: {
            mode: 'highest-12m-spend',
            version: '2026-03',
            reportingCurrency: 'EUR',
            windowDays: 365,
          },
        },
      },
    });
  });
  afterAll(() => p.close());

  it('follows the associate with the highest spend in the reporting currency, never over a manual choice', async () => {
    const sale = (
      associateId: string,
      occurredAt: string,
      amountMinor: number,
      currency = 'EUR',
      reporting?: number,
    ) =>
      attributed({
        clientId: 'spender',
        occurredAt,
        storeId: 'PAR-01',
        region: 'EU',
        associateId,
        amountMinor,
        currency,
        reporting: reporting ?? null,
      });
    const manager = await p.auth({ role: 'store_manager', storeIds: ['PAR-01'] });
    const primary = async () => {
      const r = await p.rest('GET', '/v1/clients/spender/client-book', undefined, manager);
      return (r.body.primary as { associateId: string; policy: string | null } | null) ?? undefined;
    };
    await p.publish('transactions', [sale('par-a1', '2026-01-10T10:00:00+01:00', 100_000)]);
    expect(
      await eventually(async () =>
        (await primary())?.associateId === 'par-a1' ? primary() : undefined,
      ),
    ).toMatchObject({
      policy: 'client-book.auto.highest-12m-spend@2026-03',
    });
    // 1,200,000 JPY worth 7,500 EUR in reporting currency: a-2 now leads
    await p.publish('transactions', [
      sale('par-a2', '2026-02-10T10:00:00+01:00', 1_200_000, 'JPY', 750_000),
    ]);
    await eventually(async () => ((await primary())?.associateId === 'par-a2' ? true : undefined));
    // a person's choice stands whatever the spend
    const r = await p.rest(
      'POST',
      '/v1/clients/spender/client-book/assignments',
      { associateId: 'par-a3', storeId: 'PAR-01' },
      manager,
    );
    expect(r.status).toBe(200);
    await p.publish('transactions', [sale('par-a1', '2026-03-10T10:00:00+01:00', 5_000_000)]);
    await p.publish('transactions', [sale('par-a3', '2026-03-11T10:00:00+01:00', 1)]);
    // both sales are in (same key, same partition, in order) once the latest shows as the last purchase
    await eventually(async () => {
      const l = await p.rest('GET', '/v1/clienteling/lapsed?days=1', undefined, manager);
      const last = (l.body.clients as { clientId: string; lastPurchaseAt: string }[]).find(
        (c) => c.clientId === 'spender',
      );
      return last?.lastPurchaseAt === '2026-03-11T10:00:00+01:00' ? true : undefined;
    });
    expect(await primary()).toMatchObject({ associateId: 'par-a3', policy: null });
  });
});
