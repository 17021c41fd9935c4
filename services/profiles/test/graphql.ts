// GraphQL documents the tests send, as the gateway or the clienteling app would.

export const PROFILE_FIELDS = `
  clientId displayName
  name { native { given family full } latin { given family full } }
  salutation title languages homeRegion homeStoreId country timeZone
  birthday { day month year }
  importantDates { kind label day month year }
  sizes { category value }
  preferences { colours materials categories collections }
  communication { preferredChannel hours { from to days } }
  vipFlags
  provenance { field source sourceKind at rule ruleVersion reason }`;

/** Everything profiles knows of some clients, as an admin sees it. */
export const CLIENTS = `query ($reps: [_Any!]!) { _entities(representations: $reps) { ... on Client {
  id
  profile { ${PROFILE_FIELDS} }
  notes { id authorId storeId visibility text }
  clientBook { primary { associateId storeId } secondary { associateId storeId } stores { storeId } }
} } }`;

export const reps = (...ids: string[]) => ids.map((id) => ({ __typename: 'Client', id }));

export const UPDATE = `mutation ($id: ID!, $input: ProfileUpdateInput!) {
  updateProfile(clientId: $id, input: $input) { changed profile { displayName sizes { category value } } } }`;

export const NOTE = `mutation ($id: ID!, $text: String!, $visibility: ProfileNoteVisibility!) {
  addProfileNote(clientId: $id, text: $text, visibility: $visibility) { id visibility storeId } }`;

export const ASSIGN = `mutation ($id: ID!, $associate: String!, $store: String!, $role: ProfileBookRole) {
  assignClient(clientId: $id, associateId: $associate, storeId: $store, role: $role) {
    primary { associateId storeId } secondary { associateId } } }`;

export const SEARCH = `query ($q: String!, $first: Int, $after: String) { searchClients(search: $q, first: $first, after: $after) {
  edges { cursor node { id profile { displayName name { native { full given family } latin { full given family } } } } }
  pageInfo { hasNextPage endCursor } } }`;

export const MY_CLIENTS = `query ($first: Int, $after: String, $search: String) { myClients(first: $first, after: $after, search: $search) {
  edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }`;

export const OCCASIONS = `query ($days: Int) { upcomingOccasions(days: $days) {
  client { id } kind date startsAt endsAt daysUntil years timeZone movedFromLeapDay } }`;

export type ProfileJson = Record<string, unknown>;

export interface ClientJson {
  readonly id: string;
  readonly profile: ProfileJson | null;
  readonly notes: {
    id: string;
    authorId: string;
    storeId: string | null;
    visibility: string;
    text: string;
  }[];
  readonly clientBook: {
    primary: { associateId: string; storeId: string } | null;
    secondary: { associateId: string; storeId: string }[];
    stores: { storeId: string }[];
  } | null;
}
