/**
 * Models added at runtime reach another gateway process through the database alone: two
 * `pixelgate serve` OS processes on one Postgres (in-process instances would share the module's
 * catalog and prove nothing). An operator adds a FLUX fine-tune billed per second on H100 over the
 * admin GraphQL API of process A (API only), and an official model billed per image with
 * `pixelgate models add` (a third process); process B, which no call ever reached, offers both
 * (the fine-tune to its owner only) and runs them end to end: created on Replicate under their
 * own model and version, settled at what Replicate would bill, the ledger verified.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ResultOf } from '@graphql-typed-document-node/core';
import { vi } from 'vitest';
import { graphql } from '../gql/index.ts';
import { CliChildren, runCli, serveCli, type ServedCli } from '../foundation/process.ts';
import { graphqlOverHttp, TEST_ADMIN_TOKEN } from '../support/app.ts';
import { createMigratedDatabase } from '../support/database.ts';
import { startTestSimulator } from '../support/env.ts';
import { addFineTune } from '../support/fine-tune.ts';
import { describe, expect, test as base } from '../support/fixtures.ts';
import { createTestUser } from '../support/users.ts';

/** A command's start costs seconds, more on a loaded machine. */
const CLI_TIMEOUT_MS = 120_000;

/**
 * The processes' ground: the simulator and one database; `serve(args)` starts a `pixelgate`
 * process on them (each with a data directory of its own: a directory has one owner), killed
 * after the file.
 */
const test = base.extend('ground', { scope: 'file' }, async ({}, { onCleanup }) => {
  const simulator = await startTestSimulator(0.05);
  const database = await createMigratedDatabase();
  const dataDirs: string[] = [];
  const children = new CliChildren();
  onCleanup(async () => {
    await children.stop();
    await simulator.close();
    await database.drop();
    for (const dataDir of dataDirs) await rm(dataDir, { recursive: true, force: true });
  });
  const env = {
    DATABASE_URL: database.url,
    REPLICATE_API_TOKEN: 'r8_test_token_for_the_simulator',
    REPLICATE_API_BASE_URL: simulator.baseUrl,
    PIXELGATE_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
  };
  return {
    env,
    db: database.handle.db,
    async serve(args: readonly string[]): Promise<ServedCli> {
      const dataDir = await mkdtemp(path.join(os.tmpdir(), 'pixelgate-catalog-processes-'));
      dataDirs.push(dataDir);
      return serveCli({ ...env, PIXELGATE_DATA_DIR: dataDir }, { args, children });
    },
  };
});

const ModelsSeenQuery = graphql(`
  query ModelsSeen {
    models {
      id
    }
  }
`);

const GenerateOnProcessMutation = graphql(`
  mutation GenerateOnProcess($modelId: ID!, $prompt: String!) {
    generateImage(input: { modelId: $modelId, prompt: $prompt }) {
      id
    }
  }
`);

const SettledCostQuery = graphql(`
  query SettledCost($id: ID!) {
    generation(id: $id) {
      status
      costUsd
    }
  }
`);

const modelsSeenBy = async (url: string, key: string) =>
  (await graphqlOverHttp(url).graphql(ModelsSeenQuery, {}, key)).data!.models.map((model) => model.id);

/** Runs one generation on `url` as `user` and waits for its settled cost. */
async function generate(url: string, user: { key: string }, modelId: string, prompt: string) {
  const gateway = graphqlOverHttp(url);
  const started = await gateway.graphql(GenerateOnProcessMutation, { modelId, prompt }, user.key);
  expect(started.errors).toBeUndefined();
  const id = started.data!.generateImage.id;
  let generation: ResultOf<typeof SettledCostQuery>['generation'] | undefined;
  await vi.waitFor(
    async () => {
      generation = (await gateway.graphql(SettledCostQuery, { id }, user.key)).data!.generation;
      expect(generation?.costUsd ?? null).not.toBeNull();
    },
    { timeout: 120_000, interval: 250 },
  );
  return generation!;
}

describe('a model added on one gateway process', () => {
  test('is offered and run by another gateway process sharing only the database', async ({ ground }) => {
    const { env, db } = ground;
    const [adding, running] = await Promise.all([ground.serve(['serve', '--no-worker']), ground.serve(['serve'])]);
    // Users the one way, through the admin API of the process that adds the models.
    const admin = graphqlOverHttp(adding.url);
    const owner = await createTestUser(admin, { name: 'acme shop', dailyBudgetMicros: 5_000_000 });
    const stranger = await createTestUser(admin, { name: 'someone else', dailyBudgetMicros: 5_000_000 });
    expect(await modelsSeenBy(running.url, owner.key)).not.toContain('acme-brand-style');

    const added = await addFineTune(admin, owner);
    expect(added.errors).toBeUndefined();
    const cli = await runCli(
      ['models', 'add', 'ideogram-ai/ideogram-v3-turbo', '--slug', 'ideogram-v3-turbo', '--per-image', '0.03'],
      env,
      CLI_TIMEOUT_MS,
    );
    expect(cli, cli.stderr).toMatchObject({ code: 0, stdout: 'ideogram-v3-turbo added\n' });

    // Only the catalog's NOTIFY and a reload from Postgres can have told the running process.
    await vi.waitFor(
      async () =>
        expect(await modelsSeenBy(running.url, owner.key)).toEqual(
          expect.arrayContaining(['acme-brand-style', 'ideogram-v3-turbo']),
        ),
      { timeout: 10_000, interval: 100 },
    );
    expect(await modelsSeenBy(running.url, stranger.key)).not.toContain('acme-brand-style');
    expect(await modelsSeenBy(running.url, stranger.key)).toContain('ideogram-v3-turbo');

    const fineTune = await generate(running.url, owner, 'acme-brand-style', 'a brand mascot');
    const official = await generate(running.url, stranger, 'ideogram-v3-turbo', 'a gig poster');
    expect(official).toEqual({ status: 'SUCCEEDED', costUsd: '0.03' });
    expect(fineTune.status).toBe('SUCCEEDED');

    const predictions = await db
      .selectFrom('predictions')
      .innerJoin('generations', 'generations.id', 'predictions.generation_id')
      .select(['generations.model_id', 'predictions.replicate_model', 'predictions.metrics', 'generations.cost_micros'])
      .orderBy('generations.model_id')
      .execute();
    expect(predictions.map((row) => row.model_id)).toEqual(['acme-brand-style', 'ideogram-v3-turbo']);
    const [timeBilled, perImage] = predictions;
    expect(timeBilled!.replicate_model).toMatch(/^acme\/brand-style:[0-9a-f]{64}$/);
    expect(perImage!.replicate_model).toBe('ideogram-ai/ideogram-v3-turbo');
    // ceil(predict_time × $0.001525/s) in whole micro-dollars; the simulator reports whole ms.
    const ms = Math.round((timeBilled!.metrics!.predict_time as number) * 1000);
    expect(ms).toBeGreaterThan(0);
    expect(timeBilled!.cost_micros).toBe(Math.floor((ms * 1525 + 999) / 1000));
    expect(perImage!.cost_micros).toBe(30_000);
    const verify = await runCli(['ledger', 'verify'], { DATABASE_URL: env.DATABASE_URL }, CLI_TIMEOUT_MS);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
  }, 300_000);
});
