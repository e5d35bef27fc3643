/**
 * The page: finds its elements in index.html, shows what it is given and turns the user's clicks
 * and edits into intents for the controller. It calls no API and keeps no state beyond the DOM.
 */
import { byId, h } from './dom.ts';
import { formatUsd, usdToMicros } from './money.ts';
import type { PrintTargetInput } from './gql/graphql.ts';
import {
  isRunning,
  isTerminal,
  type Generation,
  type Model,
  type PrintPreset,
  type Rating,
  type Usage,
} from './state.ts';

export type Mode = 'PREVIEW' | 'STANDARD';
/** What a thumb on an image card says. */
export type Thumb = Extract<Rating, 'LIKE' | 'DISLIKE'>;

/** What the create form asks for. */
export interface GenerateForm {
  prompt: string;
  mode: Mode;
  /** null: let pixelgate choose. */
  modelId: string | null;
  count: number;
  transparentBackground: boolean;
  /** The print file to make of each image (a preset or inches @ DPI); null: none. */
  print: PrintTargetInput | null;
}

/** What the user asked for, in the controller's words. */
export interface Intents {
  useKey(key: string, remember: boolean): void;
  forgetKey(): void;
  formChanged(): void;
  generate(): void;
  loadMore(): void;
  cancel(generationId: string): void;
  finalize(previewId: string, imageIndex: number): void;
  /** A thumb on image `position` of a generation was pressed. */
  rate(generationId: string, position: number, thumb: Thumb): void;
}

/** A running generation's phase after the model has made its images. */
const PHASE_TEXT: Record<string, string> = {
  REMOVING_BACKGROUND: 'Removing background',
  UPSCALING: 'Upscaling for print',
  PREPARING_PRINT_FILE: 'Preparing the print file',
};

const STATUS_TEXT: Record<string, string> = {
  QUEUED: 'Queued',
  STARTING: 'Starting',
  PROCESSING: 'Generating',
  SUCCEEDED: 'Done',
  FAILED: 'Failed',
  CANCELED: 'Canceled',
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
  printTarget: byId<HTMLSelectElement>('print-target'),
  printCustom: byId('print-custom'),
  printWidth: byId<HTMLInputElement>('print-width'),
  printHeight: byId<HTMLInputElement>('print-height'),
  printDpi: byId<HTMLInputElement>('print-dpi'),
  printHint: byId('print-hint'),
  estimate: byId('estimate'),
  generate: byId<HTMLButtonElement>('generate'),
  generateStatus: byId('generate-status'),
  gallery: byId<HTMLOListElement>('gallery'),
  galleryEmpty: byId('gallery-empty'),
  loadMore: byId<HTMLButtonElement>('load-more'),
};

export function bindIntents(intents: Intents): void {
  el.keyForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const key = el.keyInput.value.trim();
    if (key) intents.useKey(key, el.keyRemember.checked);
  });
  el.keyForget.addEventListener('click', () => intents.forgetKey());
  el.printCustom.addEventListener('input', () => showPrintTarget());
  el.form.addEventListener('change', () => {
    showPrintTarget();
    intents.formChanged();
  });
  el.count.addEventListener('input', () => intents.formChanged());
  el.form.addEventListener('submit', (event) => {
    event.preventDefault();
    intents.generate();
  });
  el.loadMore.addEventListener('click', () => intents.loadMore());
  // One listener for every card's buttons: cards come and go, the gallery stays.
  el.gallery.addEventListener('click', (event) => {
    const button = (event.target as Element).closest<HTMLElement>('button[data-action]');
    const id = button?.closest<HTMLElement>('li.card')?.dataset.id;
    const action = button?.dataset.action;
    if (id === undefined || !action) return;
    if (action === 'cancel') intents.cancel(id);
    else if (action.startsWith('finalize-')) intents.finalize(id, Number(action.slice('finalize-'.length)));
    else {
      const thumb = /^(like|dislike)-(\d+)$/.exec(action);
      if (thumb) intents.rate(id, Number(thumb[2]), thumb[1] === 'like' ? 'LIKE' : 'DISLIKE');
    }
  });
}

