/**
 * pixelgate Studio: paste a key, pick a model (or let pixelgate choose), see the estimate, make a
 * preview grid, finalize a variation, follow progress live and browse the gallery with costs.
 * Talks to pixelgate only through its public GraphQL API (see documents.ts).
 */
import './styles.css';
import { Api, ApiError } from './api.ts';
import {
  CancelMutation,
  EstimateQuery,
  FinalizeMutation,
  GalleryQuery,
  GenerateMutation,
  ModelsQuery,
  MyGenerationsSubscription,
  ProgressSubscription,
  RecommendQuery,
  ViewerQuery,
} from './documents.ts';
import { byId, h } from './dom.ts';
import type { StudioGenerationFragment, StudioModelsQuery, StudioViewerQuery } from './gql/graphql.ts';
import { formatUsd, usdToMicros } from './money.ts';

type Generation = StudioGenerationFragment;
type Model = StudioModelsQuery['models'][number];
type Usage = StudioViewerQuery['viewer']['usage'];

const KEY_STORAGE = 'pixelgate.studio.apiKey';
const GALLERY_PAGE = 12;
const RUNNING = new Set(['QUEUED', 'STARTING', 'PROCESSING']);
const TERMINAL = new Set(['SUCCEEDED', 'FAILED', 'CANCELED']);
const STATUS_TEXT: Record<string, string> = {
  QUEUED: 'Queued',
  STARTING: 'Starting',
  PROCESSING: 'Generating',
  SUCCEEDED: 'Done',
  FAILED: 'Failed',
  CANCELED: 'Canceled',
};

const state = {
  api: new Api(null),
  key: null as string | null,
  models: [] as Model[],
  usage: null as Usage | null,
  generations: new Map<string, Generation>(),
  cards: new Map<string, HTMLElement>(),
  progress: new Map<string, () => void>(),
  stopGallery: null as (() => void) | null,
  galleryCursor: null as string | null,
};

const el = {
  keyForm: byId<HTMLFormElement>('key-form'),
  keyInput: byId<HTMLInputElement>('key-input'),
  keyRemember: byId<HTMLInputElement>('key-remember'),
  keyForget: byId<HTMLButtonElement>('key-forget'),
  keyStatus: byId('key-status'),
  budget: byId('budget'),
  form: byId<HTMLFormElement>('generate-form'),
  prompt: byId<HTMLTextAreaElement>('prompt'),
  models: byId('models'),
  count: byId<HTMLInputElement>('count'),
  countHint: byId('count-hint'),
  transparent: byId<HTMLInputElement>('transparent'),
  estimate: byId('estimate'),
  generate: byId<HTMLButtonElement>('generate'),
  generateStatus: byId('generate-status'),
  gallery: byId<HTMLOListElement>('gallery'),
  galleryEmpty: byId('gallery-empty'),
  loadMore: byId<HTMLButtonElement>('load-more'),
};

function message(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  return 'Something went wrong; try again.';
}

// ---- the key -------------------------------------------------------------------------------------

function storedKey(): { key: string; remembered: boolean } | null {
  const remembered = localStorage.getItem(KEY_STORAGE);
  if (remembered) return { key: remembered, remembered: true };
  const session = sessionStorage.getItem(KEY_STORAGE);
  return session ? { key: session, remembered: false } : null;
}

function storeKey(key: string | null, remember: boolean): void {
  localStorage.removeItem(KEY_STORAGE);
  sessionStorage.removeItem(KEY_STORAGE);
  if (key) (remember ? localStorage : sessionStorage).setItem(KEY_STORAGE, key);
}

