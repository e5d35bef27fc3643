/**
 * Trusted documents (persisted operations): the operations each app version was built with,
 * stored once by the SHA-256 of their text and linked to every app version that ships them.
 * Registering checks every document first (its id is the SHA-256 of its text; the caller's
 * `check` parses and validates it against the schema) and writes nothing if any is refused.
 * Revoking a version unlinks its documents and deletes those no other version uses — a document is
 * never deleted while an app version uses it (the link's foreign key says so too), and a revoked
 * document stops running at once on every instance: lookups are not cached.
 */
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../db/index.ts';
import type { InvalidField } from '../refusal.ts';
import { AppVersionNotFoundError, DocumentRegistrationError } from './errors.ts';

/** A document id: the lowercase hex SHA-256 of the document's text. */
export const DOCUMENT_ID_PATTERN = /^[0-9a-f]{64}$/;
/** Documents one registration may carry (a large app ships a few hundred). */
export const MAX_DOCUMENTS_PER_VERSION = 5_000;
const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._+@/-]{0,99}$/;

export interface DocumentInput {
  readonly id: string;
  readonly body: string;
}

/** What the caller's check says about one document: its operation's name, or why it is refused. */
export type DocumentCheck = { readonly operationName: string | null } | { readonly refusal: string };

export const documentIdOf = (body: string): string => createHash('sha256').update(body).digest('hex');

/** An id as clients send it: with or without the `sha256:` prefix, in either letter case. */
export function normalizedDocumentId(id: string): string | null {
  const bare = id
    .trim()
    .replace(/^sha256:/i, '')
    .toLowerCase();
  return DOCUMENT_ID_PATTERN.test(bare) ? bare : null;
}

interface CheckedDocument {
  readonly id: string;
  readonly body: string;
  readonly operationName: string | null;
}

function checkAll(
  app: string,
  version: string,
  documents: readonly DocumentInput[],
  check: (body: string) => DocumentCheck,
): CheckedDocument[] {
  const invalid: InvalidField[] = [];
  if (!NAME_PATTERN.test(app)) invalid.push({ path: 'app', message: 'letters, digits and ._+@/- , at most 100' });
  if (!NAME_PATTERN.test(version))
    invalid.push({ path: 'version', message: 'letters, digits and ._+@/- , at most 100' });
  if (documents.length === 0) invalid.push({ path: 'documents', message: 'at least one document' });
  if (documents.length > MAX_DOCUMENTS_PER_VERSION)
    invalid.push({ path: 'documents', message: `at most ${MAX_DOCUMENTS_PER_VERSION} documents` });
  const checked: CheckedDocument[] = [];
  documents.slice(0, MAX_DOCUMENTS_PER_VERSION).forEach((document, index) => {
    const id = normalizedDocumentId(document.id);
    if (id === null || id !== documentIdOf(document.body)) {
      invalid.push({ path: `documents.${index}.id`, message: 'must be the SHA-256 (hex) of the document text' });
      return;
    }
    const verdict = check(document.body);
    if ('refusal' in verdict) invalid.push({ path: `documents.${index}.body`, message: verdict.refusal });
    else checked.push({ id, body: document.body, operationName: verdict.operationName });
  });
  if (invalid.length > 0) {
    throw new DocumentRegistrationError(
      `${invalid.length} problem(s) in the documents for ${app}@${version}; nothing was registered.`,
      invalid.slice(0, 50),
    );
  }
  return checked;
}

/**
 * Registers `documents` for `app`@`version` (adding to what the version already has); returns how
 * many of them were new to the server. Idempotent: registering the same file again changes nothing.
 */
