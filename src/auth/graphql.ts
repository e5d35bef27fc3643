/** Users, API keys and the viewer. Admin operations need the admin token. */
import type { Db } from '../db/index.ts';
import type { ApiKeyRow, UserRow } from '../db/types.ts';
import { builder } from '../graphql/builder.ts';
import { badUserInput, notFound } from '../graphql/errors.ts';
import { createApiKey, revokeApiKey } from './api-keys.ts';
import { createUser, findUser, isUuid, userNameSchema } from './users.ts';

export const UserRef = builder.objectRef<UserRow>('User').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    createdAt: t.field({ type: 'DateTime', resolve: (user) => user.created_at }),
  }),
});

export const ApiKeyRef = builder.objectRef<ApiKeyRow>('ApiKey').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    prefix: t.exposeString('prefix', { description: 'The visible start of the key, to tell keys apart.' }),
    userId: t.exposeID('user_id'),
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

export async function requireUser(context: { services: { db: Db } }, id: string) {
  const user = await findUser(context.services.db, id);
  if (!user) throw notFound('User', id);
  return user;
}

builder.queryField('viewer', (t) =>
  t.field({
    type: UserRef,
    description: 'The user the API key belongs to.',
    authScopes: { user: true },
    resolve: (_root, _args, context) =>
      requireUser(context, context.viewer!.kind === 'user' ? context.viewer!.userId : ''),
  }),
);

builder.mutationFields((t) => ({
  createUser: t.field({
    type: UserRef,
    authScopes: { admin: true },
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
  createApiKey: t.field({
    type: CreatedApiKeyRef,
    authScopes: { admin: true },
    args: { userId: t.arg.id({ required: true }) },
    resolve: (_root, { userId }, context) =>
      context.services.db.transaction().execute(async (trx) => {
        const user = await findUser(trx, String(userId));
        if (!user) throw notFound('User', String(userId));
        const created = await createApiKey(trx, user.id);
        const apiKey = await trx
          .selectFrom('api_keys')
          .selectAll()
          .where('id', '=', created.id)
          .executeTakeFirstOrThrow();
        return { key: created.key, apiKey };
      }),
  }),
  revokeApiKey: t.field({
    type: ApiKeyRef,
    authScopes: { admin: true },
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, context) => {
      const key = isUuid(String(id))
        ? await context.services.db
            .transaction()
            .execute((trx) => revokeApiKey(trx, String(id), context.services.now()))
        : undefined;
      if (!key) throw notFound('API key', String(id));
      await context.services.keys.announceRevocation(key.id);
      return key;
    },
  }),
}));
