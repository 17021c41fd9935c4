import fc from 'fast-check';

/**
 * fast-check generators of valid ingest records (and of the ways brand IT gets them wrong), shared
 * by the unit and integration property tests.
 */
const CURRENCIES = [
  'EUR',
  'GBP',
  'USD',
  'JPY',
  'KRW',
  'CHF',
  'AED',
  'BHD',
  'KWD',
  'CNY',
  'HKD',
  'SGD',
  'SAR',
] as const;
const STORES = [
  ['PAR-01', 'EU', 'FR'],
  ['LON-01', 'UK', 'GB'],
  ['DXB-01', 'ME', 'AE'],
  ['TYO-01', 'JP', 'JP'],
  ['SEL-01', 'KR', 'KR'],
  ['NYC-01', 'US', 'US'],
] as const;

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;
const name = fc
  .string({ minLength: 1, maxLength: 30 })
  .filter((s) => s.trim() === s && s !== '' && !CONTROL.test(s));

export const lineArb = (currency: string) =>
  fc
    .record({
      sku: fc.stringMatching(/^[A-Z]{3}-\d{3,6}$/),
      name,
      categoryPath: fc.array(
        fc.constantFrom(
          'Leather goods',
          'Bags',
          'Jewellery',
          'Watches',
          'Ready-to-wear',
          'Fragrance',
        ),
        { minLength: 1, maxLength: 3 },
      ),
      quantity: fc.integer({ min: 1, max: 5 }),
      unit: fc.integer({ min: 0, max: 5_000_000 }),
      discountShare: fc.integer({ min: 0, max: 30 }),
      tax: fc.integer({ min: 0, max: 100_000 }),
    })
    .map((l) => {
      const gross = l.quantity * l.unit;
      const discount = Math.floor((gross * l.discountShare) / 100);
      return {
        sku: l.sku,
        productId: null,
        name: l.name,
        categoryPath: l.categoryPath,
        quantity: l.quantity,
        unitPrice: { amountMinor: l.unit, currency },
        discount: { amountMinor: discount, currency },
        tax: { amountMinor: l.tax, currency },
      };
    });

export const customerArb = (i: number) =>
  fc.constantFrom<Record<string, string>[]>(
    [],
    [{ type: 'email', value: `client.${i}@example.com` }],
    [
      { type: 'loyalty_id', value: `MC${String(100000 + i)}` },
      { type: 'phone', value: '+33612345678' },
    ],
  );

export const validTransactionArb = fc
  .record({
    kind: fc.constantFrom('sale', 'return'),
    currency: fc.constantFrom(...CURRENCIES),
    store: fc.constantFrom(...STORES),
    seq: fc.integer({ min: 1, max: 1_000_000_000 }),
    day: fc.integer({ min: 1, max: 28 }),
    month: fc.integer({ min: 1, max: 11 }),
    offset: fc.constantFrom('+01:00', 'Z', '+04:00', '+09:00', '-05:00'),
  })
  .chain((t) =>
    fc.record({
      base: fc.constant(t),
      lines: fc.array(lineArb(t.currency), { minLength: 1, maxLength: 4 }),
      customer: customerArb(t.seq),
    }),
  )
  .map(({ base, lines, customer }) => {
    const sign = base.kind === 'return' ? -1 : 1;
    const sum = lines.reduce(
      (s, l) => s + l.quantity * l.unitPrice.amountMinor - l.discount.amountMinor,
      0,
    );
    // a free return totals 0, not -0 (JSON has no -0 to carry, and the record keeps 0)
    const total = sum === 0 ? 0 : sign * sum;
    const [storeId, region, country] = base.store;
    return {
      kind: base.kind,
      sourceSystem: 'pos.cegid',
      sourceTransactionId: `${storeId}/${String(base.seq)}`,
      channel: 'boutique',
      storeId,
      region,
      country,
      associateId: `A-${storeId}`,
      occurredAt: `2026-${String(base.month).padStart(2, '0')}-${String(base.day).padStart(2, '0')}T11:15:00${base.offset}`,
      currency: base.currency,
      lines,
      total: { amountMinor: total, currency: base.currency },
      customer,
    };
  });

type Mutation = (r: Record<string, unknown> & { lines: Record<string, unknown>[] }) => {
  body: unknown;
  pointer: string;
};

/** Each breaks one rule and says which field the error must name. */
export const MUTATIONS: Readonly<Record<string, Mutation>> = {
  'wrong currency code': (r) => ({ body: { ...r, currency: 'EURO' }, pointer: '/currency' }),
  'unknown currency': (r) => ({ body: { ...r, currency: 'XYZ' }, pointer: '/currency' }),
  'negative quantity': (r) => ({
    body: { ...r, lines: r.lines.map((l, i) => (i === 0 ? { ...l, quantity: -1 } : l)) },
    pointer: '/lines/0/quantity',
  }),
  'fractional quantity': (r) => ({
    body: { ...r, lines: r.lines.map((l, i) => (i === 0 ? { ...l, quantity: 1.5 } : l)) },
    pointer: '/lines/0/quantity',
  }),
  'lines not summing to total': (r) => ({
    body: {
      ...r,
      total: {
        ...(r.total as object),
        amountMinor: (r.total as { amountMinor: number }).amountMinor + 1,
      },
    },
    pointer: '/total/amountMinor',
  }),
  'unknown field': (r) => ({ body: { ...r, loyaltyTier: 'gold' }, pointer: '' }),
  'unknown line field': (r) => ({
    body: { ...r, lines: r.lines.map((l, i) => (i === 0 ? { ...l, colour: 'red' } : l)) },
    pointer: '/lines/0',
  }),
  'bad date': (r) => ({
    body: { ...r, occurredAt: '2026-02-30T10:00:00+01:00' },
    pointer: '/occurredAt',
  }),
  'date without offset': (r) => ({
    body: { ...r, occurredAt: '2026-11-02T10:00:00' },
    pointer: '/occurredAt',
  }),
  'line in another currency': (r) => ({
    body: {
      ...r,
      lines: r.lines.map((l, i) =>
        i === 0
          ? {
              ...l,
              unitPrice: { amountMinor: 100, currency: r.currency === 'EUR' ? 'USD' : 'EUR' },
            }
          : l,
      ),
    },
    pointer: '/lines/0/unitPrice/currency',
  }),
  'missing lines': (r) => ({ body: { ...r, lines: [] }, pointer: '/lines' }),
  'bad customer email': (r) => ({
    body: { ...r, customer: [{ type: 'email', value: 'not-an-address-secret-value' }] },
    pointer: '/customer/0/value',
  }),
  'unknown kind': (r) => ({ body: { ...r, kind: 'refund' }, pointer: '/kind' }),
};
