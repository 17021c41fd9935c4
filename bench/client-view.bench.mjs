// Client view: one federated query (identities + profile + consents + last 20 transactions +
// spend + 10 recommendations) through the gateway, served by both engines (Hive Gateway and
// @apollo/gateway) over the same supergraph and subgraphs, in the same run; raw baseline: the
// identity subgraph queried directly (one subgraph, no federation). Load comes from a second
// process (autocannon flat out, an evenly spaced open-loop generator at fixed rates); the gateway
// and the subgraphs run in processes of their own (NODE_ENV=production, the gateway in production
// mode with the client view allow-listed), and the CPU each uses per request is reported too.
//   npm run bench -- client-view [--sizes 50,100]      (sizes = the fixed request rates)
// BENCH_DURATION_SECONDS (10) per measurement, BENCH_ROUNDS (3) of flat-out runs per target.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { createInterface } from 'node:readline';
import path from 'node:path';
import { createDevIssuer } from '@maison/auth/dev';
import { composeSupergraph, fetchSubgraphs } from '@maison/gateway';
import { CLIENT_VIEW_QUERY } from '@maison/gateway/testing';

const DURATION = Number(process.env.BENCH_DURATION_SECONDS ?? 10);
const WARMUP = 2;
const CONNECTIONS = 32;
const dir = import.meta.dirname;
const node = ['--conditions=@maison/source', '--import', 'tsx'];

