import { findBreakingChanges, findDangerousChanges } from 'graphql';
import { apiSchemaOf } from './compose.js';

export interface SchemaChange {
  readonly type: string;
  readonly description: string;
}

export interface SupergraphDiff {
  /** Changes that break existing clients (removed fields or types, changed types, new required args…). */
  readonly breaking: readonly SchemaChange[];
  /** Changes that may alter how existing operations behave (added enum values, new default values…). */
  readonly dangerous: readonly SchemaChange[];
}

/**
 * Compares the client-facing schemas of two supergraphs with graphql-js's own rules
 * (`findBreakingChanges`), so a change in a subgraph that breaks callers of the gateway is caught
 * before it ships, whatever the subgraph it came from.
 */
export function diffSupergraphs(previousSdl: string, nextSdl: string): SupergraphDiff {
  const previous = apiSchemaOf(previousSdl);
  const next = apiSchemaOf(nextSdl);
  const map = (changes: readonly { type: string; description: string }[]) =>
    changes.map((c) => ({ type: c.type, description: c.description }));
  return {
    breaking: map(findBreakingChanges(previous, next)),
    dangerous: map(findDangerousChanges(previous, next)),
  };
}
