import { describe, expect, it } from '@jest/globals';
import type { EventEnvelope, Region } from '@maison/event-contracts';
import fc from 'fast-check';
import { decide, type ConsentCommand } from '../consent/consent.decider.js';
import { record } from '../consent/consent.fixtures.js';
import { evolve, initialState } from '../consent/consent.state.js';
import { canProcess, type ProcessRequest } from './can-process.js';
import { DEFAULT_POLICIES } from './policies.js';

/** Given these consent commands (recorded), when canProcess(request), then a decision. */
function given(commands: ConsentCommand[], homeRegion: Region | null = null) {
  const events: EventEnvelope[] = [];
  let state = initialState();
  for (const c of commands) {
    const out = decide(c, state);
    events.push(...out);
    state = out.reduce(evolve, state);
  }
  return {
    events,
    when: (request: ProcessRequest) =>
      canProcess(
        { records: state.records, erasedAt: state.erasedAt, homeRegion },
        request,
        DEFAULT_POLICIES,
      ),
  };
}
const ids = (events: EventEnvelope[]) => events.map((e) => e.id);
const rules = (d: { policies: readonly { id: string }[] }) => d.policies.map((p) => p.id);

describe('canProcess: baseline', () => {
  it('denies without any consent and allows on a full-evidence grant, citing the event', () => {
    expect(
      given([]).when({ purpose: 'marketing', channel: 'email', at: '2026-03-03T10:00:00Z' }),
    ).toMatchObject({
      allowed: false,
      code: 'no_consent',
    });
    const g = given([record()]);
    const d = g.when({ purpose: 'marketing', channel: 'email', at: '2026-03-03T10:00:00Z' });
    expect(d).toMatchObject({
      allowed: true,
      code: 'granted',
      reliedOn: ids(g.events),
      policySetVersion: '2026.1',
    });
  });

  it('treats a grant past its expiry as expired', () => {
    const g = given([record({ expiresAt: '2026-06-01T00:00:00Z' })]);
    expect(
      g.when({ purpose: 'marketing', channel: 'email', at: '2026-07-01T00:00:00Z' }),
    ).toMatchObject({
      allowed: false,
      code: 'expired',
    });
  });
});

describe('EU-WD-1: withdrawal takes effect everywhere', () => {
  it('given a grant then a withdrawal, sends after the withdrawal are denied citing EU-WD-1 and the withdrawal', () => {
    const g = given([
      record({ occurredAt: '2026-03-02T10:00:00+01:00' }),
      record({ state: 'withdrawn', occurredAt: '2026-03-05T10:00:00+01:00' }),
    ]);
    const before = g.when({
      purpose: 'marketing',
      channel: 'email',
      at: '2026-03-04T10:00:00+01:00',
    });
    expect(before).toMatchObject({ allowed: true, reliedOn: [g.events[0]?.id] });
    const after = g.when({
      purpose: 'marketing',
      channel: 'email',
      at: '2026-03-05T10:00:01+01:00',
    });
    expect(after).toMatchObject({ allowed: false, code: 'withdrawn', reliedOn: [g.events[1]?.id] });
    expect(rules(after)).toContain('EU-WD-1');
  });

  it('a channel-wide withdrawal covers a contact-point grant', () => {
    const g = given([
      record({ occurredAt: '2026-03-02T10:00:00Z' }),
      record({ state: 'withdrawn', occurredAt: '2026-03-03T10:00:00Z' }),
    ]);
    expect(
      g.when({
        purpose: 'marketing',
        channel: 'email',
        contactKey: 'X'.repeat(43),
        at: '2026-03-04T00:00:00Z',
      }).allowed,
    ).toBe(false);
  });
});

describe('EU-PROOF-1: no notice hash, no use', () => {
  it('given a weak (webhook) grant in FR, the consent cannot be used; in the US it can', () => {
    const fr = given([record({ notice: null }, { strength: 'weak' })]);
    const d = fr.when({ purpose: 'marketing', channel: 'email', at: '2026-03-03T10:00:00Z' });
    expect(d).toMatchObject({ allowed: false, code: 'insufficient_evidence' });
    expect(rules(d)).toEqual(['EU-PROOF-1']);
    const us = given([record({ notice: null, jurisdiction: 'US' }, { strength: 'weak' })]);
    expect(
      us.when({ purpose: 'marketing', channel: 'email', at: '2026-03-03T10:00:00Z' }).allowed,
    ).toBe(true);
  });

  it('a weak withdrawal is always honoured', () => {
    const g = given([
      record(),
      record(
        { notice: null, state: 'withdrawn', occurredAt: '2026-03-04T00:00:00Z' },
        { strength: 'weak' },
      ),
    ]);
    expect(
      g.when({ purpose: 'marketing', channel: 'email', at: '2026-03-05T00:00:00Z' }).code,
    ).toBe('withdrawn');
  });
});

