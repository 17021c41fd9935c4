// The client journey of issue 9, end to end on real Kafka, PostgreSQL and Redis: the five services
// and the gateway (see journey.support.ts), every input through a real ingestion path (POS REST, a
// signed Shopify webhook, a record produced to the Kafka ingest topic, GraphQL mutations through
// the gateway) and every assertion through the gateway's GraphQL as the role that would ask.
//
// Each step polls the client view until it shows the step's effect and records how long that
// took (printed at the end). The bound of each step is a liveness bound for a shared, noisy CI
// machine, not the latency target: the target (PERFORMANCE.md, freshness p99 ≤ 250 ms) is measured
// by `npm run bench -- freshness`, never asserted in a test.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { TOPICS } from '@maison/event-contracts';
import { serveGateway } from '@maison/gateway';
import { eventually } from '@maison/testing';
import { signShopify } from '@maison/transactions';
import {
  graphql,
  rest,
  SHOP_DOMAIN,
  startJourneyPlatform,
  type FreshnessSample,
  type GraphQLResult,
  type JourneyPlatform,
} from './journey.support.js';

/**
 * Steps that cross several services (ingest → transactions → identity → transactions' directory →
 * read model) get this long to show in the client view. Observed on the 2-core machine: well under
 * a second when idle (see the printed table).
 */
const PIPELINE_BOUND_MS = 30_000;
/** Consent withdrawal: the consent service's SLA to every consumer (EU-WD-1), with CI headroom. */
const CONSENT_BOUND_MS = 15_000;

// The client, as each source knows her.
const EMAIL = 'helene.marchand@example.com';
const OLD_EMAIL = 'h.marchand@example.net';
const PHONE_INTL = '+33 6 71 24 58 93'; // as the web shop and the Dubai boutique type it
const POS_NUMBER = 'C884217';
const POS_SCOPE = 'cegid:fr';
const SHOP_CUSTOMER_ID = 7_311_220_455;
const LOYALTY_ID = 'MA-771204';

const NOTICE = {
  id: 'maison-privacy-fr',
  version: '2026-01',
  language: 'fr',
  text: 'Maison Aurèle utilise vos coordonnées pour vous informer de ses collections et vos achats pour personnaliser ses conseils, avec votre consentement, que vous pouvez retirer à tout moment.',
};
const NOTICE_SHA256 = createHash('sha256').update(NOTICE.text, 'utf8').digest('hex');

const CLIENT_VIEW = `query ClientView($id: ID!) {
  client(id: $id) {
    id
    mergedIds
    identifiers { type scope value masked }
    profile { displayName }
    clientBook { primary { associateId storeId } }
    transactions(first: 20) {
      totalCount
      edges { node { id channel storeId region sourceTransactionId
        total { amountMinor currency } reportingTotal { amountMinor currency }
        attribution { status clientId } } }
    }
    spend { currency orderCount lifetime { amountMinor currency } }
    tier { level }
    consents { purpose channel state evidenceStrength notice { id version sha256 } }
    canContact(channel: EMAIL, purpose: MARKETING) { allowed code reason }
    recommendations(first: 5) { personalised basis explanation items { sku } }
    notes { id authorId storeId visibility text }
  }
}`;

interface ClientView {
  id: string;
  mergedIds: string[];
  identifiers: { type: string; scope: string | null; value: string | null; masked: string }[];
  profile: { displayName: string | null } | null;
  clientBook: { primary: { associateId: string; storeId: string } | null } | null;
  transactions: {
    totalCount: number;
    edges: {
      node: {
        id: string;
        channel: string;
        storeId: string | null;
        region: string;
        sourceTransactionId: string;
        total: { amountMinor: string; currency: string };
        reportingTotal: { amountMinor: string; currency: string } | null;
        attribution: { status: string; clientId: string | null };
      };
    }[];
  };
  spend: { currency: string; orderCount: number; lifetime: { amountMinor: string } };
  tier: { level: string };
  consents: {
    purpose: string;
    channel: string | null;
    state: string;
    evidenceStrength: string;
    notice: { id: string; version: string; sha256: string } | null;
  }[];
  canContact: { allowed: boolean; code: string; reason: string };
  recommendations: {
    personalised: boolean;
    basis: string;
    explanation: string;
    items: { sku: string }[];
  } | null;
  notes: {
    id: string;
    authorId: string;
    storeId: string | null;
    visibility: string;
    text: string;
  }[];
}

