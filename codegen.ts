/**
 * Typed GraphQL documents: `npm run codegen` reads the printed schema (loading the Pothos schema
 * from TypeScript directly is fragile) and every `graphql(`…`)` document under test/ (→ test/gql/)
 * and under studio/src/ (→ studio/src/gql/, documents as strings: the browser bundle carries no
 * GraphQL library).
 */
import type { CodegenConfig } from '@graphql-codegen/cli';

/** Both targets: custom scalars as they travel over the wire (JSON), only the types documents use. */
const typedDocumentsConfig = {
  useTypeImports: true,
  // USD inputs accept a decimal string or a number; outputs are always strings.
  scalars: { USD: { input: 'string | number', output: 'string' }, DateTime: 'string', JSON: 'unknown' },
  enumsAsTypes: true,
  // Only the types the documents use: the schema grows without churning this output.
  onlyOperationTypes: true,
};

const config: CodegenConfig = {
  schema: 'schema/schema.graphql',
  ignoreNoDocuments: true,
  // NodeNext resolution needs explicit extensions on the generated files' relative imports.
  emitLegacyCommonJSImports: false,
  generates: {
    'test/gql/': {
      documents: ['test/**/*.ts', '!test/gql/**'],
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: typedDocumentsConfig,
    },
    'studio/src/gql/': {
      documents: ['studio/src/**/*.ts', '!studio/src/gql/**'],
      preset: 'client',
      // persisted-documents.json: the studio's trusted documents, registered by every serving
      // process at start (src/trusted-documents/built-in.ts); the studio sends their ids.
      presetConfig: { fragmentMasking: false, persistedDocuments: { hashAlgorithm: 'sha256' } },
      config: { ...typedDocumentsConfig, documentMode: 'string' },
    },
  },
};

export default config;
