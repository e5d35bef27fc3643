/**
 * Global ids: every object that implements `Node` is identified in the API by one id, unique
 * across types, and every input that names one takes that id. A Generation's or a User's is
 * `base64("<Type>:<uuid>")` (the relay plugin's encoding); an ImageModel's is its slug
 * ("flux-schnell"), already unique and what people type (a base64 id never looks like a slug: it
 * starts with an upper-case letter). These helpers turn one into the other and say which nodes a
 * viewer may see through `node`/`nodes`.
 */
import { decodeGlobalID, encodeGlobalID } from '@pothos/plugin-relay';
import type { Viewer } from '../auth/viewer.ts';

export type NodeTypename = 'Generation' | 'User' | 'ImageModel';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SLUG = /^[a-z0-9][a-z0-9.-]{0,63}$/;

/** What a database id of each node type looks like; anything else is not an id of that type. */
const LOCAL_ID: Record<NodeTypename, RegExp> = { Generation: UUID, User: UUID, ImageModel: SLUG };

export function globalId(typename: NodeTypename, id: string): string {
  return typename === 'ImageModel' ? id : encodeGlobalID(typename, id);
}

/** The node type and database id inside a global id, or null when it is not one of ours. */
export function decodeNodeId(value: string): { typename: NodeTypename; id: string } | null {
  if (SLUG.test(value)) return { typename: 'ImageModel', id: value };
  try {
    const { typename, id } = decodeGlobalID(value);
    if (!Object.hasOwn(LOCAL_ID, typename) || !LOCAL_ID[typename as NodeTypename].test(id)) return null;
    if (typename === 'ImageModel') return null; // models are named by their slug alone
    return { typename: typename as NodeTypename, id };
  } catch {
    return null;
  }
}

/** The database id inside a global id of `typename`, or null when `value` is not one. */
export function localId(typename: NodeTypename, value: string): string | null {
  const decoded = decodeNodeId(value);
  return decoded?.typename === typename ? decoded.id : null;
}

type Visibility = (node: never, viewer: Viewer | null) => boolean;
const visibility = new Map<string, Visibility>();

/** Registers who may see a node type through `node`/`nodes` (unregistered types: everyone). */
export function nodeVisibility<T>(typename: NodeTypename, check: (node: T, viewer: Viewer | null) => boolean): void {
  visibility.set(typename, check as Visibility);
}

export function visibleNode(typename: string, node: unknown, viewer: Viewer | null): boolean {
  const check = visibility.get(typename);
  return check === undefined || check(node as never, viewer);
}
