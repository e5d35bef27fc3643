/**
 * Secrets from files (`NAME_FILE`, the Docker and Kubernetes convention): read at start, both forms
 * at once refused, and the Replicate and admin tokens rotated while the gateway runs — on SIGHUP
 * (`reloadSecrets`) or when the file changes — with the log naming the secret, never its value.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { startTestApp } from '../support/app.ts';
import { GenerateDocument, GetGenerationDocument, startTestSimulator } from '../support/env.ts';
import { describe, expect, test as base } from '../support/fixtures.ts';
import { createTestUser } from '../support/users.ts';

const OLD_ADMIN = 'old-admin-token-0123456789';
const NEW_ADMIN = 'new-admin-token-9876543210';

const test = base
  /** Writes `content` to `name` in the file's directory; resolves with its path. */
  .extend('file', { scope: 'file' }, ({ tmpDir }) => async (name: string, content: string) => {
    const where = path.join(tmpDir, name);
    await writeFile(where, content);
    return where;
  })
  /** A simulator that accepts only the new Replicate token. */
  .extend('rotatedSimulator', { scope: 'file' }, async ({}, { onCleanup }) => {
    const simulator = await startTestSimulator(0.05, { tokens: ['r8_new_token'] });
    onCleanup(() => simulator.close());
    return simulator;
  })
  /**
   * A gateway that reads its admin and Replicate tokens from files (the old ones at start), against
   * `rotatedSimulator`; its log lines kept.
   */
  .extend('rotating', { scope: 'file' }, async ({ file, rotatedSimulator: simulator }, { onCleanup }) => {
    const adminFile = await file('admin-rotating', OLD_ADMIN);
    const replicateFile = await file('replicate-rotating', 'r8_old_token');
    const logLines: string[] = [];
    const app = await startTestApp(
      {
        LOG_LEVEL: 'info',
        PIXELGATE_ADMIN_TOKEN: '',
        PIXELGATE_ADMIN_TOKEN_FILE: adminFile,
        REPLICATE_API_TOKEN_FILE: replicateFile,
        REPLICATE_API_BASE_URL: simulator.baseUrl,
      },
      { logDestination: { write: (line: string) => void logLines.push(line) } },
    );
    onCleanup(() => app.stop());
    return { app, adminFile, replicateFile, logLines };
  });

describe('secrets from files', () => {
  test('reads every *_FILE form (without its final newline)', async ({ file }) => {
    const config = loadConfig({
      REPLICATE_API_TOKEN_FILE: await file('replicate', 'r8_from_file\n'),
      PIXELGATE_ADMIN_TOKEN_FILE: await file('admin', `${OLD_ADMIN}\n`),
      METRICS_TOKEN_FILE: await file('metrics', 'metrics-token-0123456789'),
      REPLICATE_WEBHOOK_SECRET_FILE: await file('webhook', 'whsec_c2VjcmV0\n'),
      DATABASE_URL_FILE: await file('database', 'postgres://app@db.internal:5432/pixelgate\n'),
    });
    expect(config).toMatchObject({
      replicateApiToken: 'r8_from_file',
      adminToken: OLD_ADMIN,
      metricsToken: 'metrics-token-0123456789',
      replicateWebhookSecret: 'whsec_c2VjcmV0',
      databaseUrl: 'postgres://app@db.internal:5432/pixelgate',
    });
  });

  test('refuses both forms at once, an unreadable file and an invalid value, never echoing a secret', async ({
    file,
    tmpDir,
  }) => {
    const both = () => loadConfig({ METRICS_TOKEN: 'metrics-token-0123456789', METRICS_TOKEN_FILE: 'x' });
    expect(both).toThrow(ConfigError);
    expect(both).toThrow('METRICS_TOKEN and METRICS_TOKEN_FILE are both set');
    expect(() => loadConfig({ PIXELGATE_ADMIN_TOKEN_FILE: path.join(tmpDir, 'missing') })).toThrow(
      'PIXELGATE_ADMIN_TOKEN_FILE: cannot read the file (ENOENT)',
    );
    const short = await file('short', 'tiny-secret');
    const invalid = () => loadConfig({ PIXELGATE_ADMIN_TOKEN_FILE: short });
    expect(invalid).toThrow('PIXELGATE_ADMIN_TOKEN: expected a token of at least 16 characters');
    expect(() => invalid()).not.toThrow('tiny-secret');
  });

  describe('rotation while running', () => {
    test('the admin token follows its file, with no request dropped while it changes', async ({ rotating }) => {
      const adminAnswers = async (token: string) =>
        (await rotating.app.graphql('{ ledgerReport { ok } }', {}, token)).errors?.[0]?.extensions?.code ?? 'OK';
      expect(await adminAnswers(OLD_ADMIN)).toBe('OK');
      const during = Array.from({ length: 20 }, () => adminAnswers(OLD_ADMIN));
      await writeFile(rotating.adminFile, `${NEW_ADMIN}\n`);
      await expect.poll(() => adminAnswers(NEW_ADMIN), { timeout: 10_000 }).toBe('OK');
      expect(await adminAnswers(OLD_ADMIN)).toBe('UNAUTHENTICATED');
      // Each request answered, under the old token or the new one.
      for (const answer of await Promise.all(during)) expect(['OK', 'UNAUTHENTICATED']).toContain(answer);
    });

    test('the Replicate token is re-read on reload (SIGHUP) and used by the next upstream call', async ({
      rotating: { app, replicateFile },
    }) => {
      await writeFile(replicateFile, 'r8_new_token');
      app.reloadSecrets();
      expect(app.services.config.replicateApiToken).toBe('r8_new_token');
      const { key } = await createTestUser(app, {
        name: 'Rotation',
        dailyBudgetMicros: 1_000_000,
        adminToken: NEW_ADMIN,
      });
      const created = await app.graphql(
        GenerateDocument,
        { input: { modelId: 'flux-schnell', prompt: 'a rotated fox' } },
        key,
      );
      const id = created.data!.generateImage.id;
      const status = async () => (await app.graphql(GetGenerationDocument, { id }, key)).data?.generation?.status;
      await expect.poll(status, { timeout: 30_000 }).toBe('SUCCEEDED');
    });

    test('logs which secret changed, never a value', ({ rotating: { logLines } }) => {
      const log = logLines.join('\n');
      expect(log).toContain('PIXELGATE_ADMIN_TOKEN changed');
      expect(log).toContain('REPLICATE_API_TOKEN changed');
      for (const secret of [OLD_ADMIN, NEW_ADMIN, 'r8_old_token', 'r8_new_token']) expect(log).not.toContain(secret);
    });
  });
});
