import { describe, expect, it } from '@jest/globals';
import {
  decidePending,
  evolvePending,
  initialPendingState,
  type PendingCommand,
} from './pending.decider.js';

const meta = {
  recordedAt: '2026-03-02T10:00:00Z',
  region: 'EU' as const,
  source: { system: 'shopify' },
  correlationId: 'c',
  causationId: null,
};
const pendingId = '33333333-3333-4333-8333-333333333333';
const hold: PendingCommand = {
  ...meta,
  type: 'HoldEvidence',
  eventId: '00000000-0000-4000-8000-000000000010',
  occurredAt: '2026-03-02T10:00:00Z',
  data: {
    pendingId,
    consentEventId: '44444444-4444-4444-8444-444444444444',
    customer: [{ type: 'email', scope: null, index: 'A'.repeat(43), value: 'x@example.com' }],
    strength: 'weak',
    evidence: { purpose: 'marketing' },
    contactPoint: null,
  },
};
const resolve: PendingCommand = {
  ...meta,
  type: 'ResolveEvidence',
  eventId: '00000000-0000-4000-8000-000000000011',
  pendingId,
  outcome: 'recorded',
  clientId: 'c-1',
  reason: null,
};

describe('pending attribution decider', () => {
  it('given nothing, when evidence is held, then ConsentEvidencePending on its own stream with no subject', () => {
    const [e] = decidePending(hold, initialPendingState());
    expect(e).toMatchObject({
      type: 'ConsentEvidencePending',
      streamId: `pending-${pendingId}`,
      subjectId: null,
    });
  });

  it('given held evidence, it resolves once; without held evidence nothing resolves', () => {
    expect(decidePending(resolve, initialPendingState())).toEqual([]);
    const held = decidePending(hold, initialPendingState()).reduce(
      evolvePending,
      initialPendingState(),
    );
    const [r] = decidePending(resolve, held);
    expect(r?.data).toMatchObject({
      outcome: 'recorded',
      clientId: 'c-1',
      consentEventId: '44444444-4444-4444-8444-444444444444',
    });
    const done = [r!].reduce(evolvePending, held);
    expect(decidePending(resolve, done)).toEqual([]);
    expect(decidePending(hold, done)).toEqual([]);
  });
});
