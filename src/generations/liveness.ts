/**
 * Which gateway processes are alive. Each process writes a heartbeat every few seconds with the
 * graphile-worker ids it runs. Two decisions depend on it:
 * - a prediction left `creating` by a process that stopped beating is reconciled at once, while
 *   one whose creator is alive is left alone (its create call may still succeed);
 * - jobs locked by workers of dead processes are unlocked, instead of waiting out graphile-worker's
 *   4-hour lock expiry — so a SIGKILLed instance's trackers resume within seconds.
 */
import { sql } from 'kysely';
import type { Db, Executor } from '../db/index.ts';
import type { Logger } from '../logger.ts';
import { generationsDb } from './store.ts';

export interface LivenessSettings {
  readonly heartbeatMs: number;
  /** No heartbeat for this long → the process is considered dead. */
  readonly staleMs: number;
}

export class Liveness {
  private readonly workerIds = new Set<string>();
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

  async isAlive(executor: Executor, instanceId: string | null): Promise<boolean> {
    if (!instanceId) return false;
    if (instanceId === this.instanceId) return true;
    const row = await generationsDb(executor)
      .selectFrom('gateway_instances')
      .select('id')
      .where('id', '=', instanceId)
      .where(sql<boolean>`heartbeat_at > now() - ${this.settings.staleMs} * interval '1 millisecond'`)
      .executeTakeFirst();
    return row !== undefined;
  }

  /**
   * Forgets dead processes and unlocks the jobs their workers held (only locks older than the
   * staleness window, so a live worker that has not reported its id yet is not robbed).
   */
  async reapDeadInstances(): Promise<number> {
    const stale = sql<Date>`now() - ${this.settings.staleMs} * interval '1 millisecond'`;
    await generationsDb(this.db).deleteFrom('gateway_instances').where('heartbeat_at', '<', stale).execute();
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
    await generationsDb(this.db).deleteFrom('gateway_instances').where('id', '=', this.instanceId).execute();
  }

  private async beat(): Promise<void> {
    const workerIds = [...this.workerIds];
    await generationsDb(this.db)
      .insertInto('gateway_instances')
      .values({ id: this.instanceId, worker_ids: workerIds })
      .onConflict((conflict) =>
        conflict.column('id').doUpdateSet({ worker_ids: workerIds, heartbeat_at: sql<Date>`now()` }),
      )
      .execute();
  }
}
