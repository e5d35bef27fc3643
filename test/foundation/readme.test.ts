/** The README stays true to the code: its GraphQL examples validate and its tables are complete. */
import { readFile } from 'node:fs/promises';
import { parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { buildSchema } from '../../src/graphql/schema.ts';
import { REPO_ROOT } from './process.ts';

const readme = await readFile(`${REPO_ROOT}/README.md`, 'utf8');
const graphqlBlocks = [...readme.matchAll(/```graphql\n([\s\S]*?)```/g)].map((match) => match[1]!);

describe('README', () => {
  it('has GraphQL examples', () => {
    expect(graphqlBlocks.length).toBeGreaterThanOrEqual(8);
  });

  it.each(
    graphqlBlocks.map((block) => [
      block
        .split('\n')
        .find((line) => /\w/.test(line))!
        .trim(),
      block,
    ]),
  )('example "%s" validates against the schema', (_first, block) => {
    expect(validate(buildSchema(), parse(block)).map((error) => error.message)).toEqual([]);
  });

  it('documents every environment variable that src/config.ts reads', async () => {
    const config = await readFile(`${REPO_ROOT}/src/config.ts`, 'utf8');
    const names = [...config.matchAll(/^ {2}([A-Z][A-Z0-9_]+): /gm)].map((match) => match[1]!);
    expect(names).toContain('DATABASE_URL');
    for (const name of names) expect(readme, name).toContain(`| \`${name}\``);
  });

  it('documents every CLI command that src/main.ts lists', async () => {
    const main = await readFile(`${REPO_ROOT}/src/main.ts`, 'utf8');
    const usage = /const USAGE = `([\s\S]*?)`;/.exec(main)?.[1] ?? '';
    const commands = [...usage.matchAll(/^ {2}([a-z]+(?: [a-z]+)?)(?= {2}| --|$| [A-Z-])/gm)].map((match) => match[1]!);
    expect(commands).toContain('serve');
    for (const command of commands) expect(readme, command).toContain(`| \`${command}`);
  });

  it('documents every error code', async () => {
    const errors = await readFile(`${REPO_ROOT}/src/graphql/errors.ts`, 'utf8');
    const codes = [...(/export type ErrorCode =([\s\S]*?);/.exec(errors)?.[1] ?? '').matchAll(/'([A-Z_]+)'/g)].map(
      (match) => match[1]!,
    );
    expect(codes).toContain('UNAUTHENTICATED');
    for (const code of codes) expect(readme, code).toContain(`| \`${code}\``);
  });
});
