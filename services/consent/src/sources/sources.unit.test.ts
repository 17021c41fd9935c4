import { createHmac } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { consentIngestRecord } from './ingest-record.js';
import { mapShopifyWebhook, verifyShopifyHmac } from './shopify.js';
import { decodeTcString, tcfEvidence } from './tcf.js';
import { makeTcString } from './tcf.fixtures.js';

describe('Shopify webhooks', () => {
  // Shopify's documented sample id is above 2^53: written as text, as it arrives on the wire.
  const body = Buffer.from(
    '{"customer_id":706405506930370084,"email_address":"bob@biller.com","email_marketing_consent":{"state":"subscribed","opt_in_level":"confirmed_opt_in","consent_updated_at":"2026-03-01T19:00:00-05:00"}}',
  );
  it('verifies the HMAC of the raw body and refuses anything else', () => {
    const hmac = createHmac('sha256', 'shpss_secret').update(body).digest('base64');
    expect(verifyShopifyHmac(body, hmac, 'shpss_secret')).toBe(true);
    expect(verifyShopifyHmac(body, hmac, 'other')).toBe(false);
    expect(verifyShopifyHmac(Buffer.concat([body, Buffer.from(' ')]), hmac, 'shpss_secret')).toBe(
      false,
    );
    expect(verifyShopifyHmac(body, undefined, 'shpss_secret')).toBe(false);
    expect(verifyShopifyHmac(body, 'not base64!', 'shpss_secret')).toBe(false);
  });

  it('maps email and SMS consent payloads to weak evidence without notice', () => {
    const email = mapShopifyWebhook({
      topic: 'customers/email_marketing_consent_update',
      shop: 'maison.myshopify.com',
      webhookId: 'w-1',
      triggeredAt: undefined,
      body: JSON.parse(body.toString()),
      rawBody: body.toString(),
      jurisdiction: 'US',
      receivedAt: '2026-03-02T00:00:00Z',
    });
    expect(email).toMatchObject({
      ok: true,
      consent: {
        customerId: '706405506930370084',
        contactPoint: { type: 'email', value: 'bob@biller.com' },
        evidence: {
          state: 'granted',
          channel: 'email',
          notice: null,
          occurredAt: '2026-03-01T19:00:00-05:00',
          collection: { method: 'webhook' },
        },
      },
    });
    const sms = mapShopifyWebhook({
      topic: 'customers/marketing_consent_update',
      shop: 'maison.myshopify.com',
      webhookId: 'w-2',
      triggeredAt: '2026-03-02T10:00:00Z',
      body: {
        id: 42,
        phone: '+13125551212',
        sms_marketing_consent: {
          state: 'unsubscribed',
          opt_in_level: 'single_opt_in',
          consent_updated_at: null,
          consent_collected_from: 'SHOPIFY',
        },
      },
      jurisdiction: 'US',
      receivedAt: 'x',
    });
    expect(sms).toMatchObject({
      ok: true,
      consent: {
        evidence: { state: 'withdrawn', channel: 'sms', occurredAt: '2026-03-02T10:00:00Z' },
      },
    });
    expect(
      mapShopifyWebhook({
        topic: 'customers/marketing_consent_update',
        shop: 's',
        webhookId: 'w',
        triggeredAt: undefined,
        body: { id: 1, sms_marketing_consent: null },
        jurisdiction: 'US',
        receivedAt: '2026-03-02T00:00:00Z',
      }).ok,
    ).toBe(false);
  });
});

describe('TCF v2.2 strings', () => {
  it('decodes a v2.2 string with the IAB library and maps purposes to device evidence', () => {
    const result = decodeTcString(makeTcString({ purposes: [1, 5, 6] }));
    if (!result.ok) throw new Error(result.detail);
    expect(result.tc).toMatchObject({
      version: 2,
      policyVersion: 4,
      cmpId: 10,
      purposeConsents: [1, 5, 6],
    });
    const evidence = tcfEvidence(result.tc, 'www.maison.example');
    expect(evidence.map((e) => [e.purpose, e.state])).toEqual([
      ['analytics', 'denied'],
      ['profiling', 'granted'],
    ]);
    expect(evidence[0]?.proofRef).toMatch(/^tcf:v2;policy=4;cmp=10\/2;sha256=[0-9a-f]{64}$/);
  });

  it('rejects v1 strings, pre-2.2 policy versions and garbage with a reason', () => {
    expect(decodeTcString('BOEFEAyOEFEAyAHABDENAI4AAAB9vABAASA')).toMatchObject({
      ok: false,
      reason: 'tcf_v1_not_supported',
    });
    expect(decodeTcString(makeTcString({ purposes: [1], policyVersion: 2 }))).toMatchObject({
      ok: false,
      reason: 'tcf_policy_outdated',
    });
    expect(decodeTcString('not a tc string!')).toMatchObject({
      ok: false,
      reason: 'invalid_tc_string',
    });
    expect(decodeTcString('CAAAAAAA')).toMatchObject({ ok: false, reason: 'invalid_tc_string' });
  });

  it('never throws on arbitrary input (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (s) => {
        const r = decodeTcString(s);
        expect(typeof r.ok).toBe('boolean');
      }),
    );
    fc.assert(
      fc.property(fc.base64String({ maxLength: 120 }), (s) => {
        expect(
          typeof decodeTcString(
            `C${s.replaceAll('+', '-').replaceAll('/', '_').replaceAll('=', '')}`,
          ).ok,
        ).toBe('boolean');
      }),
    );
  });
});

describe('ingest.consent.v1 records', () => {
  it('accepts evidence or a TC string, with a client id or references', () => {
    expect(
      consentIngestRecord.safeParse({
        sourceSystem: 'cmp.web',
        sourceRecordId: 'r-1',
        clientId: 'c-1',
        tcString: 'CQ',
        collectionPoint: 'www',
      }).success,
    ).toBe(true);
    const both = consentIngestRecord.safeParse({
      sourceSystem: 'cmp.web',
      sourceRecordId: 'r-1',
      tcString: 'CQ',
      consent: { purpose: 'marketing', state: 'granted' },
    });
    expect(both.success).toBe(false);
    expect(both.error?.issues.map((i) => i.path.join('/'))).toEqual(
      expect.arrayContaining(['consent', 'clientId', 'collectionPoint']),
    );
  });

  it('rejects arbitrary JSON with issues, never by throwing (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        expect(typeof consentIngestRecord.safeParse(v).success).toBe('boolean');
      }),
    );
  });
});
