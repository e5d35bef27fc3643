/**
 * The Pothos schema builder. Auth is declarative: `t.withAuth({ user: true })` (or `admin`,
 * `userOrAdmin`) on a field, whose resolver then gets a context with a viewer of that kind; the
 * catalog and estimates are public. Generations, users and models are Relay nodes with global ids
 * (`node`, `nodes`); lists that page are Relay connections.
 */
import SchemaBuilder from '@pothos/core';
import ComplexityPlugin from '@pothos/plugin-complexity';
import DataloaderPlugin from '@pothos/plugin-dataloader';
import RelayPlugin, { resolveNodes } from '@pothos/plugin-relay';
import ScopeAuthPlugin, { AuthScopeFailureType, type AuthFailure } from '@pothos/plugin-scope-auth';
import type { GraphQLResolveInfo } from 'graphql';
import { ADMIN_OFF_MESSAGE, type Viewer } from '../auth/viewer.ts';
import { MAX_USD_AMOUNT, type Micros } from '../money.ts';
import type { GraphQLContext } from './context.ts';
import { badUserInput, forbidden, unauthenticated } from './errors.ts';
import { decodeNodeId, globalId, visibleNode, type NodeTypename } from './global-ids.ts';
import { jsonLiteral, parseDateTime, parseUsdInput, serializeDateTime, serializeUsd, usdLiteral } from './scalars.ts';

type UserViewer = Extract<Viewer, { kind: 'user' }>;
type AdminViewer = Extract<Viewer, { kind: 'admin' }>;

/** The most ids one `nodes` call takes (its cost counts each). */
const MAX_NODE_IDS = 100;

export const builder = new SchemaBuilder<{
  Context: GraphQLContext;
  AuthScopes: { user: boolean; admin: boolean; userOrAdmin: boolean };
  // What a resolver behind `t.withAuth({ … })` knows about its viewer.
  AuthContexts: {
    user: GraphQLContext & { readonly viewer: UserViewer };
    admin: GraphQLContext & { readonly viewer: AdminViewer };
    userOrAdmin: GraphQLContext & { readonly viewer: Viewer };
  };
  Scalars: {
    ID: { Input: string; Output: string };
    USD: { Input: Micros; Output: Micros };
    DateTime: { Input: Date; Output: Date | string };
    JSON: { Input: unknown; Output: unknown };
  };
  DefaultFieldNullability: false;
  DefaultEdgesNullability: false;
  DefaultNodeNullability: false;
}>({
  plugins: [ScopeAuthPlugin, RelayPlugin, DataloaderPlugin, ComplexityPlugin],
  defaultFieldNullability: false,
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    nodesOnConnection: { complexity: { field: 1, multiplier: 1 } },
    // A connection field prices its page by its size (`pageCost`); edges and nodes do not count it again.
    edgesFieldOptions: { nullable: false, complexity: { field: 1, multiplier: 1 } },
    nodeFieldOptions: { nullable: false },
    // An id that is not a global id of a node type, and a node the viewer may not see, are both
    // just absent (null): `node` never tells an unknown id from someone else's.
    encodeGlobalID: (typename, id) => globalId(typename as NodeTypename, String(id)),
    decodeGlobalID: (value) => decodeNodeId(value) ?? { typename: '', id: '' },
    nodeQueryOptions: {
      description: 'Any object by its global id (a Generation, a User or an ImageModel); null when you cannot see it.',
      resolve: async (_root, { id }, context, info) => (await visibleNodes(context, info, [id]))[0] ?? null,
    },
    nodesQueryOptions: {
      description: `Up to ${MAX_NODE_IDS} objects by their global ids, in order; null for each you cannot see.`,
      complexity: ({ ids }) => ({ field: 1, multiplier: Math.min(Math.max(ids.length, 1), MAX_NODE_IDS) }),
      resolve: (_root, { ids }, context, info) => {
        if (ids.length > MAX_NODE_IDS) {
          throw badUserInput(`ids takes at most ${MAX_NODE_IDS} ids.`, [{ path: 'ids', message: 'too many ids' }]);
        }
        return visibleNodes(context, info, ids);
      },
    },
  },
  // Fields declare their cost here (`complexity`); the limit is enforced before execution by
  // useOperationLimits (src/graphql/limits.ts), for HTTP and WebSocket operations alike, so the
  // plugin's own per-resolver check stays off.
  complexity: { defaultComplexity: 1, defaultListMultiplier: 10, disabled: true },
  scopeAuth: {
    // Subscriptions are checked when they start, not only per event: without it an anonymous
    // subscribe reached its `subscribe` (a TypeError: 500 over SSE, masked over WebSocket).
    authorizeOnSubscribe: true,
    authScopes: (context) => ({
      user: context.viewer?.kind === 'user',
      admin: context.viewer?.kind === 'admin',
      userOrAdmin: context.viewer !== null,
    }),
    // No credentials at all → UNAUTHENTICATED; valid credentials of the wrong kind → FORBIDDEN.
    // Either way the message says which credentials the field needs.
    unauthorizedError: (_parent, context, _info, result) =>
      credentialsError(
        requiredScopes(result.failure),
        context.viewer,
        context.services.config.adminToken !== undefined,
      ),
  },
});

