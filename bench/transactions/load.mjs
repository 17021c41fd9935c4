// The ingest benchmark's load generator, in its own process. Sends POS sales to the transactions
// service's REST edge, each with a fresh source transaction id (`<run>-<n>`), and prints one JSON
// line. Modes:
//   flat   — closed loop: `connections` requests in flight, each `batch` records
//            (`POST /v1/transactions` when batch = 1, `POST /v1/transactions:batch` otherwise),
//            until `total` records are accepted;
//   rate   — open loop: single POSTs at `rate` per second, evenly spaced, for `total` records;
//            each response timed from when it was due (no coordinated omission).
// `startedAt` / `dueAt(i)` let the caller time each record from its send to the read model.
import http from 'node:http';

const opts = JSON.parse(process.argv[2]);
const { url, token, run, mode, total } = opts;
const agent = new http.Agent({ keepAlive: true, maxSockets: 1024 });
const target = new URL(url);

function sale(n) {
  const currency = ['EUR', 'GBP', 'JPY', 'AED'][n % 4];
  const unit = currency === 'JPY' ? 45000 + (n % 900) * 10 : 25000 + (n % 900) * 10;
  return {
    kind: 'sale',
    sourceSystem: 'pos.bench',
    sourceTransactionId: `${run}-${n}`,
    channel: 'boutique',
    storeId: ['PAR-01', 'LON-01', 'DXB-01', 'TYO-01'][n % 4],
    region: 'EU',
    country: 'FR',
    associateId: `A-${n % 37}`,
    occurredAt: `2026-${String((n % 11) + 1).padStart(2, '0')}-${String((n % 27) + 1).padStart(2, '0')}T15:30:00+01:00`,
    currency,
    lines: [
      {
        sku: `SKU-${n % 500}`,
        name: 'Top handle bag',
        categoryPath: ['Leather goods', 'Bags'],
        quantity: 1,
        unitPrice: { amountMinor: unit, currency },
      },
    ],
    total: { amountMinor: unit, currency },
    customer: n % 10 === 0 ? [{ type: 'email', value: `client${n % 1000}@example.com` }] : [],
  };
}

function post(path, body) {
  const payload = Buffer.from(JSON.stringify(body));
  return new Promise((resolve) => {
    const req = http.request(
      {
        agent,
        hostname: target.hostname,
        port: target.port,
        path,
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': payload.length,
          authorization: token,
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode));
      },
    );
    req.on('error', () => resolve(0));
    req.end(payload);
  });
}

const pct = (sorted, p) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const round = (v) => (v === undefined ? null : Math.round(v * 100) / 100);

async function flat() {
  const batch = opts.batch ?? 1;
  const connections = opts.connections ?? 16;
  let next = 0;
  let accepted = 0;
  let failed = 0;
  const latencies = [];
  const startedAt = Date.now();
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (next < total) {
        const from = next;
        next = Math.min(total, next + batch);
        const records = [];
        for (let n = from; n < next; n++) records.push(sale(n));
        const t = performance.now();
        const status =
          batch === 1
            ? await post('/v1/transactions', records[0])
            : await post('/v1/transactions:batch', { records });
        latencies.push(performance.now() - t);
        if (status === 202) accepted += records.length;
        else failed += records.length;
      }
    }),
  );
  const seconds = (Date.now() - startedAt) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    startedAt,
    seconds,
    accepted,
    failed,
    acceptedPerSecond: Math.round(accepted / seconds),
    requestP50: round(pct(latencies, 50)),
    requestP99: round(pct(latencies, 99)),
  };
}

async function rate() {
  const perSecond = opts.rate;
  // record n is due at startAt + n / rate (epoch ms, given by the caller so it can time them too)
  const startedAt = opts.startAt ?? Date.now() + 200;
  const t0 = performance.now() + (startedAt - Date.now());
  const latencies = [];
  let accepted = 0;
  let failed = 0;
  const inflight = new Set();
  for (let n = 0; n < total; n++) {
    const due = t0 + (n * 1000) / perSecond;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const p = post('/v1/transactions', sale(n)).then((status) => {
      latencies.push(performance.now() - due);
      if (status === 202) accepted++;
      else failed++;
      inflight.delete(p);
    });
    inflight.add(p);
  }
  await Promise.all(inflight);
  const seconds = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    startedAt,
    seconds,
    accepted,
    failed,
    acceptedPerSecond: Math.round(accepted / seconds),
    requestP50: round(pct(latencies, 50)),
    requestP95: round(pct(latencies, 95)),
    requestP99: round(pct(latencies, 99)),
    requestMax: round(latencies.at(-1)),
  };
}

const result = mode === 'rate' ? await rate() : await flat();
process.stdout.write(`${JSON.stringify(result)}\n`);
agent.destroy();
