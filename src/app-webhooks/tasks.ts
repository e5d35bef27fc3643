/** The graphile-worker task that runs deliveries (`DELIVER_TASK`, one job per attempt). */
import type { TaskList } from 'graphile-worker';
import { DELIVER_TASK } from './deliveries.ts';
import { runDelivery, type DeliveryDependencies } from './delivery.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function appWebhookTasks(deps: DeliveryDependencies): TaskList {
  return {
    [DELIVER_TASK]: async (payload, helpers) => {
      const deliveryId = (payload as { deliveryId?: unknown } | null)?.deliveryId;
      if (typeof deliveryId === 'string' && UUID.test(deliveryId)) {
        await runDelivery(deps, deliveryId, helpers.abortSignal);
      }
    },
  };
}