async function useKey(key: string | null, remember: boolean): Promise<void> {
  for (const stop of state.progress.values()) stop();
  state.progress.clear();
  state.stopGallery?.();
  state.stopGallery = null;
  state.api.close();
  state.api = new Api(key);
  state.key = key;
  state.usage = null;
  state.generations.clear();
  state.cards.clear();
  el.gallery.replaceChildren();
  el.keyForget.hidden = !key;
  storeKey(key, remember);
  if (!key) {
    el.keyStatus.textContent = 'No key in use.';
    renderBudget();
    renderGalleryEmpty();
    return;
  }
  el.keyStatus.textContent = 'Checking the key…';
  try {
    const { viewer } = await state.api.request(ViewerQuery);
    state.usage = viewer.usage;
    el.keyStatus.textContent = `Signed in as ${viewer.name}.`;
    el.keyInput.value = '';
  } catch (error) {
    el.keyStatus.textContent =
      error instanceof ApiError && error.code === 'UNAUTHENTICATED'
        ? 'pixelgate did not accept this key. Check it and paste it again.'
        : message(error);
    state.key = null;
    el.keyForget.hidden = true;
    storeKey(null, false);
    renderBudget();
    return;
  }
  renderBudget();
  await loadGallery(null);
  followGallery();
  void updateEstimate();
}

el.keyForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const key = el.keyInput.value.trim();
  if (key) void useKey(key, el.keyRemember.checked);
});
el.keyForget.addEventListener('click', () => void useKey(null, false));

// ---- budget --------------------------------------------------------------------------------------

let usageRefresh: ReturnType<typeof setTimeout> | undefined;
function refreshUsageSoon(): void {
  clearTimeout(usageRefresh);
  usageRefresh = setTimeout(() => {
    if (!state.key) return;
    state.api.request(ViewerQuery).then(
      ({ viewer }) => {
        state.usage = viewer.usage;
        renderBudget();
        void updateEstimate();
      },
      () => undefined,
    );
  }, 250);
}

function renderBudget(): void {
  const usage = state.usage;
  if (!usage) {
    el.budget.replaceChildren();
    return;
  }
  const limit = usdToMicros(usage.dailyBudgetUsd);
  const used = usdToMicros(usage.spentUsd) + usdToMicros(usage.reservedUsd);
  el.budget.replaceChildren(
    h('label', { for: 'budget-meter' }, 'Today’s budget'),
    h('meter', {
      id: 'budget-meter',
      min: 0,
      max: Math.max(limit, 1),
      value: Math.min(used, Math.max(limit, 1)),
      low: Math.round(limit * 0.6),
      high: Math.round(limit * 0.85),
      optimum: 0,
    }),
    h(
      'span',
      { class: 'budget-text' },
      `${formatUsd(usage.spentUsd)} spent · ${formatUsd(usage.reservedUsd)} held · ${formatUsd(usage.remainingDailyUsd)} left of ${formatUsd(usage.dailyBudgetUsd)}`,
    ),
  );
}

// ---- models and the estimate ---------------------------------------------------------------------

function selectedMode(): 'PREVIEW' | 'STANDARD' {
  return (el.form.elements.namedItem('mode') as RadioNodeList).value === 'STANDARD' ? 'STANDARD' : 'PREVIEW';
}

function selectedModelId(): string | null {
  const value = (el.form.elements.namedItem('model') as RadioNodeList | null)?.value;
  return value && value !== 'auto' ? value : null;
}

function renderModels(): void {
  const auto = h(
    'label',
    { class: 'model' },
    h('input', { type: 'radio', name: 'model', value: 'auto', checked: true }),
    h('span', { class: 'model-name' }, 'Let pixelgate choose'),
    h('span', { class: 'model-price' }, 'best fit for your budget'),
  );
  el.models.replaceChildren(
    auto,
    ...state.models.map((model) =>
      h(
        'label',
        { class: 'model' },
        h('input', { type: 'radio', name: 'model', value: model.id }),
        h('span', { class: 'model-name' }, model.name),
        h(
          'span',
          { class: 'model-price' },
          `${formatUsd(model.costPerImageUsd)} / image · ${model.tier.toLowerCase()}`,
        ),
      ),
    ),
  );
}

function countValue(): number {
  const count = Math.trunc(Number(el.count.value));
  return Number.isFinite(count) && count >= 1 ? Math.min(count, 4) : 1;
}