// ---- the key -------------------------------------------------------------------------------------

export const keyView = {
  setRemembered(remembered: boolean): void {
    el.keyRemember.checked = remembered;
  },
  /** A key in use can be forgotten. */
  setInUse(inUse: boolean): void {
    el.keyForget.hidden = !inUse;
  },
  status(text: string): void {
    el.keyStatus.textContent = text;
  },
  /** The key was accepted: it does not stay on the screen. */
  clearInput(): void {
    el.keyInput.value = '';
  },
  focus(): void {
    el.keyInput.focus();
  },
};

// ---- budget --------------------------------------------------------------------------------------

export function renderBudget(usage: Usage | null): void {
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

// ---- the create form -----------------------------------------------------------------------------

export const createView = {
  renderModels(models: readonly Model[]): void {
    const auto = h(
      'label',
      { class: 'model' },
      h('input', { type: 'radio', name: 'model', value: 'auto', checked: true }),
      h('span', { class: 'model-name' }, 'Let pixelgate choose'),
      h('span', { class: 'model-price' }, 'best fit for your budget'),
    );
    el.models.replaceChildren(
      auto,
      ...models.map((model) =>
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
  },
  /** The presets go between "No print file" and "Custom size…", with their pixels. */
  renderPrintPresets(presets: readonly PrintPreset[]): void {
    const [none, custom] = [el.printTarget.options[0], el.printTarget.options[el.printTarget.options.length - 1]];
    el.printTarget.replaceChildren(
      none ?? '',
      ...presets.map((preset) =>
        h(
          'option',
          { value: preset.id, 'data-width': preset.width, 'data-height': preset.height, 'data-dpi': preset.dpi },
          `${preset.name} (${preset.width}×${preset.height} px)`,
        ),
      ),
      custom ?? '',
    );
    showPrintTarget();
  },
  modelsUnavailable(reason: string): void {
    el.models.replaceChildren(h('p', { class: 'error' }, `Models unavailable: ${reason}`));
  },
  /** The form as it stands; the model is the one picked only when generating directly. */
  read(): GenerateForm {
    const mode = (el.form.elements.namedItem('mode') as RadioNodeList).value === 'STANDARD' ? 'STANDARD' : 'PREVIEW';
    const picked = (el.form.elements.namedItem('model') as RadioNodeList | null)?.value;
    const count = Math.trunc(Number(el.count.value));
    return {
      prompt: el.prompt.value.trim(),
      mode,
      modelId: mode === 'STANDARD' && picked && picked !== 'auto' ? picked : null,
      count: Number.isFinite(count) && count >= 1 ? Math.min(count, 4) : 1,
      transparentBackground: el.transparent.checked,
      print: printTarget(),
    };
  },
  countHint(mode: Mode): void {
    el.countHint.textContent = mode === 'PREVIEW' ? '(variations)' : '(images)';
  },
  estimate(text: string): void {
    el.estimate.textContent = text;
  },
  sending(sending: boolean): void {
    el.generate.disabled = sending;
  },
  status(text: string): void {
    el.generateStatus.textContent = text;
  },
};

function printTarget(): PrintTargetInput | null {
  const choice = el.printTarget.value;
  if (!choice) return null;
  if (choice !== 'custom') return { preset: choice };
  return {
    widthInches: el.printWidth.valueAsNumber,
    heightInches: el.printHeight.valueAsNumber,
    dpi: el.printDpi.valueAsNumber,
  };
}

/** The pixels a print target asks for (as the gateway rounds them), or null while a field is invalid. */
function printPixels(): { width: number; height: number; dpi: number } | null {
  const option = el.printTarget.selectedOptions[0];
  if (option?.dataset.width) {
    return {
      width: Number(option.dataset.width),
      height: Number(option.dataset.height),
      dpi: Number(option.dataset.dpi),
    };
  }
  const fields = [el.printWidth, el.printHeight, el.printDpi];
  if (!fields.every((field) => field.checkValidity() && field.value !== '')) return null;
  const dpi = el.printDpi.valueAsNumber;
  return {
    width: Math.round(el.printWidth.valueAsNumber * dpi),
    height: Math.round(el.printHeight.valueAsNumber * dpi),
    dpi,
  };
}

/** Shows the custom fields for "Custom size…" (enabled only then: hidden fields never block Generate) and what the target makes. */
function showPrintTarget(): void {
  const choice = el.printTarget.value;
  const custom = choice === 'custom';
  el.printCustom.hidden = !custom;
  for (const field of [el.printWidth, el.printHeight, el.printDpi]) field.disabled = !custom;
  const preview = (el.form.elements.namedItem('mode') as RadioNodeList).value !== 'STANDARD';
  const pixels = choice ? printPixels() : null;
  const target = !choice
    ? 'Each image can also be made into a print file: upscaled to exact pixels, with its DPI written in the PNG.'
    : pixels
      ? `A ${pixels.width}×${pixels.height} px PNG at ${pixels.dpi} DPI of each image (${(
          (pixels.width * pixels.height) /
          1e6
        ).toFixed(1)} MP); the upscaling is billed per second and held when you generate.`
      : 'Width and height from 0.5 to 60 in, DPI a whole number from 72 to 600.';
  el.printHint.textContent =
    choice && preview ? `${target} Previews are not printed: the variation you finalize is.` : target;
}

// ---- the gallery ---------------------------------------------------------------------------------

/** Each generation's `li`, made once and kept while the key is in use. */
const cards = new Map<string, HTMLElement>();

export const galleryView = {
  clear(): void {
    cards.clear();
    el.gallery.replaceChildren();
  },
  empty(hasGenerations: boolean, signedIn: boolean): void {
    el.galleryEmpty.hidden = hasGenerations;
    el.galleryEmpty.textContent = signedIn
      ? 'No generations yet: write a prompt and press Generate.'
      : 'Your generations appear here once you use your key.';
  },
  loadMore(state: { hidden?: boolean; disabled?: boolean }): void {
    if (state.hidden !== undefined) el.loadMore.hidden = state.hidden;
    if (state.disabled !== undefined) el.loadMore.disabled = state.disabled;
  },
  renderCard,
};

function costLine(generation: Generation): string {
  if (generation.status === 'SUCCEEDED') return `Cost ${formatUsd(generation.costUsd)}`;
  if (isTerminal(generation.status)) return `Cost ${formatUsd(generation.costUsd ?? '0')} (nothing charged)`;
  return `Held ${formatUsd(generation.estimatedCostUsd)}`;
}

/** A card's content: everything inside its `li`, built again only when its shape changes. */
function cardContent(generation: Generation): HTMLElement {
  const running = isRunning(generation.status);
  const label = `${generation.mode === 'PREVIEW' ? 'Preview' : generation.preview ? 'Final' : 'Generation'}: ${generation.prompt}`;
  const statusText = (running ? PHASE_TEXT[generation.phase] : undefined) ?? STATUS_TEXT[generation.status];
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
    running ? progressRow(generation) : null,
    generation.error ? h('p', { class: 'error' }, generation.error.message) : null,
    generation.warning ? h('p', { class: 'hint' }, generation.warning.message) : null,
    generation.images.length > 0 ? images(generation) : null,
  );
}

function progressRow(generation: Generation): HTMLElement {
  return h(
    'div',
    { class: 'progress-row' },
    h('progress', {
      max: 100,
      ...(generation.percent == null ? {} : { value: generation.percent }),
      'aria-label': `Progress of “${generation.prompt}”`,
    }),
    h('span', { class: 'percent' }, generation.percent == null ? '…' : `${generation.percent}%`),
    h('button', { type: 'button', class: 'cancel', 'data-action': 'cancel' }, 'Cancel'),
  );
}

function images(generation: Generation): HTMLElement {
  const preview = generation.mode === 'PREVIEW';
  const done = generation.status === 'SUCCEEDED';
  return h(
    'div',
    { class: preview ? 'images grid' : 'images' },
    ...generation.images.map((image) => {
      const name = preview ? `variation ${image.position + 1}` : `image ${image.position + 1}`;
      return h(
        'figure',
        { class: image.transparent ? 'checker' : '' },
        h('img', {
          src: image.url,
          width: image.width,
          height: image.height,
          alt: `${preview ? `Variation ${image.position + 1} of` : 'Image for'} “${generation.prompt}”`,
        }),
        h(
          'figcaption',
          {},
          h(
            'div',
            { class: 'image-actions' },
            thumbButton(image, 'LIKE', name),
            thumbButton(image, 'DISLIKE', name),
            preview && done
              ? h(
                  'button',
                  {
                    type: 'button',
                    class: 'finalize',
                    'data-action': `finalize-${image.position}`,
                    'aria-label': `Finalize variation ${image.position + 1}`,
                  },
                  `Finalize #${image.position + 1}`,
                )
              : null,
          ),
          image.printFile ? printFileLine(image.printFile, name) : null,
        ),
      );
    }),
  );
}

type Image = Generation['images'][number];

/** 👍 or 👎 on an image: pressed when it is the image's rating (pressing it again withdraws it). */
function thumbButton(image: Image, thumb: Thumb, name: string): HTMLElement {
  return h('button', {
    type: 'button',
    class: `thumb thumb-${thumb.toLowerCase()}`,
    'data-action': `${thumb.toLowerCase()}-${image.position}`,
    'aria-pressed': String(image.rating === thumb),
    'aria-label': `${thumb === 'LIKE' ? 'Like' : 'Dislike'} ${name}`,
    title: thumb === 'LIKE' ? 'I like it' : 'Not for me',
  });
}

function formatBytes(bytes: number): string {
  return bytes < 1_000_000 ? `${Math.max(1, Math.round(bytes / 1000))} kB` : `${(bytes / 1_000_000).toFixed(1)} MB`;
}

/** The print file's size and DPI, and a link that downloads it under its name (`?download=1`). */
function printFileLine(printFile: NonNullable<Image['printFile']>, name: string): HTMLElement {
  const download = new URL(printFile.url, location.href);
  download.searchParams.set('download', '1');
  return h(
    'p',
    { class: 'print-file' },
    h(
      'span',
      { class: 'print-size' },
      `Print file ${printFile.width}×${printFile.height} px · ${printFile.dpi} DPI · ${formatBytes(printFile.bytes)}`,
    ),
    h(
      'a',
      { href: download.href, download: printFile.fileName, 'aria-label': `Download the print file of ${name}` },
      'Download',
    ),
  );
}

/** What changes a card's structure; anything else (percent, cost) is updated in place. */
function cardShape(generation: Generation): string {
  return JSON.stringify([
    generation.status,
    generation.phase,
    generation.images.map((image) => [image.url, image.printFile?.url]),
    generation.error?.message,
    generation.warning?.message,
    generation.selectionReason,
  ]);
}

/**
 * Shows a generation: a new card once, then the same `li` for every later state — progress events
 * (up to 4 a second) change a few texts and attributes, and only a new shape rebuilds the content.
 * Cards are ordered newest first.
 */
function renderCard(generation: Generation): void {
  const existing = cards.get(generation.id);
  const card = existing ?? h('li', { 'data-id': generation.id, 'data-created-at': generation.createdAt });
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
  cards.set(generation.id, card);
  const older = [...el.gallery.children].find(
    (other) => ((other as HTMLElement).dataset.createdAt ?? '') < generation.createdAt,
  );
  el.gallery.insertBefore(card, older ?? null);
}

function updateCardInPlace(card: HTMLElement, generation: Generation): void {
  const progress = card.querySelector('progress');
  if (progress && generation.percent != null) progress.value = generation.percent;
  const percent = card.querySelector('.percent');
  if (percent) percent.textContent = generation.percent == null ? '…' : `${generation.percent}%`;
  const cost = card.querySelector('.card-cost');
  if (cost) cost.textContent = costLine(generation);
  for (const image of generation.images) {
    for (const thumb of ['like', 'dislike']) {
      const button = card.querySelector(`[data-action="${thumb}-${image.position}"]`);
      button?.setAttribute('aria-pressed', String(image.rating === thumb.toUpperCase()));
    }
  }
}