describe('KR-ADS-1: explicit opt-in, night-time consent', () => {
  const kr = {
    jurisdiction: 'KR',
    channel: 'kakaotalk' as const,
    occurredAt: '2026-03-02T10:00:00+09:00',
  };
  it('given a KR KakaoTalk grant without night-time consent, a 22:30 KST send is denied, a 10:00 KST send allowed', () => {
    const g = given([record(kr)], 'KR');
    const night = g.when({
      purpose: 'marketing',
      channel: 'kakaotalk',
      at: '2026-03-03T22:30:00+09:00',
    });
    expect(night).toMatchObject({ allowed: false, code: 'night_time_consent_required' });
    expect(rules(night)).toContain('KR-ADS-1');
    expect(
      g.when({ purpose: 'marketing', channel: 'kakaotalk', at: '2026-03-03T13:30:00Z' }).allowed,
    ).toBe(false); // 22:30 KST in UTC
    expect(
      g.when({ purpose: 'marketing', channel: 'kakaotalk', at: '2026-03-04T07:59:00+09:00' })
        .allowed,
    ).toBe(false);
    expect(
      g.when({ purpose: 'marketing', channel: 'kakaotalk', at: '2026-03-04T08:00:00+09:00' })
        .allowed,
    ).toBe(true);
    expect(
      g.when({ purpose: 'marketing', channel: 'kakaotalk', at: '2026-03-03T10:00:00+09:00' })
        .allowed,
    ).toBe(true);
  });

  it('given a grant with night-time consent, the night send is allowed', () => {
    const g = given([record({ ...kr, nightTime: true })], 'KR');
    expect(
      g.when({ purpose: 'marketing', channel: 'kakaotalk', at: '2026-03-03T23:00:00+09:00' })
        .allowed,
    ).toBe(true);
  });

  it('a marketing send on a legitimate-interest basis is not an explicit opt-in', () => {
    const g = given([record({ ...kr, legalBasis: 'legitimate_interest' })], 'KR');
    expect(
      g.when({ purpose: 'marketing', channel: 'kakaotalk', at: '2026-03-03T10:00:00+09:00' }).code,
    ).toBe('explicit_opt_in_required');
  });
});

describe('KR-ADS-2: two-year reconfirmation', () => {
  const kr = {
    jurisdiction: 'KR',
    channel: 'sms' as const,
    occurredAt: '2024-03-01T10:00:00+09:00',
  };
  it('given a KR grant older than two years, sends are blocked as reconfirmation due', () => {
    const g = given([record(kr)], 'KR');
    expect(
      g.when({ purpose: 'marketing', channel: 'sms', at: '2026-02-28T10:00:00+09:00' }).allowed,
    ).toBe(true);
    const d = g.when({ purpose: 'marketing', channel: 'sms', at: '2026-03-01T10:00:00+09:00' });
    expect(d).toMatchObject({
      allowed: false,
      code: 'reconfirmation_due',
      state: 'reconfirmation_due',
    });
    expect(rules(d)).toContain('KR-ADS-2');
  });

  it('given a reconfirmation (a fresh grant), sends resume', () => {
    const g = given([record(kr), record({ ...kr, occurredAt: '2026-02-20T10:00:00+09:00' })], 'KR');
    expect(
      g.when({ purpose: 'marketing', channel: 'sms', at: '2026-03-10T10:00:00+09:00' }),
    ).toMatchObject({
      allowed: true,
      reliedOn: [g.events[1]?.id],
    });
  });
});

