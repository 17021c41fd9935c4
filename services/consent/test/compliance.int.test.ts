import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { ClientsMerged, ClientUnmerged, identityStream, newEventId } from '@maison/event-contracts';
import { eventually } from '@maison/testing';
import { untar } from '../src/dsar/tar.js';
import { verifyBundle } from '../src/verifier/verify-bundle.js';
import { grant, startHarness, unique, type Harness } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ transport: 'memory' });
  expect((await h.publishNotice()).status).toBe(201);
});
afterAll(async () => {
  await h.close();
});

interface Consents {
  consents: { consentId: string; state: string }[];
}

describe('access requests (DSAR)', () => {
  it('exports JSON, CSV, a readable summary and the history with ledger proofs, with a SHA-256 manifest', async () => {
    const clientId = unique('dsar');
    const associate = await h.token('associate');
    await h.request('POST', `/v1/clients/${clientId}/consents`, {
      token: associate,
      body: grant({ contactPoint: { type: 'email', value: 'amelie.dsar@example.fr' } }),
    });
    await h.request('POST', `/v1/clients/${clientId}/consents`, {
      token: associate,
      body: grant({ purpose: 'profiling', channel: null }),
    });
    await h.request('GET', `/v1/clients/${clientId}/decision?purpose=marketing&channel=email`, {
      token: associate,
    });
    await h.consent.ready();
    const compliance = await h.token('compliance');
    const exported = await eventually(
      async () => {
        const r = await h.request<{
          manifest: { files: { name: string; sha256: string }[] };
          files: Record<string, string>;
        }>('GET', `/v1/clients/${clientId}/access-export`, { token: compliance });
        return r.status === 200 && r.body.files['consents.json']?.includes('profiling')
          ? r.body
          : undefined;
      },
      { timeoutMs: 10_000, what: 'the export with both consents' },
    );
    expect(Object.keys(exported.files).sort()).toEqual([
      'consent-history-proofs.json',
      'consents.csv',
      'consents.json',
      'manifest.json',
      'summary.txt',
    ]);
    for (const f of exported.manifest.files)
      expect(
        createHash('sha256')
          .update(exported.files[f.name] ?? '')
          .digest('hex'),
      ).toBe(f.sha256);
    const json = JSON.parse(exported.files['consents.json'] ?? '{}') as {
      consentHistory: { contactPoint: string | null }[];
      noticesShown: { sha256: string }[];
      decisions: unknown[];
    };
    expect(json.consentHistory.map((r) => r.contactPoint)).toContain('amelie.dsar@example.fr');
    expect(json.noticesShown).toHaveLength(1);
    expect(json.decisions).toHaveLength(1);
    expect(exported.files['consents.csv']?.split('\r\n').filter(Boolean)).toHaveLength(3);
    expect(exported.files['summary.txt']).toContain('Consents in force (2)');
    const proofs = JSON.parse(exported.files['consent-history-proofs.json'] ?? '{}') as {
      leaves: unknown[];
    };
    expect(verifyBundle(proofs)).toMatchObject({ ok: true, checked: { consents: 2, notices: 1 } });
    const tarball = await fetch(`${h.url}/v1/clients/${clientId}/access-export?format=tar`, {
      headers: { authorization: compliance },
    });
    expect(tarball.headers.get('content-type')).toContain('application/x-tar');
    const files = untar(Buffer.from(await tarball.arrayBuffer()));
    expect(files.map((f) => f.name).sort()).toEqual(Object.keys(exported.files).sort());
    expect(
      (await h.request('GET', `/v1/clients/${clientId}/access-export`, { token: associate }))
        .status,
    ).toBe(403);
  });
});

describe('compliance over GraphQL', () => {
  it('consentAt, consentHistory, the ledger checkpoint and an erasure request; each access recorded', async () => {
    const clientId = unique('gql');
    await h.request('POST', `/v1/clients/${clientId}/consents`, {
      token: await h.token('associate'),
      body: grant(),
    });
    await h.consent.ready();
    const compliance = await h.token('compliance');
    const q = await eventually(
      async () => {
        const r = await h.graphql<{
          _entities: {
            consentAt: { state: string; purpose: string; ledger: { seq: number } | null }[];
            consentHistory: { eventId: string }[];
          }[];
        }>(
          `query($r: [_Any!]!, $asOf: String!) { _entities(representations: $r) { ... on Client { consentAt(asOf: $asOf) { state purpose ledger { seq } } consentHistory(filter: { purpose: MARKETING }) { eventId } } } }`,
          {
            r: [{ __typename: 'Client', id: clientId }],
            asOf: new Date(Date.now() + 1000).toISOString(),
          },
          compliance,
        );
        return r.body.data._entities[0]?.consentAt[0]?.ledger
          ? r.body.data._entities[0]
          : undefined;
      },
      { timeoutMs: 10_000, what: 'the projected record' },
    );
    expect(q.consentAt).toEqual([
      { state: 'GRANTED', purpose: 'MARKETING', ledger: { seq: expect.any(Number) } },
    ]);
    expect(q.consentHistory).toHaveLength(1);
    await h.request('POST', '/v1/ledger/EU/checkpoints', { token: compliance });
    const cp = await h.graphql<{ consentLedgerCheckpoint: { treeSize: number; origin: string } }>(
      `{ consentLedgerCheckpoint(region: "EU") { treeSize origin } }`,
      {},
      compliance,
    );
    expect(cp.body.data.consentLedgerCheckpoint).toMatchObject({ origin: 'maison.consent/EU' });
    const badRegion = await h.graphql<unknown>(
      `{ consentLedgerCheckpoint(region: "XX") { treeSize } }`,
      {},
      compliance,
    );
    expect(badRegion.body.errors?.[0]?.extensions.code).toBe('BAD_USER_INPUT');
    const erase = await h.graphql<{ requestClientErasure: { status: string; requestId: string } }>(
      `mutation { requestClientErasure(clientId: "${clientId}", ticket: "T-9") { status requestId } }`,
      {},
      compliance,
    );
    expect(erase.body.data.requestClientErasure.status).toBe('requested');
    const associateErase = await h.graphql<unknown>(
      `mutation { requestClientErasure(clientId: "${clientId}") { status } }`,
      {},
      await h.token('associate'),
    );
    expect(associateErase.body.errors?.[0]?.extensions.code).toBe('FORBIDDEN');
    const bad = await h.graphql<unknown>(
      `mutation G($input: ConsentGrantInput!) { grantConsent(input: $input) { status } }`,
      {
        input: {
          clientId,
          purpose: 'MARKETING',
          channel: 'EMAIL',
          notice: { id: 'privacy-eu', version: '3', sha256: 'x', language: 'fr' },
          collection: { method: 'STORE', point: 'till', storeId: 'PAR-01' },
          jurisdiction: 'FR',
          occurredAt: 'yesterday',
        },
      },
      await h.token('associate'),
    );
    expect(bad.body.errors?.[0]?.extensions.code).toBe('BAD_USER_INPUT');
    const log = await h.request<{ entries: { action: string }[] }>(
      'GET',
      `/v1/audit/access-log?clientId=${clientId}`,
      { token: compliance },
    );
    expect(log.body.entries.map((e) => e.action)).toEqual(
      expect.arrayContaining(['graphql.consentAt', 'graphql.consentHistory', 'privacy.erasure']),
    );
  });
});

