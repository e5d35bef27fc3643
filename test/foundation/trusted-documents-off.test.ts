/**
 * Trusted documents under TRUSTED_DOCUMENTS=off (the default): text runs and ids are refused so
 * clients send the text; `pixelgate documents` registers codegen and Apollo manifests. Enforce:
 * trusted-documents.test.ts.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, test } from '../support/fixtures.ts';
import { runCli } from './process.ts';
import { hash, MODELS, post, register, VIEWER } from './trusted-documents.ts';

/** A CLI start (tsx, the schema) takes 15 s and more on a loaded machine. */
const CLI_MS = 90_000;

test.override('setup', { simulator: false, gateway: { runWorker: false } });

describe('TRUSTED_DOCUMENTS=off (the default)', () => {
  test('runs text and answers an id PERSISTED_QUERY_NOT_FOUND, so clients send the text', async ({ app }) => {
    expect((await post(app, { query: MODELS })).data?.models).toEqual(expect.any(Array));
    await register(app, '1', [MODELS]);
    const byId = await post(app, { documentId: hash(MODELS) });
    expect(byId.errors?.[0]?.extensions).toMatchObject({ code: 'PERSISTED_QUERY_NOT_FOUND' });
  });

  test('pixelgate documents add reads a codegen or Apollo manifest; list and revoke', async ({ app, tmpDir }) => {
    const codegen = path.join(tmpDir, 'persisted-documents.json');
    await writeFile(codegen, JSON.stringify({ [`sha256:${hash(VIEWER)}`]: VIEWER }));
    const apollo = path.join(tmpDir, 'manifest.json');
    await writeFile(
      apollo,
      JSON.stringify({
        format: 'apollo-persisted-query-manifest',
        version: 1,
        operations: [{ id: hash(MODELS), name: 'TrustedModels', type: 'query', body: MODELS }],
      }),
    );
    const env = { DATABASE_URL: app.database.url };
    const bad = path.join(tmpDir, 'bad.json');
    await writeFile(bad, JSON.stringify({ [hash('{ nope }')]: '{ nope }' }));
    // Independent commands (other app names), run side by side: each CLI start is slow on a loaded machine.
    const [added, fromApollo, refused] = await Promise.all([
      runCli(['documents', 'add', codegen, '--app', 'web', '--version', '2.0'], env, CLI_MS),
      runCli(['documents', 'add', apollo, '--app', 'ios', '--version', '7'], env, CLI_MS),
      runCli(['documents', 'add', bad, '--app', 'android', '--version', '8'], env, CLI_MS),
    ]);
    expect(added).toMatchObject({ code: 0, stdout: 'web@2.0: 1 documents (1 new)\n' });
    expect(fromApollo).toMatchObject({ code: 0 });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('documents.0.body');
    const [list, revoked] = await Promise.all([
      runCli(['documents', 'list'], env, CLI_MS),
      runCli(['documents', 'revoke', '--app', 'web', '--version', '2.0'], env, CLI_MS),
    ]);
    expect(list.stdout).toMatch(/^ios\t7\t1 documents\t/m);
    expect(list.stdout).not.toMatch(/^android/m);
    expect(revoked).toMatchObject({ code: 0 });
  }, 180_000);
});
