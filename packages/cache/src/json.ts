/**
 * What the cache stores: values that survive `JSON.stringify` → `JSON.parse` unchanged. Declare
 * cached shapes with `type` aliases (interfaces have no implicit index signature, so they do not
 * assign to the object branch).
 */
export type JsonValue =
  null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };
