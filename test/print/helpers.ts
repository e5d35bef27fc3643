/**
 * What the end-to-end print tests share: starting a print generation over GraphQL, following its
 * progress subscription to the end, reading it once settled, and downloading its print file.
 */
import type { ResultOf } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { UPSCALER_MODEL } from '../../src/catalog/models.ts';
import { expect } from '../support/fixtures.ts';
import { wsClient } from '../generations/start-helpers.ts';
import type { TestApp } from '../support/app.ts';
import { graphql } from '../gql/index.ts';
import type { GenerateImageInput } from '../gql/graphql.ts';

export const UPSCALER = UPSCALER_MODEL.replicateModel;
/** Real-ESRGAN on a T4, per second (the catalog's seeded rate). */
export const MICROS_PER_SECOND = 225;

graphql(`
  fragment PrintedGenerationFields on Generation {
    id
    status
    phase
    percent
    costUsd
    estimatedCostUsd
    aspectRatio
    warning {
      code
      message
    }
    images {
      url
      width
      height
      position
      transparent
      printFile {
        url
        width
        height
        dpi
        bytes
        fileName
      }
    }
  }
`);

const GeneratePrintedMutation = graphql(`
  mutation GeneratePrinted($input: GenerateImageInput!) {
    generateImage(input: $input) {
      ...PrintedGenerationFields
    }
  }
`);

const PrintedGenerationProgressSubscription = graphql(`
  subscription PrintedGenerationProgress($id: ID!) {
    generationProgress(id: $id) {
      ...PrintedGenerationFields
    }
  }
`);

const PrintedGenerationQuery = graphql(`
  query PrintedGeneration($id: ID!) {
    generation(id: $id) {
      ...PrintedGenerationFields
    }
  }
`);

/** A print generation as `PrintedGenerationFields` selects it (codegen's type). */
type PrintedGeneration = ResultOf<typeof PrintedGenerationQuery>['generation'];

export async function start(app: TestApp, key: string, input: Record<string, unknown>): Promise<PrintedGeneration> {
  // Inputs are what each test sends: checked by the server, not by tsc.
  const answer = await app.graphql(
    GeneratePrintedMutation,
    { input: { modelId: 'flux-schnell', ...input } as GenerateImageInput },
    key,
  );
  expect(answer.errors).toBeUndefined();
  return answer.data!.generateImage;
}

/** Every event of the generation's progress subscription, up to its terminal one. */
export async function follow(app: TestApp, key: string, id: string): Promise<PrintedGeneration[]> {
  const client = wsClient(app, key);
  const events: PrintedGeneration[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      client.subscribe<ResultOf<typeof PrintedGenerationProgressSubscription>>(
        { query: print(PrintedGenerationProgressSubscription), variables: { id } },
        {
          next: (message) => message.data && events.push(message.data.generationProgress),
          error: reject,
          complete: resolve,
        },
      );
    });
  } finally {
    await client.dispose();
  }
  return events;
}

/** The generation once its cost is recorded (the subscription ends at the terminal state). */
export async function settled(app: TestApp, key: string, id: string): Promise<PrintedGeneration> {
  for (let tries = 0; ; tries++) {
    const answer = await app.graphql(PrintedGenerationQuery, { id }, key);
    const generation = answer.data!.generation;
    if (generation.costUsd !== null || tries > 200) return generation;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export async function download(url: string): Promise<{ bytes: Buffer; disposition: string | null }> {
  const response = await fetch(`${url}?download=1`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('image/png');
  return { bytes: Buffer.from(await response.arrayBuffer()), disposition: response.headers.get('content-disposition') };
}

export function usd(micros: number): number {
  return micros / 1_000_000;
}
