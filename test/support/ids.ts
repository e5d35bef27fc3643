/**
 * Global ids in tests. Most tests use the ids the API returns; these are for a test that starts
 * from a database row (`gid`) or looks a row up by an id the API returned (`dbId`, or `rowId` in
 * helpers that take either).
 */
import { decodeNodeId, globalId, localId, type NodeTypename } from '../../src/graphql/global-ids.ts';

export const gid = (typename: NodeTypename, databaseId: string): string => globalId(typename, databaseId);

export function dbId(typename: NodeTypename, id: string): string {
  const local = localId(typename, id);
  if (local === null) throw new Error(`${id} is not a global ${typename} id`);
  return local;
}

/** The database id behind an id from the API (a global id), or `id` itself when it already is one. */
export function rowId(id: string): string {
  return decodeNodeId(id)?.id ?? id;
}
