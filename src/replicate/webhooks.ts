/**
 * Standard Webhooks signatures, as Replicate sends them: HMAC-SHA256 over
 * `${webhook-id}.${webhook-timestamp}.${raw body}` keyed with the base64 secret after `whsec_`,
 * carried in `webhook-signature` as space-separated `v1,<base64>` entries (several while a secret
 * rotates; other versions are skipped).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export type WebhookHeaders = Headers | Record<string, string | string[] | undefined>;

export type WebhookRejection =
  | 'missing_headers'
  | 'invalid_timestamp'
  | 'timestamp_too_old'
  | 'timestamp_too_new'
  | 'no_valid_secret'
  | 'no_matching_signature';

export type WebhookVerification =
  | { readonly ok: true; readonly id: string; readonly timestamp: number }
  | { readonly ok: false; readonly reason: WebhookRejection };

export interface VerifyWebhookOptions {
  /** The body exactly as received: re-serialised JSON does not verify. */
  readonly rawBody: string | Buffer;
  readonly headers: WebhookHeaders;
  /** Every secret currently accepted (`whsec_<base64>`, or the base64 key itself). */
  readonly secrets: readonly string[];
  readonly now?: Date;
  /** Replays older (or clock skew larger) than this are refused. */
  readonly toleranceSeconds?: number;
}

const SIGNATURE_VERSION = 'v1';
const SECRET_PREFIX = 'whsec_';
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const SHA256_BYTES = 32;

export function verifyWebhook(options: VerifyWebhookOptions): WebhookVerification {
  const { rawBody, headers, secrets, now = new Date(), toleranceSeconds = 300 } = options;
  const id = readHeader(headers, 'webhook-id');
  const timestampText = readHeader(headers, 'webhook-timestamp');
  const signatureHeader = readHeader(headers, 'webhook-signature');
  if (!id || !timestampText || !signatureHeader) return { ok: false, reason: 'missing_headers' };

  if (!/^\d{1,15}$/.test(timestampText)) return { ok: false, reason: 'invalid_timestamp' };
  const timestamp = Number(timestampText);
  const nowSeconds = Math.floor(now.getTime() / 1000);
  if (nowSeconds - timestamp > toleranceSeconds) return { ok: false, reason: 'timestamp_too_old' };
  if (timestamp - nowSeconds > toleranceSeconds) return { ok: false, reason: 'timestamp_too_new' };

  const keys = secrets.map(decodeSecret).filter((key): key is Buffer => key !== undefined);
  if (keys.length === 0) return { ok: false, reason: 'no_valid_secret' };

  const presented = parseSignatures(signatureHeader);
  for (const key of keys) {
    const expected = computeSignature(key, id, timestampText, rawBody);
    // Lengths are equal by construction (both are SHA-256 digests), so each compare is constant-time.
    if (presented.some((candidate) => timingSafeEqual(candidate, expected))) {
      return { ok: true, id, timestamp };
    }
  }
  return { ok: false, reason: 'no_matching_signature' };
}

export interface SignWebhookOptions {
  readonly id: string;
  /** Unix seconds, or a Date. */
  readonly timestamp: number | Date;
  readonly rawBody: string | Buffer;
  readonly secret: string;
}

/** The `webhook-signature` value for a delivery (`v1,<base64>`): for tests and the simulator. */
export function signWebhook(options: SignWebhookOptions): string {
  const key = decodeSecret(options.secret);
  if (!key) throw new TypeError('Webhook secret must be whsec_<base64> or a base64 key.');
  const timestamp =
    options.timestamp instanceof Date ? Math.floor(options.timestamp.getTime() / 1000) : options.timestamp;
  const signature = computeSignature(key, options.id, String(timestamp), options.rawBody);
  return `${SIGNATURE_VERSION},${signature.toString('base64')}`;
}

/** The three headers of a signed delivery. */
export function webhookHeaders(options: SignWebhookOptions): Record<string, string> {
  const timestamp =
    options.timestamp instanceof Date ? Math.floor(options.timestamp.getTime() / 1000) : options.timestamp;
  return {
    'webhook-id': options.id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signWebhook(options),
  };
}

function computeSignature(key: Buffer, id: string, timestamp: string, rawBody: string | Buffer): Buffer {
  const body = typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : rawBody;
  return createHmac('sha256', key).update(`${id}.${timestamp}.`, 'utf8').update(body).digest();
}

function decodeSecret(secret: string): Buffer | undefined {
  const base64 = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  if (!BASE64.test(base64)) return undefined;
  const key = Buffer.from(base64, 'base64');
  return key.length > 0 ? key : undefined;
}

/** The decoded `v1` signatures; malformed entries and other versions are ignored. */
function parseSignatures(header: string): Buffer[] {
  const signatures: Buffer[] = [];
  // `Headers.get` joins repeated headers with ", ": the trailing comma is not part of an entry.
  for (const entry of header.split(/\s+/).map((part) => part.replace(/,$/, ''))) {
    const comma = entry.indexOf(',');
    if (comma < 0 || entry.slice(0, comma) !== SIGNATURE_VERSION) continue;
    const base64 = entry.slice(comma + 1);
    if (!BASE64.test(base64)) continue;
    const decoded = Buffer.from(base64, 'base64');
    if (decoded.length === SHA256_BYTES) signatures.push(decoded);
  }
  return signatures;
}

function readHeader(headers: WebhookHeaders, name: string): string | undefined {
  if (headers instanceof Headers) return headers.get(name)?.trim() || undefined;
  const value = Object.entries(headers).find(([key]) => key.toLowerCase() === name)?.[1];
  // Node joins repeated headers into an array; several signature headers are one list.
  const text = Array.isArray(value) ? value.join(' ') : value;
  return text?.trim() || undefined;
}
