import { GVL, TCModel, TCString } from '@iabtechlabtcf/core';

/** Builds real TC strings with the IAB library (a minimal vendor list: no vendors). Tests and the demo only. */
export function makeTcString(options: {
  purposes: number[];
  policyVersion?: number;
  lastUpdated?: Date;
  country?: string;
}): string {
  const purposes = Object.fromEntries(
    Array.from({ length: 11 }, (_, i) => [
      String(i + 1),
      { id: i + 1, name: `Purpose ${String(i + 1)}`, description: '', illustrations: [] },
    ]),
  );
  const gvl = new GVL({
    gvlSpecificationVersion: 3,
    vendorListVersion: 150,
    tcfPolicyVersion: options.policyVersion ?? 4,
    lastUpdated: '2026-01-01T00:00:00Z',
    purposes,
    specialPurposes: {},
    features: {},
    specialFeatures: {},
    vendors: {},
    stacks: {},
    dataCategories: {},
  });
  const model = new TCModel(gvl);
  model.cmpId = 10;
  model.cmpVersion = 2;
  model.consentLanguage = 'FR';
  model.publisherCountryCode = options.country ?? 'FR';
  model.isServiceSpecific = true;
  model.purposeConsents.set(options.purposes);
  const at = options.lastUpdated ?? new Date('2026-03-01T00:00:00Z');
  model.created = at;
  model.lastUpdated = at;
  return TCString.encode(model);
}
