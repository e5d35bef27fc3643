/**
 * Helpers for the tests of starting policies (tiers, automatic choice, batches, the cache, the
 * gallery): the generations test environment (simulator + gateway on a database of their own) plus
 * the GraphQL operations of tiers, batches, the cache and the gallery.
 */
import type { ResultOf } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import type { Client } from 'graphql-ws';
import { sql } from 'kysely';
import { PNG } from 'pngjs';
import { verifyLedger } from '../../src/billing/ledger.ts';
import type { Db } from '../../src/db/index.ts';
import { sleep, TERMINAL, type Gateway, type GraphQLErrorShape } from './helpers.ts';
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

/** `GenerationFields` and the starting policies' fields (`...GenerationDetailFields`); its answer type is `GenerationDetail`. */
export const GenerationDetailFieldsFragment = graphql(`
  fragment GenerationDetailFields on Generation {
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

/** generationProgress with `GenerationDetailFields`, for `recordProgress`. */
export const GenerationProgressDetailSubscription = graphql(`
  subscription GenerationProgressDetail($id: ID!) {
    generationProgress(id: $id) {
      ...GenerationDetailFields
    }
  }
`);

const GalleryDetailSubscription = graphql(`
  subscription GalleryDetail {
    myGenerations {
      ...GenerationDetailFields
    }
  }
`);

const GenerateDetailedDocument = graphql(`
  mutation GenerateDetailed($input: GenerateImageInput!) {
    generateImage(input: $input) {
      ...GenerationDetailFields
    }
  }
`);

const FinalizeDocument = graphql(`
  mutation Finalize($input: FinalizeGenerationInput!) {
    finalizeGeneration(input: $input) {
      ...GenerationDetailFields
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
          ...GenerationDetailFields
        }
      }
    }
  }
`);

const GetGenerationDetailDocument = graphql(`
  query GetGenerationDetail($id: ID!) {
    generation(id: $id) {
      ...GenerationDetailFields
    }
  }
`);

/** A generation as `GenerationDetailFields` selects it: codegen's type, not a copy. */
export type GenerationDetail = ResultOf<typeof GenerationDetailFieldsFragment>;

export interface Outcome<T> {
  data?: T;
  errors?: GraphQLErrorShape[];
}

export async function generate(
  gateway: Gateway,
  key: string,
  input: Record<string, unknown>,
): Promise<Outcome<GenerationDetail>> {
  // Inputs are what each test sends, invalid ones included: checked by the server, not by tsc.
  const result = await gateway.app.graphql(GenerateDetailedDocument, { input: input as GenerateImageInput }, key);
  return { data: result.data?.generateImage ?? undefined, errors: result.errors };
}

export async function finalize(
  gateway: Gateway,
  key: string,
  input: Record<string, unknown>,
): Promise<Outcome<GenerationDetail>> {
  const result = await gateway.app.graphql(FinalizeDocument, { input: input as FinalizeGenerationInput }, key);
  return { data: result.data?.finalizeGeneration ?? undefined, errors: result.errors };
}

export type BatchOutcome = ResultOf<typeof GenerateBatchDocument>['generateImages'];

export async function generateBatch(
  gateway: Gateway,
  key: string,
  inputs: Array<Record<string, unknown>>,
): Promise<Outcome<BatchOutcome>> {
  const result = await gateway.app.graphql(GenerateBatchDocument, { inputs: inputs as GenerateImageInput[] }, key);
  return { data: result.data?.generateImages ?? undefined, errors: result.errors };
}

export async function getGeneration(gateway: Gateway, key: string, id: string): Promise<GenerationDetail> {
  const result = await gateway.app.graphql(GetGenerationDetailDocument, { id }, key);
  if (!result.data?.generation) throw new Error(`generation ${id}: ${JSON.stringify(result.errors)}`);
  return result.data.generation;
}

export async function waitForEnd(
  gateway: Gateway,
  key: string,
  id: string,
  timeoutMs = 30_000,
): Promise<GenerationDetail> {
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
  readonly events: Array<{ at: number; generation: GenerationDetail }>;
  readonly errors: unknown[];
  stop(): void;
}

export function recordGallery(client: Client): GalleryRecord {
  const events: GalleryRecord['events'] = [];
  const errors: unknown[] = [];
  const stop = client.subscribe<ResultOf<typeof GalleryDetailSubscription>>(
    { query: print(GalleryDetailSubscription) },
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
