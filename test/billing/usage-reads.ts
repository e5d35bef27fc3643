/**
 * `viewer { usage }` read through a gateway, with the usage statements each read cost: what the
 * usage-cache tests of one gateway and of several share.
 */
import type { ResultOf } from '@graphql-typed-document-node/core';
import { eventually } from '../generations/helpers.ts';
import { graphql } from '../gql/index.ts';
import type { TestApp } from '../support/app.ts';

export const CachedViewerUsageQuery = graphql(`
  query CachedViewerUsage {
    viewer {
      id
      dailyBudgetUsd
      usage {
        spentUsd
        reservedUsd
        remainingDailyUsd
        activeGenerations
        requestsInLastMinute
      }
    }
  }
`);

export type Viewer = ResultOf<typeof CachedViewerUsageQuery>['viewer'];

/**
 * Usage statements the gateways of this file ran (their `onQuery`): background work (the tracker,
 * heartbeats, the job queue) runs statements of its own at any time, so only these are counted.
 */
let usageStatements = 0;
export const onQuery = (text: string) => {
  if (text.includes('usage_day_spent')) usageStatements += 1;
};

/** `viewer { usage }` through a gateway, with the usage statements it cost. */
export async function readViewer(app: TestApp, key: string): Promise<{ viewer: Viewer; statements: number }> {
  const before = usageStatements;
  const answer = await app.graphql(CachedViewerUsageQuery, {}, key);
  if (!answer.data) throw new Error(JSON.stringify(answer.errors));
  return { viewer: answer.data.viewer, statements: usageStatements - before };
}

/** Reads until a read is answered from the cache (notifications of earlier writes may still arrive). */
export async function readFromCache(app: TestApp, key: string): Promise<Viewer> {
  return (
    await eventually(
      () => readViewer(app, key),
      ({ statements }) => statements === 0,
      5_000,
    )
  ).viewer;
}

/** Reads until `ok` holds (the change's notification has arrived), within 5 s. */
export async function readUntil(app: TestApp, key: string, ok: (viewer: Viewer) => boolean): Promise<Viewer> {
  return (
    await eventually(
      () => readViewer(app, key),
      ({ viewer }) => ok(viewer),
      5_000,
    )
  ).viewer;
}
