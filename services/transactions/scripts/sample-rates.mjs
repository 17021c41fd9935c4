// Writes fixtures/fx/eurofxref-sample.csv: ECB reference-rate format (newest first, trailing
// comma), weekdays from 2023-01-02 to 2027-12-31, rates drifting deterministically around real
// levels. For the demo and tests only — load the ECB's own eurofxref-hist.csv in production.
import { writeFileSync } from 'node:fs';
import path from 'node:path';

const base = {
  USD: 1.08,
  JPY: 157.5,
  GBP: 0.845,
  CHF: 0.94,
  CNY: 7.7,
  HKD: 8.43,
  SGD: 1.45,
  KRW: 1450,
  AED: 3.966,
  SAR: 4.05,
  KWD: 0.332,
  BHD: 0.407,
};
const decimals = {
  USD: 4,
  JPY: 2,
  GBP: 5,
  CHF: 4,
  CNY: 4,
  HKD: 4,
  SGD: 4,
  KRW: 2,
  AED: 4,
  SAR: 4,
  KWD: 5,
  BHD: 5,
};
const codes = Object.keys(base);
let seed = 20261201;
const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648 - 0.5;
const level = { ...base };
const rows = [];
for (
  let d = new Date('2023-01-02T00:00:00Z');
  d <= new Date('2027-12-31T00:00:00Z');
  d.setUTCDate(d.getUTCDate() + 1)
) {
  const wd = d.getUTCDay();
  if (wd === 0 || wd === 6) continue;
  const shock = next() * 0.006;
  const cells = codes.map((c) => {
    level[c] = level[c] * (1 + shock + next() * 0.004 - (level[c] / base[c] - 1) * 0.02);
    return level[c].toFixed(decimals[c]);
  });
  rows.push(`${d.toISOString().slice(0, 10)},${cells.join(',')},`);
}
rows.reverse();
const out = path.join(import.meta.dirname, '..', 'fixtures', 'fx', 'eurofxref-sample.csv');
writeFileSync(out, `Date,${codes.join(',')},\n${rows.join('\n')}\n`);
console.log(`${rows.length} days written to ${out}`);