let estimateTurn = 0;
async function updateEstimate(): Promise<void> {
  const turn = ++estimateTurn;
  const mode = selectedMode();
  el.countHint.textContent = mode === 'PREVIEW' ? '(variations)' : '(images)';
  const count = countValue();
  const transparentBackground = el.transparent.checked;
  let modelId = mode === 'PREVIEW' ? 'flux-schnell' : selectedModelId();
  let note = mode === 'PREVIEW' ? ' on FLUX Schnell (previews always are)' : '';
  try {
    if (!modelId) {
      if (!state.usage) {
        el.estimate.textContent = 'Estimate: pixelgate picks the model from your remaining budget when you generate.';
        return;
      }
      const { recommendModel } = await state.api.request(RecommendQuery, {
        input: { budgetUsd: state.usage.remainingDailyUsd, iterations: 10 },
      });
      modelId = recommendModel.id;
      note = ` — pixelgate would likely pick ${recommendModel.name}`;
    }
    const { estimateCost } = await state.api.request(EstimateQuery, {
      input: { modelId, count, transparentBackground },
    });
    if (turn !== estimateTurn) return;
    el.estimate.textContent = `Estimate: ${formatUsd(estimateCost.totalUsd)} (${count} × ${formatUsd(estimateCost.perImageUsd)})${note}`;
  } catch (error) {
    if (turn === estimateTurn) el.estimate.textContent = `Estimate unavailable: ${message(error)}`;
  }
}

el.form.addEventListener('change', () => void updateEstimate());
el.count.addEventListener('input', () => void updateEstimate());

// ---- generating ----------------------------------------------------------------------------------

el.form.addEventListener('submit', (event) => {
  event.preventDefault();
  void (async () => {
    if (!state.key) {
      el.generateStatus.textContent = 'Paste your API key first.';
      el.keyInput.focus();
      return;
    }
    const mode = selectedMode();
    const modelId = mode === 'PREVIEW' ? null : selectedModelId();
    el.generate.disabled = true;
    el.generateStatus.textContent = 'Sending…';
    try {
      const { generateImage } = await state.api.request(GenerateMutation, {
        input: {
          prompt: el.prompt.value.trim(),
          mode,
          count: countValue(),
          transparentBackground: el.transparent.checked,
          ...(modelId ? { modelId } : {}),
        },
      });
      el.generateStatus.textContent = `Started: ${generateImage.model.name}, ${formatUsd(generateImage.estimatedCostUsd)} held.`;
      track(generateImage);
    } catch (error) {
      el.generateStatus.textContent = message(error);
    } finally {
      el.generate.disabled = false;
    }
  })();
});

/** Shows a generation and follows its progress live until it ends. */
function track(generation: Generation): void {
  upsert(generation);
  if (TERMINAL.has(generation.status) || state.progress.has(generation.id)) return;
  const stop = state.api.subscribe(
    ProgressSubscription,
    { id: generation.id },
    ({ generationProgress }) => {
      upsert(generationProgress);
      if (TERMINAL.has(generationProgress.status)) {
        state.progress.get(generation.id)?.();
        state.progress.delete(generation.id);
      }
    },
    (error) => (el.generateStatus.textContent = error.message),
  );
  state.progress.set(generation.id, stop);
}

async function finalize(preview: Generation, imageIndex: number): Promise<void> {
  el.generateStatus.textContent = `Finalizing variation ${imageIndex + 1}…`;
  try {
    const modelId = selectedMode() === 'STANDARD' ? selectedModelId() : null;
    const { finalizeGeneration } = await state.api.request(FinalizeMutation, {
      input: { previewId: preview.id, imageIndex, ...(modelId ? { modelId } : {}) },
    });
    el.generateStatus.textContent = `Final started on ${finalizeGeneration.model.name}, ${formatUsd(finalizeGeneration.estimatedCostUsd)} held.`;
    track(finalizeGeneration);
  } catch (error) {
    el.generateStatus.textContent = message(error);
  }
}

async function cancel(generation: Generation): Promise<void> {
  try {
    const { cancelGeneration } = await state.api.request(CancelMutation, { id: generation.id });
    upsert(cancelGeneration);
  } catch (error) {
    el.generateStatus.textContent = message(error);
  }
}

// ---- the gallery ---------------------------------------------------------------------------------

