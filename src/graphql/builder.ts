/**
 * The Pothos schema builder. Auth is declarative: `authScopes: { user: true }` or `{ admin: true }`
 * on a field; the catalog and estimates are public.
 */
import SchemaBuilder from '@pothos/core';
import ComplexityPlugin from '@pothos/plugin-complexity';
import DataloaderPlugin from '@pothos/plugin-dataloader';
import ScopeAuthPlugin, { AuthScopeFailureType, type AuthFailure } from '@pothos/plugin-scope-auth';
import { ADMIN_OFF_MESSAGE, type Viewer } from '../auth/viewer.ts';
import { MAX_USD_AMOUNT, type Micros } from '../money.ts';
import type { GraphQLContext } from './context.ts';
import { forbidden, unauthenticated } from './errors.ts';
import { jsonLiteral, parseDateTime, parseUsdInput, serializeDateTime, serializeUsd, usdLiteral } from './scalars.ts';

export const builder = new SchemaBuilder<{
  Context: GraphQLContext;
  AuthScopes: { user: boolean; admin: boolean; userOrAdmin: boolean };
  Scalars: {
    USD: { Input: Micros; Output: Micros };
    DateTime: { Input: Date; Output: Date | string };
    JSON: { Input: unknown; Output: unknown };
  };
  DefaultFieldNullability: false;
}>({
  plugins: [ScopeAuthPlugin, DataloaderPlugin, ComplexityPlugin],
  defaultFieldNullability: false,
  // Fields declare their cost here (`complexity`); the limit is enforced before execution by
  // useOperationLimits (src/graphql/limits.ts), for HTTP and WebSocket operations alike, so the
  // plugin's own per-resolver check stays off.
  complexity: { defaultComplexity: 1, defaultListMultiplier: 10, disabled: true },
  scopeAuth: {
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
