/**
 * Who is calling. An `Authorization` header (HTTP) or `connection_init` payload (WebSocket) is
 * turned into a viewer; a header that is present but wrong is an error (UNAUTHENTICATED), never
 * silently anonymous.
 */
import type { Config } from '../config.ts';
import { API_KEY_PREFIX, constantTimeEquals } from './api-keys.ts';
import type { ApiKeyCache } from './key-cache.ts';
import { UnauthenticatedError } from './errors.ts';

export type Viewer =
  { readonly kind: 'user'; readonly userId: string; readonly apiKeyId: string } | { readonly kind: 'admin' };

/** What a would-be admin hears from a server started without an admin token. */
export const ADMIN_OFF_MESSAGE =
  'Admin operations are off: this server was started without PIXELGATE_ADMIN_TOKEN. Restart it with PIXELGATE_ADMIN_TOKEN set (at least 16 characters) and send "Authorization: Bearer <that token>".';

export interface ViewerDependencies {
  readonly keys: Pick<ApiKeyCache, 'verify'>;
  readonly config: Pick<Config, 'adminToken'>;
}

export async function resolveViewer(
  deps: ViewerDependencies,
  authorization: string | null | undefined,
): Promise<Viewer | null> {
  if (authorization === null || authorization === undefined || authorization.trim() === '') return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  if (!match) throw new UnauthenticatedError('The Authorization header must be "Bearer <API key or admin token>".');
  const token = match[1]!;
  if (token.startsWith(API_KEY_PREFIX)) {
    const verified = await deps.keys.verify(token);
    if (!verified) throw new UnauthenticatedError('The API key is invalid or has been revoked.');
    return { kind: 'user', userId: verified.userId, apiKeyId: verified.apiKeyId };
  }
  const adminToken = deps.config.adminToken;
  if (adminToken === undefined)
    throw new UnauthenticatedError(`The bearer token is not an API key (pg_…). ${ADMIN_OFF_MESSAGE}`);
  if (constantTimeEquals(token, adminToken)) return { kind: 'admin' };
  throw new UnauthenticatedError('The bearer token is not a valid API key or admin token.');
}
