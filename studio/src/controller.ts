/**
 * What the studio does: turns the user's intents (view.ts) into calls to pixelgate's public API
 * (api.ts, documents.ts), keeps the answers in the state (state.ts) and hands them to the view.
 * Live feeds — a generation's progress, the user's own generations — belong to the key in use and
 * end with it.
 */
import { ApiError, type Api } from './api.ts';
import {
  CancelMutation,
  EstimateQuery,
  FinalizeMutation,
  GalleryQuery,
  GenerateMutation,
  ModelsQuery,
  MyGenerationsSubscription,
  PrintPresetsQuery,
  ProgressSubscription,
  RateImageMutation,
  RecommendQuery,
  ViewerQuery,
} from './documents.ts';
import { formatUsd } from './money.ts';
import {
  imageOf,
  isRunning,
  isTerminal,
  keepNewest,
  keepRating,
  ratingAfterClick,
  storedKey,
  storeKey,
  switchKey,
  type Generation,
  type StudioState,
} from './state.ts';
import { createView, galleryView, keyView, renderBudget, type Intents, type Thumb } from './view.ts';

const GALLERY_PAGE = 12;

/**
 * A part of the page that shows what the key in use can see, beside the built-in ones (budget,
 * create, gallery): opened when a key is accepted, closed when the key changes or is forgotten.
 * A new panel is its section in index.html, a module implementing this, and one entry in main.ts.
 */
export interface Panel {
  /** A key was accepted: load and follow what this panel shows, through `api`. */
  open(api: Api): Promise<void> | void;
  /** The key changed or was forgotten: stop following (feeds, timers) and clear the panel. */
  close(): void;
}

export function message(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  return 'Something went wrong; try again.';
}

/** The studio's behaviour; `intents()` is what the view calls. */
export class StudioController {
  /** Stops each followed generation's progress feed, by id. */
  private readonly progressFeeds = new Map<string, () => void>();
  private stopGalleryFeed: (() => void) | null = null;
  private usageRefresh: ReturnType<typeof setTimeout> | undefined;
  private estimateTurn = 0;
  /** Images whose rating is being sent: a second press waits for the first answer. */
  private readonly ratingsSent = new Set<string>();

  constructor(
    private readonly state: StudioState,
    private readonly panels: readonly Panel[] = [],
  ) {}

  /** What the user can ask for, as the view binds it to the page. */
  intents(): Intents {
    return {
      useKey: (key, remember) => void this.useKey(key, remember),
      forgetKey: () => void this.useKey(null, false),
      formChanged: () => void this.updateEstimate(),
      generate: () => void this.generate(),
      loadMore: () => void this.loadGallery(this.state.galleryCursor),
      cancel: (id) => {
        if (this.state.generations.has(id)) void this.cancel(id);
      },
      finalize: (previewId, imageIndex) => {
        if (this.state.generations.has(previewId)) void this.finalize(previewId, imageIndex);
      },
      rate: (generationId, position, thumb) => void this.rate(generationId, position, thumb),
    };
  }

  private closeFeeds(): void {
    for (const stop of this.progressFeeds.values()) stop();
    this.progressFeeds.clear();
    this.stopGalleryFeed?.();
    this.stopGalleryFeed = null;
    for (const panel of this.panels) panel.close();
  }

  // ---- the key -----------------------------------------------------------------------------------

  private async useKey(key: string | null, remember: boolean): Promise<void> {
    this.closeFeeds();
    switchKey(this.state, key);
    galleryView.clear();
    keyView.setInUse(key !== null);
    storeKey(key, remember);
    if (!key) {
      keyView.status('No key in use.');
      renderBudget(null);
      this.renderGalleryEmpty();
      return;
    }
    keyView.status('Checking the key…');
    try {
      const { viewer } = await this.state.api.request(ViewerQuery);
      this.state.usage = viewer.usage;
      keyView.status(`Signed in as ${viewer.name}.`);
      keyView.clearInput();
    } catch (error) {
      keyView.status(
        error instanceof ApiError && error.code === 'UNAUTHENTICATED'
          ? 'pixelgate did not accept this key. Check it and paste it again.'
          : message(error),
      );
      this.state.key = null;
      keyView.setInUse(false);
      storeKey(null, false);
      renderBudget(null);
      return;
    }
    renderBudget(this.state.usage);
    await this.loadGallery(null);
    this.followGallery();
    for (const panel of this.panels) await panel.open(this.state.api);
    void this.updateEstimate();
  }

