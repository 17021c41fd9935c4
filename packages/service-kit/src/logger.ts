// Structured JSON logs that are safe to ship to any log platform: personal data is removed by key
// (pino redaction) and, as a last line of defence, by pattern on every written line.
import { isSpanContextValid, trace } from '@opentelemetry/api';
import { pino, type DestinationStream, type LevelWithSilent, type Logger } from 'pino';

export type { Logger } from 'pino';

/** Keys whose values are personal data or credentials, wherever they appear in a log object. */
export const DEFAULT_REDACT_KEYS: readonly string[] = [
  'email',
  'emailAddress',
  'phone',
  'phoneNumber',
  'mobile',
  'name',
  'firstName',
  'lastName',
  'fullName',
  'givenName',
  'familyName',
  'address',
  'addressLine1',
  'addressLine2',
  'street',
  'postalCode',
  'dateOfBirth',
  'birthDate',
  'password',
  'passphrase',
  'secret',
  'token',
  'accessToken',
  'refreshToken',
  'idToken',
  'apiKey',
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
];

/** How deep below the top level a redacted key is still found. */
const REDACT_DEPTH = 4;
const CENSOR = '[redacted]';

function keyPaths(key: string): string[] {
  const plain = /^[A-Za-z_$][\w$]*$/.test(key);
  const paths: string[] = [];
  for (let depth = 0; depth <= REDACT_DEPTH; depth++) {
    const prefix = Array.from({ length: depth }, () => '*').join('.');
    if (plain) paths.push(prefix ? `${prefix}.${key}` : key);
    else if (prefix) paths.push(`${prefix}["${key}"]`);
  }
  return paths;
}

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;
// International format only: bare digit runs are far more often ids, counts or timestamps.
const PHONE = /\+\d[\d ().-]{6,18}\d/g;

/** Masks e-mail addresses and international phone numbers in free text. */
export function scrubPersonalData(text: string): string {
  return text.replace(EMAIL, '[email]').replace(PHONE, '[phone]');
}

export interface LoggerOptions {
  /** Service name, written as `service` on every line. */
  readonly service: string;
  readonly level?: LevelWithSilent;
  /** Extra keys to redact at any depth, on top of `DEFAULT_REDACT_KEYS`. */
  readonly redactKeys?: readonly string[];
  /** Extra exact pino redaction paths (e.g. `order.customer.note`). */
  readonly redactPaths?: readonly string[];
  /** Where lines go; stdout by default. Tests pass an in-memory stream. */
  readonly destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions): Logger {
  const keys = [...DEFAULT_REDACT_KEYS, ...(options.redactKeys ?? [])];
  const paths = [...new Set([...keys.flatMap(keyPaths), ...(options.redactPaths ?? [])])];
  return pino(
    {
      level: options.level ?? 'info',
      // `service` rather than pino's `name`, so a top-level `name` field can be redacted as PII.
      base: { service: options.service, pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths, censor: CENSOR },
      mixin() {
        const context = trace.getActiveSpan()?.spanContext();
        return context && isSpanContextValid(context)
          ? { trace_id: context.traceId, span_id: context.spanId }
          : {};
      },
      hooks: { streamWrite: scrubPersonalData },
    },
    options.destination ?? pino.destination({ dest: 1, sync: true }),
  );
}
