/**
 * What a user sends to start generations, and the fingerprints idempotency keys compare: the
 * request as sent, defaults applied (not as resolved), so a replay finds its generation even
 * when a drawn seed or an automatic model choice would come out differently.
 */
import { createHash } from 'node:crypto';
import type { InputRefusal } from '../refusal.ts';
import { GenerationInputError } from './errors.ts';
import { canonicalJson, type GenerateImageRequest } from './request.ts';

/** `generateImage`'s input: `modelId` may be omitted, `iterations` hints the automatic choice. */
export type StartInput = Omit<GenerateImageRequest, 'modelId'> & {
  readonly modelId?: string | null;
  readonly iterations?: number | null;
  /** Where this generation's events also go (`src/app-webhooks`), signed by the user's default endpoint. */
  readonly webhookUrl?: string | null;
};

/** `finalizeGeneration`'s input: the preview image to re-run, plus the request fields a final may set. */
export type FinalizeInput = Pick<
  GenerateImageRequest,
  'count' | 'transparentBackground' | 'settings' | 'idempotencyKey' | 'print'
> & {
  readonly previewId: string;
  readonly imageIndex: number;
  readonly modelId?: string | null;
  readonly webhookUrl?: string | null;
};

function fingerprintOf(kind: string, request: Record<string, unknown>): string {
  return createHash('sha256')
    .update(canonicalJson({ kind, ...request }))
    .digest('hex');
}

/** The request as sent, defaults applied: what idempotency keys compare. */
export function userFingerprint(input: StartInput): string {
  return fingerprintOf('generate', {
    modelId: input.modelId ?? null,
    prompt: input.prompt.trim(),
    negativePrompt: input.negativePrompt ?? null,
    mode: input.mode ?? 'STANDARD',
    count: input.count ?? 1,
    aspectRatio: input.aspectRatio ?? null,
    seed: input.seed ?? null,
    transparentBackground: input.transparentBackground ?? false,
    settings: input.settings ?? {},
    iterations: input.iterations ?? null,
    ...webhookOf(input),
    // Only when given, so the fingerprints of requests without one stay what they were.
    ...(input.print && { print: input.print }),
  });
}

export function finalizeFingerprint(input: FinalizeInput): string {
  return fingerprintOf('finalize', {
    previewId: input.previewId,
    imageIndex: input.imageIndex,
    modelId: input.modelId ?? null,
    count: input.count ?? 1,
    transparentBackground: input.transparentBackground ?? false,
    settings: input.settings ?? {},
    ...webhookOf(input),
    ...(input.print && { print: input.print }),
  });
}

/** Only when given, so the fingerprints of requests without one did not change when it was added. */
function webhookOf(input: { readonly webhookUrl?: string | null }): { webhookUrl?: string } {
  return input.webhookUrl === undefined || input.webhookUrl === null ? {} : { webhookUrl: input.webhookUrl };
}

/** Re-roots `input.…` paths under `inputs.<index>.…` for batch items. */
export function inBatchItem(error: InputRefusal, index: number): GenerationInputError {
  const reroot = (path: string) => path.replace(/^input(\.|$)/, `inputs.${index}$1`);
  return new GenerationInputError(
    `inputs.${index}: ${error.message}`,
    error.invalidFields.map((field) => ({ path: reroot(field.path), message: field.message })),
  );
}
