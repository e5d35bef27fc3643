/** Identifiers that look like Replicate's, so clients that store or pattern-match them behave as upstream. */
import { createHash, randomBytes, randomInt } from 'node:crypto';
import { UPSCALER_MODEL } from '../catalog/models.ts';

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** 26 lowercase base32 characters, like `gm3qorzdhgbfurvjtvhg6dckhu`. */
export function newPredictionId(): string {
  const bytes = randomBytes(26);
  let id = '';
  for (const byte of bytes) id += BASE32[byte % 32];
  return id;
}

/** Standard Webhooks message id; one per event, reused on every retry of that event. */
export function newWebhookMessageId(): string {
  return `msg_${randomBytes(16).toString('hex')}`;
}

/**
 * Community models the catalog pins by their real version id: the simulator answers to the same
 * id, so the gateway's pinned create works against it unchanged.
 */
const REAL_VERSION_IDS: ReadonlyMap<string, string> = new Map([
  [UPSCALER_MODEL.replicateModel, UPSCALER_MODEL.replicateVersion!],
]);

/**
 * A stable 64-hex version id per model (the real one for a pinned community model). Official models hide their versions on Replicate, but
 * `POST /v1/predictions` still needs one to accept `owner/name:version` or a bare version id.
 */
export function versionIdFor(replicateModel: string): string {
  const pinned = REAL_VERSION_IDS.get(replicateModel);
  if (pinned) return pinned;
  return createHash('sha256').update(`pixelgate-simulator:${replicateModel}`).digest('hex');
}

/** A seed in the range the catalog accepts (`0 … 2^31-1`), as FLUX picks one when none is given. */
export function randomSeed(): number {
  return randomInt(0, 2_147_483_647);
}

/** 32-bit hash for seeding deterministic pixel patterns. */
export function hash32(text: string): number {
  return createHash('sha256').update(text).digest().readUInt32BE(0);
}
