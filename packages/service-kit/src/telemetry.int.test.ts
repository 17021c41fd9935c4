import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { metrics, SpanKind, trace } from '@opentelemetry/api';
import { startThrowawayPostgres, type ThrowawayPostgres } from '@maison/testing';
import { FixtureProcess } from '../test/child.js';
import { startTelemetry } from './index.js';

interface SpanSummary {
  name: string;
  kind: SpanKind;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  attributes: Record<string, unknown>;
  resource: Record<string, unknown>;
}

// OpenTelemetry patches modules through Node's own loader, which jest replaces with its module
// registry; so the HTTP part runs in a real service process and reads its in-memory telemetry.
describe('telemetry of a running service', () => {
  let db: ThrowawayPostgres;
  let fixture: FixtureProcess;
  let url: string;

  beforeAll(async () => {
    db = await startThrowawayPostgres();
    fixture = new FixtureProcess({
      FIXTURE_TELEMETRY: 'memory',
      FIXTURE_PAYLOAD_BYTES: '10',
      FIXTURE_API_KEY: 'fixture-api-key-0123456789',
      DATABASE_URL: db.url,
    });
    url = await fixture.url();
  });

  afterAll(async () => {
    fixture.signal('SIGTERM');
    await fixture.exited;
    await db.destroy();
  });

  async function recorded(): Promise<{ spans: SpanSummary[]; metrics: string[] }> {
    const response = await fetch(`${url}/test/telemetry`);
    return (await response.json()) as { spans: SpanSummary[]; metrics: string[] };
  }

  it('records a server span per HTTP request, with the route, and the database call inside it', async () => {
    const response = await fetch(`${url}/clients/c-42`, {
      headers: { 'x-request-id': 'traced-1' },
    });
    expect(response.status).toBe(200);

    const { spans } = await recorded();
    const server = spans.find(
      (s) => s.kind === SpanKind.SERVER && s.attributes['http.route'] === '/clients/:id',
    );
    expect(server).toBeDefined();
    expect(server!.name).toBe('GET /clients/:id');
    expect(server!.attributes).toMatchObject({
      'http.request.method': 'GET',
      'http.response.status_code': 200,
    });
    expect(server!.resource).toMatchObject({
      'service.name': 'fixture',
      'service.version': '0.0.1',
    });

    const query = spans.find(
      (s) => s.kind === SpanKind.CLIENT && s.attributes['db.system.name'] === 'postgresql',
    );
    expect(query?.traceId).toBe(server!.traceId);

    // Log lines written while handling the request carry its trace id.
    const line = fixture.records.find(
      (r) => r.requestId === 'traced-1' && r.msg === 'client loaded',
    );
    expect(line?.trace_id).toBe(server!.traceId);
  });

  it('continues the caller trace from an incoming traceparent', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    await fetch(`${url}/clients/c-7`, {
      headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
    });
    const { spans } = await recorded();
    const server = spans.find((s) => s.kind === SpanKind.SERVER && s.traceId === traceId);
    expect(server?.parentSpanId).toBe('00f067aa0ba902b7');
  });

  it('does not trace health probes', async () => {
    await fetch(`${url}/healthz`);
    await fetch(`${url}/readyz`);
    const { spans } = await recorded();
    expect(
      spans.filter(
        (s) => s.kind === SpanKind.SERVER && /healthz|readyz/.test(JSON.stringify(s.attributes)),
      ),
    ).toEqual([]);
  });

  it('records HTTP server metrics', async () => {
    const { metrics } = await recorded();
    expect(metrics).toContain('http.server.request.duration');
  });
});

describe('startTelemetry', () => {
  // Whatever the developer's shell exports must not decide these tests.
  const keys = [
    'OTEL_EXPORTER_OTLP_ENDPOINT',
    'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
    'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT',
    'OTEL_SDK_DISABLED',
  ];
  const saved = keys.map((key) => [key, process.env[key]] as const);
  beforeEach(() => {
    for (const key of keys) Reflect.deleteProperty(process.env, key);
  });
  afterAll(() => {
    for (const [key, value] of saved) {
      if (value === undefined) Reflect.deleteProperty(process.env, key);
      else process.env[key] = value;
    }
  });

  it('exports nothing when no OTLP endpoint is configured', async () => {
    const telemetry = startTelemetry({ serviceName: 'quiet' });
    expect(telemetry.exporting).toBe('none');
    await telemetry.shutdown();
  });

  it('exports spans and metrics over OTLP/HTTP to OTEL_EXPORTER_OTLP_ENDPOINT', async () => {
    const received: { path: string; type: string | undefined; bytes: number }[] = [];
    const collector: Server = createServer((req: IncomingMessage, res) => {
      let bytes = 0;
      req.on('data', (chunk: Buffer) => (bytes += chunk.length));
      req.on('end', () => {
        received.push({ path: req.url ?? '', type: req.headers['content-type'], bytes });
        res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    try {
      process.env.OTEL_EXPORTER_OTLP_ENDPOINT = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
      const telemetry = startTelemetry({ serviceName: 'exporting' });
      expect(telemetry.exporting).toBe('otlp');

      trace.getTracer('test').startSpan('decide').end();
      metrics.getMeter('test').createCounter('clients.registered').add(1);
      await telemetry.shutdown();

      expect(received.map((r) => r.path).sort()).toEqual(['/v1/metrics', '/v1/traces']);
      expect(received.find((r) => r.path === '/v1/traces')?.bytes).toBeGreaterThan(0);
    } finally {
      collector.closeAllConnections();
      await new Promise((resolve) => collector.close(resolve));
    }
  });
});