function child(script, args, env = {}) {
  const proc = spawn(process.execPath, [...node, path.join(dir, 'client-view', script), ...args], {
    // production: graphql-js and the engines take their fast paths, as they would in production
    env: { ...process.env, NODE_ENV: 'production', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: proc.stdout });
  const first = new Promise((resolve, reject) => {
    lines.once('line', (line) => resolve(JSON.parse(line)));
    proc.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
  return { proc, first };
}

/** CPU time (ms) a child process has used so far (Linux /proc); 0 without one. */
function cpuMs(pid) {
  if (pid === undefined) return 0;
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime, in clock ticks (100/s)
}

let subgraphPid;
let gatewayPid;
async function load(url, body, headers, { rate, durationSeconds = DURATION } = {}) {
  const before = { gateway: cpuMs(gatewayPid), subgraphs: cpuMs(subgraphPid) };
  const { first } = child('load.mjs', [
    JSON.stringify({ url, body, headers, connections: CONNECTIONS, durationSeconds, rate }),
  ]);
  const r = await first;
  const per = (ms) => (r.requests === 0 ? null : Number((ms / r.requests).toFixed(2)));
  return {
    ...r,
    // CPU per answered request: robust to a noisy shared machine, unlike absolute throughput
    gatewayCpuMsPerRequest: per(cpuMs(gatewayPid) - before.gateway),
    subgraphCpuMsPerRequest: per(cpuMs(subgraphPid) - before.subgraphs),
  };
}

const IDENTITY_QUERY = `query ClientIdentity($id: ID!) {
  client(id: $id) { id homeRegion identities { type masked source verified linkedAt } }
}`;

async function startTarget(target, env) {
  if (!target.engine) return { url: target.url, stop: () => undefined };
  const gateway = child('gateway.mjs', [], {
    ...env,
    BENCH_ENGINE: target.engine,
    BENCH_HIVE_RUNTIME: target.hiveRuntime ?? '',
  });
  gatewayPid = gateway.proc.pid;
  const { url } = await gateway.first;
  return {
    url: `${url}/graphql`,
    stop: () => {
      gatewayPid = undefined;
      gateway.proc.kill('SIGTERM');
    },
  };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const load1 = () => Number(loadavg()[0].toFixed(2));

export async function run({ sizes } = {}) {
  const rates = sizes ?? [50, 100];
  const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
  const issuer = 'https://bench.maison.local';
  const audience = 'maison-api';
  const dev = await createDevIssuer({ issuer, audience });
  const jwks = dev.jwks();
  const token = await dev.mintToken(
    { role: 'associate', associateId: 'A-0', storeIds: ['PAR-01'] },
    { ttlSeconds: 3600 },
  );
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
  const auth = JSON.stringify({ jwks, issuer, audience });
  const subgraphs = child('subgraphs.mjs', [], { BENCH_AUTH: auth });
  const supergraphFile = path.join(tmpdir(), `maison-bench-supergraph-${process.pid}.graphql`);
  const byTarget = new Map();
  try {
    const { urls } = await subgraphs.first;
    subgraphPid = subgraphs.proc.pid;
    writeFileSync(supergraphFile, composeSupergraph(await fetchSubgraphs(urls)));
    const env = { BENCH_AUTH: auth, BENCH_SUPERGRAPH: supergraphFile };
    const viewBody = JSON.stringify({ query: CLIENT_VIEW_QUERY, variables: { id: 'client-7' } });
    const targets = [
      {
        name: 'baseline',
        label: 'baseline: identity subgraph queried directly',
        url: urls.identity,
        body: JSON.stringify({ query: IDENTITY_QUERY, variables: { id: 'client-7' } }),
      },
      {
        name: 'hive',
        label: 'hive (Hive Gateway, Hive Router query planner)',
        engine: 'hive',
        hiveRuntime: 'router',
        body: viewBody,
      },
      { name: 'apollo', label: 'apollo (@apollo/gateway)', engine: 'apollo', body: viewBody },
      {
        name: 'hive-stitching',
        label: 'hive-stitching (Hive Gateway, stitching runtime)',
        engine: 'hive',
        hiveRuntime: 'stitching',
        body: viewBody,
      },
    ];
    for (const t of targets) byTarget.set(t.name, { target: t.label, max: [], fixed: [] });

    // Flat out, in alternating rounds: the machine is shared and noisy, so each engine gets the
    // same chances and the best round counts (the median is kept too).
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? targets : [...targets].reverse();
      for (const target of order) {
        const started = await startTarget(target, env);
        try {
          const check = await fetch(started.url, { method: 'POST', headers, body: target.body });
          const sample = await check.json();
          if (check.status !== 200 || sample.errors)
            throw new Error(`${target.name}: ${JSON.stringify(sample).slice(0, 400)}`);
          byTarget.get(target.name).responseBytes = JSON.stringify(sample).length;
          await load(started.url, target.body, headers, { durationSeconds: WARMUP });
          const loadBefore = load1();
          const max = await load(started.url, target.body, headers);
          byTarget.get(target.name).max.push({ round, loadavg1: loadBefore, ...max });
          console.log(
            `round ${round + 1} ${target.name}: ${max.throughput} req/s flat out (${CONNECTIONS} connections, p99 ${max.p99} ms), ` +
              `CPU/request gateway ${max.gatewayCpuMsPerRequest} ms, subgraphs ${max.subgraphCpuMsPerRequest} ms, load ${loadBefore}`,
          );
        } finally {
          started.stop();
        }
      }
    }
    // Fixed rates, evenly spaced, each engine (and the baseline) in turn.
    for (const target of targets) {
      const started = await startTarget(target, env);
      try {
        await load(started.url, target.body, headers, { durationSeconds: WARMUP });
        for (const rate of rates) {
          const loadBefore = load1();
          const f = await load(started.url, target.body, headers, { rate });
          byTarget.get(target.name).fixed.push({ rate, loadavg1: loadBefore, ...f });
          console.log(
            `${target.name} @${rate}/s: p50 ${f.p50} p95 ${f.p95} p99 ${f.p99} max ${f.max} ms, ${f.throughput} req/s answered, non-2xx ${f.non2xx}, errors ${f.errors}, load ${loadBefore}`,
          );
        }
      } finally {
        started.stop();
      }
    }
  } finally {
    subgraphs.proc.kill('SIGTERM');
  }
  const results = [...byTarget.values()].map((r) => ({
    ...r,
    bestThroughput: Math.max(...r.max.map((m) => m.throughput)),
    medianThroughput: median(r.max.map((m) => m.throughput)),
    medianGatewayCpuMsPerRequest: median(r.max.map((m) => m.gatewayCpuMsPerRequest ?? 0)),
    medianSubgraphCpuMsPerRequest: median(r.max.map((m) => m.subgraphCpuMsPerRequest ?? 0)),
  }));
  const [baseline, hive, apollo, stitching] = results;
  const ratio = Number((hive.bestThroughput / apollo.bestThroughput).toFixed(2));
  const cpuRatio = Number(
    (apollo.medianGatewayCpuMsPerRequest / hive.medianGatewayCpuMsPerRequest).toFixed(2),
  );
  const top = rates.at(-1);
  const p99 = (r) => r.fixed.find((f) => f.rate === top)?.p99;
  return {
    summary:
      `client-view: hive ${hive.bestThroughput} req/s = ${ratio} × @apollo/gateway (${apollo.bestThroughput} req/s), ` +
      `gateway CPU/request hive ${hive.medianGatewayCpuMsPerRequest} ms vs apollo ${apollo.medianGatewayCpuMsPerRequest} ms (${cpuRatio}×); ` +
      `p99 @${top}/s hive ${p99(hive)} ms, apollo ${p99(apollo)} ms; ` +
      `hive stitching runtime ${stitching.bestThroughput} req/s; ` +
      `baseline (identity subgraph direct) ${baseline.bestThroughput} req/s`,
    results: {
      rates,
      rounds,
      durationSeconds: DURATION,
      connections: CONNECTIONS,
      hiveOverApollo: ratio,
      gatewayCpuApolloOverHive: cpuRatio,
      targets: results,
    },
  };
}
