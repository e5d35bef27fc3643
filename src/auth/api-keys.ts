/**
 * API keys: `pg_` + 32 random bytes (base64url). Only a SHA-256 hash and a short visible prefix
 * are stored; the prefix finds the row, a constant-time comparison of hashes decides.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Executor } from '../db/index.ts';
import type { ApiKeyRow } from '../db/types.ts';

export const API_KEY_PREFIX = 'pg_';
const VISIBLE_PREFIX_LENGTH = API_KEY_PREFIX.length + 10;
export const API_KEY_PATTERN = /^pg_[A-Za-z0-9_-]{43}$/;

export interface CreatedApiKey {
  readonly id: string;
  readonly userId: string;
  /** Shown exactly once; never stored. */
  readonly key: string;
  readonly prefix: string;
  readonly createdAt: Date;
}

export function hashApiKey(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

export async function createApiKey(db: Executor, userId: string): Promise<CreatedApiKey> {
  const key = `${API_KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
  const prefix = key.slice(0, VISIBLE_PREFIX_LENGTH);
  const row = await db
    .insertInto('api_keys')
    .values({ user_id: userId, prefix, key_hash: hashApiKey(key) })
    .returning(['id', 'created_at'])
    .executeTakeFirstOrThrow();
  return { id: row.id, userId, key, prefix, createdAt: row.created_at };
}

export interface VerifiedApiKey {
  readonly apiKeyId: string;
  readonly userId: string;
}

/**
 * The key's owner (null when unknown, revoked or not matching its hash) and when it was last
 * used. Reads only; callers go through `ApiKeyCache`, which batches the `last_used_at` writes.
 */
export async function lookUpApiKey(
  db: Executor,
  key: string,
): Promise<{ verified: VerifiedApiKey | null; lastUsedAt: Date | null } | null> {
  if (!API_KEY_PATTERN.test(key)) return null;
  const row = await db
    .selectFrom('api_keys')
    .select(['id', 'user_id', 'key_hash', 'revoked_at', 'last_used_at'])
    .where('prefix', '=', key.slice(0, VISIBLE_PREFIX_LENGTH))
    .executeTakeFirst();
  if (!row) return null;
  const presented = hashApiKey(key);
  if (presented.length !== row.key_hash.length || !timingSafeEqual(presented, row.key_hash)) return null;
  if (row.revoked_at !== null) return { verified: null, lastUsedAt: row.last_used_at };
  return { verified: { apiKeyId: row.id, userId: row.user_id }, lastUsedAt: row.last_used_at };
}

/** Idempotent: revoking a revoked key keeps its first revocation time. Null when no such key. */
export async function revokeApiKey(db: Executor, id: string, now: Date = new Date()) {
  await db
    .updateTable('api_keys')
    .set({ revoked_at: now })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .execute();
  return findApiKey(db, id);
}

export async function findApiKey(db: Executor, id: string): Promise<ApiKeyRow | undefined> {
  return db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
}

export function constantTimeEquals(a: string, b: string): boolean {
  const left = createHash('sha256').update(a).digest();
  const right = createHash('sha256').update(b).digest();
  return timingSafeEqual(left, right);
}
