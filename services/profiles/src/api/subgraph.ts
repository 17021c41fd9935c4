import { readFileSync } from 'node:fs';
import path from 'node:path';
import { requirePrincipal } from '@maison/auth';
import type { NoteVisibility } from '@maison/event-contracts';
import type { GraphQLContext, SubgraphResolvers } from '@maison/runtime';
import { ForbiddenError } from '@maison/service-kit';
import { gql } from 'graphql-tag';
import type { DocumentNode } from 'graphql';
import type { ClientAccess, ProfilesApp } from '../application.js';
import type { BookRole } from '../client-book/client-book.events.js';
import type { FieldWrite } from '../profile/profile.decider.js';
import type { ProfileRow } from '../queries/read-model.queries.js';
import type { ClientBookView, ProfileView } from '../views.js';

/** The subgraph SDL, schema first: `services/profiles/schema.graphql`. */
export const SCHEMA_PATH = path.join(import.meta.dirname, '..', '..', 'schema.graphql');

export function loadTypeDefs(): DocumentNode {
  return gql(readFileSync(SCHEMA_PATH, 'utf8'));
}

interface ClientRef {
  readonly id: string;
  /** Preloaded by lists of this subgraph, with the client's scope. */
  readonly row?: ProfileRow;
  readonly scope?: ClientAccess['scope'];
}

type Nullable<T> = T | null | undefined;

interface NamePartsInput {
  given?: Nullable<string>;
  family?: Nullable<string>;
  full?: Nullable<string>;
}

interface ProfileUpdateInput {
  nativeName?: Nullable<NamePartsInput>;
  latinName?: Nullable<NamePartsInput>;
  salutation?: Nullable<string>;
  title?: Nullable<string>;
  languages?: Nullable<string[]>;
  homeRegion?: Nullable<string>;
  homeStoreId?: Nullable<string>;
  country?: Nullable<string>;
  timeZone?: Nullable<string>;
  birthday?: Nullable<{ day: number; month: number; year?: Nullable<number> }>;
  importantDates?: Nullable<
    {
      kind: string;
      label?: Nullable<string>;
      day: number;
      month: number;
      year?: Nullable<number>;
    }[]
  >;
  sizes?: Nullable<{ category: string; value?: Nullable<string> }[]>;
  colours?: Nullable<string[]>;
  materials?: Nullable<string[]>;
  categories?: Nullable<string[]>;
  collections?: Nullable<string[]>;
  preferredChannel?: Nullable<string>;
  contactHours?: Nullable<{ from: string; to: string; days?: Nullable<number[]> }>;
  vipFlags?: Nullable<string[]>;
}

/** GraphQL passes explicit nulls inside input objects; the profile's values simply omit them. */
function dropNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(dropNulls);
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== null && v !== undefined)
        .map(([k, v]) => [k, dropNulls(v)]),
    );
  return value;
}

/** The input's fields as profile field writes: absent = unchanged, null = clear. */
export function writesOf(input: ProfileUpdateInput): FieldWrite[] {
  const writes: FieldWrite[] = [];
  const put = (field: string, value: unknown) => {
    if (value !== undefined)
      writes.push({ field, value: value === null ? null : dropNulls(value) });
  };
  put('name.native', input.nativeName);
  put('name.latin', input.latinName);
  put('salutation', input.salutation);
  put('title', input.title);
  put('languages', input.languages);
  put('homeRegion', input.homeRegion);
  put('homeStoreId', input.homeStoreId);
  put('country', input.country);
  put('timeZone', input.timeZone);
  put('birthday', input.birthday);
  put('importantDates', input.importantDates);
  for (const s of input.sizes ?? []) put(`sizes.${s.category}`, s.value ?? null);
  put('preferences.colours', input.colours);
  put('preferences.materials', input.materials);
  put('preferences.categories', input.categories);
  put('preferences.collections', input.collections);
  put('communication.channel', input.preferredChannel);
  put('communication.hours', input.contactHours);
  put('vipFlags', input.vipFlags);
  return writes;
}

const who = (c: GraphQLContext) => requirePrincipal(c.principal);

/**
 * Enum defaults declared in the SDL (`role: ProfileBookRole = PRIMARY`) reach resolvers as the
 * GraphQL name, not the internal value the enum resolver maps: accept both.
 */
export function bookRole(value: string | null | undefined): BookRole {
  return value === 'secondary' || value === 'SECONDARY' ? 'secondary' : 'primary';
}

type ProfileParent = ProfileView;
type BirthdayParent = NonNullable<ProfileView['birthday']> & { readonly yearHidden: boolean };

