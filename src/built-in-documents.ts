/**
 * The trusted documents of pixelgate's own clients — the studio (graphql-codegen's
 * persisted-documents.json) and the terminal client (`cli/client-documents.ts`) — registered by every
 * serving process at start, so both run by id under `TRUSTED_DOCUMENTS=enforce`. Each build's set is
 * its own app version (named by a hash of its document ids); registering is idempotent, so a fleet
 * of processes starting together writes each version once.
 */
import { createHash } from 'node:crypto';
import studioDocuments from '../studio/src/gql/persisted-documents.json' with { type: 'json' };
import { CLIENT_DOCUMENTS } from './cli/client-documents.ts';
import type { Db } from './db/index.ts';
import { buildSchema } from './graphql/schema.ts';
import { documentChecker } from './graphql/trusted-documents.ts';
import type { Logger } from './logger.ts';
import { documentIdOf, registerDocuments, type DocumentInput } from './trusted-documents/store.ts';

export const STUDIO_APP = 'pixelgate-studio';
export const TERMINAL_CLIENT_APP = 'pixelgate-cli';

const versionOf = (documents: readonly DocumentInput[]) =>
  createHash('sha256')
    .update(
      documents
        .map((document) => document.id.replace(/^sha256:/, ''))
        .sort()
        .join('\n'),
    )
    .digest('hex')
    .slice(0, 12);

export function builtInDocuments(): Array<{ app: string; documents: DocumentInput[] }> {
  const studio = Object.entries(studioDocuments as Record<string, string>).map(([id, body]) => ({ id, body }));
  const terminal = Object.values(CLIENT_DOCUMENTS).map((body) => ({ id: documentIdOf(body), body }));
  return [
    { app: STUDIO_APP, documents: studio },
    { app: TERMINAL_CLIENT_APP, documents: terminal },
  ];
}

export async function registerBuiltInDocuments(db: Db, logger: Logger): Promise<void> {
  const check = documentChecker(buildSchema());
  for (const { app, documents } of builtInDocuments()) {
    const version = versionOf(documents);
    const { added } = await registerDocuments(db, { app, version, documents }, check);
    if (added > 0) logger.info({ app, version, added }, 'registered the trusted documents of a built-in client');
  }
}
