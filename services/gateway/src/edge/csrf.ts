import type { IncomingHttpHeaders } from 'node:http';

/** Headers a browser cannot send cross-site without a CORS preflight. */
export const CSRF_HEADERS = ['x-maison-csrf', 'apollo-require-preflight'] as const;

const SIMPLE_TYPES = new Set([
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data',
]);

/**
 * Apollo Server's CSRF rule: a request a browser could send cross-site without a preflight — no
 * content type or a "simple" one (`text/plain`, form encodings), and no custom header — must not
 * run an operation. So every GET needs `x-maison-csrf` (or Apollo's `apollo-require-preflight`),
 * and a POST needs `application/json`.
 */
export function isPreflighted(headers: IncomingHttpHeaders): boolean {
  if (CSRF_HEADERS.some((h) => headers[h] !== undefined)) return true;
  const type = headers['content-type'];
  if (type === undefined) return false;
  const mime = type.split(';', 1)[0]?.trim().toLowerCase() ?? '';
  return mime !== '' && !SIMPLE_TYPES.has(mime);
}
