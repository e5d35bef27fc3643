/**
 * The README and docs/*.md stay true to the code: their GraphQL examples validate and their tables
 * are complete. The README keeps the configuration table and docs/cli.md the CLI table; the error codes may be
 * listed in any of them (docs/api.md).
 */
import { readdir, readFile } from 'node:fs/promises';
import { Lexer, parse, Source, TokenKind, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { USAGE } from '../../src/cli/commands.ts';
import { DEFAULT_OPERATION_LIMITS } from '../../src/config.ts';
import { limitValidationRules, operationCost } from '../../src/graphql/limits.ts';
import { buildSchema } from '../../src/graphql/schema.ts';
import { REPO_ROOT } from './process.ts';

const readme = await readFile(`${REPO_ROOT}/README.md`, 'utf8');
const docNames = (await readdir(`${REPO_ROOT}/docs`)).filter((name) => name.endsWith('.md')).sort();
const documents: Array<{ name: string; text: string }> = [
  { name: 'README.md', text: readme },
  ...(await Promise.all(
    docNames.map(async (name) => ({ name: `docs/${name}`, text: await readFile(`${REPO_ROOT}/docs/${name}`, 'utf8') })),
  )),
];
const graphqlBlocks = documents.flatMap(({ name, text }) =>
  [...text.matchAll(/```graphql\n([\s\S]*?)```/g)].map((match) => ({ name, block: match[1]! })),
);
const schema = buildSchema();

/**
 * Operations written inline in prose (`viewer { generations(first: 10) { … } }`), each as a whole
 * document to validate: spans that start with an operation keyword, or with a root field followed
 * by arguments or a selection (wrapped in every operation type that has that field). Spans that do
 * not parse are signatures (`estimateCost(input: { modelId, count })`), not something to paste.
 */
function inlineOperations(markdown: string): Array<{ span: string; documents: string[] }> {
  const prose = markdown.replace(/```[\s\S]*?```/g, '').replace(/``[\s\S]*?``/g, '');
  const roots = (['query', 'mutation', 'subscription'] as const).map((operation) => ({
    operation,
    fields: new Set(Object.keys(schema.getRootType(operation as never)?.getFields() ?? {})),
  }));
  const found: Array<{ span: string; documents: string[] }> = [];
  for (const [, span] of prose.matchAll(/`([^`\n]+)`/g)) {
    const text = span!.trim();
    let documents: string[];
    if (/^(query|mutation|subscription)\b.*\{|^\{/.test(text)) documents = [text];
    else {
      const field = /^(\w+)\s*[({]/.exec(text)?.[1];
      documents = roots
        .filter((root) => field && root.fields.has(field))
        .map((root) => `${root.operation} { ${text} }`);
    }
    documents = documents.filter((document) => {
      try {
        parse(document);
        return true;
      } catch {
        return false;
      }
    });
    if (documents.length > 0) found.push({ span: text, documents });
  }
  return found;
}

describe('README and docs', () => {
  it('keeps the README under 400 lines: the two commands, the tour, configuration and links', () => {
    expect(readme.trimEnd().split('\n').length).toBeLessThan(400);
  });

  it('has GraphQL examples, most of them in the README', () => {
    expect(graphqlBlocks.length).toBeGreaterThanOrEqual(8);
    expect(graphqlBlocks.filter(({ name }) => name === 'README.md').length).toBeGreaterThanOrEqual(8);
  });

  it.each(
    graphqlBlocks.map(({ name, block }) => [
      name,
      block
        .split('\n')
        .find((line) => /\w/.test(line))!
        .trim(),
      block,
    ]),
  )('%s: example "%s" validates against the schema', (_name, _first, block) => {
    expect(validate(schema, parse(block)).map((error) => error.message)).toEqual([]);
  });

  it('has inline operations, and each runs as written', () => {
    const operations = documents.flatMap(({ name, text }) =>
      inlineOperations(text).map((operation) => ({ ...operation, span: `${name}: ${operation.span}` })),
    );
    expect(operations.map((operation) => operation.span)).toContain(
      'README.md: viewer { generations(first: 10) { nodes { id status } } }',
    );
    for (const { span, documents: wrapped } of operations) {
      const outcomes = wrapped.map((document) => validate(schema, parse(document)).map((error) => error.message));
      // Valid under one of the operation types that has the field.
      expect(outcomes.find((messages) => messages.length === 0) ?? outcomes[0], span).toEqual([]);
    }
  });

  it.each(graphqlBlocks.map(({ name, block }, index) => [name, index, block]))(
    '%s: example %i passes the default operation limits',
    (_name, _index, block) => {
      const lexer = new Lexer(new Source(block));
      let tokens = 0;
      while (lexer.advance().kind !== TokenKind.EOF) tokens += 1;
      expect(tokens).toBeLessThanOrEqual(DEFAULT_OPERATION_LIMITS.maxTokens);
      const document = parse(block);
      const schema = buildSchema();
      expect(validate(schema, document, limitValidationRules(DEFAULT_OPERATION_LIMITS))).toEqual([]);
      expect(operationCost({ schema, document }) ?? 0).toBeLessThanOrEqual(DEFAULT_OPERATION_LIMITS.maxCost);
    },
  );

  it('documents every environment variable that src/config.ts reads', async () => {
    const config = await readFile(`${REPO_ROOT}/src/config.ts`, 'utf8');
    const names = [...config.matchAll(/^ {2}([A-Z][A-Z0-9_]+): /gm)].map((match) => match[1]!);
    expect(names).toContain('DATABASE_URL');
    for (const name of names) expect(readme, name).toContain(`| \`${name}\``);
  });

  it('documents every CLI command that src/cli/commands.ts lists (docs/cli.md)', () => {
    const usage = USAGE;
    const commands = [...usage.matchAll(/^ {2}([a-z]+(?: [a-z]+)?)(?= {2}| --| \[|$| [A-Z-])/gm)].map(
      (match) => match[1]!,
    );
    expect(commands).toContain('serve');
    const cli = documents.find(({ name }) => name === 'docs/cli.md')!.text;
    for (const command of commands) expect(cli, command).toContain(`| \`${command}`);
  });

  it('documents every error code (README or docs)', async () => {
    const errors = await readFile(`${REPO_ROOT}/src/graphql/errors.ts`, 'utf8');
    const codes = [...(/export type ErrorCode =([\s\S]*?);/.exec(errors)?.[1] ?? '').matchAll(/'([A-Z_]+)'/g)].map(
      (match) => match[1]!,
    );
    expect(codes).toContain('UNAUTHENTICATED');
    const everything = documents.map(({ text }) => text).join('\n');
    for (const code of codes) expect(everything, code).toContain(`| \`${code}\``);
  });
});
