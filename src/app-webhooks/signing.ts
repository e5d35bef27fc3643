/**
 * Standard Webhooks v1 signatures (https://www.standardwebhooks.com): HMAC-SHA256, keyed with the
 * secret's bytes (the base64 after `whsec_`), over `${webhook-id}.${webhook-timestamp}.${body}`,
 * sent as `v1,<base64>`. During a rotation's overlap the body is signed with each live secret and
 * the signatures are sent space-separated, so a receiver holding either secret verifies it.
 */
import { createHmac, randomBytes } from 'node:crypto';

export const SECRET_PREFIX = 'whsec_';
/** 32 random bytes: inside Standard Webhooks' 24–64 and the size of the HMAC's own output. */
const SECRET_BYTES = 32;

/** A new signing secret as users see it once: `whsec_<base64 of 32 random bytes>`. */
export function newSigningSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(SECRET_BYTES).toString('base64')}`;
}

export interface SignedHeaders {
  readonly 'webhook-id': string;
  readonly 'webhook-timestamp': string;
  readonly 'webhook-signature': string;
}

/** The three headers for one attempt; `secrets` as stored (`whsec_…`), the newest first. */
export function signedHeaders(secrets: readonly string[], webhookId: string, at: Date, body: string): SignedHeaders {
  const timestamp = String(Math.floor(at.getTime() / 1000));
  const signatures = secrets.map((secret) => {
    const key = Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64');
    const digest = createHmac('sha256', key).update(`${webhookId}.${timestamp}.${body}`).digest('base64');
    return `v1,${digest}`;
  });
  return { 'webhook-id': webhookId, 'webhook-timestamp': timestamp, 'webhook-signature': signatures.join(' ') };
}
