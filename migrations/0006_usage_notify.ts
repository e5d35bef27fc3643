/**
 * Every change to what a user's usage figures are read from (`src/billing/usage.ts`) sends
 * `NOTIFY pixelgate_usage, '<user id>'`, so the per-instance usage cache
 * (`src/billing/usage-cache.ts`) hears of it whoever wrote it: another instance, the CLI, the
 * stale-hold sweeper, an operator in psql. NOTIFY is transactional: it is delivered once the
 * writing transaction commits, never for one rolled back, and repeats within one transaction are
 * folded into one.
 *
 * - `users` (update, delete): the limits the figures are measured against;
 * - `budget_windows` (any row change): spent, reserved and adjusted; the deployment's 'global'
 *   subject is no user's and sends nothing;
 * - `generations` (insert, delete, and an update that changes `status` or the owner): the active
 *   count — progress updates (`percent`) send nothing;
 * - `rate_limit_events` (insert, delete): the requests in the sliding minute;
 * - a TRUNCATE of any of them sends an empty payload: "forget every user".
 */
import { sql, type Kysely } from 'kysely';

/** Also `USAGE_CHANNEL` in src/billing/usage-cache.ts (migrations do not import the app). */
const CHANNEL = 'pixelgate_usage';

/** Table → the column naming the user (as text: budget windows name theirs in `subject`). */
const SOURCES = [
  { trigger: 'usage_changed', table: 'users', column: 'id', events: 'update or delete', when: '' },
  {
    trigger: 'usage_changed',
    table: 'budget_windows',
    column: 'subject',
    events: 'insert or update or delete',
    when: '',
  },
  { trigger: 'usage_changed', table: 'generations', column: 'user_id', events: 'insert or delete', when: '' },
  {
    trigger: 'usage_status_changed',
    table: 'generations',
    column: 'user_id',
    events: 'update',
    when: 'when (old.status is distinct from new.status or old.user_id is distinct from new.user_id)',
  },
  { trigger: 'usage_changed', table: 'rate_limit_events', column: 'user_id', events: 'insert or delete', when: '' },
] as const;

const TABLES = [...new Set(SOURCES.map((source) => source.table))];

function notifyFunction(table: string, column: string) {
  return sql.raw(`
    create function usage_changed_${table}() returns trigger language plpgsql as $$
    begin
      if tg_op <> 'INSERT' then
        if old.${column}::text <> 'global' then perform pg_notify('${CHANNEL}', old.${column}::text); end if;
      end if;
      if tg_op <> 'DELETE' then
        if new.${column}::text <> 'global' then perform pg_notify('${CHANNEL}', new.${column}::text); end if;
      end if;
      return null;
    end $$
  `);
}

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const table of TABLES) {
    const { column } = SOURCES.find((source) => source.table === table)!;
    await sql`${notifyFunction(table, column)}`.execute(db);
  }
  for (const { trigger, table, events, when } of SOURCES) {
    await sql
      .raw(
        `create trigger ${trigger} after ${events} on ${table}
           for each row ${when} execute function usage_changed_${table}()`,
      )
      .execute(db);
  }
  await sql
    .raw(
      `create function usage_changed_all() returns trigger language plpgsql as $$
       begin
         perform pg_notify('${CHANNEL}', '');
         return null;
       end $$`,
    )
    .execute(db);
  for (const table of TABLES) {
    await sql
      .raw(
        `create trigger usage_truncated after truncate on ${table} for each statement execute function usage_changed_all()`,
      )
      .execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const { trigger, table } of SOURCES) {
    await sql.raw(`drop trigger if exists ${trigger} on ${table}`).execute(db);
  }
  for (const table of TABLES) {
    await sql.raw(`drop trigger if exists usage_truncated on ${table}`).execute(db);
    await sql.raw(`drop function if exists usage_changed_${table}()`).execute(db);
  }
  await sql.raw('drop function if exists usage_changed_all()').execute(db);
}
