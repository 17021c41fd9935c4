import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TOPICS, HEADERS } from '@maison/event-contracts';
import { eventually } from '@maison/testing';
import fc from 'fast-check';
import { verifyInclusion, verifyConsistency } from '../src/ledger/merkle.js';
import { makeTcString } from '../src/sources/tcf.fixtures.js';
import { verifyBundle } from '../src/verifier/verify-bundle.js';
import { collectTopic, grant, startHarness, unique, type Harness } from './harness.js';

interface Consent {
  purpose: string;
  channel: string | null;
  state: string;
  contactPoint: string | null;
  evidenceStrength: string;
  notice: unknown;
}
interface Consents {
  consents: Consent[];
}
interface DecisionBody {
  allowed: boolean;
  code: string;
  reliedOn: string[];
  policies: { id: string }[];
}
interface Recorded {
  status: string;
  clientId: string;
  eventId: string;
}
interface AuditRow {
  state: string;
  ledger: { seq: number };
}
interface Checkpoint {
  treeSize: number;
  rootHash: string;
}
interface Proof {
  treeSize: number;
  leafHash: string;
  proof: string[];
  checkpoint: Checkpoint;
}
const hex = (h: string) => Buffer.from(h, 'hex');

let h: Harness;
const published: { key: string | null; value: string; headers: Record<string, string> }[] = [];
const deadLetters: { key: string | null; value: string; headers: Record<string, string> }[] = [];
const stops: (() => Promise<void>)[] = [];

beforeAll(async () => {
  h = await startHarness({ transport: 'kafka' });
  const a = await collectTopic(h.env, TOPICS.consentEvents.name, published);
  const b = await collectTopic(h.env, `${TOPICS.ingestConsent.name}.dlq`, deadLetters);
  stops.push(
    () => a.stop(),
    () => b.stop(),
  );
  expect((await h.publishNotice()).status).toBe(201);
});
afterAll(async () => {
  for (const s of stops) await s();
  await h.close();
});

const types = (clientId: string) =>
  published
    .filter((m) => m.key === clientId)
    .map((m) => (JSON.parse(m.value) as { type: string }).type);

