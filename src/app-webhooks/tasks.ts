/**
 * The graphile-worker task that sends a target's due deliveries (`DRAIN_TASK`, one job per
 * endpoint, and one per user for their per-request deliveries).
 */
import type { TaskList } from 'graphile-worker';
import { DRAIN_TASK } from './deliveries.ts';
import { drain, type DeliveryDependencies } from './delivery.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function appWebhookTasks(deps: DeliveryDependencies): TaskList {
  return {
    [DRAIN_TASK]: async (payload, helpers) => {
      const { endpointId, userId } = (payload ?? {}) as { endpointId?: unknown; userId?: unknown };
      if (typeof endpointId === 'string' && UUID.test(endpointId)) {
        await drain(deps, { endpointId }, helpers.abortSignal);
      } else if (typeof userId === 'string' && UUID.test(userId)) {
        await drain(deps, { userId }, helpers.abortSignal);
      }
    },
  };
}
