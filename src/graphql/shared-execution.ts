/**
 * Live fan-out executes each change once per distinct (document, variables, viewer), not once
 * per subscriber. The event sources (`GenerationEvents`, the gallery) hand the *same* view object
 * to every subscriber of a generation; this plugin replaces the subscription's per-event
 * execution with one that remembers, per event object, the result for each such key — so 5,000
 * subscribers of one generation with the same selection cost one execution per change, and every
 * one of them gets that result object.
 *
 * What stays per subscriber: the subscription's own source stream (its authorization — a foreign
 * generation is NOT_FOUND —, its first state, its throttle and bounded buffer, its end after the
 * final state) and the first event, which is the subscriber's own read. The viewer is part of the
 * key (`user:<id>`, `admin`), so nobody receives a result executed for someone else. Results are
 * held only as long as the event object is (a WeakMap), never beyond.
 *
 * Because the result is one object, its JSON is made once too (`serializedResult`, keyed by the
 * result): the WebSocket layer sends those bytes to every subscriber inside its own `next` message,
 * and Yoga's SSE writer gets that text through the result's `stringify` (`shareSerialization`).
 */
import { createSourceEventStream, execute, type DocumentNode, type ExecutionArgs, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { Counter, type Registry } from 'prom-client';
import type { GraphQLContext } from './context.ts';
import type { LiveByteBudget } from './live-budget.ts';
import { serializedResult, shareSerialization } from './serialized-result.ts';

type MaybePromise<T> = T | Promise<T>;

function isPromise<T>(value: MaybePromise<T>): value is Promise<T> {
  return typeof (value as Partial<Promise<T>> | null)?.then === 'function';
}

const documentIds = new WeakMap<DocumentNode, number>();
let nextDocumentId = 0;

/** What each shared result is a state of (`stateOf`). */
const statesOf = new WeakMap<ExecutionResult, string>();

/**
 * The thing whose state a subscription event shows — the generation, for progress and gallery
 * events (their payloads are views with an `id`) —, or undefined. A newer event of the same thing
 * replaces one still waiting for its client: it shows everything the older one did, and status
 * never moves backwards, so a final state is only ever replaced by a later final state.
 */
export function stateOf(result: ExecutionResult): string | undefined {
  return statesOf.get(result);
}

/** Marks `result` as a state of the thing `id` names (what `stateOf` tells). */
export function markState<T extends ExecutionResult>(result: T, id: string): T {
  if (typeof result === 'object' && result !== null) statesOf.set(result, id);
  return result;
}

function principalOf(context: unknown): string {
  const viewer = (context as Partial<GraphQLContext> | undefined)?.viewer;
  if (!viewer) return 'anonymous';
  return viewer.kind === 'user' ? `user:${viewer.userId}` : viewer.kind;
}

/** The key under which two subscribers' executions of one event are interchangeable. */
function shareKey(args: ExecutionArgs): string {
  let documentId = documentIds.get(args.document);
  if (documentId === undefined) {
    documentId = nextDocumentId++;
    documentIds.set(args.document, documentId);
  }
  return JSON.stringify([
    documentId,
    args.operationName ?? null,
    args.variableValues ?? null,
    principalOf(args.contextValue),
  ]);
}

/**
 * Maps a source iterator without an async generator, so `return()` ends an idle subscription at
 * once. With `budget` (`live-budget.ts`), the next event is taken only once the user's streams and
 * the instance are out of debt, and sent only once this turn of the event loop has room; each one
 * is charged its serialized size.
 */
function mapEvents<T>(
  source: AsyncIterator<T>,
  map: (value: T) => MaybePromise<ExecutionResult>,
  sent: Counter,
  budget?: { readonly bytes: LiveByteBudget; readonly principal: string | undefined },
): AsyncIterableIterator<ExecutionResult> {
  return {
    async next() {
      await budget?.bytes.ready(budget.principal);
      const step = await source.next();
      if (step.done) return { done: true, value: undefined };
      const value = await map(step.value);
      const bytes = serializedResult(value).length;
      // A change reaches every stream at once: they are let go a turn's worth of bytes at a time.
      await budget?.bytes.ready(budget.principal, bytes);
      sent.inc(bytes);
      budget?.bytes.charge(budget.principal, bytes);
      return { done: false, value };
    },
    async return() {
      await source.return?.();
      return { done: true, value: undefined };
    },
    async throw(error: unknown) {
      await source.return?.();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

/**
 * Each event executes in a copy of the subscription's context. Per-request caches hang on the
 * context object (Pothos's dataloaders and auth-scope caches): on the subscription's own context
 * they would live as long as it does, holding the rows, views and resolver info of its first
 * event while it idles, and serving one event's reads to the next. On the copy they go with it.
 */
function eventContext(context: unknown): unknown {
  return typeof context === 'object' && context !== null ? { ...context } : context;
}

/**
 * `pixelgate_subscription_events_total` counts events handed to subscribers,
 * `pixelgate_subscription_executions_total` the executions behind them: their ratio is how many
 * subscribers share one execution. `pixelgate_subscription_event_bytes_total` is what those events
 * weigh, summed over subscribers: what the instance's live streams cost it to write.
 */
function sharingCounters(registry: Registry | undefined) {
  const registers = registry ? [registry] : [];
  return {
    events: new Counter({
      name: 'pixelgate_subscription_events_total',
      help: 'Subscription events handed to subscribers (SSE and WebSocket).',
      registers,
    }),
    bytes: new Counter({
      name: 'pixelgate_subscription_event_bytes_total',
      help: 'Bytes of the subscription events handed to subscribers (each result counted once per subscriber, as each is sent).',
      registers,
    }),
    executions: new Counter({
      name: 'pixelgate_subscription_executions_total',
      help: 'Subscription events executed: one per change per distinct document, variables and viewer, however many subscribers share it.',
      registers,
    }),
  };
}

/**
 * `budget`: what one user's live streams, and all of the instance's, may be sent per second
 * (`live-budget.ts`); unbounded without it.
 */
export function useSharedSubscriptionExecution(options: { registry?: Registry; budget?: LiveByteBudget } = {}): Plugin {
  const { registry, budget } = options;
  const executions = new WeakMap<object, Map<string, MaybePromise<ExecutionResult>>>();
  const counters = sharingCounters(registry);

  function executeOnce(args: ExecutionArgs, key: string, payload: unknown): MaybePromise<ExecutionResult> {
    counters.events.inc();
    const run = () => {
      counters.executions.inc();
      return execute({ ...args, rootValue: payload, contextValue: eventContext(args.contextValue) });
    };
    if (typeof payload !== 'object' || payload === null) return run();
    let byKey = executions.get(payload);
    if (!byKey) {
      byKey = new Map();
      executions.set(payload, byKey);
    }
    let result = byKey.get(key);
    if (!result) {
      const ran = run();
      const id = (payload as { id?: unknown }).id;
      const shared = (done: ExecutionResult) =>
        typeof id === 'string' ? markState(shareSerialization(done), id) : shareSerialization(done);
      result = isPromise(ran) ? ran.then(shared) : shared(ran);
      byKey.set(key, result);
    }
    return result;
  }

  async function subscribe(args: ExecutionArgs) {
    const source = await createSourceEventStream(args);
    if (!(Symbol.asyncIterator in source)) return source as ExecutionResult;
    const key = shareKey(args);
    const viewer = (args.contextValue as Partial<GraphQLContext> | undefined)?.viewer;
    // Admins count against the instance only, as they are not counted per user.
    const bounded = budget && { bytes: budget, principal: viewer?.kind === 'user' ? viewer.userId : undefined };
    return mapEvents(
      source[Symbol.asyncIterator](),
      (payload) => executeOnce(args, key, payload),
      counters.bytes,
      bounded,
    );
  }

  return {
    onSubscribe({ setSubscribeFn }) {
      setSubscribeFn(subscribe as never);
    },
  };
}