describe('notice registry', () => {
  it('keeps versions with their SHA-256; only compliance/admin publish; a changed text needs a new version', async () => {
    const again = await h.publishNotice();
    expect(again.status).toBe(200);
    expect(again.body.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect((await h.publishNotice({ text: 'changed' })).status).toBe(409);
    const associate = await h.token('associate');
    expect((await h.request('POST', '/v1/notices', { token: associate, body: {} })).status).toBe(
      403,
    );
    const list = await eventually(
      async () => {
        const r = await h.request<{ notices: { noticeId: string }[] }>('GET', '/v1/notices', {
          token: associate,
        });
        return r.body.notices.length > 0 ? r : undefined;
      },
      { timeoutMs: 10_000, what: 'the notice in the registry read model' },
    );
    expect(list.body.notices).toEqual([
      expect.objectContaining({ noticeId: 'privacy-eu', version: '3', sha256: again.body.sha256 }),
    ]);
  });
});

describe('recording consent and deciding', () => {
  it('records an associate grant with full evidence, shows it masked, allows the send, publishes it', async () => {
    const clientId = unique('c');
    const token = await h.token('associate');
    const res = await h.request<Recorded>('POST', `/v1/clients/${clientId}/consents`, {
      token,
      body: grant({ contactPoint: { type: 'email', value: 'Jeanne.Moreau@example.fr' } }),
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ status: 'recorded', clientId });
    const current = await h.request<Consents>('GET', `/v1/clients/${clientId}/consents`, { token });
    expect(current.status).toBe(200);
    expect(current.body.consents).toEqual([
      expect.objectContaining({
        purpose: 'marketing',
        channel: 'email',
        state: 'granted',
        contactPoint: expect.stringMatching(/•/),
      }),
    ]);
    expect(current.text).not.toContain('jeanne.moreau');
    const decision = await h.request(
      'GET',
      `/v1/clients/${clientId}/decision?purpose=marketing&channel=email`,
      { token },
    );
    expect(decision.body).toMatchObject({
      allowed: true,
      code: 'granted',
      reliedOn: [res.body.eventId],
    });
    await eventually(() => (types(clientId).includes('ConsentRecorded') ? true : undefined), {
      timeoutMs: 20_000,
      what: 'ConsentRecorded on consent.events.v1',
    });
    const message = published.find((m) => m.key === clientId);
    expect(message?.value).not.toContain('jeanne.moreau');
    expect(
      (JSON.parse(message?.value ?? '{}') as { data: { contactPointRef: { index: string } } }).data
        .contactPointRef.index,
    ).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('rejects missing evidence naming the fields, and a notice version that did not exist at occurredAt', async () => {
    const token = await h.token('associate');
    const missing = await h.request('POST', `/v1/clients/${unique('c')}/consents`, {
      token,
      body: grant({
        notice: { id: 'privacy-eu', version: '3' },
        collection: { point: 'till', storeId: 'PAR-01' },
        occurredAt: undefined,
      }),
    });
    expect(missing.status).toBe(422);
    expect(missing.body.errors.map((e) => e.pointer).sort()).toEqual([
      '/collection/method',
      '/notice/language',
      '/notice/sha256',
      '/occurredAt',
    ]);
    const early = await h.request('POST', `/v1/clients/${unique('c')}/consents`, {
      token,
      body: grant({ occurredAt: '2025-06-01T10:00:00+02:00' }),
    });
    expect(early.status).toBe(422);
    expect(early.body.detail).toContain('published after the consent occurred');
  });

  it('withdraws through GraphQL; canContact denies at once and the withdrawal is published', async () => {
    const clientId = unique('c');
    const token = await h.token('associate');
    expect(
      (await h.request('POST', `/v1/clients/${clientId}/consents`, { token, body: grant() }))
        .status,
    ).toBe(201);
    const mutation = await h.graphql<{ withdrawConsent: { status: string; eventId: string } }>(
      `mutation W($input: ConsentWithdrawInput!) { withdrawConsent(input: $input) { status eventId } }`,
      {
        input: {
          clientId,
          purpose: 'MARKETING',
          channel: 'EMAIL',
          collection: { method: 'ASSOCIATE', point: 'app', storeId: 'PAR-01' },
          jurisdiction: 'FR',
          occurredAt: '2026-03-03T10:00:00+01:00',
        },
      },
      token,
    );
    expect(mutation.body.data.withdrawConsent.status).toBe('recorded');
    const q = await h.graphql<{ _entities: { consents: Consent[]; canContact: DecisionBody }[] }>(
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on Client { consents { state channel } canContact(channel: EMAIL) { allowed code policies { id } reliedOn } } } }`,
      { r: [{ __typename: 'Client', id: clientId }] },
      token,
    );
    const client = q.body.data._entities[0]!;
    expect(client.consents).toEqual([{ state: 'WITHDRAWN', channel: 'EMAIL' }]);
    expect(client.canContact).toMatchObject({
      allowed: false,
      code: 'withdrawn',
      reliedOn: [mutation.body.data.withdrawConsent.eventId],
    });
    expect(client.canContact.policies.map((p) => p.id)).toContain('EU-WD-1');
    await eventually(
      () =>
        types(clientId).filter((t) => t === 'ConsentRecorded').length === 2 ? true : undefined,
      { timeoutMs: 20_000, what: 'the withdrawal on Kafka' },
    );
  });

  it('field-level authorization: another store cannot read or write, integration reads nothing, audit fields need compliance', async () => {
    const clientId = unique('c');
    const mine = await h.token('associate');
    expect(
      (await h.request('POST', `/v1/clients/${clientId}/consents`, { token: mine, body: grant() }))
        .status,
    ).toBe(201);
    const other = await h.token('associate', { associateId: 'assoc-9', storeIds: ['LON-01'] });
    expect(
      (await h.request('GET', `/v1/clients/${clientId}/consents`, { token: other })).status,
    ).toBe(403);
    expect(
      (await h.request('POST', `/v1/clients/${clientId}/consents`, { token: other, body: grant() }))
        .status,
    ).toBe(403);
    const integration = await h.token('integration');
    expect(
      (await h.request('GET', `/v1/clients/${clientId}/consents`, { token: integration })).status,
    ).toBe(403);
    expect((await h.request('GET', `/v1/clients/${clientId}/consents`)).status).toBe(401);
    const q = await h.graphql(
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on Client { consentAt(asOf: "2026-03-05T00:00:00Z") { state } } } }`,
      { r: [{ __typename: 'Client', id: clientId }] },
      mine,
    );
    expect(q.body.errors?.[0]?.extensions.code).toBe('FORBIDDEN');
    expect(
      (await h.request('GET', `/v1/audit/clients/${clientId}/history`, { token: mine })).status,
    ).toBe(403);
  });

  it('never answers bad input with a 500 (property)', async () => {
    const token = await h.token('admin');
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(
          '/v1/consents',
          '/v1/clients/c-x/consents',
          '/v1/tcf-consents',
          '/v1/notices',
          '/v1/erasure-requests',
          '/v1/clients/c-x/decisions',
        ),
        fc.jsonValue(),
        async (p, body) => {
          const res = await h.request('POST', p, { token, body: JSON.stringify(body) });
          expect(res.status).toBeLessThan(500);
        },
      ),
      { numRuns: 60 },
    );
    const q = await h.request('GET', '/v1/clients/c-x/decision?purpose=nope&at=yesterday', {
      token,
    });
    expect(q.status).toBe(400);
  });
});

