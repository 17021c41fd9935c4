/**
 * May the service profile this client? Decided from the client's latest profiling consent (across
 * the ids that resolve to it: the latest by business time wins), at the instant of the request.
 * Only `granted`, not expired, and not device-scoped evidence (a web CMP's TCF string covers
 * on-site personalisation, not an associate's clienteling) allows it.
 */
export interface ProfilingConsent {
  readonly state: string;
  readonly evidence: string;
  readonly occurredAt: string;
  readonly recordedAt: string;
  readonly expiresAt: string | null;
  readonly eventId: string;
}

export type PersonalisationDecision =
  | { readonly allowed: true; readonly consent: ProfilingConsent }
  | {
      readonly allowed: false;
      readonly because: string;
      readonly consent: ProfilingConsent | null;
    };

function after(a: ProfilingConsent, b: ProfilingConsent): boolean {
  const ta = Date.parse(a.occurredAt);
  const tb = Date.parse(b.occurredAt);
  if (ta !== tb) return ta > tb;
  const ra = Date.parse(a.recordedAt);
  const rb = Date.parse(b.recordedAt);
  if (ra !== rb) return ra > rb;
  return a.eventId > b.eventId;
}

export function latestConsent(consents: readonly ProfilingConsent[]): ProfilingConsent | null {
  let latest: ProfilingConsent | null = null;
  for (const c of consents) if (latest === null || after(c, latest)) latest = c;
  return latest;
}

export function decidePersonalisation(
  consents: readonly ProfilingConsent[],
  now: Date,
): PersonalisationDecision {
  const consent = latestConsent(consents);
  if (consent === null)
    return { allowed: false, because: 'no profiling consent on record', consent };
  const no = (because: string): PersonalisationDecision => ({ allowed: false, because, consent });
  switch (consent.state) {
    case 'granted':
      if (consent.expiresAt !== null && Date.parse(consent.expiresAt) <= now.getTime())
        return no('the profiling consent has expired');
      if (consent.evidence === 'device')
        return no('the profiling consent is device-scoped (web CMP) only');
      return { allowed: true, consent };
    case 'withdrawn':
      return no('the client withdrew profiling consent');
    case 'denied':
      return no('the client declined profiling');
    case 'expired':
      return no('the profiling consent has expired');
    case 'pending_double_opt_in':
      return no('the profiling consent awaits confirmation');
    case 'reconfirmation_due':
      return no('the profiling consent is due for reconfirmation');
    default:
      return no('the profiling consent state is not recognised');
  }
}
