/**
 * Helpers for the tests of starting policies (tiers, automatic choice, batches, the cache, the
 * gallery): the generations test environment (simulator + gateway on a database of their own) plus
 * the GraphQL operations of tiers, batches, the cache and the gallery.
 */
import type { Client } from 'graphql-ws';
import { sql } from 'kysely';
import { PNG } from 'pngjs';
import { verifyLedger } from '../../src/billing/ledger.ts';
import type { Db } from '../../src/db/index.ts';
import {
  fieldsOf,
  GENERATION_FIELDS,
  sleep,
  TERMINAL,
  type Gateway,
  type GenerationResult,
  type GraphQLErrorShape,
} from './helpers.ts';
import { graphql } from '../gql/index.ts';
import type { FinalizeGenerationInput, GenerateImageInput } from '../gql/graphql.ts';

export {
  createRequests,
  eventually,
  holdOf,
  ledgerKinds,
  predictionRows,
  simulatedPredictionsFor,
  sleep,
  startGenerationsEnv,
  TERMINAL,
  wsClient,
  type GenerationsEnv,
} from './helpers.ts';

const SmartGenerationFieldsFragment = graphql(`
  fragment SmartGenerationFields on Generation {
    ...GenerationFields
    seed
    aspectRatio
    selectionReason
    transparentBackground
    phase
    batchId
    previewImageIndex
    warning {
      code
      message
    }
    images {
      position
      transparent
    }
    preview {
      id
    }
    finals {
      id
      model {
        id
      }
    }
    cachedFrom {
      id
    }
  }
`);

/** The fields of `SmartGenerationFields` (with `GenerationFields`), for the gallery subscription written as a string. */
export const SMART_FIELDS = `${GENERATION_FIELDS} ${fieldsOf(SmartGenerationFieldsFragment).replace('...GenerationFields', '')}`;

const GenerateSmartDocument = graphql(`
  mutation GenerateSmart($input: GenerateImageInput!) {
    generateImage(input: $input) {
      ...SmartGenerationFields
    }
  }
`);

const FinalizeDocument = graphql(`
  mutation Finalize($input: FinalizeGenerationInput!) {
    finalizeGeneration(input: $input) {
      ...SmartGenerationFields
    }
  }
`);

const GenerateBatchDocument = graphql(`
  mutation GenerateBatch($inputs: [GenerateImageInput!]!) {
    generateImages(inputs: $inputs) {
      id
      estimatedCostUsd
      items {
        index
        replayed
        generation {
          ...SmartGenerationFields
        }
      }
    }
  }
`);

const GetSmartGenerationDocument = graphql(`
  query GetSmartGeneration($id: ID!) {
    generation(id: $id) {
      ...SmartGenerationFields
    }
  }
`);

export interface SmartImage {
  url: string;
  width: number;
  height: number;
  contentType: string;
  bytes: number;
  sha256: string;
  position: number;
  transparent: boolean;
}

export interface SmartGeneration extends Omit<GenerationResult, 'images'> {
  seed: number | null;
  aspectRatio: string | null;
  selectionReason: string | null;
  transparentBackground: boolean;
  phase: 'GENERATING' | 'REMOVING_BACKGROUND' | 'UPSCALING' | 'PREPARING_PRINT_FILE';
  batchId: string | null;
  previewImageIndex: number | null;
  warning: { code: string; message: string } | null;
  images: SmartImage[];
  preview: { id: string } | null;
  finals: Array<{ id: string; model: { id: string } }>;
  cachedFrom: { id: string } | null;
}

export interface Outcome<T> {
  data?: T;
  errors?: GraphQLErrorShape[];
}

export async function generate(
  gateway: Gateway,
  key: string,
  input: Record<string, unknown>,
): Promise<Outcome<SmartGeneration>> {
  // Inputs are what each test sends, invalid ones included: checked by the server, not by tsc.
  const result = await gateway.app.graphql(GenerateSmartDocument, { input: input as GenerateImageInput }, key);
  return { data: result.data?.generateImage ?? undefined, errors: result.errors };
}

