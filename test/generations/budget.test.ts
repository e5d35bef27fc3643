/**
 * Money first: the hold is the upper bound of the cost, taken in the same transaction as the
 * generation, so concurrent requests of one user can never spend past the budget.
 */
import { sql } from 'kysely';
import { createRequests, TERMINAL } from './helpers.ts';
import { describe, expect, test } from '../support/fixtures.ts';

describe('a user’s budget under 50 concurrent generateImage', () => {
  test('admits exactly what fits ($0.10 at $0.003 → 33), refuses the rest with BUDGET_EXCEEDED, never overspends', async ({
    env,
  }) => {
    const { userId, key } = await env.user({ dailyBudgetMicros: 100_000 });
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, index) =>
        env.gateway.generate(key, { modelId: 'flux-schnell', prompt: `budget fox ${index}` }),
      ),
    );
    const accepted = results.filter((result) => result.generation);
    const refused = results.filter((result) => result.errors?.[0]?.extensions?.code === 'BUDGET_EXCEEDED');
    expect(accepted).toHaveLength(33);
    expect(refused).toHaveLength(17);
    expect(refused[0]?.errors?.[0]?.message).toMatch(/budget/i);

    // Refused requests left nothing behind, and nothing was created for them upstream.
    const generations = await env.gateway.db
      .selectFrom('generations')
      .select('id')
      .where('user_id', '=', userId)
      .execute();
    expect(generations).toHaveLength(33);

    for (const result of accepted) {
      await env.gateway.waitFor(key, result.generation!.id, (g) => TERMINAL.has(g.status) && g.costUsd !== null);
    }
    // The worker sends the creates after the answers (QUEUED at once): one per admitted generation.
    expect(createRequests(env.sim)).toBe(33);
    const window = await env.gateway.db
      .selectFrom('budget_windows')
      .select(['limit_micros', 'spent_micros', 'reserved_micros'])
      .where('subject', '=', userId)
      .where('period', '=', 'day')
      .executeTakeFirstOrThrow();
    expect(window.spent_micros).toBe(33 * 3_000);
    expect(window.reserved_micros).toBe(0);
    expect(window.spent_micros).toBeLessThanOrEqual(window.limit_micros ?? Infinity);
    const ledger = await sql<{ kind: string; total: number }>`
      select kind, sum(amount_micros)::int as total from ledger_entries where user_id = ${userId} group by kind`.execute(
      env.gateway.db,
    );
    expect(Object.fromEntries(ledger.rows.map((row) => [row.kind, row.total]))).toEqual({
      hold: 33 * 3_000,
      settle: 33 * 3_000,
    });
  });
});