describe('CN-XB-1 / CN-XB-3: cross-border transfers of CN residents', () => {
  const cn = { jurisdiction: 'CN', channel: 'wechat' as const };
  const transfer = (recipient: string, purposes: ('marketing' | 'profiling')[]) =>
    record({
      ...cn,
      purpose: 'cross_border_transfer',
      channel: null,
      recipient,
      transferPurposes: purposes,
    });
  const req = {
    purpose: 'marketing' as const,
    channel: 'wechat' as const,
    at: '2026-03-03T10:00:00+08:00',
    destinationRegion: 'EU' as const,
  };

  it('without a separate cross-border consent the data does not leave CN; inside CN it may be used', () => {
    const g = given([record(cn)], 'CN');
    const d = g.when({ ...req, recipient: 'Maison Europe SAS' });
    expect(d).toMatchObject({ allowed: false, code: 'cross_border_consent_required' });
    expect(rules(d)).toContain('CN-XB-1');
    expect(g.when({ ...req, destinationRegion: 'CN' }).allowed).toBe(true);
  });

  it('with a cross-border consent naming the recipient and purpose, the transfer is allowed and cites both consents', () => {
    const g = given([record(cn), transfer('Maison Europe SAS', ['marketing'])], 'CN');
    const d = g.when({ ...req, recipient: 'Maison Europe SAS' });
    expect(d).toMatchObject({ allowed: true, code: 'granted', reliedOn: ids(g.events) });
  });

  it('CN-XB-3: a new recipient or a new purpose needs re-consent; no recipient named is refused', () => {
    const g = given(
      [
        record(cn),
        record({ ...cn, purpose: 'profiling', channel: null }),
        transfer('Maison Europe SAS', ['marketing']),
      ],
      'CN',
    );
    const other = g.when({ ...req, recipient: 'Agency Ltd' });
    expect(other).toMatchObject({ allowed: false, code: 'reconsent_required' });
    expect(rules(other)).toEqual(expect.arrayContaining(['CN-XB-1', 'CN-XB-3']));
    expect(
      g.when({
        purpose: 'profiling',
        at: req.at,
        destinationRegion: 'EU',
        recipient: 'Maison Europe SAS',
      }).code,
    ).toBe('reconsent_required');
    expect(g.when(req).code).toBe('reconsent_required');
  });

  it('a contract-necessity flow may leave with minimal fields only', () => {
    const g = given([record(cn)], 'CN');
    expect(g.when({ ...req, contractNecessity: true })).toMatchObject({
      allowed: true,
      code: 'granted_contract_necessity',
      minimalFieldsOnly: true,
    });
  });

  it('a withdrawn transfer consent stops the transfer', () => {
    const g = given(
      [
        record(cn),
        transfer('Maison Europe SAS', ['marketing']),
        {
          ...transfer('Maison Europe SAS', ['marketing']),
          evidence: {
            ...transfer('x', []).evidence,
            state: 'withdrawn',
            occurredAt: '2026-03-02T12:00:00+01:00',
          },
        },
      ],
      'CN',
    );
    expect(g.when({ ...req, recipient: 'Maison Europe SAS' }).code).toBe(
      'cross_border_consent_required',
    );
  });
});

describe('TCF-DEVICE-1: TCF evidence is device-scoped', () => {
  const tcf = {
    purpose: 'profiling' as const,
    channel: null,
    notice: null,
    proofRef: 'tcf:sha256:abc',
    collection: { method: 'cmp' as const, point: 'www.maison.example' },
  };
  it('counts only for on-site processing on the device', () => {
    const g = given([record(tcf, { strength: 'device' })]);
    expect(
      g.when({ purpose: 'profiling', at: '2026-03-03T10:00:00Z', context: 'device' }),
    ).toMatchObject({ allowed: true });
    expect(g.when({ purpose: 'profiling', at: '2026-03-03T10:00:00Z' }).code).toBe('no_consent');
  });
});

describe('canProcess properties', () => {
  it('never allows after the latest record for the key is a withdrawal, whatever came before', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            day: fc.integer({ min: 1, max: 28 }),
            state: fc.constantFrom('granted', 'withdrawn', 'denied' as const),
          }),
          { minLength: 1, maxLength: 8 },
        ),
        (history) => {
          const commands = history.map((h) =>
            record({
              state: h.state,
              occurredAt: `2026-02-${String(h.day).padStart(2, '0')}T10:00:00Z`,
            }),
          );
          const g = given(commands);
          const last = [...history]
            .map((h, i) => ({ ...h, i }))
            .sort((a, b) => a.day - b.day || a.i - b.i)
            .at(-1);
          const d = g.when({ purpose: 'marketing', channel: 'email', at: '2026-03-01T00:00:00Z' });
          expect(d.allowed).toBe(last?.state === 'granted');
        },
      ),
    );
  });
});
