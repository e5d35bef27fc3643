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
import pg from 'pg';
import { CliChildren, runCli, serveCli, workerCli } from '../foundation/process.ts';
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
 * database, one data directory and Redis; `api` and `worker` add a process (with `extra`
 * variables), and `stop` kills every process — started, or still starting when a sibling's start
 * failed — then drops the ground.
 */
async function startFleetGround() {
  const sim = await startTestSimulator(0.1, { rateLimits: LIMITS });
  const database = await createMigratedDatabase();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'pixelgate-fleet-'));
  const children = new CliChildren();
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
  return {
    sim,
    db: database.handle.db,
    databaseUrl: database.url,
    children,
    api: (extra: Record<string, string> = {}) =>
      serveCli({ ...env, ...extra }, { args: ['serve', '--no-worker'], logLevel: 'info', children }),
    worker: (extra: Record<string, string> = {}) => workerCli({ ...env, ...extra }, { children }),
    async stop() {
      await children.stop();
      await sim.close();
      await database.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

const test = base.extend('fleet', { scope: 'file' }, async ({}, { onCleanup }) => {
  const fleet = await startFleetGround();
  onCleanup(fleet.stop);
  return fleet;
});

/** Whether a process with this pid exists (signal 0 checks without sending anything). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}

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
    // A command's start costs seconds, tens of them on a loaded machine (runCli's own 30 s is too short there).
    const verify = await runCli(['ledger', 'verify'], { DATABASE_URL: fleet.databaseUrl }, 120_000);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
  }, 240_000);

  // #24: `Promise.all` rejected as soon as one member failed, before a sibling still starting was
  // recorded for cleanup, and that sibling outlived the file. The ground's own (not the file's
  // fleet), so its stop can be checked here.
  test('a member that fails to start leaves no process behind once the fleet stops', async () => {
    const fleet = await startFleetGround();
    // Kysely's migrator reads its table as a process starts: while it is locked the API process
    // stays starting, so the worker's bad configuration fails first, every time.
    const blocker = new pg.Client({ connectionString: fleet.databaseUrl });
    await blocker.connect();
    await blocker.query('begin');
    await blocker.query('lock table kysely_migration in access exclusive mode');
    try {
      const starting = Promise.all([fleet.api(), fleet.worker({ UPSTREAM_CREATES_PER_MINUTE: 'many' })]);
      await expect(starting).rejects.toThrow(/worker exited early/);
    } finally {
      await blocker.end();
      await fleet.stop();
    }
    expect(fleet.children.pids).toHaveLength(2);
    for (const pid of fleet.children.pids) expect(isRunning(pid), `pid ${pid}`).toBe(false);
  }, 120_000);
});
