/**
 * The models the simulator knows, apart from the gateway's catalog (which an operator changes at
 * runtime; the simulator plays Replicate, whose models do not follow it):
 *
 * - the built-in catalog models: official, public, run by name;
 * - an official model not in the seeded catalog (`ideogram-ai/ideogram-v3-turbo`, billed per
 *   output) for an operator to add;
 * - community models, run by version and billed by the second on their hardware: a FLUX
 *   fine-tune (`acme/brand-style`, H100), an upscaler without a prompt
 *   (`nightmareai/real-esrgan`, T4), a private fine-tune (`acme/private-style`) and a captioner
 *   whose output is text (`acme/captioner`) — the last three for refusal tests.
 */
import { z } from 'zod';
import { MODELS, type BuiltInModelSpec } from '../catalog/models.ts';

export type SimulatedModel = BuiltInModelSpec & {
  readonly isOfficial: boolean;
  readonly visibility: 'public' | 'private';
  /** The hardware SKU a community model runs on (null: official, billed per output). */
  readonly hardware: string | null;
  /** `Output` of the version's schema when it is not images. */
  readonly outputJsonSchema?: Readonly<Record<string, unknown>>;
  /** An upscaler (Real-ESRGAN): how it scales, what it accepts and how long it runs. */
  readonly upscaler?: SimulatedUpscaler;
};

export interface SimulatedUpscaler {
  /** `scale` when the input has none (Real-ESRGAN's default). */
  readonly defaultScale: number;
  /**
   * Inputs with more pixels fail as on Replicate's T4 ("… greater than the max size that fits in
   * GPU memory on this hardware, 2096704"): 1448².
   */
  readonly maxInputPixels: number;
  /** Processing time: this much, plus `secondsPerOutputMegapixel` for each megapixel it writes. */
  readonly baseSeconds: number;
  readonly secondsPerOutputMegapixel: number;
}

/** `GET /v1/hardware`: names and SKUs, as Replicate lists them (its API carries no price). */
export const SIMULATED_HARDWARE = [
  { name: 'CPU', sku: 'cpu' },
  { name: 'Nvidia T4 GPU', sku: 'gpu-t4' },
  { name: 'Nvidia A40 GPU', sku: 'gpu-a40-small' },
  { name: 'Nvidia A40 (Large) GPU', sku: 'gpu-a40-large' },
  { name: 'Nvidia L40S GPU', sku: 'gpu-l40s' },
  { name: 'Nvidia A100 (80GB) GPU', sku: 'gpu-a100-large' },
  { name: 'Nvidia H100 GPU', sku: 'gpu-h100' },
] as const;

const official = MODELS.map((model) => ({ ...model, isOfficial: true, visibility: 'public' as const, hardware: null }));
const flux = MODELS.find((model) => model.id === 'flux-dev')!;
const fluxInput = flux.inputSchema as z.ZodObject;

const brandStyle: SimulatedModel = {
  ...flux,
  id: 'acme-brand-style',
  name: 'Acme brand style (FLUX fine-tune)',
  replicateModel: 'acme/brand-style',
  isOfficial: false,
  visibility: 'public',
  hardware: 'gpu-h100',
  inputSchema: fluxInput.extend({ lora_scale: z.number().min(-1).max(3).optional() }),
};

const ideogramTurbo: SimulatedModel = {
  ...MODELS.find((model) => model.id === 'flux-1.1-pro')!,
  id: 'ideogram-v3-turbo',
  name: 'Ideogram v3 Turbo',
  replicateModel: 'ideogram-ai/ideogram-v3-turbo',
  isOfficial: true,
  visibility: 'public',
  hardware: null,
  aspectRatios: ['1:1', '16:9', '9:16', '4:3', '3:4', '3:2', '2:3'],
  defaultInput: {},
  inputSchema: z.strictObject({
    prompt: z.string(),
    aspect_ratio: z.enum(['1:1', '16:9', '9:16', '4:3', '3:4', '3:2', '2:3']).optional(),
    seed: z.int().min(0).max(2147483647).optional(),
    magic_prompt_option: z.enum(['Auto', 'On', 'Off']).optional(),
  }),
};

const realEsrgan: SimulatedModel = {
  ...MODELS.find((model) => model.id === 'remove-background')!,
  id: 'real-esrgan',
  name: 'Real-ESRGAN',
  replicateModel: 'nightmareai/real-esrgan',
  isOfficial: false,
  visibility: 'public',
  hardware: 'gpu-t4',
  averageSeconds: 6,
  inputSchema: z.strictObject({
    image: z.url(),
    scale: z.number().min(0).max(10).optional(),
    face_enhance: z.boolean().optional(),
  }),
  // A T4 writes roughly a megapixel a second; a 1 MP image ×4 (16 MP) takes about 20 s.
  upscaler: { defaultScale: 4, maxInputPixels: 2_096_704, baseSeconds: 0.8, secondsPerOutputMegapixel: 1.2 },
};

const captioner: SimulatedModel = {
  ...brandStyle,
  id: 'captioner',
  name: 'Acme captioner',
  replicateModel: 'acme/captioner',
  hardware: 'gpu-t4',
  outputJsonSchema: { type: 'array', items: { type: 'string' }, 'x-cog-array-type': 'iterator' },
};

export const SIMULATED_MODELS: readonly SimulatedModel[] = [
  ...official,
  ideogramTurbo,
  brandStyle,
  realEsrgan,
  {
    ...brandStyle,
    id: 'private-style',
    name: 'Acme private style',
    replicateModel: 'acme/private-style',
    visibility: 'private',
  },
  captioner,
];

const byName = new Map(SIMULATED_MODELS.map((model) => [model.replicateModel, model]));

/** A model by `owner/name`. */
export function simulatedModel(name: string): SimulatedModel | undefined {
  return byName.get(name);
}