describe('merges and withdrawal audit', () => {
  it('a survivor sees the consents of the ids merged into it, and an unmerge gives them back exactly', async () => {
    const [survivor, merged] = [unique('surv'), unique('merged')];
    const admin = await h.token('admin');
    await h.request('POST', `/v1/clients/${merged}/consents`, { token: admin, body: grant() });
    const identity = await h.service('identity');
    const mergeId = newEventId();
    const base = {
      schemaVersion: 1,
      streamId: identityStream(survivor),
      subjectId: survivor,
      occurredAt: new Date().toISOString(),
      recordedAt: new Date().toISOString(),
      region: 'EU' as const,
      source: { system: 'identity' },
      causationId: null,
    };
    const mergedEvent = newEventId();
    await identity.append({
      ...base,
      id: mergedEvent,
      correlationId: mergedEvent,
      type: ClientsMerged.type,
      data: {
        survivorId: survivor,
        mergedIds: [merged],
        movedIdentifiers: [],
        mergeId,
        rule: null,
        evidence: { trigger: 'api:t', matches: [], explanation: 'steward merge' },
        actor: 'steward-1',
      },
    });
    const consents = async (id: string) =>
      (await h.request<Consents>('GET', `/v1/clients/${id}/consents`, { token: admin })).body
        .consents;
    await eventually(async () => ((await consents(survivor)).length === 1 ? true : undefined), {
      timeoutMs: 10_000,
      what: 'the merged consent on the survivor',
    });
    const decision = await h.request<{ allowed: boolean; clientId: string }>(
      'GET',
      `/v1/clients/${merged}/decision?purpose=marketing&channel=email`,
      { token: admin },
    );
    expect(decision.body).toMatchObject({ allowed: true, clientId: survivor });
    const unmerged = newEventId();
    await identity.append({
      ...base,
      id: unmerged,
      correlationId: unmerged,
      type: ClientUnmerged.type,
      data: {
        survivorId: survivor,
        restoredClientId: merged,
        mergeId,
        restoredIdentifiers: [],
        reason: 'wrong merge',
        actor: 'steward-1',
      },
    });
    await eventually(async () => ((await consents(survivor)).length === 0 ? true : undefined), {
      timeoutMs: 10_000,
      what: 'the unmerge',
    });
    expect(await consents(merged)).toHaveLength(1);
  });

  it('EU-WD-1 audit: processing allowed after a late-arriving withdrawal took effect is reported', async () => {
    const clientId = unique('wd');
    const admin = await h.token('admin');
    await h.request('POST', `/v1/clients/${clientId}/consents`, { token: admin, body: grant() });
    const allowed = await h.request<{ allowed: boolean }>(
      'GET',
      `/v1/clients/${clientId}/decision?purpose=marketing&channel=email`,
      { token: admin },
    );
    expect(allowed.body.allowed).toBe(true);
    // The store recorded the withdrawal an hour after the client made it: the send above was too late.
    await h.request('POST', `/v1/clients/${clientId}/consents`, {
      token: admin,
      body: grant({
        state: 'withdrawn',
        notice: null,
        occurredAt: new Date(Date.now() - 3_600_000).toISOString(),
      }),
    });
    const compliance = await h.token('compliance');
    const violations = await eventually(
      async () => {
        const r = await h.request<{ violations: { clientId: string; purpose: string }[] }>(
          'GET',
          `/v1/audit/withdrawal-violations?clientId=${clientId}`,
          { token: compliance },
        );
        return r.body.violations.length > 0 ? r.body.violations : undefined;
      },
      { timeoutMs: 10_000, what: 'the violation' },
    );
    expect(violations).toEqual([expect.objectContaining({ clientId, purpose: 'marketing' })]);
  });
});
