/**
 * Admin API over trusted documents: register an app version's documents (the same check and
 * all-or-nothing write as `pixelgate documents add`), list the versions in force, revoke one.
 * A request body is bounded (GRAPHQL_MAX_BODY_BYTES), so a large manifest goes through the CLI or
 * several calls for the same version (registering adds to what the version has).
 */
import { builder } from '../graphql/builder.ts';
import { documentChecker } from '../graphql/trusted-documents.ts';
import { listAppVersions, registerDocuments, revokeAppVersion, type AppVersionSummary } from './store.ts';

const TrustedDocumentInput = builder.inputType('TrustedDocumentInput', {
  fields: (t) => ({
    id: t.string({ required: true, description: 'The SHA-256 (hex) of the text, with or without "sha256:".' }),
    body: t.string({ required: true, description: 'The document text, exactly as hashed.' }),
  }),
});

const RegisterDocumentsInput = builder.inputType('RegisterDocumentsInput', {
  fields: (t) => ({
    app: t.string({ required: true }),
    version: t.string({ required: true }),
    documents: t.field({ type: [TrustedDocumentInput], required: true }),
  }),
});

const TrustedAppVersionRef = builder.objectRef<AppVersionSummary>('TrustedAppVersion').implement({
  description: 'An app version whose registered documents may run (TRUSTED_DOCUMENTS).',
  fields: (t) => ({
    app: t.exposeString('app'),
    version: t.exposeString('version'),
    documents: t.exposeInt('documents', { description: 'Documents this version registered.' }),
    registeredAt: t.field({ type: 'DateTime', resolve: (version) => version.registeredAt }),
  }),
});

const RegisterDocumentsPayload = builder
  .objectRef<{ app: string; version: string; documents: number; added: number }>('RegisterDocumentsPayload')
  .implement({
    fields: (t) => ({
      app: t.exposeString('app'),
      version: t.exposeString('version'),
      documents: t.exposeInt('documents', { description: 'Distinct documents in this registration.' }),
      added: t.exposeInt('added', { description: 'Of those, the ones the server did not have yet.' }),
    }),
  });

builder.queryFields((t) => ({
  trustedAppVersions: t.withAuth({ admin: true }).field({
    type: [TrustedAppVersionRef],
    description: 'App versions with registered documents (admin).',
    resolve: (_root, _args, context) => listAppVersions(context.services.db),
  }),
}));

builder.mutationFields((t) => ({
  registerDocuments: t.withAuth({ admin: true }).field({
    type: RegisterDocumentsPayload,
    description:
      'Registers the documents an app version ships (checked against the schema; all or nothing). Idempotent.',
    args: { input: t.arg({ type: RegisterDocumentsInput, required: true }) },
    resolve: async (_root, { input }, context, info) => {
      const result = await registerDocuments(context.services.db, input, documentChecker(info.schema));
      return { app: input.app, version: input.version, ...result };
    },
  }),
  revokeAppVersion: t.withAuth({ admin: true }).int({
    description:
      'Revokes an app version: its documents stop running at once unless another version ships them. Answers how many documents were deleted.',
    args: { app: t.arg.string({ required: true }), version: t.arg.string({ required: true }) },
    resolve: async (_root, { app, version }, context) =>
      (await revokeAppVersion(context.services.db, app, version)).deleted,
  }),
}));
