/**
 * Trusted documents (persisted operations, `src/trusted-documents/`): the operations an app was
 * built with, registered per app and version. A document is stored once by its SHA-256 and linked
 * to every app version that ships it; the link's foreign key keeps a document while any app
 * version uses it, and revoking a version removes its links (and the documents no other version
 * uses) in one transaction.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table trusted_documents (
      id text primary key check (id ~ '^[0-9a-f]{64}$'),
      body text not null,
      operation_name text,
      created_at timestamptz not null default now()
    )
  `.execute(db);
  await sql`
    create table trusted_app_versions (
      app text not null check (length(app) between 1 and 100),
      version text not null check (length(version) between 1 and 100),
      registered_at timestamptz not null default now(),
      primary key (app, version)
    )
  `.execute(db);
  await sql`
    create table trusted_document_uses (
      app text not null,
      version text not null,
      document_id text not null references trusted_documents (id) on delete restrict,
      primary key (app, version, document_id),
      foreign key (app, version) references trusted_app_versions (app, version) on delete cascade
    )
  `.execute(db);
  await sql`create index trusted_document_uses_document on trusted_document_uses (document_id)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table trusted_document_uses`.execute(db);
  await sql`drop table trusted_app_versions`.execute(db);
  await sql`drop table trusted_documents`.execute(db);
}
