/** The graphile-worker task that sends an endpoint's due deliveries (`DRAIN_TASK`, one job per endpoint). */
import type { TaskList } from 'graphile-worker';
import { DRAIN_TASK } from './deliveries.ts';
import { drainEndpoint, type DeliveryDependencies } from './delivery.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function appWebhookTasks(deps: DeliveryDependencies): TaskList {
  return {
    [DRAIN_TASK]: async (payload, helpers) => {
      const endpointId = (payload as { endpointId?: unknown } | null)?.endpointId;
      if (typeof endpointId === 'string' && UUID.test(endpointId)) {
        await drainEndpoint(deps, endpointId, helpers.abortSignal);
      }
    },
  };
}
