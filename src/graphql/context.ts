/** The per-request (or per-WebSocket-operation) GraphQL context. */
import type { Logger } from '../logger.ts';
import type { AppServices } from '../services.ts';

export type Viewer =
  { readonly kind: 'user'; readonly userId: string; readonly apiKeyId: string } | { readonly kind: 'admin' };

export interface GraphQLContext {
  readonly services: AppServices;
  readonly viewer: Viewer | null;
  readonly requestId: string;
  readonly logger: Logger;
}

export function viewerUserId(context: GraphQLContext): string | null {
  return context.viewer?.kind === 'user' ? context.viewer.userId : null;
}
