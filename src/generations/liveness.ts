/**
 * Which gateway processes are alive. Each process writes a heartbeat every few seconds with the
 * graphile-worker ids it runs, and renews a lease on each create call it has in flight. Two
 * decisions depend on it:
 * - a prediction left `creating` is reconciled only once its lease has lapsed — its creator died,
 *   or finished without recording the answer — never while the call may still succeed (however
 *   long it waits in the outbound rate limiter);
 * - jobs locked by workers of dead processes are unlocked, instead of waiting out graphile-worker's
 *   4-hour lock expiry — so a SIGKILLed instance's trackers resume within seconds.
 */
import { sql } from 'kysely';
import type { Db, Executor } from '../db/index.ts';
import type { Logger } from '../logger.ts';

export interface LivenessSettings {
  readonly heartbeatMs: number;
  /** No heartbeat for this long → the process is considered dead. */
  readonly staleMs: number;
}

export class Liveness {
  private readonly workerIds = new Set<string>();
  private readonly createsInFlight = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private beating: Promise<void> | undefined;

  constructor(
    private readonly db: Db,
    readonly instanceId: string,
    readonly settings: LivenessSettings,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    await this.beat();
    this.timer = setInterval(() => {
      this.beating ??= this.beat()
        .catch((error: unknown) => this.logger.warn({ err: error }, 'heartbeat failed'))
        .finally(() => {
          this.beating = undefined;
        });
    }, this.settings.heartbeatMs);
    this.timer.unref();
  }

  /** A graphile-worker of this process took a job: its locks must not be broken while we live. */
  noteWorker(workerId: string): void {
    if (this.workerIds.has(workerId)) return;
    this.workerIds.add(workerId);
    void this.beat().catch(() => undefined);
  }

  /** Marks a create call of this process as in flight until the returned function is called. */
  holdCreateLease(predictionId: string): () => void {
    this.createsInFlight.add(predictionId);
    return () => this.createsInFlight.delete(predictionId);
  }

  /**
   * Whether the create of a `creating` prediction may still be answered: its process is alive
   * and renewed the lease within `leaseMs` (database time on both sides, so an injected app
   * clock cannot expire it).
   */
  async createInFlight(
    executor: Executor,
    prediction: { id: string; create_started_by: string | null },
    leaseMs: number,
  ): Promise<boolean> {
    if (!prediction.create_started_by) return false;
    if (prediction.create_started_by === this.instanceId) return this.createsInFlight.has(prediction.id);
    const row = await executor
      .selectFrom('predictions')
      .innerJoin('gateway_instances', 'gateway_instances.id', 'predictions.create_started_by')
      .select('predictions.id')
      .where('predictions.id', '=', prediction.id)
      .where('predictions.state', '=', 'creating')
      .where(sql<boolean>`predictions.updated_at > now() - ${leaseMs} * interval '1 millisecond'`)
      .where(sql<boolean>`gateway_instances.heartbeat_at > now() - ${this.settings.staleMs} * interval '1 millisecond'`)
      .executeTakeFirst();
    return row !== undefined;
  }

  /**
   * Forgets dead processes and unlocks the jobs their workers held (only locks older than the
   * staleness window, so a live worker that has not reported its id yet is not robbed).
   */
  async reapDeadInstances(): Promise<number> {
    const stale = sql<Date>`now() - ${this.settings.staleMs} * interval '1 millisecond'`;
    await this.db.deleteFrom('gateway_instances').where('heartbeat_at', '<', stale).execute();
    const orphaned = await sql<{ locked_by: string }>`
      select distinct j.locked_by from graphile_worker.jobs j
      where j.locked_by is not null
        and j.locked_at < ${stale}
        and not exists (select 1 from gateway_instances i where j.locked_by = any(i.worker_ids))`.execute(this.db);
    const ids = orphaned.rows.map((row) => row.locked_by);
    if (ids.length > 0) {
      await sql`select graphile_worker.force_unlock_workers(${ids}::text[])`.execute(this.db);
      this.logger.warn({ workerIds: ids }, 'unlocked jobs held by workers of stopped processes');
    }
    return ids.length;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.beating;
    await this.db.deleteFrom('gateway_instances').where('id', '=', this.instanceId).execute();
  }

  private async beat(): Promise<void> {
    const workerIds = [...this.workerIds];
    await this.db
      .insertInto('gateway_instances')
      .values({ id: this.instanceId, worker_ids: workerIds })
      .onConflict((conflict) =>
        conflict.column('id').doUpdateSet({ worker_ids: workerIds, heartbeat_at: sql<Date>`now()` }),
      )
      .execute();
    const inFlight = [...this.createsInFlight];
    if (inFlight.length > 0) {
      await this.db
        .updateTable('predictions')
        .set({ updated_at: sql<Date>`now()` })
        .where('id', 'in', inFlight)
        .where('state', '=', 'creating')
        .where('create_started_by', '=', this.instanceId)
        .execute();
    }
  }
}
