/** /healthz (the process is alive), /readyz (the database answers and migrations are current), /metrics. */
import { sql } from 'kysely';
import { migrationsAreCurrent } from './db/migrate.ts';
import type { Metrics } from './metrics.ts';
import { sendJson, type HttpRoute } from './http/index.ts';
import type { AppServices } from './services.ts';

const READY_CHECK_TIMEOUT_MS = 2_000;

async function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('timed out')), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export function healthRoutes(services: Pick<AppServices, 'db'>, metrics: Metrics): HttpRoute[] {
  return [
    { method: 'GET', path: '/healthz', handle: (_req, res) => sendJson(res, 200, { status: 'ok' }) },
    {
      method: 'GET',
      path: '/readyz',
      handle: async (_req, res) => {
        try {
          await withTimeout(sql`select 1`.execute(services.db), READY_CHECK_TIMEOUT_MS);
          const current = await withTimeout(migrationsAreCurrent(services.db), READY_CHECK_TIMEOUT_MS);
          if (!current) return sendJson(res, 503, { status: 'unavailable', database: 'ok', migrations: 'pending' });
          sendJson(res, 200, { status: 'ready', database: 'ok', migrations: 'current' });
        } catch {
          sendJson(res, 503, { status: 'unavailable', database: 'unreachable' });
        }
      },
    },
    {
      method: 'GET',
      path: '/metrics',
      handle: async (_req, res) => {
        const body = await metrics.registry.metrics();
        res.writeHead(200, { 'content-type': metrics.registry.contentType });
        res.end(body);
      },
    },
  ];
}