describe('ingestion paths', () => {
  it('Kafka ingest.consent.v1: records valid evidence, dead-letters invalid and refused records with reasons', async () => {
    const clientId = unique('c');
    const topic = h.env.names.topic(TOPICS.ingestConsent);
    const record = (id: string, consent: Record<string, unknown>) => ({
      key: id,
      value: JSON.stringify({ sourceSystem: 'webform.eu', sourceRecordId: id, clientId, consent }),
    });
    await h.env.producer.send(topic, [
      record(
        'r-1',
        grant({ collection: { method: 'web_form', point: 'maison.example/newsletter' } }),
      ),
      { key: 'r-2', value: '{"not json' },
      {
        key: 'r-3',
        value: JSON.stringify({ sourceSystem: 'webform.eu', sourceRecordId: 'r-3', clientId }),
      },
      record('r-4', grant({ notice: null })),
    ]);
    const token = await h.token('admin');
    await eventually(
      async () =>
        (await h.request<Consents>('GET', `/v1/clients/${clientId}/consents`, { token })).body
          .consents.length === 1
          ? true
          : undefined,
      { timeoutMs: 30_000, what: 'the ingested consent' },
    );
    await eventually(() => (deadLetters.length >= 3 ? true : undefined), {
      timeoutMs: 30_000,
      what: 'three dead letters',
    });
    const reasons = Object.fromEntries<(string | undefined)[]>(
      deadLetters.map((d) => [
        d.key ?? '',
        [d.headers[HEADERS.dlqReason], d.headers[HEADERS.dlqError]],
      ]),
    );
    expect(reasons['r-2']?.[0]).toBe('invalid-json');
    expect(reasons['r-3']).toEqual(['invalid-record', expect.stringContaining('/consent')]);
    expect(reasons['r-4']).toEqual(['rejected', expect.stringContaining('/notice/sha256')]);
  });

  it('Shopify webhooks: HMAC checked, deduped by webhook id, weak evidence held until identity links the customer', async () => {
    const email = `${unique('lea')}@example.com`;
    const body = `{"customer_id":7064055069303,"email_address":"${email}","email_marketing_consent":{"state":"subscribed","opt_in_level":"single_opt_in","consent_updated_at":"2026-03-01T19:00:00-05:00"}}`;
    expect(
      (await h.shopify('customers/email_marketing_consent_update', body, 'wh-1', 'wrong-secret'))
        .status,
    ).toBe(401);
    const first = await h.shopify('customers/email_marketing_consent_update', body, 'wh-1');
    expect(first).toEqual({ status: 200, body: { status: 'pending_attribution' } });
    expect(
      (await h.shopify('customers/email_marketing_consent_update', body, 'wh-1')).body,
    ).toMatchObject({ status: 'duplicate' });
    const clientId = unique('c');
    await h.linkIdentifier(clientId, 'email', email);
    const token = await h.token('admin');
    const consents = await eventually(
      async () => {
        const r = await h.request<Consents>('GET', `/v1/clients/${clientId}/consents`, { token });
        return r.body.consents.length === 1 ? r.body.consents : undefined;
      },
      { timeoutMs: 30_000, what: 'the held Shopify evidence recorded for the linked client' },
    );
    expect(consents[0]).toMatchObject({
      evidenceStrength: 'weak',
      notice: null,
      state: 'granted',
      channel: 'email',
    });
    const decision = await h.request(
      'GET',
      `/v1/clients/${clientId}/decision?purpose=marketing&channel=email`,
      { token },
    );
    expect(decision.body).toMatchObject({ allowed: false, code: 'insufficient_evidence' });
    // A webhook for a customer identity already knows is recorded at once.
    const sms = `{"id":7064055069303,"phone":"+33612345678","sms_marketing_consent":{"state":"unsubscribed","opt_in_level":"single_opt_in","consent_updated_at":"2026-03-02T08:00:00+01:00","consent_collected_from":"SHOPIFY"}}`;
    await h.linkIdentifier(
      clientId,
      'ecom_customer',
      '7064055069303',
      'shopify:maison-paris.myshopify.com',
    );
    await eventually(
      async () => {
        const r = await h.shopify('customers/marketing_consent_update', sms, unique('wh'));
        return r.body.status === 'recorded' ? true : undefined;
      },
      { timeoutMs: 30_000, what: 'the SMS webhook attributed directly' },
    );
  });

  it('TCF v2.2 strings are device-scoped evidence; v1 and garbage are refused with a reason', async () => {
    const clientId = unique('c');
    const token = await h.token('integration');
    const body = (tcString: string) => ({
      sourceSystem: 'cmp.didomi',
      sourceRecordId: unique('tc'),
      clientId,
      tcString,
      collectionPoint: 'www.maison.example',
    });
    const ok = await h.request<{ tc: unknown }>('POST', '/v1/tcf-consents', {
      token,
      body: body(makeTcString({ purposes: [1, 5, 6, 8] })),
    });
    expect(ok.status).toBe(201);
    expect(ok.body.tc).toMatchObject({ version: 2, policyVersion: 4 });
    const v1 = await h.request('POST', '/v1/tcf-consents', {
      token,
      body: body('BOEFEAyOEFEAyAHABDENAI4AAAB9vABAASA'),
    });
    expect(v1.status).toBe(422);
    expect(v1.body.errors[0]?.detail).toMatch(/^tcf_v1_not_supported/);
    expect(
      (await h.request('POST', '/v1/tcf-consents', { token, body: body('%%%') })).body.errors[0]
        ?.detail,
    ).toMatch(/^invalid_tc_string/);
    const admin = await h.token('admin');
    const onSite = await h.request<DecisionBody>('POST', `/v1/clients/${clientId}/decisions`, {
      token: admin,
      body: { purpose: 'profiling', context: 'device' },
    });
    expect(onSite.body).toMatchObject({ allowed: true });
    const crm = await h.request<DecisionBody>('POST', `/v1/clients/${clientId}/decisions`, {
      token: admin,
      body: { purpose: 'profiling' },
    });
    expect(crm.body).toMatchObject({ allowed: false, code: 'no_consent' });
  });
});