export async function registerDocuments(
  db: Db,
  input: { app: string; version: string; documents: readonly DocumentInput[] },
  check: (body: string) => DocumentCheck,
): Promise<{ documents: number; added: number }> {
  const { app, version } = input;
  const checked = checkAll(app, version, input.documents, check);
  const unique = [...new Map(checked.map((document) => [document.id, document])).values()];
  return db.transaction().execute(async (trx) => {
    await trx
      .insertInto('trusted_app_versions')
      .values({ app, version })
      .onConflict((conflict) => conflict.columns(['app', 'version']).doNothing())
      .execute();
    const added = await trx
      .insertInto('trusted_documents')
      .values(unique.map(({ id, body, operationName }) => ({ id, body, operation_name: operationName })))
      .onConflict((conflict) => conflict.column('id').doNothing())
      .executeTakeFirst();
    await trx
      .insertInto('trusted_document_uses')
      .values(unique.map(({ id }) => ({ app, version, document_id: id })))
      .onConflict((conflict) => conflict.columns(['app', 'version', 'document_id']).doNothing())
      .execute();
    return { documents: unique.length, added: Number(added.numInsertedOrUpdatedRows ?? 0) };
  });
}

/**
 * Revokes `app`@`version`: its documents stop running at once unless another version ships them;
 * returns how many documents were deleted (those no version uses any more).
 */
export async function revokeAppVersion(db: Db, app: string, version: string): Promise<{ deleted: number }> {
  return db.transaction().execute(async (trx) => {
    const uses = await trx
      .deleteFrom('trusted_document_uses')
      .where('app', '=', app)
      .where('version', '=', version)
      .returning('document_id')
      .execute();
    const removed = await trx
      .deleteFrom('trusted_app_versions')
      .where('app', '=', app)
      .where('version', '=', version)
      .executeTakeFirst();
    if (Number(removed.numDeletedRows) === 0) throw new AppVersionNotFoundError(app, version);
    if (uses.length === 0) return { deleted: 0 };
    const deleted = await trx
      .deleteFrom('trusted_documents')
      .where(
        'id',
        'in',
        uses.map((use) => use.document_id),
      )
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('trusted_document_uses')
              .select(sql<number>`1`.as('one'))
              .whereRef('trusted_document_uses.document_id', '=', 'trusted_documents.id'),
          ),
        ),
      )
      .executeTakeFirst();
    return { deleted: Number(deleted.numDeletedRows) };
  });
}

export interface TrustedDocument {
  readonly id: string;
  readonly body: string;
  readonly operationName: string | null;
}

/** The document an app version in force ships under `id` (normalized), or null. One indexed read. */
export async function findTrustedDocument(db: Db, id: string): Promise<TrustedDocument | null> {
  const row = await db
    .selectFrom('trusted_documents')
    .select(['id', 'body', 'operation_name'])
    .where('id', '=', id)
    .where(({ exists, selectFrom }) =>
      exists(
        selectFrom('trusted_document_uses')
          .select(sql<number>`1`.as('one'))
          .whereRef('trusted_document_uses.document_id', '=', 'trusted_documents.id'),
      ),
    )
    .executeTakeFirst();
  return row ? { id: row.id, body: row.body, operationName: row.operation_name } : null;
}

export interface AppVersionSummary {
  readonly app: string;
  readonly version: string;
  readonly documents: number;
  readonly registeredAt: Date;
}

export async function listAppVersions(db: Db): Promise<AppVersionSummary[]> {
  const rows = await db
    .selectFrom('trusted_app_versions as v')
    .leftJoin('trusted_document_uses as u', (join) =>
      join.onRef('u.app', '=', 'v.app').onRef('u.version', '=', 'v.version'),
    )
    .select(['v.app', 'v.version', 'v.registered_at', sql<number>`count(u.document_id)::int`.as('documents')])
    .groupBy(['v.app', 'v.version', 'v.registered_at'])
    .orderBy('v.app')
    .orderBy('v.registered_at')
    .execute();
  return rows.map((row) => ({
    app: row.app,
    version: row.version,
    documents: row.documents,
    registeredAt: row.registered_at,
  }));
}
