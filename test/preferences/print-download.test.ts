/**
 * Downloading a print file over HTTP is a preference signal (issue 26 beside issue 25), end to end:
 * a print generation made against the simulator, its print file fetched at
 * `/images/<print key>?download=1` as the studio's and the CLI's links do, counts as one download
 * of its image for its owner — once per image, whether the print file, the original or both are
 * downloaded, however often — and a plain view of either counts nothing.
 */
import { sql } from 'kysely';
import { describe, expect, test } from '../support/fixtures.ts';
import { waitForEnd } from '../generations/start-helpers.ts';
import type { TestApp } from '../support/app.ts';
import { graphql } from '../gql/index.ts';

const PrintDownloadGenerationQuery = graphql(`
  query PrintDownloadGeneration($id: ID!) {
    generation(id: $id) {
      id
      status
      images {
        url
        printFile {
          url
        }
      }
    }
  }
`);

const GeneratePrintDownloadMutation = graphql(`
  mutation GeneratePrintDownload($input: GenerateImageInput!) {
    generateImage(input: $input) {
      id
    }
  }
`);

const PrintDownloadPreferencesQuery = graphql(`
  query PrintDownloadPreferences {
    viewer {
      modelPreferences {
        modelId
        downloads
      }
    }
  }
`);

async function generation(app: TestApp, key: string, id: string) {
  const answer = await app.graphql(PrintDownloadGenerationQuery, { id }, key);
  return answer.data!.generation;
}

async function fetched(url: string): Promise<Response> {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  await response.arrayBuffer();
  return response;
}

describe('a print file downloaded over HTTP', () => {
  test('counts once as a download of its image, for its owner', async ({ app, gateway, user, newUser }) => {
    // 2 × 1.5 in at 100 DPI: the simulator's 256 × 192 image covers it, so no upscale is needed.
    const started = await app.graphql(
      GeneratePrintDownloadMutation,
      {
        input: {
          modelId: 'flux-schnell',
          prompt: 'a postcard of a lighthouse',
          print: { widthInches: 2, heightInches: 1.5, dpi: 100 },
        },
      },
      user.key,
    );
    expect(started.errors).toBeUndefined();
    const id = started.data!.generateImage.id;
    expect((await waitForEnd(gateway, user.key, id)).status).toBe('SUCCEEDED');
    const [image] = (await generation(app, user.key, id)).images;
    expect(image!.printFile).not.toBeNull();
    const printUrl = image!.printFile!.url;
    expect(new URL(printUrl).pathname).toMatch(/^\/images\/.*print-0-200x150-100dpi-[0-9a-f]+\.png$/);

    const signals = async () => {
      const { rows } = await sql<{ user_id: string; model_id: string; kind: string }>`
        select user_id, model_id, kind from model_feedback order by id`.execute(gateway.db);
      return rows;
    };
    // Viewing the print file or the image is not a download.
    await fetched(printUrl);
    await fetched(image!.url);
    expect(await signals()).toEqual([]);

    const download = await fetched(`${printUrl}?download=1`);
    expect(download.headers.get('content-disposition')).toMatch(/^attachment; filename="print-0-200x150-100dpi-/);
    expect(await signals()).toEqual([{ user_id: user.userId, model_id: 'flux-schnell', kind: 'download' }]);

    // Again, and the original too: still one download of this image.
    await fetched(`${printUrl}?download=1`);
    await fetched(`${image!.url}?download=1`);
    expect(await signals()).toHaveLength(1);

    // The owner sees it in their preferences; another user sees nothing of it.
    const mine = await app.graphql(PrintDownloadPreferencesQuery, {}, user.key);
    expect(mine.data!.viewer.modelPreferences).toEqual([{ modelId: 'flux-schnell', downloads: 1 }]);
    const stranger = await newUser();
    const theirs = await app.graphql(PrintDownloadPreferencesQuery, {}, stranger.key);
    expect(theirs.data!.viewer.modelPreferences).toEqual([]);
  });
});
