/**
 * API keys: `pg_` + 32 random bytes (base64url). Only a SHA-256 hash and a short visible prefix
 * are stored; the prefix finds the row, a constant-time comparison of hashes decides.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Executor } from '../db/index.ts';

export const API_KEY_PREFIX = 'pg_';
const VISIBLE_PREFIX_LENGTH = API_KEY_PREFIX.length + 10;
const API_KEY_PATTERN = /^pg_[A-Za-z0-9_-]{43}$/;
/** last_used_at is a hint for humans; writing it on every request would cost a write per call. */
const LAST_USED_RESOLUTION_MS = 60_000;

export interface CreatedApiKey {
  readonly id: string;
  readonly userId: string;
  /** Shown exactly once; never stored. */
  readonly key: string;
  readonly prefix: string;
  readonly createdAt: Date;
}

function hashKey(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

export async function createApiKey(db: Executor, userId: string): Promise<CreatedApiKey> {
  const key = `${API_KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
  const prefix = key.slice(0, VISIBLE_PREFIX_LENGTH);
  const row = await db
    .insertInto('api_keys')
    .values({ user_id: userId, prefix, key_hash: hashKey(key) })
    .returning(['id', 'created_at'])
    .executeTakeFirstOrThrow();
  return { id: row.id, userId, key, prefix, createdAt: row.created_at };
}

export interface VerifiedApiKey {
  readonly apiKeyId: string;
  readonly userId: string;
}

/** Returns the key's owner, or null for a malformed, unknown or revoked key. */
export async function verifyApiKey(db: Executor, key: string, now: Date = new Date()): Promise<VerifiedApiKey | null> {
  if (!API_KEY_PATTERN.test(key)) return null;
  const row = await db
    .selectFrom('api_keys')
    .select(['id', 'user_id', 'key_hash', 'revoked_at', 'last_used_at'])
    .where('prefix', '=', key.slice(0, VISIBLE_PREFIX_LENGTH))
    .executeTakeFirst();
  if (!row || row.revoked_at !== null) return null;
  const presented = hashKey(key);
  if (presented.length !== row.key_hash.length || !timingSafeEqual(presented, row.key_hash)) return null;
  if (!row.last_used_at || now.getTime() - row.last_used_at.getTime() > LAST_USED_RESOLUTION_MS) {
    await db.updateTable('api_keys').set({ last_used_at: now }).where('id', '=', row.id).execute();
  }
  return { apiKeyId: row.id, userId: row.user_id };
}

/** Idempotent: revoking a revoked key keeps its first revocation time. Null when no such key. */
export async function revokeApiKey(db: Executor, id: string, now: Date = new Date()) {
  await db
    .updateTable('api_keys')
    .set({ revoked_at: now })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .execute();
  return db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
}

export function constantTimeEquals(a: string, b: string): boolean {
  const left = createHash('sha256').update(a).digest();
  const right = createHash('sha256').update(b).digest();
  return timingSafeEqual(left, right);
}
