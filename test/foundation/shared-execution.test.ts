/**
 * Subscription events shared by many subscribers are executed once per (document, variables,
 * viewer): counted by resolver calls on a schema of its own, through Yoga's envelop like the app.
 */
import {
  GraphQLError,
  GraphQLInt,
  GraphQLObjectType,
  GraphQLSchema,
  GraphQLString,
  type ExecutionResult,
} from 'graphql';
import { createYoga, Repeater } from 'graphql-yoga';
import { describe, expect, it } from 'vitest';
import { useSharedSubscriptionExecution } from '../../src/graphql/shared-execution.ts';

interface Tick {
  readonly n: number;
}

function tickSchema() {
  const listeners = new Set<(tick: Tick) => void>();
  const counts = { resolves: 0 };
  const schema = new GraphQLSchema({
    query: new GraphQLObjectType({ name: 'Query', fields: { ok: { type: GraphQLString } } }),
    subscription: new GraphQLObjectType({
      name: 'Subscription',
      fields: {
        tick: {
          type: GraphQLInt,
          args: { offset: { type: GraphQLInt } },
          subscribe: () =>
            new Repeater<Tick>(async (push, stop) => {
              const listener = (tick: Tick) => void push(tick);
              listeners.add(listener);
              await stop;
              listeners.delete(listener);
            }),
          resolve: (tick: Tick, args: { offset?: number | null }) => {
            counts.resolves++;
            return tick.n + (args.offset ?? 0);
          },
        },
      },
    }),
  });
  return { schema, counts, emit: (tick: Tick) => listeners.forEach((listener) => listener(tick)), listeners };
}

describe('shared subscription execution', () => {
  it('executes one event once per document, variables and viewer, and gives each subscriber its result', async () => {
    const { schema, counts, emit, listeners } = tickSchema();
    const yoga = createYoga({ schema, plugins: [useSharedSubscriptionExecution()], logging: false });
    const { subscribe, parse } = yoga.getEnveloped({});
    const document = parse('subscription($offset: Int) { tick(offset: $offset) }');
    const start = async (viewer: unknown, offset: number) =>
      (await subscribe({
        schema,
        document,
        variableValues: { offset },
        contextValue: { viewer },
      })) as AsyncIterableIterator<ExecutionResult>;
    const alice = { kind: 'user', userId: 'alice' };
    const subscribers = [
      await start(alice, 0),
      await start(alice, 0),
      await start(alice, 0),
      await start({ kind: 'user', userId: 'bob' }, 0),
      await start(alice, 5),
    ];
    const pending = subscribers.map((subscriber) => subscriber.next());
    await expect.poll(() => listeners.size).toBe(subscribers.length);

    emit({ n: 1 });
    const results = await Promise.all(pending);
    expect(results.map((step) => step.value?.data?.tick)).toEqual([1, 1, 1, 1, 6]);
    // alice ×3 share one execution; bob and the other variables have their own.
    expect(counts.resolves).toBe(3);

    const next = subscribers.map((subscriber) => subscriber.next());
    emit({ n: 2 });
    expect((await Promise.all(next)).map((step) => step.value?.data?.tick)).toEqual([2, 2, 2, 2, 7]);
    expect(counts.resolves).toBe(6);

    // Unsubscribing an idle subscription ends its source at once.
    const idle = subscribers.map((subscriber) => subscriber.next());
    for (const subscriber of subscribers) await subscriber.return!();
    expect((await Promise.all(idle)).every((step) => step.done)).toBe(true);
    expect(listeners.size).toBe(0);
    await yoga.dispose();
  });

  it('passes errors of the subscribe step through per subscriber', async () => {
    const schema = new GraphQLSchema({
      query: new GraphQLObjectType({ name: 'Query', fields: { ok: { type: GraphQLString } } }),
      subscription: new GraphQLObjectType({
        name: 'Subscription',
        fields: {
          secret: {
            type: GraphQLInt,
            subscribe: () => {
              throw new GraphQLError('not yours', { extensions: { code: 'NOT_FOUND' } });
            },
          },
        },
      }),
    });
    const yoga = createYoga({ schema, plugins: [useSharedSubscriptionExecution()], logging: false });
    const { subscribe, parse } = yoga.getEnveloped({});
    const result = (await subscribe({
      schema,
      document: parse('subscription { secret }'),
      contextValue: {},
    })) as ExecutionResult;
    expect(result.errors?.[0]?.message).toBe('not yours');
    await yoga.dispose();
  });
  it('executes each event in a context of its own: what a per-request loader read for one event is not served to the next', async () => {
    const stock = { apples: 1 };
    const loads: number[] = [];
    // A per-request cache keyed by the context object, as Pothos's dataloaders are.
    const cached = new WeakMap<object, number>();
    const schema = new GraphQLSchema({
      query: new GraphQLObjectType({ name: 'Query', fields: { ok: { type: GraphQLString } } }),
      subscription: new GraphQLObjectType({
        name: 'Subscription',
        fields: {
          apples: {
            type: GraphQLInt,
            subscribe: () =>
              new Repeater<object>(async (push, stop) => {
                await push({});
                stock.apples = 2;
                await push({});
                stop();
              }),
            resolve: (_event: object, _args: unknown, context: { viewer: unknown }) => {
              expect(context.viewer).toEqual({ kind: 'admin' });
              if (!cached.has(context)) {
                loads.push(stock.apples);
                cached.set(context, stock.apples);
              }
              return cached.get(context);
            },
          },
        },
      }),
    });
    const yoga = createYoga({ schema, plugins: [useSharedSubscriptionExecution()], logging: false });
    const { subscribe, parse } = yoga.getEnveloped({});
    const events = (await subscribe({
      schema,
      document: parse('subscription { apples }'),
      contextValue: { viewer: { kind: 'admin' } },
    })) as AsyncIterableIterator<ExecutionResult>;
    const seen: unknown[] = [];
    for await (const event of events) seen.push(event.data?.apples);
    expect(seen).toEqual([1, 2]);
    expect(loads).toEqual([1, 2]);
    await yoga.dispose();
  });
});
