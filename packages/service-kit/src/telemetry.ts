// OpenTelemetry traces and metrics. Exports over OTLP/HTTP only when the standard
// OTEL_EXPORTER_OTLP_* variables point somewhere; tests use the in-memory mode. The settings come
// from process.env, like the OTLP exporters themselves read them (headers, timeouts, protocol).
import { createRequire } from 'node:module';
import { context, metrics, propagation, trace } from '@opentelemetry/api';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { ExpressInstrumentation } from '@opentelemetry/instrumentation-express';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  PeriodicExportingMetricReader,
  type IMetricReader,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { NodeSDK, type NodeSDKConfiguration } from '@opentelemetry/sdk-node';
import {
  BatchSpanProcessor,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';

export type TelemetryExport = 'otlp' | 'memory' | 'none';
export type Instrumentation = NodeSDKConfiguration['instrumentations'][number];

export interface TelemetryOptions {
  readonly serviceName: string;
  readonly serviceVersion?: string;
  /**
   * `auto` (default): OTLP when `OTEL_EXPORTER_OTLP_ENDPOINT` (or the per-signal
   * `..._TRACES_ENDPOINT` / `..._METRICS_ENDPOINT`) is set, nothing otherwise.
   * `memory`: keep spans and metrics in memory for tests. `none`: do not start the SDK.
   */
  readonly mode?: 'auto' | 'memory' | 'none';
  /** Added to the HTTP, express and pg instrumentations (e.g. a Kafka client's). */
  readonly instrumentations?: readonly Instrumentation[];
}

export interface InMemoryTelemetry {
  /** Spans finished so far. */
  spans(): ReadableSpan[];
  /** Collects and returns the metrics recorded so far. */
  metrics(): Promise<ResourceMetrics[]>;
  reset(): void;
}

export interface Telemetry {
  readonly exporting: TelemetryExport;
  /** Present in `memory` mode. */
  readonly memory?: InMemoryTelemetry;
  /** Flushes pending telemetry and unregisters the SDK. Safe to call twice. */
  shutdown(): Promise<void>;
}

// Modules the instrumentations patch. ESM hoists static imports, so by the time telemetry
// starts they are usually loaded already; requiring them again lets the require hooks patch the
// cached exports (express' internals and `http.Server.prototype` are shared with the ESM view).
const INSTRUMENTED_MODULES = ['http', 'https', 'express', 'pg', 'pg-pool'];

function patchLoadedModules(): void {
  const require = createRequire(import.meta.url);
  for (const name of INSTRUMENTED_MODULES) {
    try {
      require(name);
    } catch {
      // not installed next to service-kit: nothing to patch
    }
  }
}

function isSet(value: string | undefined): boolean {
  return value !== undefined && value.trim() !== '';
}

function chooseExport(options: TelemetryOptions, env: NodeJS.ProcessEnv) {
  const mode = options.mode ?? 'auto';
  if (mode !== 'auto') return { traces: mode, metrics: mode } as const;
  if (env.OTEL_SDK_DISABLED?.toLowerCase() === 'true')
    return { traces: 'none', metrics: 'none' } as const;
  const base = isSet(env.OTEL_EXPORTER_OTLP_ENDPOINT);
  const otlp = (signal: 'TRACES' | 'METRICS') =>
    env[`OTEL_${signal}_EXPORTER`]?.trim() !== 'none' &&
    (base || isSet(env[`OTEL_EXPORTER_OTLP_${signal}_ENDPOINT`]));
  return {
    traces: otlp('TRACES') ? 'otlp' : 'none',
    metrics: otlp('METRICS') ? 'otlp' : 'none',
  } as const;
}

export function startTelemetry(options: TelemetryOptions): Telemetry {
  const env = process.env;
  const chosen = chooseExport(options, env);
  if (chosen.traces === 'none' && chosen.metrics === 'none') {
    return { exporting: 'none', shutdown: () => Promise.resolve() };
  }

  const spanProcessors: SpanProcessor[] = [];
  const metricReaders: IMetricReader[] = [];
  let memory: InMemoryTelemetry | undefined;
  if (chosen.traces === 'memory') {
    const spanExporter = new InMemorySpanExporter();
    const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const reader = new PeriodicExportingMetricReader({
      exporter: metricExporter,
      exportIntervalMillis: 3_600_000,
    });
    spanProcessors.push(new SimpleSpanProcessor({ exporter: spanExporter }));
    metricReaders.push(reader);
    memory = {
      spans: () => spanExporter.getFinishedSpans(),
      metrics: async () => {
        await reader.forceFlush();
        return metricExporter.getMetrics();
      },
      reset: () => {
        spanExporter.reset();
        metricExporter.reset();
      },
    };
  }
  // The OTLP exporters read endpoint, headers, timeout and protocol settings from OTEL_* themselves.
  if (chosen.traces === 'otlp')
    spanProcessors.push(new BatchSpanProcessor({ exporter: new OTLPTraceExporter() }));
  if (chosen.metrics === 'otlp') {
    const interval = Number(env.OTEL_METRIC_EXPORT_INTERVAL ?? '');
    metricReaders.push(
      new PeriodicExportingMetricReader({
        exporter: new OTLPMetricExporter(),
        exportIntervalMillis: Number.isFinite(interval) && interval > 0 ? interval : 60_000,
      }),
    );
  }

  const sdk = new NodeSDK({
    resource: defaultResource().merge(
      resourceFromAttributes({
        [ATTR_SERVICE_NAME]: options.serviceName,
        ...(options.serviceVersion === undefined
          ? {}
          : { [ATTR_SERVICE_VERSION]: options.serviceVersion }),
      }),
    ),
    spanProcessors,
    metricReaders,
    // Logs go to stdout through pino, not through the OTel logs pipeline.
    logRecordProcessors: [],
    instrumentations: [
      new HttpInstrumentation({
        // Probes would drown the real traffic.
        ignoreIncomingRequestHook: (req) => req.url === '/healthz' || req.url === '/readyz',
      }),
      new ExpressInstrumentation(),
      new PgInstrumentation(),
      ...(options.instrumentations ?? []),
    ],
  });
  sdk.start();
  patchLoadedModules();

  let stopped: Promise<void> | undefined;
  return {
    exporting: chosen.traces === 'none' ? chosen.metrics : chosen.traces,
    ...(memory ? { memory } : {}),
    shutdown() {
      stopped ??= sdk.shutdown().finally(() => {
        // Lets a later startTelemetry in the same process register its own providers.
        trace.disable();
        metrics.disable();
        propagation.disable();
        context.disable();
      });
      return stopped;
    },
  };
}
