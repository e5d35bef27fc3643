/**
 * What the studio knows: the key in use, the models, today's usage and the newest state of each
 * generation it has seen. No DOM and no network here — the controller changes the state, the view
 * shows it.
 */
import { Api } from './api.ts';
import type {
  ImageRating,
  StudioGenerationFragment,
  StudioModelsQuery,
  StudioPrintPresetsQuery,
  StudioViewerQuery,
} from './gql/graphql.ts';

export type Generation = StudioGenerationFragment;
export type Model = StudioModelsQuery['models'][number];
export type PrintPreset = StudioPrintPresetsQuery['printPresets'][number];
export type Usage = StudioViewerQuery['viewer']['usage'];
export type Rating = ImageRating;

const RUNNING = new Set(['QUEUED', 'STARTING', 'PROCESSING']);
const TERMINAL = new Set(['SUCCEEDED', 'FAILED', 'CANCELED']);

export const isRunning = (status: string): boolean => RUNNING.has(status);
export const isTerminal = (status: string): boolean => TERMINAL.has(status);

export interface StudioState {
  /** The API with the key in use (none: only public queries). */
  api: Api;
  key: string | null;
  models: Model[];
  usage: Usage | null;
  generations: Map<string, Generation>;
  /** Where the next gallery page starts. */
  galleryCursor: string | null;
}

export function createState(): StudioState {
  return {
    api: new Api(null),
    key: null,
    models: [],
    usage: null,
    generations: new Map(),
    galleryCursor: null,
  };
}

/** Forgets everything the previous key could see; the caller closes what followed it. */
export function switchKey(state: StudioState, key: string | null): void {
  state.api.close();
  state.api = new Api(key);
  state.key = key;
  state.usage = null;
  state.generations.clear();
  state.galleryCursor = null;
}

/** How an incoming state of a generation relates to the one kept. */
export type Change = 'stale' | 'new' | 'ended' | 'updated';

/** Keeps the newest state of a generation (events from two subscriptions may cross). */
export function keepNewest(state: StudioState, incoming: Generation): Change {
  const current = state.generations.get(incoming.id);
  if (current && isTerminal(current.status) && !isTerminal(incoming.status)) return 'stale';
  if (current && current.status === incoming.status && (incoming.percent ?? 0) < (current.percent ?? 0)) {
    return 'stale';
  }
  state.generations.set(incoming.id, incoming);
  if (!current) return 'new';
  return isTerminal(incoming.status) && !isTerminal(current.status) ? 'ended' : 'updated';
}

/** The image at `position` of a generation kept in the state. */
export function imageOf(
  state: StudioState,
  generationId: string,
  position: number,
): Generation['images'][number] | undefined {
  return state.generations.get(generationId)?.images.find((image) => image.position === position);
}

/** What a click on a thumb asks for: the thumb, or NONE when it is the rating already given. */
export const ratingAfterClick = (current: Rating, thumb: Rating): Rating => (current === thumb ? 'NONE' : thumb);

/** Keeps an image's new rating; the generation kept with it (undefined when it is no longer kept). */
export function keepRating(
  state: StudioState,
  generationId: string,
  imageId: string,
  rating: Rating,
): Generation | undefined {
  const current = state.generations.get(generationId);
  if (!current) return undefined;
  const images = current.images.map((image) => (image.id === imageId ? { ...image, rating } : image));
  const updated = { ...current, images };
  state.generations.set(generationId, updated);
  return updated;
}

// ---- the key in this browser ---------------------------------------------------------------------

const KEY_STORAGE = 'pixelgate.studio.apiKey';

/** The key kept in this browser: `localStorage` when remembered, else this tab's `sessionStorage`. */
export function storedKey(): { key: string; remembered: boolean } | null {
  const remembered = localStorage.getItem(KEY_STORAGE);
  if (remembered) return { key: remembered, remembered: true };
  const session = sessionStorage.getItem(KEY_STORAGE);
  return session ? { key: session, remembered: false } : null;
}

export function storeKey(key: string | null, remember: boolean): void {
  localStorage.removeItem(KEY_STORAGE);
  sessionStorage.removeItem(KEY_STORAGE);
  if (key) (remember ? localStorage : sessionStorage).setItem(KEY_STORAGE, key);
}