async function loadGallery(after: string | null): Promise<void> {
  el.loadMore.disabled = true;
  try {
    const { viewer } = await state.api.request(GalleryQuery, { first: GALLERY_PAGE, after });
    for (const edge of viewer.generations.edges) {
      if (RUNNING.has(edge.node.status)) track(edge.node);
      else upsert(edge.node);
    }
    state.galleryCursor = viewer.generations.pageInfo.endCursor ?? null;
    el.loadMore.hidden = !viewer.generations.pageInfo.hasNextPage;
  } catch (error) {
    el.generateStatus.textContent = message(error);
  } finally {
    el.loadMore.disabled = false;
    renderGalleryEmpty();
  }
}

el.loadMore.addEventListener('click', () => void loadGallery(state.galleryCursor));

/** Changes to any of this user's generations (other tabs, the terminal client) over one socket. */
function followGallery(): void {
  state.stopGallery = state.api.subscribe(
    MyGenerationsSubscription,
    {},
    ({ myGenerations }) => upsert(myGenerations),
    () => undefined,
  );
}

function renderGalleryEmpty(): void {
  el.galleryEmpty.hidden = state.generations.size > 0;
  el.galleryEmpty.textContent = state.key
    ? 'No generations yet: write a prompt and press Generate.'
    : 'Your generations appear here once you use your key.';
}

/** Keeps the newest state of a generation (events from two subscriptions may cross). */
function upsert(incoming: Generation): void {
  const current = state.generations.get(incoming.id);
  if (current && TERMINAL.has(current.status) && !TERMINAL.has(incoming.status)) return;
  if (current && current.status === incoming.status && (incoming.percent ?? 0) < (current.percent ?? 0)) return;
  state.generations.set(incoming.id, incoming);
  if (current && TERMINAL.has(incoming.status) && !TERMINAL.has(current.status)) refreshUsageSoon();
  if (!current) refreshUsageSoon();
  renderCard(incoming);
  renderGalleryEmpty();
}

function costLine(generation: Generation): string {
  if (generation.status === 'SUCCEEDED') return `Cost ${formatUsd(generation.costUsd)}`;
  if (TERMINAL.has(generation.status)) return `Cost ${formatUsd(generation.costUsd ?? '0')} (nothing charged)`;
  return `Held ${formatUsd(generation.estimatedCostUsd)}`;
}

/** A card's content: everything inside its `li`, built again only when its shape changes. */
function cardContent(generation: Generation): HTMLElement {
  const running = RUNNING.has(generation.status);
  const label = `${generation.mode === 'PREVIEW' ? 'Preview' : generation.preview ? 'Final' : 'Generation'}: ${generation.prompt}`;
  const statusText =
    running && generation.phase === 'REMOVING_BACKGROUND' ? 'Removing background' : STATUS_TEXT[generation.status];
  return h(
    'article',
    { 'aria-label': label },
    h(
      'header',
      { class: 'card-head' },
      h(
        'span',
        { class: 'badge' },
        generation.mode === 'PREVIEW' ? 'Preview' : generation.preview ? 'Final' : generation.mode.toLowerCase(),
      ),
      h('span', { class: 'card-status' }, statusText ?? generation.status),
      h('span', { class: 'card-cost' }, costLine(generation)),
    ),
    h('p', { class: 'card-prompt' }, generation.prompt),
    h(
      'p',
      { class: 'card-meta' },
      `${generation.model.name} · ${generation.count} image${generation.count === 1 ? '' : 's'}`,
      generation.selectionReason ? h('span', { class: 'hint' }, ` · ${generation.selectionReason}`) : null,
    ),
    running
      ? h(
          'div',
          { class: 'progress-row' },
          h('progress', {
            max: 100,
            ...(generation.percent == null ? {} : { value: generation.percent }),
            'aria-label': `Progress of “${generation.prompt}”`,
          }),
          h('span', { class: 'percent' }, generation.percent == null ? '…' : `${generation.percent}%`),
          h('button', { type: 'button', class: 'cancel', 'data-action': 'cancel' }, 'Cancel'),
        )
      : null,
    generation.error ? h('p', { class: 'error' }, generation.error.message) : null,
    generation.warning ? h('p', { class: 'hint' }, generation.warning.message) : null,
    generation.images.length > 0
      ? h(
          'div',
          { class: generation.mode === 'PREVIEW' ? 'images grid' : 'images' },
          ...generation.images.map((image) =>
            h(
              'figure',
              { class: image.transparent ? 'checker' : '' },
              h('img', {
                src: image.url,
                width: image.width,
                height: image.height,
                alt: `${generation.mode === 'PREVIEW' ? `Variation ${image.position + 1} of` : 'Image for'} “${generation.prompt}”`,
              }),
              generation.mode === 'PREVIEW' && generation.status === 'SUCCEEDED'
                ? h(
                    'figcaption',
                    {},
                    h(
                      'button',
                      {
                        type: 'button',
                        'data-action': `finalize-${image.position}`,
                        'aria-label': `Finalize variation ${image.position + 1}`,
                      },
                      `Finalize #${image.position + 1}`,
                    ),
                  )
                : null,
            ),
          ),
        )
      : null,
  );
}

