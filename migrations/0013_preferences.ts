/**
 * What users teach pixelgate about the models they like (`src/preferences/`): one row per signal
 * in `model_feedback`, explicit or implicit.
 *
 * - `like` / `dislike`: a user's rating of one of their images (`rateImage`); at most one per image
 *   (rating again replaces it, `NONE` deletes it);
 * - `finalize`: a preview finalized on a model (the final's row);
 * - `download`: an image's download requested (`/images/<key>?download=1`);
 * - `cancel`: a generation canceled by its owner while it was running.
 * Implicit signals count once per image or generation. `model_id` is the model of the image's
 * generation, kept on the row so the estimator and the operators' figures read one table.
 * Every change sends `NOTIFY pixelgate_preferences, '<user id>'` (a TRUNCATE: an empty payload),
 * so each instance's preference cache drops the user however the change was made.
 */
import { sql, type Kysely } from 'kysely';

/** Also `PREFERENCES_CHANNEL` in src/preferences/cache.ts (migrations do not import the app). */
const CHANNEL = 'pixelgate_preferences';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table model_feedback (
      id bigserial primary key,
      user_id uuid not null references users (id) on delete cascade,
      model_id text not null,
      kind text not null check (kind in ('like', 'dislike', 'finalize', 'download', 'cancel')),
      image_id uuid references images (id) on delete cascade,
      generation_id uuid references generations (id) on delete cascade,
      created_at timestamptz not null default now(),
      constraint model_feedback_subject check (
        case when kind in ('like', 'dislike', 'download') then image_id is not null else generation_id is not null end
      )
    );
    create unique index model_feedback_rating on model_feedback (image_id) where kind in ('like', 'dislike');
    create unique index model_feedback_implicit_image on model_feedback (image_id, kind) where kind = 'download';
    create unique index model_feedback_implicit_generation on model_feedback (generation_id, kind)
      where kind in ('finalize', 'cancel');
    create index model_feedback_user on model_feedback (user_id, model_id);
    create index model_feedback_model on model_feedback (model_id, created_at);

    create function model_feedback_changed() returns trigger language plpgsql as $$
    begin
      if tg_op = 'TRUNCATE' then
        perform pg_notify(${sql.lit(CHANNEL)}, '');
        return null;
      end if;
      if tg_op <> 'INSERT' then perform pg_notify(${sql.lit(CHANNEL)}, old.user_id::text); end if;
      if tg_op <> 'DELETE' then perform pg_notify(${sql.lit(CHANNEL)}, new.user_id::text); end if;
      return null;
    end $$;
    create trigger model_feedback_changed after insert or update or delete on model_feedback
      for each row execute function model_feedback_changed();
    create trigger model_feedback_truncated after truncate on model_feedback
      for each statement execute function model_feedback_changed();
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    drop table if exists model_feedback;
    drop function if exists model_feedback_changed();
  `.execute(db);
}
