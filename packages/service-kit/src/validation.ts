import type { z } from 'zod';
import { ValidationError, type FieldError } from './errors.js';

/** RFC 6901 JSON Pointer for a zod issue path. */
export function jsonPointer(path: readonly PropertyKey[]): string {
  return path
    .map((segment) => `/${String(segment).replaceAll('~', '~0').replaceAll('/', '~1')}`)
    .join('');
}

export function fieldErrors(error: z.ZodError): FieldError[] {
  return error.issues.map((issue) => ({ pointer: jsonPointer(issue.path), detail: issue.message }));
}

/**
 * Parses untrusted input (a request body, a query) or throws a `ValidationError` listing every
 * problem, which the HTTP edge turns into a 400 (or the given status) problem response.
 */
export function parseInput<S extends z.ZodType>(
  schema: S,
  input: unknown,
  options: { status?: 400 | 422; message?: string } = {},
): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new ValidationError(
    options.message ?? 'The request is invalid.',
    fieldErrors(result.error),
    {
      status: options.status ?? 400,
    },
  );
}