export function resolvers(app: ProfilesApp): SubgraphResolvers {
  const profileOf = async (ref: ClientRef, c: GraphQLContext) =>
    ref.row && ref.scope
      ? app.profileFromRow(who(c), ref.row, ref.scope)
      : app.profile(who(c), ref.id);
  return {
    Client: {
      __resolveReference: (ref: ClientRef) => ({ id: ref.id }),
      profile: (ref: ClientRef, _: unknown, c: GraphQLContext) => profileOf(ref, c),
      clientBook: (ref: ClientRef, _: unknown, c: GraphQLContext) => app.clientBook(who(c), ref.id),
      notes: (ref: ClientRef, args: { visibility?: NoteVisibility | null }, c: GraphQLContext) =>
        app.notes(who(c), ref.id, args.visibility ?? undefined),
    },
    Profile: {
      birthday: (p: ProfileParent): BirthdayParent | null =>
        p.birthday === null
          ? null
          : { ...p.birthday, yearHidden: p.hidden.includes('birthday.year') },
      vipFlags: (p: ProfileParent) => {
        if (p.vipFlags === undefined && p.hidden.includes('vipFlags'))
          throw new ForbiddenError('VIP flags are for the client book and managers.');
        return p.vipFlags ?? [];
      },
      provenance: (p: ProfileParent) => {
        if (p.provenance === undefined) throw new ForbiddenError('Provenance is for managers.');
        return p.provenance;
      },
    },
    ProfileBirthday: {
      year: (b: BirthdayParent) => {
        if (b.yearHidden)
          throw new ForbiddenError('The birth year is for the client book and managers.');
        return b.year ?? null;
      },
    },
    ProfileClientBook: {
      history: (book: ClientBookView, args: { first: number }, c: GraphQLContext) =>
        app.bookHistory(who(c), book.clientId, args.first),
    },
    ProfileOccasion: {
      client: (o: { clientId: string }) => ({ id: o.clientId }),
    },
    ProfileLapsedClient: {
      client: (o: { clientId: string }) => ({ id: o.clientId }),
    },
    ProfileVisitingClient: {
      client: (o: { clientId: string }) => ({ id: o.clientId }),
    },
    Query: {
      myClients: (
        _: unknown,
        args: { first: number; after?: string | null; search?: string | null },
        c: GraphQLContext,
      ) =>
        app.myClients(who(c), {
          first: args.first,
          after: args.after ?? undefined,
          search: args.search ?? undefined,
        }),
      searchClients: (
        _: unknown,
        args: { first: number; after?: string | null; search: string },
        c: GraphQLContext,
      ) =>
        app.searchClients(who(c), {
          first: args.first,
          after: args.after ?? undefined,
          search: args.search,
        }),
      upcomingOccasions: (_: unknown, args: { days: number; first: number }, c: GraphQLContext) =>
        app.upcomingOccasions(who(c), args.days, args.first),
      lapsedClients: (_: unknown, args: { days: number; first: number }, c: GraphQLContext) =>
        app.lapsedClients(who(c), args.days, args.first),
      visitingClients: (_: unknown, args: { days: number; first: number }, c: GraphQLContext) =>
        app.visitingClients(who(c), args.days, args.first),
      clientBookReassignment: (_: unknown, args: { id: string }, c: GraphQLContext) =>
        app.reassignment(who(c), args.id),
    },
    Mutation: {
      updateProfile: (
        _: unknown,
        args: { clientId: string; input: ProfileUpdateInput },
        c: GraphQLContext,
      ) => app.updateProfile(who(c), args.clientId, writesOf(args.input), c.requestId),
      addProfileNote: (
        _: unknown,
        args: {
          clientId: string;
          text: string;
          visibility: NoteVisibility;
          storeId?: string | null;
        },
        c: GraphQLContext,
      ) =>
        app.addNote(
          who(c),
          args.clientId,
          { text: args.text, visibility: args.visibility, storeId: args.storeId ?? undefined },
          c.requestId,
        ),
      assignClient: (
        _: unknown,
        args: {
          clientId: string;
          associateId: string;
          storeId: string;
          role?: string | null;
          reason?: string | null;
        },
        c: GraphQLContext,
      ) =>
        app.assign(
          who(c),
          args.clientId,
          {
            associateId: args.associateId,
            storeId: args.storeId,
            role: bookRole(args.role),
            reason: args.reason ?? undefined,
          },
          c.requestId,
        ),
      unassignClient: (
        _: unknown,
        args: { clientId: string; associateId: string; reason: string },
        c: GraphQLContext,
      ) => app.unassign(who(c), args.clientId, args.associateId, args.reason, c.requestId),
      addClientBookStore: (
        _: unknown,
        args: { clientId: string; storeId: string },
        c: GraphQLContext,
      ) => app.addBookStore(who(c), args.clientId, args.storeId, c.requestId),
      removeClientBookStore: (
        _: unknown,
        args: { clientId: string; storeId: string; reason: string },
        c: GraphQLContext,
      ) => app.removeBookStore(who(c), args.clientId, args.storeId, args.reason, c.requestId),
      reassignClientBook: (
        _: unknown,
        args: {
          fromAssociateId: string;
          toAssociateId: string;
          toStoreId: string;
          roles?: string[] | null;
          reason: string;
        },
        c: GraphQLContext,
      ) =>
        app.requestReassignment(
          who(c),
          { ...args, roles: (args.roles ?? ['primary', 'secondary']).map(bookRole) },
          c.requestId,
        ),
    },
    ProfileNoteVisibility: { PRIVATE: 'private', STORE: 'store', BRAND: 'brand' },
    ProfileChannel: {
      EMAIL: 'email',
      SMS: 'sms',
      PHONE: 'phone',
      WHATSAPP: 'whatsapp',
      WECHAT: 'wechat',
      KAKAOTALK: 'kakaotalk',
      LINE: 'line',
      IN_STORE: 'in_store',
    },
    ProfileSourceKind: {
      STEWARD: 'steward',
      ASSOCIATE: 'associate',
      POS: 'pos',
      ECOMMERCE: 'ecommerce',
      LOYALTY: 'loyalty',
      IMPORT: 'import',
    },
    ProfileBookRole: { PRIMARY: 'primary', SECONDARY: 'secondary' },
    ProfileBookChange: {
      ASSIGNED: 'assigned',
      UNASSIGNED: 'unassigned',
      STORE_ADDED: 'store_added',
      STORE_REMOVED: 'store_removed',
    },
    ProfileOccasionKind: { BIRTHDAY: 'birthday', ANNIVERSARY: 'anniversary', CUSTOM: 'custom' },
    ProfileImportantDateKind: { ANNIVERSARY: 'anniversary', CUSTOM: 'custom' },
    ProfileReassignmentStatus: { PENDING: 'pending', RUNNING: 'running', COMPLETED: 'completed' },
  };
}
