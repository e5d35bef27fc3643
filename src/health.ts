/**
 * /healthz (the process is alive), /readyz (what this process's role needs: the database answers
 * and migrations are current; for a role that runs jobs, its job worker runs too; with REDIS_URL,
 * Redis answers), /metrics.
 */
import { sql } from 'kysely';
import { constantTimeEquals } from './auth/api-keys.ts';
import type { Config } from './config.ts';
import { migrationsAreCurrent } from './db/migrate.ts';
import type { JobWorker } from './jobs/worker.ts';
import type { Metrics } from './metrics.ts';
import type { MessageBus } from './pubsub/index.ts';
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

/**
 * What /readyz checks besides the database: the role it reports, when the role runs jobs its
 * worker, and the message bus when it is Redis (with Postgres, the database check covers it).
 */
export interface Readiness {
  readonly role: string;
  readonly worker: Pick<JobWorker, 'running'> | undefined;
  readonly bus: Pick<MessageBus, 'kind' | 'reachable'>;
}

/** The answer of /readyz once the database answered. */
async function readinessReport(db: AppServices['db'], readiness: Readiness) {
  const { role, worker, bus } = readiness;
  const [current, redisReachable] = await Promise.all([
    withTimeout(migrationsAreCurrent(db), READY_CHECK_TIMEOUT_MS),
    bus.kind === 'redis' ? withTimeout(bus.reachable(), READY_CHECK_TIMEOUT_MS).catch(() => false) : undefined,
  ]);
  const parts = {
    role,
    database: 'ok',
    migrations: current ? 'current' : 'pending',
    ...(worker ? { worker: worker.running() ? 'running' : 'stopped' } : {}),
    ...(redisReachable === undefined ? {} : { redis: redisReachable ? 'ok' : 'unreachable' }),
  };
  const ready = current && (!worker || worker.running()) && redisReachable !== false;
  return { ready, body: { status: ready ? 'ready' : 'unavailable', ...parts } };
}

export function healthRoutes(
  services: Pick<AppServices, 'db' | 'config'>,
  metrics: Metrics,
  readiness: Readiness,
): HttpRoute[] {
  const { role } = readiness;
  return [
    { method: 'GET', path: '/healthz', handle: (_req, res) => sendJson(res, 200, { status: 'ok' }) },
    {
      method: 'GET',
      path: '/readyz',
      handle: async (_req, res) => {
        try {
          await withTimeout(sql`select 1`.execute(services.db), READY_CHECK_TIMEOUT_MS);
          const { ready, body } = await readinessReport(services.db, readiness);
          sendJson(res, ready ? 200 : 503, body);
        } catch {
          sendJson(res, 503, { status: 'unavailable', role, database: 'unreachable' });
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