  // ---- budget and the estimate -------------------------------------------------------------------

  private refreshUsageSoon(): void {
    clearTimeout(this.usageRefresh);
    this.usageRefresh = setTimeout(() => {
      if (!this.state.key) return;
      this.state.api.request(ViewerQuery).then(
        ({ viewer }) => {
          this.state.usage = viewer.usage;
          renderBudget(this.state.usage);
          void this.updateEstimate();
        },
        () => undefined,
      );
    }, 250);
  }

  private async updateEstimate(): Promise<void> {
    const turn = ++this.estimateTurn;
    const form = createView.read();
    createView.countHint(form.mode);
    let modelId = form.mode === 'PREVIEW' ? 'flux-schnell' : form.modelId;
    let note = form.mode === 'PREVIEW' ? ' on FLUX Schnell (previews always are)' : '';
    try {
      if (!modelId) {
        if (!this.state.usage) {
          createView.estimate('Estimate: pixelgate picks the model from your remaining budget when you generate.');
          return;
        }
        const { recommendModel } = await this.state.api.request(RecommendQuery, {
          input: { budgetUsd: this.state.usage.remainingDailyUsd, iterations: 10 },
        });
        modelId = recommendModel.id;
        note = ` — pixelgate would likely pick ${recommendModel.name}`;
      }
      const { count, transparentBackground } = form;
      // A preview grid is not printed (see generate): its estimate has no upscaling.
      const print = form.print && form.mode === 'STANDARD' ? form.print : undefined;
      if (print) note += ', upscaling for print at its upper bound';
      const { estimateCost } = await this.state.api.request(EstimateQuery, {
        input: { modelId, count, transparentBackground, ...(print ? { print } : {}) },
      });
      if (turn !== this.estimateTurn) return;
      createView.estimate(
        `Estimate: ${formatUsd(estimateCost.totalUsd)} (${count} × ${formatUsd(estimateCost.perImageUsd)})${note}`,
      );
    } catch (error) {
      if (turn === this.estimateTurn) createView.estimate(`Estimate unavailable: ${message(error)}`);
    }
  }

  // ---- generating --------------------------------------------------------------------------------

  private async generate(): Promise<void> {
    if (!this.state.key) {
      createView.status('Paste your API key first.');
      keyView.focus();
      return;
    }
    const { modelId, print, ...form } = createView.read();
    createView.sending(true);
    createView.status('Sending…');
    try {
      // A preview grid is not printed: the variation finalized is (finalize sends the target).
      const { generateImage } = await this.state.api.request(GenerateMutation, {
        input: { ...form, ...(modelId ? { modelId } : {}), ...(print && form.mode === 'STANDARD' ? { print } : {}) },
      });
      createView.status(`Started: ${generateImage.model.name}, ${formatUsd(generateImage.estimatedCostUsd)} held.`);
      this.track(generateImage);
    } catch (error) {
      createView.status(message(error));
    } finally {
      createView.sending(false);
    }
  }

  /** Shows a generation and follows its progress live until it ends. */
  private track(generation: Generation): void {
    this.upsert(generation);
    if (isTerminal(generation.status) || this.progressFeeds.has(generation.id)) return;
    const stop = this.state.api.subscribe(
      ProgressSubscription,
      { id: generation.id },
      ({ generationProgress }) => {
        this.upsert(generationProgress);
        if (isTerminal(generationProgress.status)) {
          this.progressFeeds.get(generation.id)?.();
          this.progressFeeds.delete(generation.id);
        }
      },
      (error) => createView.status(error.message),
    );
    this.progressFeeds.set(generation.id, stop);
  }

