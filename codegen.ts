/**
 * Typed GraphQL documents for the tests: `npm run codegen` reads the printed schema (loading the
 * Pothos schema from TypeScript directly is fragile) and every `graphql(`…`)` document under
 * test/, and writes test/gql/.
 */
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: 'schema/schema.graphql',
  documents: ['test/**/*.ts', '!test/gql/**'],
  ignoreNoDocuments: true,
  // NodeNext resolution needs explicit extensions on the generated files' relative imports.
  emitLegacyCommonJSImports: false,
  generates: {
    'test/gql/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        useTypeImports: true,
        // Custom scalars as they travel over the wire (JSON).
        // USD inputs accept a decimal string or a number; outputs are always strings.
        scalars: { USD: { input: 'string | number', output: 'string' }, DateTime: 'string', JSON: 'unknown' },
        enumsAsTypes: true,
        // Only the types the documents use: the schema grows without churning this output.
        onlyOperationTypes: true,
      },
    },
  },
};

export default config;
