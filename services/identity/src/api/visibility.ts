import { can, canReadClientOf, type Principal, type ResourceScope } from '@maison/auth';

/**
 * How much of a client's identifiers a caller sees, from @maison/auth's policy:
 *
 * - `full` — the caller may read this client (`client:read` over its home region, its stores or
 *   its client book: the associate who serves the client, the store or regional manager, admin).
 * - `masked` — the caller reads clients, but not this one (an associate looking up a traveller
 *   from another boutique), or handles privacy requests (compliance): that the identifiers exist,
 *   their types and masks (`j•••@example.com`), never the values.
 * - `none` — integration tokens (ingestion only) and anyone else: no client at all.
 */
export type Visibility = 'full' | 'masked' | 'none';

export function visibilityOf(principal: Principal, scope: ResourceScope): Visibility {
  if (canReadClientOf(principal, scope)) return 'full';
  if (can(principal, 'client:read') || can(principal, 'privacy:requests')) return 'masked';
  return 'none';
}

/** May the caller see clients at all (lookups, the Client entity)? */
export function seesClients(principal: Principal): boolean {
  return can(principal, 'client:read') || can(principal, 'privacy:requests');
}
