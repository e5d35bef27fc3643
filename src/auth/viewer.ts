/**
 * Turns an `Authorization` header (HTTP) or `connection_init` payload (WebSocket) into a viewer.
 * A header that is present but wrong is an error (UNAUTHENTICATED), never silently anonymous.
 */
import type { Viewer } from '../graphql/context.ts';
import { unauthenticated } from '../graphql/errors.ts';
import type { AppServices } from '../services.ts';
import { API_KEY_PREFIX, constantTimeEquals } from './api-keys.ts';

export async function resolveViewer(
  services: Pick<AppServices, 'keys' | 'config'>,
  authorization: string | null | undefined,
): Promise<Viewer | null> {
  if (authorization === null || authorization === undefined || authorization.trim() === '') return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  if (!match) throw unauthenticated('The Authorization header must be "Bearer <API key or admin token>".');
  const token = match[1]!;
  if (token.startsWith(API_KEY_PREFIX)) {
    const verified = await services.keys.verify(token);
    if (!verified) throw unauthenticated('The API key is invalid or has been revoked.');
    return { kind: 'user', userId: verified.userId, apiKeyId: verified.apiKeyId };
  }
  const adminToken = services.config.adminToken;
  if (adminToken && constantTimeEquals(token, adminToken)) return { kind: 'admin' };
  throw unauthenticated('The bearer token is not a valid API key or admin token.');
}