  private async finalize(previewId: string, imageIndex: number): Promise<void> {
    createView.status(`Finalizing variation ${imageIndex + 1}…`);
    try {
      const { modelId, print } = createView.read();
      const { finalizeGeneration } = await this.state.api.request(FinalizeMutation, {
        input: { previewId, imageIndex, ...(modelId ? { modelId } : {}), ...(print ? { print } : {}) },
      });
      createView.status(
        `Final started on ${finalizeGeneration.model.name}, ${formatUsd(finalizeGeneration.estimatedCostUsd)} held.`,
      );
      this.track(finalizeGeneration);
    } catch (error) {
      createView.status(message(error));
    }
  }

  private async cancel(id: string): Promise<void> {
    try {
      const { cancelGeneration } = await this.state.api.request(CancelMutation, { id });
      this.upsert(cancelGeneration);
    } catch (error) {
      createView.status(message(error));
    }
  }

  /** A thumb pressed: that rating, or NONE when it was the image's rating already. */
  private async rate(generationId: string, position: number, thumb: Thumb): Promise<void> {
    const image = imageOf(this.state, generationId, position);
    if (!image || this.ratingsSent.has(image.id)) return;
    this.ratingsSent.add(image.id);
    try {
      const { rateImage } = await this.state.api.request(RateImageMutation, {
        imageId: image.id,
        rating: ratingAfterClick(image.rating, thumb),
      });
      const generation = keepRating(this.state, generationId, rateImage.id, rateImage.rating);
      if (generation) galleryView.renderCard(generation);
    } catch (error) {
      createView.status(message(error));
    } finally {
      this.ratingsSent.delete(image.id);
    }
  }

  // ---- the gallery -------------------------------------------------------------------------------

  private async loadGallery(after: string | null): Promise<void> {
    galleryView.loadMore({ disabled: true });
    try {
      const { viewer } = await this.state.api.request(GalleryQuery, { first: GALLERY_PAGE, after });
      for (const edge of viewer.generations.edges) {
        if (isRunning(edge.node.status)) this.track(edge.node);
        else this.upsert(edge.node);
      }
      this.state.galleryCursor = viewer.generations.pageInfo.endCursor ?? null;
      galleryView.loadMore({ hidden: !viewer.generations.pageInfo.hasNextPage });
    } catch (error) {
      createView.status(message(error));
    } finally {
      galleryView.loadMore({ disabled: false });
      this.renderGalleryEmpty();
    }
  }

  /** Changes to any of this user's generations (other tabs, the terminal client) over one socket. */
  private followGallery(): void {
    this.stopGalleryFeed = this.state.api.subscribe(
      MyGenerationsSubscription,
      {},
      ({ myGenerations }) => this.upsert(myGenerations),
      () => undefined,
    );
  }

  private renderGalleryEmpty(): void {
    galleryView.empty(this.state.generations.size > 0, this.state.key !== null);
  }

  /** Shows the newest state of a generation; a new or ended one changes the budget. */
  private upsert(incoming: Generation): void {
    const change = keepNewest(this.state, incoming);
    if (change === 'stale') return;
    if (change === 'new' || change === 'ended') this.refreshUsageSoon();
    galleryView.renderCard(incoming);
    this.renderGalleryEmpty();
  }

  // ---- start -------------------------------------------------------------------------------------

  /** Loads the models and takes the key kept in this browser, if any. */
  async start(): Promise<void> {
    try {
      this.state.models = (await this.state.api.request(ModelsQuery)).models;
      createView.renderModels(this.state.models);
    } catch (error) {
      createView.modelsUnavailable(message(error));
    }
    // Without the presets the picker still offers a custom size.
    await this.state.api.request(PrintPresetsQuery).then(
      ({ printPresets }) => createView.renderPrintPresets(printPresets),
      () => undefined,
    );
    const stored = storedKey();
    keyView.setRemembered(stored?.remembered ?? false);
    await this.useKey(stored?.key ?? null, stored?.remembered ?? false);
    void this.updateEstimate();
  }
}
