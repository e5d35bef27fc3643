/** Users (a Relay node), API keys and the viewer. Admin operations need the admin token. */
import { Kind, type GraphQLResolveInfo, type SelectionNode } from 'graphql';
import type { Db } from '../db/index.ts';
import type { ApiKeyRow, UserRow } from '../db/types.ts';
import { builder } from '../graphql/builder.ts';
import type { GraphQLContext } from '../graphql/context.ts';
import { badUserInput, notFound } from '../graphql/errors.ts';
import { localId, nodeVisibility } from '../graphql/global-ids.ts';
import { createApiKey, findApiKey, revokeApiKey } from './api-keys.ts';
import { createUser, findUser, findUsers, isUuid, userNameSchema } from './users.ts';
import { DeletedUserError } from './errors.ts';

/** Users load through one dataloader per request: a page of 100 rows naming users costs one query. */
export const UserRef = builder.loadableNode('User', {
  id: { resolve: (user: UserRow) => user.id },
  load: async (ids: string[], context) => {
    const byId = new Map((await findUsers(context.services.db, ids)).map((row) => [row.id, row]));
    return ids.map((id) => byId.get(id) ?? notFound('User', id));
  },
  fields: (t) => ({
    name: t.exposeString('name'),
    createdAt: t.field({ type: 'DateTime', resolve: (user) => user.created_at }),
  }),
});

// A user sees only themself; the admin sees everyone.
nodeVisibility<UserRow>('User', (user, viewer) => viewer?.kind === 'admin' || viewer?.userId === user.id);

export const ApiKeyRef = builder.objectRef<ApiKeyRow>('ApiKey').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    prefix: t.exposeString('prefix', { description: 'The visible start of the key, to tell keys apart.' }),
    userId: t.globalID({ resolve: (key) => ({ type: UserRef, id: key.user_id }) }),
    createdAt: t.field({ type: 'DateTime', resolve: (key) => key.created_at }),
    lastUsedAt: t.field({ type: 'DateTime', nullable: true, resolve: (key) => key.last_used_at }),
    revokedAt: t.field({ type: 'DateTime', nullable: true, resolve: (key) => key.revoked_at }),
  }),
});

const CreatedApiKeyRef = builder.objectRef<{ key: string; apiKey: ApiKeyRow }>('CreatedApiKey').implement({
  fields: (t) => ({
    key: t.exposeString('key', { description: 'The secret key. Shown only in this response; store it now.' }),
    apiKey: t.field({ type: ApiKeyRef, resolve: (created) => created.apiKey }),
  }),
});

const CreateUserInput = builder.inputType('CreateUserInput', {
  fields: (t) => ({
    name: t.string({ required: true }),
    dailyBudgetUsd: t.field({ type: 'USD', required: false }),
    monthlyBudgetUsd: t.field({ type: 'USD', required: false }),
  }),
});

function requireNonNegative(micros: number | null | undefined, path: string): number | null {
  if (micros === null || micros === undefined) return null;
  if (micros < 0) throw badUserInput(`${path} must not be negative.`, [{ path, message: 'must not be negative' }]);
  return micros;
}

/** The user a global id names; NOT_FOUND (naming the id as sent) when there is none. */
export async function requireUser(context: { services: { db: Db } }, userId: string): Promise<UserRow> {
  const user = await findUser(context.services.db, localId('User', userId) ?? '');
  if (!user) throw notFound('User', userId);
  return user;
}

/**
 * Reads the viewer's row together with what a `User` field needs, in one statement, and primes
 * that field's loader with the rest; undefined when there is no such user.
 */
export type ViewerRowReader = (context: GraphQLContext, userId: string) => Promise<UserRow | undefined>;

const viewerRowReaders = new Map<string, ViewerRowReader>();

/** The viewer's row alone, when no selected field reads it with more. */
const readUserRow: ViewerRowReader = (context, userId) => findUser(context.services.db, userId);

