/**
 * Runs once before all test files: builds pixelgate Studio when its build is missing or stale (the
 * browser tests load it), and provides the admin connection URL that each file uses to create its
 * own database. DATABASE_URL when set (CI: the machine's Postgres), otherwise an embedded Postgres
 * in a temporary directory, stopped after the run.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from '../../src/db/embedded.ts';
import { silentLogger } from '../../src/logger.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    adminDatabaseUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  process.env.NODE_ENV = 'test';
  // A no-op (a hash of the sources compared) when studio/dist is current.
  await promisify(execFile)(process.execPath, [
    fileURLToPath(new URL('../../scripts/ensure-studio.js', import.meta.url)),
  ]);
  const configured = process.env.DATABASE_URL;
  if (configured) {
    project.provide('adminDatabaseUrl', configured);
    return async () => undefined;
  }
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'pixelgate-test-pg-'));
  const embedded = await startEmbeddedPostgres(dataDir, silentLogger);
  project.provide('adminDatabaseUrl', embedded.url);
  return async () => {
    await embedded.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
}