export async function finalize(
  gateway: Gateway,
  key: string,
  input: Record<string, unknown>,
): Promise<Outcome<SmartGeneration>> {
  const result = await gateway.app.graphql(FinalizeDocument, { input: input as FinalizeGenerationInput }, key);
  return { data: result.data?.finalizeGeneration ?? undefined, errors: result.errors };
}

export interface BatchOutcome {
  id: string;
  estimatedCostUsd: string;
  items: Array<{ index: number; replayed: boolean; generation: SmartGeneration }>;
}

export async function generateBatch(
  gateway: Gateway,
  key: string,
  inputs: Array<Record<string, unknown>>,
): Promise<Outcome<BatchOutcome>> {
  const result = await gateway.app.graphql(GenerateBatchDocument, { inputs: inputs as GenerateImageInput[] }, key);
  return { data: result.data?.generateImages ?? undefined, errors: result.errors };
}

export async function getGeneration(gateway: Gateway, key: string, id: string): Promise<SmartGeneration> {
  const result = await gateway.app.graphql(GetSmartGenerationDocument, { id }, key);
  if (!result.data?.generation) throw new Error(`generation ${id}: ${JSON.stringify(result.errors)}`);
  return result.data.generation;
}

export async function waitForEnd(
  gateway: Gateway,
  key: string,
  id: string,
  timeoutMs = 30_000,
): Promise<SmartGeneration> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const generation = await getGeneration(gateway, key, id);
    if (TERMINAL.has(generation.status) && generation.costUsd !== null) return generation;
    if (Date.now() > deadline) throw new Error(`generation ${id} still ${generation.status} after ${timeoutMs} ms`);
    await sleep(50);
  }
}

/** Rows that admission or a generation leaves behind for a user: all zero when nothing was admitted. */
export async function traces(db: Db, userId: string) {
  const count = async (table: string) => {
    const result = await sql<{
      n: number;
    }>`select count(*)::int as n from ${sql.table(table)} where user_id = ${userId}`.execute(db);
    return result.rows[0]!.n;
  };
  return {
    generations: await count('generations'),
    holds: await count('holds'),
    ledger: await count('ledger_entries'),
    rateLimitEvents: await count('rate_limit_events'),
  };
}

export interface Decoded {
  readonly width: number;
  readonly height: number;
  /** Alpha values seen, with how many pixels have each. */
  readonly alpha: Map<number, number>;
  readonly colorType: number;
}

/** Downloads a stored image and decodes it with pngjs. */
export async function decodePng(url: string): Promise<Decoded> {
  const response = await fetch(url);
  if (response.status !== 200) throw new Error(`GET ${url}: ${response.status}`);
  const png = PNG.sync.read(Buffer.from(await response.arrayBuffer()));
  const alpha = new Map<number, number>();
  for (let index = 3; index < png.data.length; index += 4) {
    const value = png.data[index]!;
    alpha.set(value, (alpha.get(value) ?? 0) + 1);
  }
  return {
    width: png.width,
    height: png.height,
    alpha,
    colorType: (png as unknown as { colorType: number }).colorType,
  };
}

export interface GalleryRecord {
  readonly events: Array<{ at: number; generation: SmartGeneration }>;
  readonly errors: unknown[];
  stop(): void;
}

export function recordGallery(client: Client, fields = SMART_FIELDS): GalleryRecord {
  const events: GalleryRecord['events'] = [];
  const errors: unknown[] = [];
  const stop = client.subscribe<{ myGenerations: SmartGeneration }>(
    { query: `subscription { myGenerations { ${fields} } }` },
    {
      next: (message) => {
        if (message.errors) errors.push(...message.errors);
        if (message.data) events.push({ at: Date.now(), generation: message.data.myGenerations });
      },
      error: (error) => errors.push(error),
      complete: () => undefined,
    },
  );
  return { events, errors, stop };
}

/** Balances equal ledger sums (billing's own proof), after everything a test file did. */
export async function ledgerProblems(db: Db): Promise<string[]> {
  const report = await verifyLedger(db);
  return [...report.problems];
}