describe('audit and ledger (compliance)', () => {
  it('history, state as of, search as NDJSON and CSV with proofs; every access recorded', async () => {
    const clientId = unique('c');
    const associate = await h.token('associate');
    await h.request('POST', `/v1/clients/${clientId}/consents`, {
      token: associate,
      body: grant({ occurredAt: '2026-03-02T10:00:00+01:00' }),
    });
    await h.request('POST', `/v1/clients/${clientId}/consents`, {
      token: associate,
      body: grant({ state: 'withdrawn', notice: null, occurredAt: '2026-03-04T10:00:00+01:00' }),
    });
    await h.consent.ready();
    const compliance = await h.token('compliance');
    const history = await eventually(
      async () => {
        const r = await h.request<{ records?: AuditRow[] }>(
          'GET',
          `/v1/audit/clients/${clientId}/history`,
          {
            token: compliance,
          },
        );
        return r.body.records?.length === 2 ? r.body.records : undefined;
      },
      { timeoutMs: 20_000, what: 'the history' },
    );
    expect(history.map((r) => r.state)).toEqual(['granted', 'withdrawn']);
    // asOf is over what had been recorded by then: nothing was known in March (recorded today)…
    const march = await h.request<Consents>(
      'GET',
      `/v1/audit/clients/${clientId}/state?asOf=2026-03-03T00:00:00%2B01:00`,
      { token: compliance },
    );
    expect(march.body.consents).toEqual([]);
    // …and now the withdrawal is in force (asOf over controlled clocks: asof.int.test.ts).
    const now = await h.request<Consents>(
      'GET',
      `/v1/audit/clients/${clientId}/state?asOf=${encodeURIComponent(new Date().toISOString())}`,
      { token: compliance },
    );
    expect(now.body.consents.map((r) => r.state)).toEqual(['withdrawn']);
    const ndjson = await h.request<string>(
      'GET',
      `/v1/audit/consents?clientId=${clientId}&format=ndjson&proofs=true`,
      { token: compliance },
    );
    expect(ndjson.headers.get('content-type')).toContain('application/x-ndjson');
    const lines = ndjson.text
      .trim()
      .split('\n')
      .map(
        (l) =>
          JSON.parse(l) as {
            ledger: { seq: number };
            proof: {
              treeSize: number;
              leafHash: string;
              proof: string[];
              checkpoint: { rootHash: string };
            };
          },
      );
    expect(lines).toHaveLength(2);
    for (const l of lines)
      expect(
        verifyInclusion(
          l.ledger.seq,
          l.proof.treeSize,
          Buffer.from(l.proof.leafHash, 'hex'),
          l.proof.proof.map((p) => Buffer.from(p, 'hex')),
          Buffer.from(l.proof.checkpoint.rootHash, 'hex'),
        ),
      ).toBe(true);
    const csv = await h.request<string>(
      'GET',
      `/v1/audit/consents?clientId=${clientId}&format=csv&proofs=true&storeId=PAR-01&purpose=marketing`,
      { token: compliance },
    );
    expect(csv.text.split('\r\n')[0]).toContain('eventId,clientId');
    expect(csv.text.trim().split('\r\n')).toHaveLength(3);
    const log = await h.request<{ entries: { action: string }[] }>(
      'GET',
      `/v1/audit/access-log?clientId=${clientId}`,
      {
        token: compliance,
      },
    );
    expect(log.body.entries.map((e) => e.action)).toEqual(
      expect.arrayContaining(['audit.history', 'audit.state', 'audit.search']),
    );
    const gql = await h.graphql<{ consentAudit: { records: AuditRow[] } }>(
      `{ consentAudit(search: { clientId: "${clientId}", state: WITHDRAWN }) { records { state ledger { seq } } } }`,
      {},
      compliance,
    );
    expect(gql.body.data.consentAudit.records).toEqual([
      { state: 'WITHDRAWN', ledger: { seq: expect.any(Number) } },
    ]);
  });

  it('signs checkpoints; inclusion and consistency proofs verify; the export verifies offline with the CLI', async () => {
    const compliance = await h.token('compliance');
    await h.consent.ready();
    const first = await h.request<Checkpoint>('POST', '/v1/ledger/EU/checkpoints', {
      token: compliance,
    });
    expect(first.status).toBe(201);
    await h.request('POST', `/v1/clients/${unique('c')}/consents`, {
      token: await h.token('associate'),
      body: grant(),
    });
    await h.consent.ready();
    const second = await eventually(
      async () => {
        const r = await h.request<Checkpoint>('POST', '/v1/ledger/EU/checkpoints', {
          token: compliance,
        });
        return r.body.treeSize > first.body.treeSize ? r.body : undefined;
      },
      { timeoutMs: 20_000, what: 'a larger checkpoint' },
    );
    const consistency = await h.request<{ proof: string[] }>(
      'GET',
      `/v1/ledger/EU/proofs/consistency?from=${first.body.treeSize}&to=${second.treeSize}`,
      { token: compliance },
    );
    expect(
      verifyConsistency(
        first.body.treeSize,
        second.treeSize,
        Buffer.from(first.body.rootHash, 'hex'),
        Buffer.from(second.rootHash, 'hex'),
        consistency.body.proof.map(hex),
      ),
    ).toBe(true);
    const inclusion = await h.request<Proof>('GET', `/v1/ledger/EU/proofs/inclusion?seq=0`, {
      token: compliance,
    });
    expect(
      verifyInclusion(
        0,
        inclusion.body.treeSize,
        Buffer.from(inclusion.body.leafHash, 'hex'),
        inclusion.body.proof.map((p: string) => Buffer.from(p, 'hex')),
        Buffer.from(inclusion.body.checkpoint.rootHash, 'hex'),
      ),
    ).toBe(true);
    const keys = await h.request<{
      keys: Parameters<typeof verifyBundle>[1] extends infer O
        ? O extends { trustedKeys?: infer K }
          ? Exclude<K, undefined>
          : never
        : never;
    }>('GET', '/v1/ledger/keys', { token: compliance });
    expect(keys.body.keys).toEqual([h.signer.publicKey]);
    const bundle = await h.request<unknown>('GET', '/v1/ledger/EU/export', { token: compliance });
    expect(verifyBundle(bundle.body, { trustedKeys: keys.body.keys })).toMatchObject({ ok: true });
    const dir = mkdtempSync(path.join(tmpdir(), 'consent-ledger-'));
    writeFileSync(path.join(dir, 'bundle.json'), bundle.text);
    writeFileSync(path.join(dir, 'keys.json'), JSON.stringify(keys.body));
    const cli = (file: string) =>
      spawnSync(
        process.execPath,
        [
          '--import',
          'tsx',
          '--conditions=@maison/source',
          'src/verifier/cli.ts',
          file,
          '--trusted-keys',
          path.join(dir, 'keys.json'),
        ],
        {
          cwd: path.join(import.meta.dirname, '..'),
          env: { ...process.env, NODE_OPTIONS: '' },
          encoding: 'utf8',
        },
      );
    const ok = cli(path.join(dir, 'bundle.json'));
    expect(ok.stdout).toMatch(/^OK: \d+ leaves/m);
    expect(ok.status).toBe(0);
    const tampered = JSON.parse(bundle.text) as { leaves: unknown[]; inclusion: unknown[] };
    tampered.leaves.splice(1, 1);
    tampered.inclusion.splice(1, 1);
    writeFileSync(path.join(dir, 'dropped.json'), JSON.stringify(tampered));
    const bad = cli(path.join(dir, 'dropped.json'));
    expect(bad.status).toBe(1);
    expect(bad.stdout).toContain('FAIL SEQUENCE_GAP: sequence gap: expected leaf 1, found leaf 2');
    const associate = await h.token('associate');
    expect((await h.request('GET', '/v1/ledger/EU/export', { token: associate })).status).toBe(403);
  });
});
