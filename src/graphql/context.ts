/** The per-request (or per-WebSocket-operation) GraphQL context. */
import type { ApiKeyCache } from '../auth/key-cache.ts';
import type { CatalogSync } from '../catalog/sync.ts';
import type { Viewer } from '../auth/viewer.ts';
import type { UsageCache } from '../billing/usage-cache.ts';
import type { ReplicateClient } from '../replicate/index.ts';
import type { Config } from '../config.ts';
import type { Db } from '../db/index.ts';
import type { GalleryStreams } from '../generations/gallery.ts';
import type { GenerationService } from '../generations/service.ts';
import type { Logger } from '../logger.ts';
import type { PreferenceCache } from '../preferences/cache.ts';
import type { TrustedDocumentRef } from './trusted-documents.ts';

export type { Viewer };

/** The generation services resolvers call. */
export interface GenerationsApi {
  /** Starting (single, batched, finals of previews), reading, following and cancelling generations. */
  readonly service: GenerationService;
  /** `myGenerations`: every change to a user's generations. */
  readonly gallery: GalleryStreams;
  /** The public URL of a stored image. */
  imageUrl(storageKey: string): string;
  /** Milliseconds before `ahead` more creates can have started at the shared upstream budget's rate. */
  expectedCreateWaitMs(ahead: number): number;
}

/**
 * What resolvers may use. The composition root's `AppServices` provides at least this; the
 * GraphQL layer never sees the rest of it (workers, routes, the upstream client).
 */
export interface ResolverServices {
  readonly config: Config;
  readonly db: Db;
  /** The time source for budgets and deadlines; tests inject their own. */
  readonly now: () => Date;
  readonly generations: GenerationsApi;
  /** Resolved API keys (revocations reach every instance through the message bus). */
  readonly keys: ApiKeyCache;
  /** Users' rows and usage figures for `viewer { usage }` (exact: dropped on every change). */
  readonly usage: UsageCache;
  /** Users' learned model preferences: told of the ratings this instance commits. */
  readonly preferences: Pick<PreferenceCache, 'read' | 'invalidate'>;
  /** Replicate's model and version reads, for adding models to the catalog (admin). */
  readonly replicate: Pick<ReplicateClient, 'getModel' | 'getModelVersion'>;
  /** This process's catalog: reloaded after an admin change so the answer shows it. */
  readonly catalog: Pick<CatalogSync, 'reload'>;
}

export interface GraphQLContext {
  readonly services: ResolverServices;
  readonly viewer: Viewer | null;
  readonly requestId: string;
  readonly logger: Logger;
  /** Set when the operation is a registered document named by its id. */
  readonly trustedDocument?: TrustedDocumentRef;
}
