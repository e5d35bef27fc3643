/**
 * Secrets from files (`NAME_FILE`, the Docker and Kubernetes convention): read at start, both forms
 * at once refused, and the Replicate and admin tokens rotated while the gateway runs — on SIGHUP
 * (`reloadSecrets`) or when the file changes — with the log naming the secret, never its value.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';
import type { RunningSimulator } from '../../src/simulator/index.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { createTestUser } from '../support/users.ts';
import { startTestSimulator } from '../support/env.ts';

const OLD_ADMIN = 'old-admin-token-0123456789';
const NEW_ADMIN = 'new-admin-token-9876543210';

describe('secrets from files', () => {
  let dir: string;
  const file = async (name: string, content: string) => {
    const where = path.join(dir, name);
    await writeFile(where, content);
    return where;
  };
  beforeAll(async () => (dir = await mkdtemp(path.join(tmpdir(), 'pixelgate-secrets-'))));
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('reads every *_FILE form (without its final newline)', async () => {
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

  it('refuses both forms at once, an unreadable file and an invalid value, never echoing a secret', async () => {
    const both = () => loadConfig({ METRICS_TOKEN: 'metrics-token-0123456789', METRICS_TOKEN_FILE: 'x' });
    expect(both).toThrow(ConfigError);
    expect(both).toThrow('METRICS_TOKEN and METRICS_TOKEN_FILE are both set');
    expect(() => loadConfig({ PIXELGATE_ADMIN_TOKEN_FILE: path.join(dir, 'missing') })).toThrow(
      'PIXELGATE_ADMIN_TOKEN_FILE: cannot read the file (ENOENT)',
    );
    const short = await file('short', 'tiny-secret');
    const invalid = () => loadConfig({ PIXELGATE_ADMIN_TOKEN_FILE: short });
    expect(invalid).toThrow('PIXELGATE_ADMIN_TOKEN: expected a token of at least 16 characters');
    expect(() => invalid()).not.toThrow('tiny-secret');
  });

  describe('rotation while running', () => {
    let simulator: RunningSimulator;
    let app: TestApp;
    let adminFile: string;
    let replicateFile: string;
    const logLines: string[] = [];
    beforeAll(async () => {
      // The simulator accepts only the new Replicate token.
      simulator = await startTestSimulator(0.05, { tokens: ['r8_new_token'] });
      adminFile = await file('admin-rotating', OLD_ADMIN);
      replicateFile = await file('replicate-rotating', 'r8_old_token');
      app = await startTestApp(
        {
          LOG_LEVEL: 'info',
          PIXELGATE_ADMIN_TOKEN: '',
          PIXELGATE_ADMIN_TOKEN_FILE: adminFile,
          REPLICATE_API_TOKEN_FILE: replicateFile,
          REPLICATE_API_BASE_URL: simulator.baseUrl,
        },
        { logDestination: { write: (line: string) => void logLines.push(line) } },
      );
    });
    afterAll(async () => {
      await app?.stop();
      await simulator?.close();
    });

    const adminAnswers = async (token: string) =>
      (await app.graphql('{ ledgerReport { ok } }', {}, token)).errors?.[0]?.extensions?.code ?? 'OK';

    it('the admin token follows its file, with no request dropped while it changes', async () => {
      expect(await adminAnswers(OLD_ADMIN)).toBe('OK');
      const during = Array.from({ length: 20 }, () => adminAnswers(OLD_ADMIN));
      await writeFile(adminFile, `${NEW_ADMIN}\n`);
      await expect.poll(() => adminAnswers(NEW_ADMIN), { timeout: 10_000 }).toBe('OK');
      expect(await adminAnswers(OLD_ADMIN)).toBe('UNAUTHENTICATED');
      // Each request answered, under the old token or the new one.
      for (const answer of await Promise.all(during)) expect(['OK', 'UNAUTHENTICATED']).toContain(answer);
    });

    it('the Replicate token is re-read on reload (SIGHUP) and used by the next upstream call', async () => {
      await writeFile(replicateFile, 'r8_new_token');
      app.reloadSecrets();
      expect(app.services.config.replicateApiToken).toBe('r8_new_token');
      const { key } = await createTestUser(app, {
        name: 'Rotation',
        dailyBudgetMicros: 1_000_000,
        adminToken: NEW_ADMIN,
      });
      const created = await app.graphql<{ generateImage: { id: string } }>(
        'mutation ($input: GenerateImageInput!) { generateImage(input: $input) { id } }',
        { input: { modelId: 'flux-schnell', prompt: 'a rotated fox' } },
        key,
      );
      const id = created.data!.generateImage.id;
      const status = async () =>
        (await app.graphql<{ generation: { status: string } }>(`{ generation(id: "${id}") { status } }`, {}, key)).data
          ?.generation.status;
      await expect.poll(status, { timeout: 30_000 }).toBe('SUCCEEDED');
    });

    it('logs which secret changed, never a value', () => {
      const log = logLines.join('\n');
      expect(log).toContain('PIXELGATE_ADMIN_TOKEN changed');
      expect(log).toContain('REPLICATE_API_TOKEN changed');
      for (const secret of [OLD_ADMIN, NEW_ADMIN, 'r8_old_token', 'r8_new_token']) expect(log).not.toContain(secret);
    });
  });
});
