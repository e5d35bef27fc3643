import pg from 'pg';
import { connectDatabase } from '../../src/db/index.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { silentLogger } from '../../src/logger.ts';
import { describe, expect, test } from '../support/fixtures.ts';

async function getJson(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url);
  expect(response.headers.get('content-type')).toContain('application/json');
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Runs SQL on the server that holds the app's database, from its maintenance database. */
async function onServer(databaseUrl: string, statement: string): Promise<void> {
  const url = new URL(databaseUrl);
  url.pathname = '/postgres';
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

// A gateway alone (the built-in simulator), API only: nothing here runs jobs.
test.override('setup', { simulator: false, gateway: { runWorker: false } });

describe('health and readiness', () => {
  test('/healthz answers 200 with a small JSON body', async ({ app }) => {
    const { status, body } = await getJson(`${app.url}/healthz`);
    expect(status).toBe(200);
    expect(body).toEqual({ status: 'ok' });
    expect((await fetch(`${app.url}/healthz`, { method: 'HEAD' })).status).toBe(200);
  });

  test('/readyz of an API-only process answers 200 when the database answers and migrations are current', async ({
    app,
  }) => {
    const { status, body } = await getJson(`${app.url}/readyz`);
    expect(status).toBe(200);
    expect(body).toEqual({ status: 'ready', role: 'api', database: 'ok', migrations: 'current' });
  });

  test('/metrics serves Prometheus text', async ({ app }) => {
    const response = await fetch(`${app.url}/metrics`);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('# TYPE');
  });

  test('answers unknown paths with a JSON 404', async ({ app }) => {
    const { status, body } = await getJson(`${app.url}/nope`);
    expect(status).toBe(404);
    expect(body).toEqual({ error: 'not_found' });
  });

  test('/readyz answers 503 while the database is gone, and recovers once it is back and migrated', async ({ app }) => {
    const { url, name } = app.database;
    // The database disappears under the running app: its connections are terminated.
    await onServer(url, `drop database ${name} with (force)`);
    const down = await getJson(`${app.url}/readyz`);
    expect(down.status).toBe(503);
    expect(down.body).toEqual({ status: 'unavailable', role: 'api', database: 'unreachable' });
    // Liveness does not depend on the database: restarting the process would not help.
    expect((await getJson(`${app.url}/healthz`)).status).toBe(200);

    // Back, but empty: reachable, not ready.
    await onServer(url, `create database ${name}`);
    const pending = await getJson(`${app.url}/readyz`);
    expect(pending.status).toBe(503);
    expect(pending.body).toEqual({ status: 'unavailable', role: 'api', database: 'ok', migrations: 'pending' });

    const handle = connectDatabase(url, silentLogger, { max: 1 });
    try {
      await migrateToLatest(handle.db);
    } finally {
      await handle.close();
    }
    const ready = await getJson(`${app.url}/readyz`);
    expect(ready.status).toBe(200);
  });
});