/** What changes a card's structure; anything else (percent, cost) is updated in place. */
function cardShape(generation: Generation): string {
  return JSON.stringify([
    generation.status,
    generation.phase,
    generation.images.map((image) => image.url),
    generation.error?.message,
    generation.warning?.message,
    generation.selectionReason,
  ]);
}

/**
 * Shows a generation: a new card once, then the same `li` for every later state — progress events
 * (up to 4 a second) change a few texts and attributes, and only a new shape rebuilds the content.
 */
function renderCard(generation: Generation): void {
  const existing = state.cards.get(generation.id);
  const card = existing ?? h('li', { 'data-id': generation.id });
  card.className = `card status-${generation.status.toLowerCase()}`;
  card.dataset.status = generation.status;
  const shape = cardShape(generation);
  if (existing && card.dataset.shape === shape) {
    updateCardInPlace(card, generation);
    return;
  }
  card.dataset.shape = shape;
  // Keep keyboard focus on the same control when an update rebuilds the content.
  const focused = card.contains(document.activeElement)
    ? (document.activeElement as HTMLElement).dataset.action
    : undefined;
  card.replaceChildren(cardContent(generation));
  if (focused) card.querySelector<HTMLElement>(`[data-action="${focused}"]`)?.focus();
  if (existing) return;
  state.cards.set(generation.id, card);
  const older = [...el.gallery.children].find((child) => {
    const other = state.generations.get((child as HTMLElement).dataset.id ?? '');
    return other !== undefined && other.createdAt < generation.createdAt;
  });
  el.gallery.insertBefore(card, older ?? null);
}

function updateCardInPlace(card: HTMLElement, generation: Generation): void {
  const progress = card.querySelector('progress');
  if (progress && generation.percent != null) progress.value = generation.percent;
  const percent = card.querySelector('.percent');
  if (percent) percent.textContent = generation.percent == null ? '…' : `${generation.percent}%`;
  const cost = card.querySelector('.card-cost');
  if (cost) cost.textContent = costLine(generation);
}

/** One listener for every card's buttons: cards come and go, the gallery stays. */
el.gallery.addEventListener('click', (event) => {
  const button = (event.target as Element).closest<HTMLElement>('button[data-action]');
  const id = button?.closest<HTMLElement>('li.card')?.dataset.id;
  const generation = id === undefined ? undefined : state.generations.get(id);
  const action = button?.dataset.action;
  if (!generation || !action) return;
  if (action === 'cancel') void cancel(generation);
  else if (action.startsWith('finalize-')) void finalize(generation, Number(action.slice('finalize-'.length)));
});

// ---- start ---------------------------------------------------------------------------------------

async function start(): Promise<void> {
  try {
    state.models = (await state.api.request(ModelsQuery)).models;
    renderModels();
  } catch (error) {
    el.models.replaceChildren(h('p', { class: 'error' }, `Models unavailable: ${message(error)}`));
  }
  const stored = storedKey();
  el.keyRemember.checked = stored?.remembered ?? false;
  await useKey(stored?.key ?? null, stored?.remembered ?? false);
  void updateEstimate();
}

void start();
