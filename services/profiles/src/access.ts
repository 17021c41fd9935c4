import { canReadClientOf, type Principal, type ResourceScope } from '@maison/auth';
import type { Region } from '@maison/event-contracts';
import { ForbiddenError, ValidationError } from '@maison/service-kit';

/**
 * Field and row visibility beyond "may read this client" (`@maison/auth`'s `client:read`):
 *
 * | what                                   | who                                                     |
 * | -------------------------------------- | ------------------------------------------------------- |
 * | standard profile fields                | whoever may read the client                             |
 * | restricted fields (VIP flags, birth year) | the associates of the client's book, managers, admin |
 * | provenance, ownership history          | managers (store, regional) and admin                    |
 * | private note                           | its author                                              |
 * | store note                             | the note's store (its associates and manager), its region's manager, admin |
 * | brand note                             | whoever may read the client                             |
 */

/** Who acts, as events and notes record it: the associate id, else the token subject. */
export function actorOf(principal: Principal): string {
  return principal.role === 'associate' ? principal.associateId : principal.subject;
}

export function seesRestricted(principal: Principal, scope: ResourceScope): boolean {
  if (principal.role === 'associate')
    return scope.associateIds?.includes(principal.associateId) ?? false;
  return true;
}

export function seesProvenance(principal: Principal): boolean {
  return (
    principal.role === 'store_manager' ||
    principal.role === 'regional_manager' ||
    principal.role === 'admin'
  );
}

export interface NoteAccess {
  readonly author_id: string;
  readonly store_id: string | null;
  readonly visibility: 'private' | 'store' | 'brand';
}

export function canSeeNote(
  principal: Principal,
  note: NoteAccess,
  storeRegion: (storeId: string) => Region | undefined,
): boolean {
  if (note.author_id === actorOf(principal)) return true;
  switch (note.visibility) {
    case 'private':
      return false;
    case 'store': {
      if (note.store_id === null) return false;
      const region = storeRegion(note.store_id);
      return canReadClientOf(principal, {
        storeIds: [note.store_id],
        ...(region ? { region } : {}),
      });
    }
    case 'brand':
      return true;
    default: {
      const unreachable: never = note.visibility;
      return unreachable;
    }
  }
}

/** The store a note is written from: one of the author's stores, or none for head office. */
export function noteStore(principal: Principal, requested: string | undefined): string | null {
  if (principal.role === 'associate' || principal.role === 'store_manager') {
    const store = requested ?? principal.storeIds[0];
    if (store === undefined || !principal.storeIds.includes(store))
      throw new ForbiddenError('You can only write notes from your own store.');
    return store;
  }
  return requested ?? null;
}

/** Whether the caller may put clients in a book at `storeId`. */
export function assertMayAssignAt(
  principal: Principal,
  storeId: string,
  storeRegion: Region | undefined,
): void {
  switch (principal.role) {
    case 'associate':
    case 'store_manager':
      if (!principal.storeIds.includes(storeId))
        throw new ForbiddenError('You can only assign clients to your own store.');
      return;
    case 'regional_manager':
      if (storeRegion === undefined)
        throw new ValidationError('Unknown store.', [
          { pointer: '/storeId', detail: 'is not a store of the house' },
        ]);
      if (storeRegion !== principal.region)
        throw new ForbiddenError('You can only assign clients to stores of your region.');
      return;
    case 'admin':
      return;
    case 'compliance':
    case 'integration':
      throw new ForbiddenError('Your role cannot change client books.');
    default: {
      const unreachable: never = principal;
      return unreachable;
    }
  }
}
