/**
 * A fleet on one Postgres and one Redis: two API processes (`serve --no-worker`) and two workers
 * (`worker`), as child processes against the simulator. Generations go in through both APIs; one
 * worker and one API are SIGKILLed mid-run. Every generation ends exactly once, Replicate saw one
 * create each, the ledger verifies, and the shared upstream budget — set to the simulator's own
 * limit — kept every process under it (no 429).
 */
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSimulator } from '../../src/simulator/index.ts';
import { runCli, spawnCli } from '../foundation/process.ts';
import { GENERATE, GET, ledgerKinds, simulatedPredictionsFor, sleep, TERMINAL } from '../generations/helpers.ts';
import { createMigratedDatabase } from '../support/database.ts';
import { insertUserWithKey } from '../generations/helpers.ts';
import { startTestSimulator } from '../support/env.ts';

const GENERATIONS = 24;
const LIMITS = { createsPerMinute: 600, otherPerMinute: 3000 };

interface Member {
  readonly child: ChildProcess;
  readonly url: string;
  readonly exited: Promise<unknown>;
}

/** Starts one fleet process and resolves with its URL once it says it is up. */
async function startMember(args: string[], env: Record<string, string>, ready: RegExp): Promise<Member> {
  const child = spawnCli(args, { PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: string) => {
      output += chunk;
      const match = ready.exec(output);
      if (match) resolve(match[1]!);
    };
    child.stdout!.setEncoding('utf8').on('data', onData);
    child.stderr!.setEncoding('utf8').on('data', onData);
    void exited.then(() => reject(new Error(`${args.join(' ')} exited early:\n${output}`)));
  });
  return { child, url, exited };
}

describe('a fleet: 2 API processes + 2 workers + Redis + one Postgres', () => {
  let sim: RunningSimulator;
  let database: Awaited<ReturnType<typeof createMigratedDatabase>>;
  let dataDir: string;
  let key: string;
  let env: Record<string, string>;
  const members: Member[] = [];
  beforeAll(async () => {
    sim = await startTestSimulator(0.1, { rateLimits: LIMITS });
    database = await createMigratedDatabase();
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'pixelgate-fleet-'));
    ({ key } = await insertUserWithKey(database.handle.db, { name: 'fleet', dailyBudgetMicros: 10_000_000 }));
    env = {
      DATABASE_URL: database.url,
      REDIS_URL: 'redis://127.0.0.1:6379',
      // A token of its own: the upstream budget in Redis is keyed by it.
      REPLICATE_API_TOKEN: `r8_fleet_${randomUUID()}`,
      REPLICATE_API_BASE_URL: sim.baseUrl,
      PIXELGATE_DATA_DIR: dataDir,
      UPSTREAM_CREATES_PER_MINUTE: String(LIMITS.createsPerMinute),
      UPSTREAM_OTHER_REQUESTS_PER_MINUTE: String(LIMITS.otherPerMinute),
    };
  });
  afterAll(async () => {
    for (const member of members) if (member.child.exitCode === null) member.child.kill('SIGKILL');
    await Promise.all(members.map((member) => member.exited));
    await sim?.close();
    await database?.drop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  const graphql = async <T>(url: string, query: string, variables: Record<string, unknown>) => {
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as { data?: T; errors?: unknown[] };
  };

  it('loses nothing when a worker and an API process are SIGKILLed mid-run', async () => {
    const api = /GraphiQL at (http:\/\/\S+)\/graphql/;
    const [apiA, apiB, workerA, workerB] = await Promise.all([
      startMember(['serve', '--no-worker'], env, api),
      startMember(['serve', '--no-worker'], env, api),
      startMember(['worker'], env, /"health":"(http:\/\/[^"]+)\/readyz"/),
      startMember(['worker'], env, /"health":"(http:\/\/[^"]+)\/readyz"/),
    ]);
    members.push(apiA!, apiB!, workerA!, workerB!);

    const ids: string[] = [];
    const submit = async (url: string, index: number) => {
      const answer = await graphql<{ generateImage: { id: string } }>(url, GENERATE, {
        input: { modelId: 'flux-schnell', prompt: `fleet fox <${index}>` },
      });
      expect(answer.errors).toBeUndefined();
      ids.push(answer.data!.generateImage.id);
    };
    const half = GENERATIONS / 2;
    await Promise.all(Array.from({ length: half }, (_, index) => submit(index % 2 ? apiB!.url : apiA!.url, index)));
    // Mid-run: some created upstream, none finished everywhere yet.
    for (let waited = 0; sim.predictions().length < 3 && waited < 20_000; waited += 50) await sleep(50);
    workerA!.child.kill('SIGKILL');
    apiB!.child.kill('SIGKILL');
    await Promise.all([workerA!.exited, apiB!.exited]);
    await Promise.all(Array.from({ length: half }, (_, index) => submit(apiA!.url, half + index)));

    const deadline = Date.now() + 150_000;
    for (const id of ids) {
      for (;;) {
        const generation = (
          await graphql<{ generation: { status: string; costUsd: string | null } }>(apiA!.url, GET, { id })
        ).data?.generation;
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
    const rows = await database.handle.db.selectFrom('generations').select('id').execute();
    expect(rows).toHaveLength(GENERATIONS);
    for (const id of ids) expect(await ledgerKinds(database.handle.db, id)).toEqual({ hold: 1, settle: 1 });
    expect(sim.throttled().total).toBe(0);
    const verify = await runCli(['ledger', 'verify'], { DATABASE_URL: database.url });
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
  }, 240_000);
});