/**
 * When `viewer` selects `field`, its row comes from `reader` instead of a statement of its own, so
 * e.g. `{ viewer { id usage { … } } }` is one round trip, not the row's and then the field's.
 */
export function readViewerRowWith(field: string, reader: ViewerRowReader): void {
  viewerRowReaders.set(field, reader);
}

builder.queryField('viewer', (t) =>
  t.withAuth({ user: true }).field({
    type: UserRef,
    description: 'The user the API key belongs to.',
    resolve: async (_root, _args, context, info) => {
      const { userId } = context.viewer;
      const reader = (viewerRowReaders.size === 0 ? undefined : selectedReader(info)) ?? readUserRow;
      // The key was cached, but its user is gone: the same refusal as any call of theirs.
      const user = await reader(context, userId);
      if (!user) throw new DeletedUserError(userId);
      UserRef.getDataloader(context).prime(user.id, user);
      return user;
    },
  }),
);

/** The reader of the first field with one that the `viewer` field's selection names. */
function selectedReader(info: GraphQLResolveInfo): ViewerRowReader | undefined {
  const visited = new Set<string>();
  const search = (selections: readonly SelectionNode[]): ViewerRowReader | undefined => {
    for (const selection of selections) {
      if (selection.kind === Kind.FIELD) {
        const reader = viewerRowReaders.get(selection.name.value);
        if (reader) return reader;
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const reader = search(selection.selectionSet.selections);
        if (reader) return reader;
      } else if (!visited.has(selection.name.value)) {
        visited.add(selection.name.value);
        const fragment = info.fragments[selection.name.value];
        const reader = fragment && search(fragment.selectionSet.selections);
        if (reader) return reader;
      }
    }
    return undefined;
  };
  for (const node of info.fieldNodes) {
    const reader = node.selectionSet && search(node.selectionSet.selections);
    if (reader) return reader;
  }
  return undefined;
}

builder.mutationFields((t) => ({
  createUser: t.withAuth({ admin: true }).field({
    type: UserRef,
    args: { input: t.arg({ type: CreateUserInput, required: true }) },
    resolve: async (_root, { input }, context) => {
      const name = userNameSchema.safeParse(input.name);
      if (!name.success) {
        const message = name.error.issues[0]?.message ?? 'invalid';
        throw badUserInput(`input.name ${message}.`, [{ path: 'input.name', message }]);
      }
      const user = {
        name: name.data,
        dailyBudgetMicros: requireNonNegative(input.dailyBudgetUsd, 'input.dailyBudgetUsd'),
        monthlyBudgetMicros: requireNonNegative(input.monthlyBudgetUsd, 'input.monthlyBudgetUsd'),
      };
      // Validated in full above; the write and the read of the row it returns commit together.
      return context.services.db.transaction().execute((trx) => createUser(trx, user));
    },
  }),
  createApiKey: t.withAuth({ admin: true }).field({
    type: CreatedApiKeyRef,
    args: { userId: t.arg.id({ required: true }) },
    resolve: (_root, { userId }, context) =>
      context.services.db.transaction().execute(async (trx) => {
        const user = await findUser(trx, localId('User', userId) ?? '');
        if (!user) throw notFound('User', userId);
        const created = await createApiKey(trx, user.id);
        const apiKey = await findApiKey(trx, created.id);
        if (!apiKey) throw new Error(`API key ${created.id} vanished after its insert`);
        return { key: created.key, apiKey };
      }),
  }),
  revokeApiKey: t.withAuth({ admin: true }).field({
    type: ApiKeyRef,
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, context) => {
      const key = isUuid(id)
        ? await context.services.db.transaction().execute((trx) => revokeApiKey(trx, id, context.services.now()))
        : undefined;
      if (!key) throw notFound('API key', id);
      await context.services.keys.announceRevocation(key.id);
      return key;
    },
  }),
}));
