// The client-view benchmark's load generator, in its own process. Flat out: autocannon with a
// fixed number of connections (closed loop). Fixed rate: an open-loop generator that sends
// request i at t0 + i/rate, evenly spaced (autocannon's own rate limit sends each second's
// requests in one burst), and times each response from when it was due, so a stalled server
// cannot hide its queue (no coordinated omission). Prints one JSON line.
import http from 'node:http';
import autocannon from 'autocannon';

const { url, body, headers, connections, durationSeconds, rate } = JSON.parse(process.argv[2]);

function summary(samples, non2xx, errors, seconds, bytes) {
  samples.sort((a, b) => a - b);
  const pct = (p) => samples[Math.min(samples.length - 1, Math.floor((p / 100) * samples.length))];
  const round = (v) => (v === undefined ? null : Math.round(v * 100) / 100);
  return {
    requests: samples.length,
    throughput: Math.round((samples.length / seconds) * 10) / 10,
    p50: round(pct(50)),
    p95: round(pct(95)),
    p99: round(pct(99)),
    max: round(samples.at(-1)),
    non2xx,
    errors,
    avgResponseBytes: samples.length === 0 ? 0 : Math.round(bytes / samples.length),
  };
}

async function flatOut() {
  const samples = [];
  let bytes = 0;
  const instance = autocannon({
    url,
    method: 'POST',
    headers,
    body,
    connections,
    duration: durationSeconds,
  });
  instance.on('response', (_client, statusCode, resBytes, responseTime) => {
    if (statusCode === 200) {
      samples.push(responseTime);
      bytes += resBytes;
    }
  });
  const result = await instance;
  return summary(samples, result.non2xx, result.errors + result.timeouts, durationSeconds, bytes);
}

async function fixedRate() {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });
  const target = new URL(url);
  const payload = Buffer.from(body);
  const total = Math.round(rate * durationSeconds);
  const samples = [];
  let non2xx = 0;
  let errors = 0;
  let bytes = 0;
  const inflight = new Set();
  const send = (due) =>
    new Promise((resolve) => {
      const req = http.request(
        {
          host: target.hostname,
          port: target.port,
          path: target.pathname,
          method: 'POST',
          agent,
          headers: { ...headers, 'content-length': payload.length },
        },
        (res) => {
          let size = 0;
          res.on('data', (chunk) => (size += chunk.length));
          res.on('end', () => {
            if (res.statusCode === 200) {
              samples.push(performance.now() - due);
              bytes += size;
            } else non2xx++;
            resolve();
          });
        },
      );
      req.on('error', () => {
        errors++;
        resolve();
      });
      req.end(payload);
    });
  const start = performance.now() + 20;
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const p = send(due);
    inflight.add(p);
    void p.then(() => inflight.delete(p));
  }
  await Promise.all(inflight);
  agent.destroy();
  // answered per second over the whole run, backlog included: a server that falls behind shows
  // a lower rate than the one offered
  const elapsed = Math.max(durationSeconds, (performance.now() - start) / 1000);
  return summary(samples, non2xx, errors, elapsed, bytes);
}

const result = rate ? await fixedRate() : await flatOut();
process.stdout.write(`${JSON.stringify(result)}\n`);
