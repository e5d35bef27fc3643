// Layers import only downward, and no module imports itself back through others. Checked by
// dependency-cruiser (`npm run lint`): one tool that knows both layering rules and cycles, reads
// TypeScript's own resolution (type-only imports count too), and reports the offending chain.
// ESLint's import plugins were the alternative; their cycle rule re-parses the project per file
// and is the slow part of every lint run, and boundaries needs a second plugin for cycles.
//
// The layers (see README.md, "Architecture", and src/README.md); a module may import its own layer
// and those below it. A top-level folder that is in no layer fails the `not-in-a-layer` rule.
const LAYERS = [
  { name: '1 foundation', path: '^src/((money|logger|config|refusal|random)\\.ts$|http/)' },
  {
    name: '2 infrastructure',
    path: '^src/(db|catalog|print|pubsub|storage|replicate|simulator|jobs|trusted-documents)/(?!graphql[^/]*\\.ts$)',
  },
  {
    name: '3 auth, billing, app webhooks and preferences',
    path: '^src/(auth|billing|app-webhooks|preferences)/(?!graphql[^/]*\\.ts$)',
  },
  { name: '4 generations', path: '^src/generations/(?!graphql[^/]*\\.ts$)' },
  { name: '5 GraphQL', path: '^src/(graphql/|[^/]+/graphql[^/]*\\.ts$)' },
  { name: '6 composition and CLI', path: '^src/(cli/|(?!(money|logger|config|refusal|random)\\.ts$)[^/]+\\.ts$)' },
];

const upward = LAYERS.slice(0, -1).map((layer, index) => ({
  name: `layer-${layer.name.split(' ')[0]}-imports-upward`,
  comment: `Layer "${layer.name}" may import only itself and the layers below it.`,
  severity: 'error',
  from: { path: layer.path },
  to: { path: LAYERS.slice(index + 1).map((above) => above.path) },
}));

/** @type {import('dependency-cruiser').IConfiguration} */
export default {
  forbidden: [
    ...upward,
    {
      name: 'no-circular',
      comment: 'An import cycle ties modules together so that none can be understood or tested alone.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'test-support-depends-on-no-domain',
      comment:
        'test/support is what every test builds on: it reaches pixelgate through the composition (src/app.ts), ' +
        'GraphQL and HTTP, and infrastructure (db, simulator), never through a domain folder or the helpers of ' +
        'another test folder. Domain tests may import their domain; support may not.',
      severity: 'error',
      from: { path: '^test/support/' },
      to: {
        path: [
          '^src/(auth|billing|app-webhooks|preferences|generations|catalog|print|trusted-documents)/',
          '^test/(?!support/|gql/)',
        ],
      },
    },
    {
      name: 'not-in-a-layer',
      comment: 'Every module of src/ belongs to a layer: add a new folder to LAYERS in .dependency-cruiser.mjs.',
      severity: 'error',
      from: { path: '^src/', pathNot: LAYERS.map((layer) => layer.path) },
      to: {},
    },
  ],
  options: {
    includeOnly: '^(src|test)/',
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