builder.scalarType('USD', {
  description:
    'An amount in US dollars as a decimal string with at most 6 decimals, e.g. "0.003". As input: such a ' +
    `string (whitespace around it is ignored) or a number, from -${MAX_USD_AMOUNT} to ${MAX_USD_AMOUNT}.`,
  serialize: serializeUsd,
  parseValue: parseUsdInput,
  parseLiteral: usdLiteral,
});

builder.scalarType('DateTime', {
  description: 'An instant as an ISO 8601 string in UTC.',
  serialize: serializeDateTime,
  parseValue: parseDateTime,
  parseLiteral: (node) => parseDateTime('value' in node ? node.value : undefined),
});

builder.scalarType('JSON', {
  description: 'Arbitrary JSON; validated by the field that takes it.',
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral: jsonLiteral,
});

builder.queryType({});
builder.mutationType({});
builder.subscriptionType({});

/** Loads nodes by decoded global id; null for a malformed id, a missing row or one the viewer may not see. */
async function visibleNodes(
  context: GraphQLContext,
  info: GraphQLResolveInfo,
  ids: ReadonlyArray<{ typename: string; id: string }>,
): Promise<unknown[]> {
  const wanted = ids.map((id) => (id.typename === '' ? null : id));
  const nodes = await Promise.all(await resolveNodes(builder, context, info, wanted));
  return nodes.map((node, index) =>
    node === null ||
    node === undefined ||
    node instanceof Error ||
    !visibleNode(ids[index]!.typename, node, context.viewer)
      ? null
      : node,
  );
}

/** The scopes a failed check asked for (`user`, `admin`, `userOrAdmin`). */
function requiredScopes(failure: AuthFailure): Set<string> {
  const scopes = new Set<string>();
  const visit = (current: AuthFailure) => {
    if (current.kind === AuthScopeFailureType.AuthScope) scopes.add(current.scope);
    if (current.kind === AuthScopeFailureType.AnyAuthScopes || current.kind === AuthScopeFailureType.AllAuthScopes) {
      current.failures.forEach(visit);
    }
  };
  visit(failure);
  return scopes;
}

function credentialsError(scopes: Set<string>, viewer: Viewer | null, adminEnabled: boolean) {
  const adminOnly = scopes.has('admin') && !scopes.has('user') && !scopes.has('userOrAdmin');
  if (adminOnly) {
    if (!adminEnabled) return unauthenticated(ADMIN_OFF_MESSAGE);
    return viewer === null
      ? unauthenticated('This operation needs the admin token: send "Authorization: Bearer <PIXELGATE_ADMIN_TOKEN>".')
      : forbidden('This operation needs the admin token (PIXELGATE_ADMIN_TOKEN); an API key cannot run it.');
  }
  if (viewer === null) return unauthenticated();
  return forbidden('This operation acts as one user: send that user’s API key (pg_…), not the admin token.');
}