const BY_IDENTIFIER = `query Who($type: IdentityIdentifierType!, $value: String!, $scope: String, $country: String) {
  clientByIdentifier(type: $type, value: $value, scope: $scope, country: $country) { id mergedIds }
}`;

let p: JourneyPlatform;
const samples: FreshnessSample[] = [];
const tokens: Record<string, string> = {};

/** Polls until `probe` returns a value; records the time from `startedAt` (before the input was sent). */
async function visibleWithin<T>(
  step: string,
  boundMs: number,
  startedAt: number,
  probe: () => Promise<T | undefined>,
): Promise<T> {
  const value = await eventually(probe, { timeoutMs: boundMs, intervalMs: 20, what: step });
  samples.push({ step, boundMs, observedMs: Math.round(performance.now() - startedAt) });
  return value;
}

const gw = <T>(role: string, query: string, variables: Record<string, unknown> = {}) =>
  graphql<T>(p.gateway.url, tokens[role] ?? '', query, variables);

async function view(
  role: string,
  id: string,
): Promise<GraphQLResult<{ client: ClientView | null }>> {
  return gw<{ client: ClientView | null }>(role, CLIENT_VIEW, { id });
}

/** The client view as `role`, failing on any error (the caller may read every field). */
async function cleanView(role: string, id: string): Promise<ClientView> {
  const r = await view(role, id);
  if (r.errors.length > 0 || !r.data?.client)
    throw new Error(`client view as ${role}: ${JSON.stringify(r.errors)}`);
  return r.data.client;
}

async function whoHas(
  role: string,
  type: string,
  value: string,
  extra: { scope?: string; country?: string } = {},
): Promise<{ id: string; mergedIds: string[] } | undefined> {
  const r = await gw<{ clientByIdentifier: { id: string; mergedIds: string[] } | null }>(
    role,
    BY_IDENTIFIER,
    { type, value, ...extra },
  );
  return r.data?.clientByIdentifier ?? undefined;
}

function shopifyWebhook(topic: string, payload: unknown, webhookId: string) {
  const raw = JSON.stringify(payload);
  return rest('POST', `${p.urls.transactions}/v1/webhooks/shopify`, undefined, raw, {
    'content-type': 'application/json',
    'x-shopify-topic': topic,
    'x-shopify-shop-domain': SHOP_DOMAIN,
    'x-shopify-webhook-id': webhookId,
    'x-shopify-hmac-sha256': signShopify(raw, p.shopSecret),
  });
}

const line = (
  sku: string,
  name: string,
  categoryPath: string[],
  amountMinor: number,
  currency: string,
) => ({
  sku,
  productId: sku.split('-')[0] ?? sku,
  name,
  categoryPath,
  quantity: 1,
  unitPrice: { amountMinor, currency },
});

beforeAll(async () => {
  p = await startJourneyPlatform();
  const auth = p.env.auth;
  const as = async (name: string, request: Parameters<typeof auth.authorization>[0]) => {
    tokens[name] = await auth.authorization(request);
  };
  await as('parisAssociate', {
    role: 'associate',
    subject: 'u-a-par-1',
    associateId: 'A-PAR-1',
    storeIds: ['PAR-01'],
  });
  await as('parisColleague', {
    role: 'associate',
    subject: 'u-a-par-2',
    associateId: 'A-PAR-2',
    storeIds: ['PAR-01'],
  });
  await as('dubaiAssociate', {
    role: 'associate',
    subject: 'u-a-dxb-1',
    associateId: 'A-DXB-1',
    storeIds: ['DXB-01'],
  });
  await as('tokyoAssociate', {
    role: 'associate',
    subject: 'u-a-tyo-1',
    associateId: 'A-TYO-1',
    storeIds: ['TYO-01'],
  });
  await as('compliance', { role: 'compliance', subject: 'u-dpo' });
  await as('integration', { role: 'integration', subject: 'pos-gateway' });
  await as('admin', { role: 'admin', subject: 'u-steward' });
  const notice = await rest('POST', `${p.urls.consent}/v1/notices`, tokens.compliance, {
    noticeId: NOTICE.id,
    version: NOTICE.version,
    language: NOTICE.language,
    jurisdiction: 'FR',
    title: 'Politique de confidentialité',
    text: NOTICE.text,
    publishedAt: '2026-01-01T00:00:00+01:00',
  });
  expect(notice.status).toBe(201);
  expect(notice.body.sha256).toBe(NOTICE_SHA256);
}, 120_000);

