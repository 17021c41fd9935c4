// Withdrawal SLA (EU-WD-1): how long from submitting a withdrawal (POST /v1/clients/:id/consents
// with state withdrawn, answered 201 once accepted into the event store) until a consumer of consent.events.v1 sees
// it, through the real path: event store (PostgreSQL) → checkpointed publisher → Kafka → a plain
// kafkajs consumer. Requests go at a fixed rate. Baseline in the same run: a raw kafkajs producer →
// consumer hop with the same payload sizes at the same rate (the floor of any Kafka delivery).
// Also checks read-your-writes of the decision API: right after each accepted withdrawal,
// GET /decision must deny (counted as stale otherwise).
import { randomUUID } from 'node:crypto';
import kafkajs from 'kafkajs';
import { HEADERS, TOPICS } from '@maison/event-contracts';
import { serveModule } from '@maison/runtime';
import { createTestEnvironment } from '@maison/runtime/testing';
import { CONSENT_PRIVATE_EVENTS, createConsentService, generateDevSigner } from '@maison/consent';
import { createHash } from 'node:crypto';

const { Kafka, logLevel } = kafkajs;
const NOTICE_TEXT = 'Maison utilise votre adresse pour vous informer de ses collections.';
const sha = createHash('sha256').update(NOTICE_TEXT).digest('hex');

