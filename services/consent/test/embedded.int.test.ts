import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { eventually } from '@maison/testing';
import { verifyBundle } from '../src/verifier/verify-bundle.js';
import { grant, startHarness, unique, type Harness } from './harness.js';

/**
 * The embedded mode (`npm start`): the same module on PGlite and the in-process bus — one
 * connection, so the projections' reactions (the erasure workflow appends from inside the
 * projection's transaction) and the ledger's advisory lock must work there too.
 */
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ transport: 'memory', database: 'pglite', checkpointIntervalMs: 300 });
  expect((await h.publishNotice()).status).toBe(201);
});
afterAll(async () => {
  await h.close();
});

describe('consent on PGlite and the in-process bus', () => {
  it('records, decides, exports a verifiable ledger and completes its part of an erasure', async () => {
    const clientId = unique('emb');
    const admin = await h.token('admin');
    expect(
      (
        await h.request('POST', `/v1/clients/${clientId}/consents`, {
          token: admin,
          body: grant({ contactPoint: { type: 'email', value: 'emb@example.fr' } }),
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await h.request<{ allowed: boolean }>(
          'GET',
          `/v1/clients/${clientId}/decision?purpose=marketing&channel=email`,
          { token: admin },
        )
      ).body.allowed,
    ).toBe(true);
    await h.consent.ready();
    const compliance = await h.token('compliance');
    // The checkpointer signs on its own once the tree grew.
    await eventually(
      async () => {
        const r = await h.request<{ treeSize: number } | null>(
          'GET',
          '/v1/ledger/EU/checkpoints/latest',
          { token: compliance },
        );
        return r.body !== null && r.body.treeSize >= 2 ? true : undefined;
      },
      { timeoutMs: 10_000, what: 'a checkpoint signed by the interval' },
    );
    const bundle = await h.request<unknown>('GET', '/v1/ledger/EU/export', { token: compliance });
    expect(verifyBundle(bundle.body)).toMatchObject({ ok: true });
    const request = await h.request<{ requestId: string }>('POST', '/v1/erasure-requests', {
      token: compliance,
      body: { clientId },
    });
    const report = await eventually(
      async () => {
        const r = await h.request<{
          services?: { consent: { status: string; purged?: Record<string, number> } };
        }>('GET', `/v1/erasure-requests/${request.body.requestId}`, { token: compliance });
        return r.body.services?.consent.status === 'purged' ? r.body : undefined;
      },
      { timeoutMs: 20_000, what: "consent's purge report" },
    );
    expect(report.services?.consent.purged).toMatchObject({ 'read_model.consent_records': 1 });
    expect(
      (
        await h.request<{ code: string }>(
          'GET',
          `/v1/clients/${clientId}/decision?purpose=marketing&channel=email`,
          { token: admin },
        )
      ).body.code,
    ).toBe('client_erased');
  });
});