afterAll(async () => {
  await (p as JourneyPlatform | undefined)?.close();
  const table = samples
    .map(
      (s) =>
        `  ${s.step.padEnd(64)} ${String(s.observedMs).padStart(6)} ms  (bound ${String(s.boundMs)} ms)`,
    )
    .join('\n');
  process.stdout.write(
    `\nclient journey — observed freshness per step (gateway view):\n${table}\n`,
  );
}, 120_000);

describe('the client journey through the gateway', () => {
  let clientId = '';
  let onlineAccountId = '';
  const transactionIds: string[] = [];

  it('an online account is opened: identity registers it from the Shopify customers/create webhook', async () => {
    const t0 = performance.now();
    const res = await shopifyWebhook(
      'customers/create',
      {
        id: SHOP_CUSTOMER_ID,
        email: OLD_EMAIL,
        first_name: 'Hélène',
        last_name: 'Marchand',
        created_at: '2026-10-02T21:14:00+02:00',
        updated_at: '2026-10-02T21:14:00+02:00',
        default_address: { country_code: 'FR' },
      },
      'wh-journey-customer-1',
    );
    expect(res.status).toBe(200);
    const account = await visibleWithin(
      'online account → identity (as admin)',
      PIPELINE_BOUND_MS,
      t0,
      () =>
        whoHas('admin', 'ECOM_CUSTOMER', String(SHOP_CUSTOMER_ID), {
          scope: `shopify:${SHOP_DOMAIN}`,
        }),
    );
    onlineAccountId = account.id;
  });

  it('buys in Paris (POS REST): the Paris associate sees the client and the sale', async () => {
    const t0 = performance.now();
    const res = await rest('POST', `${p.urls.transactions}/v1/transactions`, tokens.integration, {
      kind: 'sale',
      sourceSystem: 'pos.cegid',
      sourceTransactionId: 'PAR-01/2026/004512',
      channel: 'boutique',
      storeId: 'PAR-01',
      region: 'EU',
      country: 'FR',
      associateId: 'A-PAR-1',
      occurredAt: '2026-11-14T16:42:00+01:00',
      currency: 'EUR',
      lines: [
        line('SLG-CARD-01', 'Card holder', ['Leather goods', 'Small leather goods'], 42_000, 'EUR'),
      ],
      total: { amountMinor: 42_000, currency: 'EUR' },
      customer: [
        { type: 'pos_customer', value: POS_NUMBER, scope: POS_SCOPE },
        { type: 'email', value: EMAIL },
      ],
    });
    expect(res.status).toBe(202);
    transactionIds.push(String(res.body.transactionId));
    const found = await visibleWithin(
      'Paris POS sale → client view (Paris associate)',
      PIPELINE_BOUND_MS,
      t0,
      async () => {
        const who = await whoHas('parisAssociate', 'EMAIL', EMAIL);
        if (!who) return undefined;
        const v = await view('parisAssociate', who.id);
        return v.data?.client?.transactions.totalCount === 1 ? v.data.client : undefined;
      },
    );
    clientId = found.id;
    expect(found.transactions.edges[0]?.node).toMatchObject({
      id: transactionIds[0],
      storeId: 'PAR-01',
      total: { amountMinor: '42000', currency: 'EUR' },
      attribution: { status: 'ATTRIBUTED', clientId },
    });
    // A different person until the web order ties them together.
    expect(clientId).not.toBe(onlineAccountId);
  });

  it('buys online (signed Shopify orders/create): identity merges the web account into the client', async () => {
    const t0 = performance.now();
    const order = {
      id: 5_880_114_202,
      email: EMAIL,
      phone: PHONE_INTL,
      created_at: '2026-11-21T10:05:00+01:00',
      currency: 'EUR',
      taxes_included: true,
      cancelled_at: null,
      line_items: [
        {
          id: 14_200_881,
          sku: 'SCARF-SILK-09',
          product_id: 9_100_442,
          title: 'Silk twill scarf',
          quantity: 1,
          price: '390.00',
          tax_lines: [{ price: '65.00' }],
        },
      ],
      customer: { id: SHOP_CUSTOMER_ID, email: EMAIL, phone: PHONE_INTL },
    };
    const res = await shopifyWebhook('orders/create', order, 'wh-journey-order-1');
    expect(res.status).toBe(200);
    transactionIds.push(String(res.body.transactionId));
    const merged = await visibleWithin(
      'Shopify order → merge + sale in client view (Paris associate)',
      PIPELINE_BOUND_MS,
      t0,
      async () => {
        const byShop = await whoHas('parisAssociate', 'ECOM_CUSTOMER', String(SHOP_CUSTOMER_ID), {
          scope: `shopify:${SHOP_DOMAIN}`,
        });
        const byEmail = await whoHas('parisAssociate', 'EMAIL', EMAIL);
        if (!byShop || byShop.id !== byEmail?.id) return undefined;
        const v = await view('parisAssociate', byShop.id);
        return v.data?.client?.transactions.totalCount === 2 ? v.data.client : undefined;
      },
    );
    // The oldest client survives: the web account came first; the Paris id now resolves to it.
    const survivor = merged.id;
    expect(survivor).toBe(onlineAccountId);
    const absorbed = clientId;
    expect(merged.mergedIds).toEqual([absorbed]);
    const decisions = await gw<{
      client: { identityHistory: { kind: string; relatedClientIds: string[] }[] };
    }>(
      'admin',
      `query H($id: ID!) { client(id: $id) { identityHistory { kind relatedClientIds } } }`,
      { id: survivor },
    );
    expect(decisions.data?.client.identityHistory).toContainEqual(
      expect.objectContaining({
        kind: 'MERGED',
        relatedClientIds: expect.arrayContaining([absorbed]),
      }),
    );
    expect(
      (await whoHas('parisAssociate', 'POS_CUSTOMER', POS_NUMBER, { scope: POS_SCOPE }))?.id,
    ).toBe(survivor);
    const viaMergedId = await cleanView('parisAssociate', absorbed);
    expect(viaMergedId.id).toBe(survivor);
    expect(merged.transactions.edges.map((e) => e.node.attribution.clientId)).toEqual([
      survivor,
      survivor,
    ]);
    clientId = survivor;
  });

  it('buys in Dubai (Kafka ingest, loyalty card + the same phone): one client, three sales, the spend', async () => {
    const t0 = performance.now();
    const record = {
      kind: 'sale',
      sourceSystem: 'pos.xstore',
      sourceTransactionId: 'DXB-01/2026/000871',
      channel: 'boutique',
      storeId: 'DXB-01',
      region: 'ME',
      country: 'AE',
      associateId: 'A-DXB-1',
      occurredAt: '2026-11-27T19:20:00+04:00',
      currency: 'AED',
      lines: [line('BAG-TOP-02', 'Top handle bag', ['Leather goods', 'Bags'], 1_450_000, 'AED')],
      total: { amountMinor: 1_450_000, currency: 'AED' },
      customer: [
        { type: 'loyalty_id', value: LOYALTY_ID },
        { type: 'phone', value: PHONE_INTL },
      ],
    };
    await p.env.producer.send(p.env.names.topic(TOPICS.ingestTransactions), [
      { key: record.sourceTransactionId, value: JSON.stringify(record) },
    ]);
    const v = await visibleWithin(
      'Dubai Kafka ingest → third sale + spend (Paris associate)',
      PIPELINE_BOUND_MS,
      t0,
      async () => {
        const byCard = await whoHas('parisAssociate', 'LOYALTY_ID', LOYALTY_ID);
        if (byCard?.id !== clientId) return undefined;
        const c = (await view('parisAssociate', clientId)).data?.client;
        return c?.transactions.totalCount === 3 && c.spend.orderCount === 3 ? c : undefined;
      },
    );
    // Every identifier the three sources sent resolves to the one client.
    for (const [type, value, extra] of [
      ['EMAIL', EMAIL, {}],
      ['EMAIL', OLD_EMAIL, {}],
      ['PHONE', PHONE_INTL, {}],
      ['PHONE', '06 71 24 58 93', { country: 'FR' }],
      ['POS_CUSTOMER', POS_NUMBER, { scope: POS_SCOPE }],
      ['ECOM_CUSTOMER', String(SHOP_CUSTOMER_ID), { scope: `shopify:${SHOP_DOMAIN}` }],
      ['LOYALTY_ID', LOYALTY_ID, {}],
    ] as const)
      expect((await whoHas('parisAssociate', type, value, extra))?.id).toBe(clientId);
    const nodes = v.transactions.edges.map((e) => e.node);
    expect(nodes.map((n) => n.storeId).sort()).toEqual(['DXB-01', 'PAR-01', 'WEB-EU']);
    expect(new Set(nodes.map((n) => n.id))).toEqual(
      new Set(transactionIds.concat(nodes.find((n) => n.storeId === 'DXB-01')?.id ?? '')),
    );
    const dubai = nodes.find((n) => n.storeId === 'DXB-01');
    expect(dubai).toMatchObject({
      region: 'ME',
      total: { amountMinor: '1450000', currency: 'AED' },
    });
    // Spend in the reporting currency = the three reporting totals (the AED sale at the ECB rate).
    expect(v.spend.currency).toBe('EUR');
    const sum = nodes.reduce((acc, n) => acc + BigInt(n.reportingTotal?.amountMinor ?? 'NaN'), 0n);
    expect(v.spend.lifetime.amountMinor).toBe(sum.toString());
    expect(Number(dubai?.reportingTotal?.amountMinor)).toBeGreaterThan(300_000);
    // The associate who may read the client sees the identifiers' values (normalised).
    expect(v.identifiers.find((i) => i.type === 'LOYALTY_ID')?.value).toBe('MA771204');
    expect(v.identifiers.find((i) => i.type === 'PHONE')?.value).toBe('+33671245893');
  });

  describe('consent granted then withdrawn', () => {
    const nowIso = () => new Date().toISOString();
    const collection = {
      method: 'ASSOCIATE',
      point: 'PAR-01 salon',
      storeId: 'PAR-01',
      associateId: 'A-PAR-1',
    };
    const notice = {
      id: NOTICE.id,
      version: NOTICE.version,
      sha256: NOTICE_SHA256,
      language: NOTICE.language,
    };
    const GRANT = `mutation Grant($input: ConsentGrantInput!) { grantConsent(input: $input) { status clientId eventId } }`;
    const WITHDRAW = `mutation Withdraw($input: ConsentWithdrawInput!) { withdrawConsent(input: $input) { status clientId eventId } }`;
    let grantedAt = '';
    /** After the grants were recorded and before the withdrawals: what compliance asks "as of". */
    let betweenGrantAndWithdrawal = '';

    /** Polls the associate's view until every predicate held once; records when each first did. */
    async function untilEach(
      step: string,
      startedAt: number,
      checks: Record<string, (v: ClientView) => boolean>,
    ): Promise<ClientView> {
      const pending = new Set(Object.keys(checks));
      return visibleWithin(`${step} (all)`, CONSENT_BOUND_MS, startedAt, async () => {
        const v = await cleanView('parisAssociate', clientId);
        for (const name of [...pending])
          if (checks[name]?.(v) === true) {
            pending.delete(name);
            samples.push({
              step: `${step}: ${name}`,
              boundMs: CONSENT_BOUND_MS,
              observedMs: Math.round(performance.now() - startedAt),
            });
          }
        return pending.size === 0 ? v : undefined;
      });
    }

    it('before any consent: no contact, nothing personalised', async () => {
      // Every subgraph learns the client's scope (its stores, its book) from the others' topics:
      // the whole view answers without an error once they all have.
      const v = await visibleWithin(
        'whole client view readable (Paris associate)',
        PIPELINE_BOUND_MS,
        performance.now(),
        () => cleanView('parisAssociate', clientId),
      );
      expect(v.clientBook?.primary).toMatchObject({ associateId: 'A-PAR-1', storeId: 'PAR-01' });
      expect(v.profile?.displayName).toContain('Marchand');
      expect(v.consents).toEqual([]);
      expect(v.canContact.allowed).toBe(false);
      expect(v.recommendations).toMatchObject({ personalised: false, basis: 'NOT_PERSONALISED' });
    });

    it('granted in the boutique (GraphQL through the gateway): canContact, consents, personalised recommendations', async () => {
      const t0 = performance.now();
      grantedAt = nowIso();
      for (const input of [{ purpose: 'MARKETING', channel: 'EMAIL' }, { purpose: 'PROFILING' }]) {
        const r = await gw<{ grantConsent: { status: string; clientId: string } }>(
          'parisAssociate',
          GRANT,
          {
            input: {
              clientId,
              ...input,
              notice,
              collection,
              jurisdiction: 'FR',
              occurredAt: grantedAt,
            },
          },
        );
        expect(r.errors).toEqual([]);
        expect(r.data?.grantConsent.clientId).toBe(clientId);
      }
      betweenGrantAndWithdrawal = nowIso();
      const v = await untilEach('consent granted', t0, {
        canContact: (c) => c.canContact.allowed,
        consents: (c) =>
          ['MARKETING', 'PROFILING'].every((purpose) =>
            c.consents.some((x) => x.purpose === purpose && x.state === 'GRANTED'),
          ),
        'recommendations.personalised': (c) => c.recommendations?.personalised === true,
      });
      expect(v.consents.find((c) => c.purpose === 'MARKETING')).toMatchObject({
        channel: 'EMAIL',
        evidenceStrength: 'full',
        notice: { id: NOTICE.id, version: NOTICE.version, sha256: NOTICE_SHA256 },
      });
      expect(v.recommendations?.basis).toBe('PERSONALISED');
    });

    it('withdrawn: every part of the associate’s view stops relying on it', async () => {
      const t0 = performance.now();
      for (const input of [{ purpose: 'MARKETING', channel: 'EMAIL' }, { purpose: 'PROFILING' }]) {
        const r = await gw<{ withdrawConsent: { status: string } }>('parisAssociate', WITHDRAW, {
          input: { clientId, ...input, collection, jurisdiction: 'FR', occurredAt: nowIso() },
        });
        expect(r.errors).toEqual([]);
      }
      const v = await untilEach('consent withdrawn', t0, {
        canContact: (c) => !c.canContact.allowed,
        consents: (c) =>
          !c.consents.some((x) => x.state === 'GRANTED') &&
          ['MARKETING', 'PROFILING'].every((purpose) =>
            c.consents.some((x) => x.purpose === purpose && x.state === 'WITHDRAWN'),
          ),
        'recommendations.personalised': (c) => c.recommendations?.personalised === false,
      });
      expect(v.recommendations?.basis).toBe('NOT_PERSONALISED');
      // Never served from a stale cache afterwards: the next reads agree.
      for (let i = 0; i < 3; i++) {
        const again = await cleanView('parisAssociate', clientId);
        expect(again.canContact.allowed).toBe(false);
        expect(again.recommendations?.personalised).toBe(false);
      }
    });

    it('compliance sees the full audit trail, but not the profile, the purchases or the recommendations', async () => {
      const HISTORY = `query History($id: ID!, $asOf: String!) { client(id: $id) { id
        consentHistory { eventId purpose channel state evidenceStrength occurredAt recordedAt sourceSystem actor
          notice { id version sha256 } collection { method storeId associateId } ledger { region seq } }
        consentAt(asOf: $asOf) { purpose state }
      } }`;
      interface Audit {
        eventId: string;
        purpose: string;
        state: string;
        notice: { sha256: string } | null;
        collection: { storeId: string | null; associateId: string | null };
        ledger: { region: string; seq: number } | null;
      }
      const asOf = betweenGrantAndWithdrawal;
      const history = await visibleWithin(
        'consent history (compliance)',
        CONSENT_BOUND_MS,
        performance.now(),
        async () => {
          const r = await gw<{
            client: { consentHistory: Audit[]; consentAt: { purpose: string; state: string }[] };
          }>('compliance', HISTORY, { id: clientId, asOf });
          if (r.errors.length > 0) throw new Error(JSON.stringify(r.errors));
          const c = r.data?.client;
          return c?.consentHistory.length === 4 ? c : undefined;
        },
      );
      expect(history.consentHistory.map((h) => `${h.purpose}:${h.state}`).sort()).toEqual([
        'MARKETING:GRANTED',
        'MARKETING:WITHDRAWN',
        'PROFILING:GRANTED',
        'PROFILING:WITHDRAWN',
      ]);
      for (const h of history.consentHistory) {
        expect(h.collection).toMatchObject({ storeId: 'PAR-01', associateId: 'A-PAR-1' });
        expect(h.ledger?.region).toBe('EU');
      }
      expect(
        history.consentHistory.filter((h) => h.state === 'GRANTED').map((h) => h.notice?.sha256),
      ).toEqual([NOTICE_SHA256, NOTICE_SHA256]);
      expect(history.consentAt.map((c) => `${c.purpose}:${c.state}`).sort()).toEqual([
        'MARKETING:GRANTED',
        'PROFILING:GRANTED',
      ]);
      const audit = await gw<{
        consentAudit: { records: { eventId: string; clientId: string }[] };
      }>(
        'compliance',
        `query Audit($id: ID!) { consentAudit(search: { clientId: $id }) { records { eventId clientId state } } }`,
        { id: clientId },
      );
      expect(audit.errors).toEqual([]);
      expect(audit.data?.consentAudit.records.map((r) => r.eventId).sort()).toEqual(
        history.consentHistory.map((h) => h.eventId).sort(),
      );

      // The client file is not compliance's to read: each subgraph refuses its own fields.
      for (const [field, selection] of [
        ['profile', 'profile { displayName }'],
        ['transactions', 'transactions { totalCount }'],
        ['spend', 'spend { orderCount }'],
        ['recommendations', 'recommendations { personalised }'],
        ['notes', 'notes { text }'],
        ['consents', 'consents { state }'],
      ] as const) {
        const r = await gw<{ client: Record<string, unknown> | null }>(
          'compliance',
          `query Refused($id: ID!) { client(id: $id) { id ${selection} } }`,
          { id: clientId },
        );
        expect({ field, codes: r.codes }).toEqual({ field, codes: ['FORBIDDEN'] });
        expect(r.data?.client?.[field] ?? null).toBeNull();
      }
      // …and the associate may not read the audit trail.
      const refused = await gw('parisAssociate', HISTORY, { id: clientId, asOf });
      expect(refused.codes).toContain('FORBIDDEN');
    });
  });

  describe('notes from two boutiques', () => {
    const ADD = `mutation Note($clientId: ID!, $text: String!, $visibility: ProfileNoteVisibility!, $storeId: String) {
      addProfileNote(clientId: $clientId, text: $text, visibility: $visibility, storeId: $storeId) { id storeId visibility }
    }`;
    const NOTES = `query Notes($id: ID!) { client(id: $id) { id notes { id authorId storeId visibility text } } }`;
    const written: Record<string, string> = {};

    async function add(role: string, key: string, visibility: string, storeId: string) {
      // The Dubai boutique may write once profiles has seen the client's Dubai sale.
      const r = await eventually(
        async () => {
          const res = await gw<{ addProfileNote: { id: string } }>(role, ADD, {
            clientId,
            text: `${key}: ${visibility.toLowerCase()} note`,
            visibility,
            storeId,
          });
          if (res.errors.length > 0) throw new Error(JSON.stringify(res.errors));
          return res.data?.addProfileNote;
        },
        { timeoutMs: PIPELINE_BOUND_MS, intervalMs: 100, what: `${key} written` },
      );
      written[key] = r.id;
    }

    it('each associate sees the brand’s notes, their store’s and their own private ones — never another store’s', async () => {
      await add('parisAssociate', 'paris-store', 'STORE', 'PAR-01');
      await add('parisAssociate', 'paris-private', 'PRIVATE', 'PAR-01');
      await add('parisAssociate', 'brand', 'BRAND', 'PAR-01');
      await add('dubaiAssociate', 'dubai-store', 'STORE', 'DXB-01');
      await add('dubaiAssociate', 'dubai-private', 'PRIVATE', 'DXB-01');
      const expected: Record<string, string[]> = {
        parisAssociate: ['brand', 'paris-private', 'paris-store'],
        parisColleague: ['brand', 'paris-store'],
        dubaiAssociate: ['brand', 'dubai-private', 'dubai-store'],
      };
      const byId = Object.fromEntries(Object.entries(written).map(([k, id]) => [id, k]));
      for (const [role, keys] of Object.entries(expected)) {
        const seen = await visibleWithin(
          `notes visible (${role})`,
          PIPELINE_BOUND_MS,
          performance.now(),
          async () => {
            const r = await gw<{ client: { notes: { id: string; text: string }[] } | null }>(
              role,
              NOTES,
              { id: clientId },
            );
            if (r.errors.length > 0) throw new Error(JSON.stringify(r.errors));
            const notes = r.data?.client?.notes ?? [];
            return notes.length >= keys.length ? notes : undefined;
          },
        );
        expect({ role, notes: seen.map((n) => byId[n.id] ?? n.text).sort() }).toEqual({
          role,
          notes: keys,
        });
      }
      // A boutique that never saw the client reads none of it.
      const tokyo = await gw<{ client: { notes: unknown[] } | null }>('tokyoAssociate', NOTES, {
        id: clientId,
      });
      expect(tokyo.codes).toContain('FORBIDDEN');
      expect(tokyo.data?.client?.notes ?? []).toEqual([]);
    });
  });

  describe('an integration token reads nothing', () => {
    it('every query through the gateway is refused', async () => {
      const queries: [string, string, Record<string, unknown>][] = [
        ['client', `query Q($id: ID!) { client(id: $id) { id } }`, { id: clientId }],
        ['client view', CLIENT_VIEW, { id: clientId }],
        [
          'clientByIdentifier',
          `query Q { clientByIdentifier(type: EMAIL, value: "${EMAIL}") { id } }`,
          {},
        ],
        [
          'transaction',
          `query Q($id: ID!) { transaction(id: $id) { id } }`,
          { id: transactionIds[0] },
        ],
        [
          'storeCaptureRate',
          `query Q { storeCaptureRate(storeId: "PAR-01", from: "2026-11-01", to: "2026-11-30") { transactions } }`,
          {},
        ],
        ['myClients', `query Q { myClients { edges { node { id } } } }`, {}],
        [
          'searchClients',
          `query Q { searchClients(search: "Marchand") { edges { node { id } } } }`,
          {},
        ],
        ['upcomingOccasions', `query Q { upcomingOccasions { date } }`, {}],
        ['lapsedClients', `query Q { lapsedClients { lastPurchaseAt } }`, {}],
        ['visitingClients', `query Q { visitingClients { lastVisitAt } }`, {}],
        [
          'consentAudit',
          `query Q($id: ID!) { consentAudit(search: { clientId: $id }) { records { eventId } } }`,
          { id: clientId },
        ],
        [
          'consentLedgerCheckpoint',
          `query Q { consentLedgerCheckpoint(region: "EU") { treeSize } }`,
          {},
        ],
      ];
      for (const [name, query, variables] of queries) {
        const r = await gw<Record<string, unknown>>('integration', query, variables);
        expect({
          name,
          refused:
            r.codes.length > 0 &&
            r.codes.every((c) => c === 'FORBIDDEN' || c === 'UNAUTHENTICATED'),
        }).toEqual({
          name,
          refused: true,
        });
        const leaked = Object.values(r.data ?? {}).filter((v) => v !== null);
        expect({ name, leaked }).toEqual({ name, leaked: [] });
      }
    });

    it('every subgraph refuses it too, asked directly for the client’s fields (the gateway is not trusted alone)', async () => {
      const entity = (selection: string) =>
        `query E($r: [_Any!]!) { _entities(representations: $r) { ... on Client { ${selection} } } }`;
      const reps = { r: [{ __typename: 'Client', id: clientId }] };
      const fields: [keyof JourneyPlatform['urls'], string][] = [
        ['identity', 'identifiers { value }'],
        ['profiles', 'profile { displayName }'],
        ['profiles', 'notes { text }'],
        ['transactions', 'transactions { totalCount }'],
        ['transactions', 'spend { orderCount }'],
        ['consent', 'consents { state }'],
        ['consent', 'canContact(channel: EMAIL) { allowed }'],
        ['consent', 'consentHistory { state }'],
        ['recommendations', 'recommendations { personalised }'],
      ];
      for (const [service, selection] of fields) {
        const r = await graphql<{ _entities: (Record<string, unknown> | null)[] }>(
          p.urls[service],
          tokens.integration ?? '',
          entity(selection),
          reps,
        );
        expect({ service, selection, codes: r.codes }).toEqual({
          service,
          selection,
          codes: ['FORBIDDEN'],
        });
      }
      // REST reads of the client file too.
      for (const path of [
        `${p.urls.identity}/v1/clients/${clientId}/identifiers`,
        `${p.urls.profiles}/v1/clients/${clientId}/profile`,
        `${p.urls.profiles}/v1/clients/${clientId}/notes`,
        `${p.urls.transactions}/v1/transactions/${transactionIds[0] ?? ''}`,
        `${p.urls.consent}/v1/clients/${clientId}/consents`,
        `${p.urls.consent}/v1/audit/clients/${clientId}/history`,
        `${p.urls.recommendations}/v1/clients/${clientId}/recommendations`,
      ]) {
        const res = await rest('GET', path, tokens.integration);
        expect({ path: new URL(path).pathname, status: res.status }).toEqual({
          path: new URL(path).pathname,
          status: 403,
        });
      }
    });
  });

  describe('the other gateway engine', () => {
    it('@apollo/gateway over the same supergraph answers every role exactly as the default engine', async () => {
      const apollo = await serveGateway({
        engine: p.gateway.gateway.engine === 'apollo' ? 'hive' : 'apollo',
        supergraph: p.gateway.gateway.supergraph,
        verifier: p.env.auth.verifier,
        logger: p.env.logger,
        mode: 'development',
      });
      try {
        for (const role of [
          'parisAssociate',
          'dubaiAssociate',
          'tokyoAssociate',
          'compliance',
          'integration',
        ]) {
          const answer = async (url: string) => {
            const r = await graphql<{ client: ClientView | null }>(
              url,
              tokens[role] ?? '',
              CLIENT_VIEW,
              {
                id: clientId,
              },
            );
            // How many errors a nulled parent collects depends on which subgraph answered first
            // (the engines cancel differently); the codes and the data must agree.
            return { data: r.data ?? null, codes: [...new Set(r.codes)].sort() };
          };
          const [ours, theirs] = [await answer(p.gateway.url), await answer(apollo.url)];
          expect({ role, ...theirs }).toEqual({ role, ...ours });
        }
      } finally {
        await apollo.close();
      }
    });
  });
});