function percentiles(values) {
  const s = [...values].sort((a, b) => a - b);
  const at = (p) => s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
  const r = (x) => Math.round(x * 10) / 10;
  return { n: s.length, p50: r(at(50)), p95: r(at(95)), p99: r(at(99)), max: r(s.at(-1) ?? NaN) };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function fixedRate(count, rate, fn) {
  const interval = 1000 / rate;
  const start = performance.now();
  const pending = [];
  for (let i = 0; i < count; i++) {
    const due = start + i * interval;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    pending.push(fn(i));
  }
  await Promise.all(pending);
}

export async function run({ sizes } = {}) {
  const rates = sizes ?? [10, 40];
  const env = await createTestEnvironment({
    transport: 'kafka',
    eventTypes: CONSENT_PRIVATE_EVENTS,
    logLevel: 'error',
  });
  const ctx = env.contextFor('consent');
  const consent = await createConsentService(ctx, {
    signer: generateDevSigner(),
    shops: {},
    kafkaIngest: false,
  });
  await consent.start();
  const served = await serveModule(consent, ctx);
  const { testEndpoints } = await import('@maison/testing');
  const kafka = new Kafka({
    clientId: 'sla-bench',
    brokers: testEndpoints().kafkaBrokers,
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  const rawTopic = `${env.names.prefix}sla.raw`;
  await admin.createTopics({
    topics: [{ topic: rawTopic, numPartitions: 2 }],
    waitForLeaders: true,
  });
  await admin.disconnect();
  const seen = new Map();
  const consumer = kafka.consumer({
    groupId: `${env.names.prefix}sla-bench-${randomUUID().slice(0, 6)}`,
    maxWaitTimeInMs: 10,
  });
  await consumer.connect();
  await consumer.subscribe({
    topics: [env.names.topic(TOPICS.consentEvents), rawTopic],
    fromBeginning: true,
  });
  await consumer.run({
    eachMessage: async ({ message }) => {
      const id =
        message.headers?.[HEADERS.eventId]?.toString() ?? message.headers?.['raw-id']?.toString();
      if (id) seen.set(id, performance.now());
    },
  });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();

  const token = await env.auth.authorization({ role: 'admin' });
  const post = async (path, body) => {
    const res = await fetch(`${served.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: token },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: await res.json() };
  };
  const notice = await post('/v1/notices', {
    noticeId: 'privacy-eu',
    version: '1',
    language: 'fr',
    jurisdiction: 'FR',
    title: 'Privacy',
    text: NOTICE_TEXT,
    publishedAt: '2026-01-01T00:00:00Z',
  });
  if (notice.status >= 300) throw new Error(`notice: ${notice.status}`);
  const evidence = (state) => ({
    purpose: 'marketing',
    channel: 'email',
    state,
    legalBasis: 'consent',
    ...(state === 'granted'
      ? { notice: { id: 'privacy-eu', version: '1', sha256: sha, language: 'fr' } }
      : {}),
    collection: { method: 'associate', point: 'bench', storeId: 'PAR-01' },
    jurisdiction: 'FR',
    occurredAt: new Date().toISOString(),
  });

  const waitFor = async (ids, timeoutMs = 120_000) => {
    const deadline = Date.now() + timeoutMs;
    while (ids.some((id) => !seen.has(id))) {
      if (Date.now() > deadline)
        throw new Error(`${ids.filter((id) => !seen.has(id)).length} messages never arrived`);
      await sleep(20);
    }
  };

  const results = [];
  try {
    for (const rate of rates) {
      const count = Math.max(100, Math.min(1000, rate * 10));
      const clients = Array.from({ length: count }, () => `sla-${randomUUID().slice(0, 8)}`);
      // Grants first (not timed), so each withdrawal changes a real consent.
      for (let i = 0; i < clients.length; i += 25)
        await Promise.all(
          clients
            .slice(i, i + 25)
            .map((c) => post(`/v1/clients/${c}/consents`, evidence('granted'))),
        );
      await sleep(1000);
      const accepted = new Map();
      const answered = new Map();
      let stale = 0;
      await fixedRate(count, rate, async (i) => {
        // From the moment the withdrawal is submitted (its acceptance is inside this window).
        const t0 = performance.now();
        const r = await post(`/v1/clients/${clients[i]}/consents`, evidence('withdrawn'));
        if (r.status !== 201) throw new Error(`withdrawal: ${r.status}`);
        accepted.set(r.body.eventId, t0);
        answered.set(r.body.eventId, performance.now());
        const d = await fetch(
          `${served.url}/v1/clients/${clients[i]}/decision?purpose=marketing&channel=email`,
          { headers: { authorization: token } },
        );
        if ((await d.json()).allowed !== false) stale++;
      });
      await waitFor([...accepted.keys()]);
      const ours = percentiles([...accepted].map(([id, t]) => seen.get(id) - t));
      // After the 201 (negative = the consumer had it before the client read the response: 0).
      const afterAccept = percentiles(
        [...answered].map(([id, t]) => Math.max(0, seen.get(id) - t)),
      );
      const request = percentiles([...answered].map(([id, t]) => t - accepted.get(id)));

      // Raw baseline: the same number of messages of the same size at the same rate.
      const sample = JSON.stringify({
        id: randomUUID(),
        type: 'ConsentRecorded',
        data: { pad: 'x'.repeat(900) },
      });
      const sent = new Map();
      await fixedRate(count, rate, async (i) => {
        const id = randomUUID();
        sent.set(id, performance.now());
        await producer.send({
          topic: rawTopic,
          acks: -1,
          messages: [{ key: `k-${i}`, value: sample, headers: { 'raw-id': id } }],
        });
      });
      await waitFor([...sent.keys()]);
      const raw = percentiles([...sent].map(([id, t]) => seen.get(id) - t));
      const r = {
        rate,
        count,
        withdrawalToConsumerMs: ours,
        acceptedToConsumerMs: afterAccept,
        withdrawalRequestMs: request,
        rawKafkaHopMs: raw,
        p99Ratio: Math.round((ours.p99 / raw.p99) * 100) / 100,
        staleDecisions: stale,
      };
      results.push(r);
      console.log(
        `rate ${rate}/s × ${count}: submitted → consumer p50 ${ours.p50} ms, p95 ${ours.p95}, p99 ${ours.p99}, max ${ours.max}; ` +
          `201 → consumer p50 ${afterAccept.p50}, p99 ${afterAccept.p99}; request p50 ${request.p50}, p99 ${request.p99}; ` +
          `raw Kafka hop p50 ${raw.p50}, p99 ${raw.p99}; stale decisions ${stale}`,
      );
    }
  } finally {
    await consumer.disconnect();
    await producer.disconnect();
    await served.close();
    await consent.stop();
    await env.cleanup();
  }
  const worst = results.reduce((a, b) =>
    b.withdrawalToConsumerMs.p99 > a.withdrawalToConsumerMs.p99 ? b : a,
  );
  return {
    summary: `consent-sla: withdrawal submitted → visible to a consumer of consent.events.v1 p50 ${worst.withdrawalToConsumerMs.p50} ms, p99 ${worst.withdrawalToConsumerMs.p99} ms at ${worst.rate}/s (201 → consumer p99 ${worst.acceptedToConsumerMs.p99} ms; SLA 5000 ms) = ${worst.p99Ratio} × raw Kafka hop p99 (${worst.rawKafkaHopMs.p99} ms); decision API stale answers: ${results.reduce((n, r) => n + r.staleDecisions, 0)}`,
    results,
  };
}
