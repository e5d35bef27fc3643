/**
 * How live streams share what an instance sends (issue 21, item 2): the byte budget per user and
 * per instance, the writes of one change spread over turns of the event loop, and an SSE stream
 * whose client does not read getting each generation's newest state instead of every state it
 * missed. The pieces are driven directly (a fake clock, a fake response): what they decide is
 * timing, which a served gateway on a shared machine cannot show reliably; the served behaviour
 * (every stream still ends on every final state) is live-fanout.test.ts and
 * sse-slow-consumer.test.ts.
 */
import { EventEmitter } from 'node:events';
import type http from 'node:http';
import type { ExecutionResult } from 'graphql';
import { describe, expect, it } from 'vitest';
import { LiveByteBudget, TURN_BYTES } from '../../src/graphql/live-budget.ts';
import { LiveConnections } from '../../src/graphql/live-connections.ts';
import { markState } from '../../src/graphql/shared-execution.ts';
import { LimitedStream } from '../../src/graphql/sse-streams.ts';
import { silentLogger } from '../../src/logger.ts';

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('the live byte budget', () => {
  it('makes every user wait while the instance is in debt, even users within their own limit', () => {
    let now = 0;
    const budget = new LiveByteBudget(1_000, 1_500, () => now);
    budget.charge('a', 1_000);
    budget.charge('b', 1_000);
    // Neither user is in debt (each spent exactly its second), but the instance is 500 over.
    expect(budget.waitMs('c')).toBe(Math.ceil((500 / 1_500) * 1_000));
    expect(budget.waitMs()).toBe(budget.waitMs('c'));
    now += 334;
    expect(budget.waitMs('c')).toBe(0);
    now += 1_000;
    budget.charge('a', 1_600);
    // User a waits for its own debt (600 ms), everyone else for the instance's (100 bytes).
    expect(budget.waitMs('a')).toBe(600);
    expect(budget.waitMs('b')).toBe(Math.ceil((100 / 1_500) * 1_000));
  });

  it("lets the streams of one change go a turn's worth of bytes at a time", async () => {
    const budget = new LiveByteBudget(1e12, 1e12);
    const eventBytes = 100 * 1024;

    let turn = 0;
    let ticking = true;
    const tick = () => {
      turn++;
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    const releasedIn = new Map<number, number>();
    const streams = 40;
    await Promise.all(
      Array.from({ length: streams }, (_, i) =>
        budget.ready(`user-${i % 4}`, eventBytes).then(() => {
          releasedIn.set(turn, (releasedIn.get(turn) ?? 0) + 1);
          budget.charge(`user-${i % 4}`, eventBytes);
        }),
      ),
    );
    ticking = false;
    expect([...releasedIn.values()].reduce((sum, count) => sum + count, 0)).toBe(streams);
    // 4 MB of writes went out over several turns, none with much more than TURN_BYTES.
    expect(releasedIn.size).toBeGreaterThan(1);
    for (const count of releasedIn.values()) expect(count * eventBytes).toBeLessThanOrEqual(TURN_BYTES);
  });

  it('lets others go first while one user is in debt, then that user in turn', async () => {
    let now = 0;
    const budget = new LiveByteBudget(1_000, 1e12, () => now);
    budget.charge('a', 1_010);
    const order: string[] = [];
    const a = budget.ready('a').then(() => order.push('a'));
    const b = budget.ready('b').then(() => order.push('b'));
    await b;
    expect(order).toEqual(['b']);
    now += 10;
    await a;
    expect(order).toEqual(['b', 'a']);
  });

  it('lets N waiting streams go with O(N) work on its queue, in order, one in debt kept in its place', async () => {
    let now = 0;
    const budget = new LiveByteBudget(1_000, 1e12, () => now);
    // The queue's array, through a proxy counting each slot read or written (splicing the first
    // of N out, N times, is N² of them).
    let slotOperations = 0;
    const counted = <T extends object>(target: T): T =>
      new Proxy(target, {
        get: (array, key, receiver) => (isSlot(key) && slotOperations++, Reflect.get(array, key, receiver)),
        set: (array, key, value, receiver) => (
          isSlot(key) && slotOperations++,
          Reflect.set(array, key, value, receiver)
        ),
      });
    const isSlot = (key: string | symbol) => typeof key === 'string' && /^\d+$/.test(key);
    const queue = budget as unknown as { waiters: object };
    queue.waiters = counted(queue.waiters);

    const streams = 5_000;
    budget.charge('a', 1_010);
    await budget.ready('b', TURN_BYTES); // this turn is full: everyone below waits for the next
    const order: string[] = [];
    const waiting = [budget.ready('a').then(() => order.push('a'))];
    for (let i = 0; i < streams; i++) waiting.push(budget.ready('b', 1).then(() => order.push(`b${i}`)));
    await Promise.all(waiting.slice(1));
    expect(order).toEqual(Array.from({ length: streams }, (_, i) => `b${i}`));
    now += 10;
    await waiting[0];
    expect(order.at(-1)).toBe('a');
    expect(slotOperations).toBeLessThan(10 * streams);
  });
});

/** A response that never drains: what a client that does not read looks like to the stream. */
function stalledResponse() {
  return Object.assign(new EventEmitter(), { writableLength: 0, destroy() {} }) as unknown as http.ServerResponse;
}

/** An event source the test feeds. */
function feed() {
  const queued: ExecutionResult[] = [];
  let wake: (() => void) | undefined;
  let ended = false;
  const source: AsyncIterable<ExecutionResult> = {
    [Symbol.asyncIterator]: () => ({
      async next() {
        while (queued.length === 0 && !ended) await new Promise<void>((resolve) => (wake = resolve));
        const value = queued.shift();
        return value ? { done: false, value } : { done: true, value: undefined };
      },
    }),
  };
  return {
    source,
    push(...values: ExecutionResult[]) {
      queued.push(...values);
      wake?.();
    },
    end() {
      ended = true;
      wake?.();
    },
  };
}

const view = (id: string, status: string, percent: number | null): ExecutionResult =>
  markState({ data: { myGenerations: { id, status, percent } } }, id);

describe('an SSE stream whose client does not take its events', () => {
  it("is handed each generation's newest state when it reads, its final state included, not every state", async () => {
    const live = new LiveConnections(
      {
        maxConnections: 10,
        maxConnectionsPerUser: 10,
        maxBufferedBytes: 10 * 1024 * 1024,
        maxBufferedBytesTotal: 10 * 1024 * 1024,
      },
      silentLogger,
    );
    const events = feed();
    const stream = new LimitedStream(events.source, {
      live,
      viewer: null,
      authorization: null,
      response: stalledResponse(),
      logger: silentLogger,
    });
    events.push(view('g1', 'STARTING', null), view('g2', 'QUEUED', null));
    for (let percent = 10; percent <= 90; percent += 10) events.push(view('g1', 'PROCESSING', percent));
    events.push(view('g1', 'SUCCEEDED', 100), view('g2', 'PROCESSING', 50));
    // An event without a state of its own (an error, say) is never replaced.
    events.push({ errors: [] });
    await nextTurn();
    events.end();
    await nextTurn();

    const received: ExecutionResult[] = [];
    for (let step = await stream.next(); !step.done; step = await stream.next()) received.push(step.value);
    expect(received).toEqual([
      { data: { myGenerations: { id: 'g1', status: 'SUCCEEDED', percent: 100 } } },
      { data: { myGenerations: { id: 'g2', status: 'PROCESSING', percent: 50 } } },
      { errors: [] },
    ]);
    expect(live.size).toBe(0);
  });
});
