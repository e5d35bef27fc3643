/**
 * The webhooks panel's page part: the endpoint form, the secret shown once, and each endpoint with
 * its recent deliveries. Like view.ts it calls no API: clicks become the panel's intents.
 */
import { byId, h } from './dom.ts';
import type { StudioWebhookEndpointsQuery } from './gql/graphql.ts';

export type Endpoint = StudioWebhookEndpointsQuery['webhookEndpoints'][number];
type Delivery = Endpoint['deliveries']['edges'][number]['node'];

export interface WebhookIntents {
  create(url: string, description: string): void;
  redeliver(deliveryId: string): void;
  refresh(): void;
}

const el = {
  form: byId<HTMLFormElement>('webhook-form'),
  url: byId<HTMLInputElement>('webhook-url'),
  description: byId<HTMLInputElement>('webhook-description'),
  add: byId<HTMLButtonElement>('webhook-add'),
  secret: byId('webhook-secret'),
  status: byId('webhook-status'),
  refresh: byId<HTMLButtonElement>('webhook-refresh'),
  endpoints: byId<HTMLUListElement>('webhook-endpoints'),
};

const DELIVERY_STATUS: Record<string, string> = { PENDING: 'Pending', SUCCEEDED: 'Delivered', FAILED: 'Failed' };

export function bindWebhookIntents(intents: WebhookIntents): void {
  el.form.addEventListener('submit', (event) => {
    event.preventDefault();
    intents.create(el.url.value.trim(), el.description.value.trim());
  });
  el.refresh.addEventListener('click', () => intents.refresh());
  // One listener for every delivery's button: the list is rebuilt on each refresh.
  el.endpoints.addEventListener('click', (event) => {
    const button = (event.target as Element).closest<HTMLButtonElement>('button[data-action="redeliver"]');
    const id = button?.dataset.deliveryId;
    if (id) intents.redeliver(id);
  });
}

function when(iso: string): string {
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium' });
}

function deliveryRow(endpoint: Endpoint, delivery: Delivery): HTMLElement {
  const status = DELIVERY_STATUS[delivery.status] ?? delivery.status;
  const retry = delivery.nextAttemptAt ? ` · retry ${when(delivery.nextAttemptAt)}` : '';
  return h(
    'tr',
    { class: `delivery-${delivery.status.toLowerCase()}`, 'data-id': delivery.id },
    h('td', {}, delivery.eventType ?? '—'),
    h('td', { class: 'delivery-status' }, `${status}${retry}`),
    h('td', {}, delivery.lastResponseCode === null ? '—' : String(delivery.lastResponseCode)),
    h('td', {}, delivery.lastLatencyMs === null ? '—' : `${delivery.lastLatencyMs} ms`),
    h('td', {}, String(delivery.attempts)),
    h('td', { class: 'delivery-error' }, delivery.lastError ?? ''),
    h('td', {}, when(delivery.createdAt)),
    h(
      'td',
      {},
      h(
        'button',
        {
          type: 'button',
          'data-action': 'redeliver',
          'data-delivery-id': delivery.id,
          disabled: !endpoint.enabled,
          title: endpoint.enabled ? 'Send this event again, under the same webhook-id' : 'Enable the endpoint first',
          'aria-label': `Redeliver ${delivery.eventType ?? 'event'} from ${when(delivery.createdAt)}`,
        },
        'Redeliver',
      ),
    ),
  );
}

function deliveriesTable(endpoint: Endpoint): HTMLElement {
  const deliveries = endpoint.deliveries.edges.map((edge) => edge.node);
  if (deliveries.length === 0) return h('p', { class: 'hint' }, 'No deliveries yet.');
  const head = ['Event', 'Status', 'Code', 'Latency', 'Attempts', 'Error', 'Created', ''];
  return h(
    'div',
    { class: 'deliveries-wrap' },
    h(
      'table',
      { class: 'deliveries', 'aria-label': `Recent deliveries to ${endpoint.url}` },
      h('thead', {}, h('tr', {}, ...head.map((title) => h('th', { scope: 'col' }, title)))),
      h('tbody', {}, ...deliveries.map((delivery) => deliveryRow(endpoint, delivery))),
    ),
  );
}

function endpointItem(endpoint: Endpoint): HTMLElement {
  const events = endpoint.events ? endpoint.events.join(', ') : 'all events';
  return h(
    'li',
    { class: endpoint.enabled ? 'endpoint' : 'endpoint disabled', 'data-id': endpoint.id },
    h(
      'div',
      { class: 'endpoint-head' },
      h('span', { class: 'endpoint-url' }, endpoint.url),
      endpoint.isDefault
        ? h('span', { class: 'badge', title: 'Its secret also signs per-request webhooks' }, 'default')
        : null,
      h('span', { class: endpoint.enabled ? 'hint' : 'error' }, endpoint.enabled ? 'enabled' : 'disabled'),
    ),
    h(
      'p',
      { class: 'hint' },
      `${endpoint.description ? `${endpoint.description} · ` : ''}${events} · ${endpoint.signingSecretCount} signing secret${endpoint.signingSecretCount === 1 ? '' : 's'}`,
    ),
    endpoint.enabled ? null : h('p', { class: 'error' }, `Disabled: ${endpoint.disabledReason ?? 'by its owner'}`),
    deliveriesTable(endpoint),
  );
}

export const webhooksView = {
  /** The form and the list are for a signed-in user only. */
  signedIn(signedIn: boolean): void {
    el.add.disabled = !signedIn;
    el.refresh.hidden = !signedIn;
    if (!signedIn) {
      el.endpoints.replaceChildren();
      el.secret.hidden = true;
      el.secret.replaceChildren();
      el.status.textContent = 'Use your key to see and add webhook endpoints.';
    }
  },
  renderEndpoints(endpoints: readonly Endpoint[]): void {
    // Keep keyboard focus on the same redeliver button across a refresh.
    const focused = (document.activeElement as HTMLElement | null)?.dataset?.deliveryId;
    el.endpoints.replaceChildren(...endpoints.map(endpointItem));
    if (endpoints.length === 0) el.endpoints.append(h('li', { class: 'hint' }, 'No endpoints yet.'));
    if (focused) el.endpoints.querySelector<HTMLElement>(`[data-delivery-id="${focused}"]`)?.focus();
  },
  /** The new endpoint's secret: shown here once, never again. */
  showSecret(url: string, secret: string): void {
    el.secret.hidden = false;
    el.secret.replaceChildren(
      h('strong', {}, `Signing secret for ${url} — shown only now; store it in your app:`),
      h('code', { id: 'webhook-secret-value' }, secret),
    );
  },
  formDone(): void {
    el.url.value = '';
    el.description.value = '';
  },
  sending(sending: boolean): void {
    el.add.disabled = sending;
  },
  status(text: string): void {
    el.status.textContent = text;
  },
};
