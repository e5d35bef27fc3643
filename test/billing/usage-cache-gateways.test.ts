/**
 * The usage cache behind `viewer { usage }` across gateways (src/billing/usage-cache.ts): a gateway
 * reads what it commits itself at once, before any notification; another gateway once the
 * notification has arrived.
 */
import { graphql } from '../gql/index.ts';
import { TEST_ADMIN_TOKEN } from '../support/app.ts';
import { createEmptyDatabase } from '../support/database.ts';
import type { Gateway } from '../support/env.ts';
import { describe, expect, test as base } from '../support/fixtures.ts';
import { gid } from '../support/ids.ts';
import { onQuery, readFromCache, readUntil, readViewer } from './usage-reads.ts';

/** Another database, for a cache that should hear nothing of this one. */
const test = base.extend('elsewhere', { scope: 'file' }, async ({}, { onCleanup }) => {
  const elsewhere = await createEmptyDatabase();
  onCleanup(() => elsewhere.drop());
  return elsewhere;
});

test.override('setup', { gateway: { onQuery } });

const UsageCacheSetBudgetMutation = graphql(`
  mutation UsageCacheSetBudget($id: ID!, $dailyUsd: USD) {
    setBudget(input: { userId: $id, dailyUsd: $dailyUsd }) {
      id
    }
  }
`);

const UsageCacheCreditMutation = graphql(`
  mutation UsageCacheCredit($id: ID!) {
    adjustBalance(userId: $id, amountUsd: "-0.01", reason: "goodwill") {
      id
    }
  }
`);

describe('viewer { usage } across gateways', () => {
  const setBudget = (gateway: Gateway, userId: string, dailyUsd: string) =>
    gateway.app.graphql(UsageCacheSetBudgetMutation, { id: gid('User', userId), dailyUsd }, TEST_ADMIN_TOKEN);

  test('a gateway reads its own generateImage and setBudget at once, before any notification', async ({
    env,
    gateway,
    elsewhere,
    newUser,
  }) => {
    // This gateway's cache listens on another database: it hears no notification at all, so only
    // what the gateway itself commits can make it read again.
    const deaf = await env.startGateway();
    await deaf.app.services.usage.listen(elsewhere.url);
    const { userId, key } = await newUser({ dailyBudgetMicros: 1_000_000 });
    await readFromCache(deaf.app, key);
    expect((await setBudget(gateway, userId, '2')).errors).toBeUndefined();
    expect((await readViewer(deaf.app, key)).viewer.dailyBudgetUsd).toBe('1'); // unheard

    const generated = await deaf.generate(key, { modelId: 'flux-schnell', prompt: 'read your writes' });
    expect(generated.errors).toBeUndefined();
    const { viewer } = await readViewer(deaf.app, key);
    expect(viewer.dailyBudgetUsd).toBe('2');
    expect(viewer.usage.requestsInLastMinute).toBe(1);
    // Held while it runs, spent once it has ended: the same $0.003 either way.
    expect(Math.round((Number(viewer.usage.reservedUsd) + Number(viewer.usage.spentUsd)) * 1e6)).toBe(3_000);

    expect((await setBudget(deaf, userId, '5')).errors).toBeUndefined();
    const budgeted = (await readViewer(deaf.app, key)).viewer;
    expect(budgeted.dailyBudgetUsd).toBe('5');
    const credit = await deaf.app.graphql(UsageCacheCreditMutation, { id: gid('User', userId) }, TEST_ADMIN_TOKEN);
    expect(credit.errors).toBeUndefined();
    const credited = (await readViewer(deaf.app, key)).viewer;
    expect(Math.round(Number(credited.usage.remainingDailyUsd) * 1e6)).toBe(
      Math.round(Number(budgeted.usage.remainingDailyUsd) * 1e6) + 10_000,
    );
  });

  test('an admin’s setBudget on one gateway is read on another once its notification has arrived', async ({
    env,
    gateway,
    newUser,
  }) => {
    const { userId, key } = await newUser({ dailyBudgetMicros: 1_000_000 });
    const second = await env.startGateway();
    await readFromCache(gateway.app, key);
    await readFromCache(second.app, key);
    expect((await setBudget(second, userId, '7')).errors).toBeUndefined();
    await readUntil(gateway.app, key, (viewer) => viewer.dailyBudgetUsd === '7');
  });
});
