/** /healthz (the process is alive), /readyz (the database answers and migrations are current), /metrics. */
import { sql } from 'kysely';
import { constantTimeEquals } from './auth/api-keys.ts';
import type { Config } from './config.ts';
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

/**
 * /metrics with METRICS_TOKEN set: the bearer token, compared in constant time. Without it: open
 * outside production (local Prometheus, tests), and off in production, where an open endpoint
 * would tell anyone the traffic and spending.
 */
function metricsAccess(config: Config, authorization: string | undefined): 'allowed' | 'denied' | 'off' {
  if (config.metricsToken === undefined) return config.nodeEnv === 'production' ? 'off' : 'allowed';
  const presented = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1] ?? '';
  return constantTimeEquals(presented, config.metricsToken) ? 'allowed' : 'denied';
}

export function healthRoutes(services: Pick<AppServices, 'db' | 'config'>, metrics: Metrics): HttpRoute[] {
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
      handle: async (req, res) => {
        const access = metricsAccess(services.config, req.headers.authorization);
        if (access === 'off') return sendJson(res, 404, { error: 'not_found' });
        if (access === 'denied') {
          return sendJson(res, 401, { error: 'unauthorized' }, { 'www-authenticate': 'Bearer realm="metrics"' });
        }
        const body = await metrics.registry.metrics();
        res.writeHead(200, { 'content-type': metrics.registry.contentType });
        res.end(body);
      },
    },
  ];
}
