/**
 * A fleet on one Postgres and one Redis: two API processes (`serve --no-worker`) and two workers
 * (`worker`), as child processes against the simulator. Generations go in through both APIs; one
 * worker and one API are SIGKILLed mid-run. Every generation ends exactly once, Replicate saw one
 * create each, the ledger verifies, and the shared upstream budget — set to the simulator's own
 * limit — kept every process under it (no 429).
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runCli, serveCli, workerCli, type ServedCli } from '../foundation/process.ts';
import { ledgerKinds, simulatedPredictionsFor, sleep, TERMINAL } from '../generations/helpers.ts';
import { graphqlOverHttp, TEST_ADMIN_TOKEN } from '../support/app.ts';
import { createMigratedDatabase } from '../support/database.ts';
import { GenerateDocument, GetGenerationDocument, startTestSimulator } from '../support/env.ts';
import { describe, expect, test as base } from '../support/fixtures.ts';
import { createTestUser } from '../support/users.ts';

const GENERATIONS = 24;
const LIMITS = { createsPerMinute: 600, otherPerMinute: 3000 };

/**
 * The fleet's ground: the simulator (its limits the fleet's upstream budget), one Postgres
 * database, one data directory and Redis; `start` adds a process, killed after the file.
 */
const test = base.extend('fleet', { scope: 'file' }, async ({}, { onCleanup }) => {
  const sim = await startTestSimulator(0.1, { rateLimits: LIMITS });
  const database = await createMigratedDatabase();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'pixelgate-fleet-'));
  const members: ServedCli[] = [];
  onCleanup(async () => {
    for (const member of members) if (member.child.exitCode === null) member.child.kill('SIGKILL');
    await Promise.all(members.map((member) => member.exited));
    await sim.close();
    await database.drop();
    await rm(dataDir, { recursive: true, force: true });
  });
  const env = {
    PIXELGATE_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    DATABASE_URL: database.url,
    REDIS_URL: 'redis://127.0.0.1:6379',
    // A token of its own: the upstream budget in Redis is keyed by it.
    REPLICATE_API_TOKEN: `r8_fleet_${randomUUID()}`,
    REPLICATE_API_BASE_URL: sim.baseUrl,
    PIXELGATE_DATA_DIR: dataDir,
    UPSTREAM_CREATES_PER_MINUTE: String(LIMITS.createsPerMinute),
    UPSTREAM_OTHER_REQUESTS_PER_MINUTE: String(LIMITS.otherPerMinute),
  };
  const started = (member: ServedCli) => (members.push(member), member);
  return {
    sim,
    db: database.handle.db,
    databaseUrl: database.url,
    api: async () => started(await serveCli(env, { args: ['serve', '--no-worker'], logLevel: 'info' })),
    worker: async () => started(await workerCli(env)),
  };
});

describe('a fleet: 2 API processes + 2 workers + Redis + one Postgres', () => {
  test('loses nothing when a worker and an API process are SIGKILLed mid-run', async ({ fleet }) => {
    const { sim, db } = fleet;
    const [apiA, apiB, workerA] = await Promise.all([fleet.api(), fleet.api(), fleet.worker(), fleet.worker()]);
    const { key } = await createTestUser(graphqlOverHttp(apiA.url), { name: 'fleet', dailyBudgetMicros: 10_000_000 });

    const ids: string[] = [];
    const submit = async (url: string, index: number) => {
      const answer = await graphqlOverHttp(url).graphql(
        GenerateDocument,
        { input: { modelId: 'flux-schnell', prompt: `fleet fox <${index}>` } },
        key,
      );
      expect(answer.errors).toBeUndefined();
      ids.push(answer.data!.generateImage.id);
    };
    const half = GENERATIONS / 2;
    await Promise.all(Array.from({ length: half }, (_, index) => submit(index % 2 ? apiB.url : apiA.url, index)));
    // Mid-run: some created upstream, none finished everywhere yet.
    for (let waited = 0; sim.predictions().length < 3 && waited < 20_000; waited += 50) await sleep(50);
    workerA.child.kill('SIGKILL');
    apiB.child.kill('SIGKILL');
    await Promise.all([workerA.exited, apiB.exited]);
    await Promise.all(Array.from({ length: half }, (_, index) => submit(apiA.url, half + index)));

    const deadline = Date.now() + 150_000;
    for (const id of ids) {
      for (;;) {
        const generation = (await graphqlOverHttp(apiA.url).graphql(GetGenerationDocument, { id }, key)).data
          ?.generation;
        if (generation && TERMINAL.has(generation.status) && generation.costUsd !== null) {
          expect(generation.status).toBe('SUCCEEDED');
          break;
        }
        if (Date.now() > deadline) throw new Error(`generation ${id} did not end: ${JSON.stringify(generation)}`);
        await sleep(250);
      }
    }
    for (let index = 0; index < GENERATIONS; index++) {
      expect(simulatedPredictionsFor(sim, `fleet fox <${index}>`)).toHaveLength(1);
    }
    const rows = await db.selectFrom('generations').select('id').execute();
    expect(rows).toHaveLength(GENERATIONS);
    for (const id of ids) expect(await ledgerKinds(db, id)).toEqual({ hold: 1, settle: 1 });
    expect(sim.throttled().total).toBe(0);
    const verify = await runCli(['ledger', 'verify'], { DATABASE_URL: fleet.databaseUrl });
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
  }, 240_000);
});
