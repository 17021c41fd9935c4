// RFC 9457 problem details: the one shape every HTTP error leaves the service in.
import { STATUS_CODES } from 'node:http';
import { ApplicationError, ValidationError } from './errors.js';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export interface ProblemDetails {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail?: string;
  readonly instance?: string;
  readonly [extension: string]: unknown;
}

export function problemType(kind: string): string {
  return `urn:maison:problem:${kind}`;
}

export interface ProblemContext {
  /** The request path (never the query string, which may carry personal data). */
  readonly instance?: string;
  readonly requestId?: string;
}

export interface MappedProblem {
  readonly problem: ProblemDetails;
  /** True when the error was not one we expected; it must be logged with its stack. */
  readonly unexpected: boolean;
}

/** Errors raised by express' body parser (`http-errors` instances with a `type` tag). */
interface HttpLibraryError {
  readonly status?: unknown;
  readonly statusCode?: unknown;
  readonly expose?: unknown;
  readonly type?: unknown;
  readonly limit?: unknown;
  readonly message?: unknown;
}

function httpStatusOf(error: HttpLibraryError): number | undefined {
  const status = error.status ?? error.statusCode;
  return typeof status === 'number' && status >= 400 && status <= 599 ? status : undefined;
}

function withContext(problem: ProblemDetails, context: ProblemContext): ProblemDetails {
  return {
    ...problem,
    ...(context.instance === undefined ? {} : { instance: context.instance }),
    ...(context.requestId === undefined ? {} : { requestId: context.requestId }),
  };
}

/** The standard problem for a bare HTTP status (RFC 9457 §4.2.1: `about:blank`). */
export function statusProblem(status: number, detail?: string): ProblemDetails {
  return {
    type: 'about:blank',
    title: STATUS_CODES[status] ?? 'Error',
    status,
    ...(detail === undefined ? {} : { detail }),
  };
}

function fromApplicationError(error: ApplicationError): ProblemDetails {
  const problem: ProblemDetails = {
    type: problemType(error.kind),
    title: error.title,
    status: error.status,
    detail: error.message,
  };
  if (error instanceof ValidationError) return { ...problem, errors: error.errors };
  return problem;
}

/**
 * The event store's `ConcurrencyError` (the stream moved on since the caller read it), recognised
 * by its shape so the kit needs no dependency on the store: one error class, mapped once here.
 */
interface StoreConcurrencyError extends Error {
  readonly expected: unknown;
  readonly actual: unknown;
}

function isStoreConcurrencyError(error: unknown): error is StoreConcurrencyError {
  return (
    error instanceof Error &&
    error.name === 'ConcurrencyError' &&
    'expected' in error &&
    'actual' in error
  );
}

function fromConcurrencyError(error: StoreConcurrencyError): ProblemDetails {
  const revision = (value: unknown): string | undefined =>
    typeof value === 'number' || typeof value === 'bigint' || typeof value === 'string'
      ? value.toString()
      : undefined;
  const expected = revision(error.expected);
  const actual = revision(error.actual);
  return {
    type: problemType('concurrency'),
    title: 'Concurrent modification',
    status: 409,
    detail: 'The resource changed since it was read; reload it and retry.',
    ...(expected === undefined ? {} : { expectedRevision: expected }),
    ...(actual === undefined ? {} : { actualRevision: actual }),
  };
}

function fromHttpLibraryError(error: HttpLibraryError, status: number): ProblemDetails {
  switch (error.type) {
    case 'entity.parse.failed':
      // The parser's own message quotes the body, which may hold personal data.
      return {
        type: problemType('malformed-body'),
        title: 'Malformed request body',
        status: 400,
        detail: 'The request body is not valid JSON.',
      };
    case 'entity.too.large':
      return {
        type: problemType('payload-too-large'),
        title: 'Payload too large',
        status: 413,
        detail:
          typeof error.limit === 'number'
            ? `The request body exceeds the limit of ${error.limit} bytes.`
            : 'The request body is too large.',
      };
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return {
        type: problemType('unsupported-media-type'),
        title: 'Unsupported media type',
        status: 415,
        detail: typeof error.message === 'string' ? error.message : 'Unsupported content encoding.',
      };
    default:
      return statusProblem(
        status,
        error.expose === true && typeof error.message === 'string' ? error.message : undefined,
      );
  }
}

/**
 * Maps anything thrown while handling a request to a problem. Typed application errors and
 * client errors from the HTTP layer keep their status and message; anything else becomes a 500
 * that reveals nothing about the internals.
 */
export function toProblem(error: unknown, context: ProblemContext = {}): MappedProblem {
  if (error instanceof ApplicationError) {
    return { problem: withContext(fromApplicationError(error), context), unexpected: false };
  }
  if (isStoreConcurrencyError(error)) {
    return { problem: withContext(fromConcurrencyError(error), context), unexpected: false };
  }
  if (typeof error === 'object' && error !== null) {
    const status = httpStatusOf(error);
    if (status !== undefined && status < 500) {
      return {
        problem: withContext(fromHttpLibraryError(error, status), context),
        unexpected: false,
      };
    }
  }
  const internal: ProblemDetails = {
    type: problemType('internal'),
    title: 'Internal server error',
    status: 500,
    detail: 'An unexpected error occurred. Quote the request id when reporting it.',
  };
  return { problem: withContext(internal, context), unexpected: true };
}
