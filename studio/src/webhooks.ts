/**
 * The webhooks panel (a `Panel`, controller.ts): the key's endpoints with their recent deliveries
 * (status, response code, latency, error), adding an endpoint (its secret shown once) and
 * redelivering an event. Deliveries happen in the background, so the list refreshes every few
 * seconds while a key is in use, and stops when the key changes.
 */
import type { Api } from './api.ts';
import type { Panel } from './controller.ts';
import { message } from './controller.ts';
import { CreateWebhookEndpointMutation, RedeliverWebhookMutation, WebhookEndpointsQuery } from './documents.ts';
import { bindWebhookIntents, webhooksView } from './webhooks-view.ts';

const RECENT_DELIVERIES = 10;
const REFRESH_MS = 5_000;

export class WebhooksPanel implements Panel {
  private api: Api | null = null;
  private timer: ReturnType<typeof setInterval> | undefined;
  /** Answers for an earlier key (or an older refresh) are dropped. */
  private turn = 0;

  constructor() {
    bindWebhookIntents({
      create: (url, description) => void this.create(url, description),
      redeliver: (id) => void this.redeliver(id),
      refresh: () => void this.refresh(),
    });
    webhooksView.signedIn(false);
  }

  async open(api: Api): Promise<void> {
    this.api = api;
    webhooksView.signedIn(true);
    webhooksView.status('');
    await this.refresh();
    this.timer = setInterval(() => {
      if (!document.hidden) void this.refresh();
    }, REFRESH_MS);
  }

  close(): void {
    clearInterval(this.timer);
    this.api = null;
    this.turn += 1;
    webhooksView.signedIn(false);
  }

  private async refresh(): Promise<void> {
    const api = this.api;
    if (!api) return;
    const turn = ++this.turn;
    try {
      const { webhookEndpoints } = await api.request(WebhookEndpointsQuery, { deliveries: RECENT_DELIVERIES });
      if (turn === this.turn) webhooksView.renderEndpoints(webhookEndpoints);
    } catch (error) {
      if (turn === this.turn) webhooksView.status(message(error));
    }
  }

  private async create(url: string, description: string): Promise<void> {
    const api = this.api;
    if (!api || !url) return;
    webhooksView.sending(true);
    try {
      const { createWebhookEndpoint } = await api.request(CreateWebhookEndpointMutation, {
        input: { url, ...(description ? { description } : {}) },
      });
      webhooksView.showSecret(createWebhookEndpoint.endpoint.url, createWebhookEndpoint.secret);
      webhooksView.formDone();
      webhooksView.status('Endpoint added.');
      await this.refresh();
    } catch (error) {
      webhooksView.status(message(error));
    } finally {
      webhooksView.sending(this.api === null);
    }
  }

  private async redeliver(deliveryId: string): Promise<void> {
    const api = this.api;
    if (!api) return;
    try {
      await api.request(RedeliverWebhookMutation, { deliveryId });
      webhooksView.status('Sent again (same webhook-id); the list shows the new attempt shortly.');
      await this.refresh();
    } catch (error) {
      webhooksView.status(message(error));
    }
  }
}
