/**
 * The one way tests make a user: through the admin API, as an operator would (createUser, then
 * setLimits, then createApiKey). Tests that are about users, budgets or keys still call their own
 * mutations; everything else asks for a user here.
 */
import { randomUUID } from 'node:crypto';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { formatMicrosAsUsd } from '../../src/money.ts';
import { graphql } from '../gql/index.ts';
import type { GraphQLAnswer } from './app.ts';
import { TEST_ADMIN_TOKEN } from './app.ts';
import { dbId } from './ids.ts';

/** Anything that answers GraphQL: a TestApp, or a gateway in a child process (`graphqlOverHttp`). */
export interface GraphQLSender {
  graphql<T, V>(document: TypedDocumentNode<T, V>, variables?: V, token?: string): Promise<GraphQLAnswer<T>>;
}

export interface TestUserOptions {
  /** Default: `user-` and a few random characters. */
  name?: string;
  /** Default: the deployment's default budget. */
  dailyBudgetMicros?: number;
  monthlyBudgetMicros?: number;
  /** true (default): rate and concurrency limits out of the way; false: the deployment's. */
  openLimits?: boolean;
  /** Default: the test app's admin token (TEST_ADMIN_TOKEN). */
  adminToken?: string;
}

export interface TestUser {
  /** The user's global id, as the API names it. */
  readonly id: string;
  /** The database row id, for tests that read rows back. */
  readonly userId: string;
  /** The API key (its secret). */
  readonly key: string;
  /** The key's global id, for revoking it. */
  readonly keyId: string;
}

/** The highest limits setLimits accepts: rate and concurrency never bind. */
export const OPEN_LIMITS = { ratePerMinute: 100_000, maxConcurrentGenerations: 10_000 } as const;

const CreateTestUser = graphql(`
  mutation CreateTestUser($input: CreateUserInput!) {
    createUser(input: $input) {
      id
    }
  }
`);

const OpenTestUserLimits = graphql(`
  mutation OpenTestUserLimits($input: SetLimitsInput!) {
    setLimits(input: $input) {
      id
    }
  }
`);

const CreateTestUserKey = graphql(`
  mutation CreateTestUserKey($userId: ID!) {
    createApiKey(userId: $userId) {
      key
      apiKey {
        id
      }
    }
  }
`);

function usd(micros: number | undefined): string | undefined {
  return micros === undefined ? undefined : formatMicrosAsUsd(micros);
}

function answered<T>(what: string, answer: GraphQLAnswer<T>): T {
  if (!answer.data) throw new Error(`${what} failed: ${JSON.stringify(answer.errors)}`);
  return answer.data;
}

/** A user with an API key, made through the admin API of `app`. */
export async function createTestUser(app: GraphQLSender, options: TestUserOptions = {}): Promise<TestUser> {
  const admin = <T, V>(document: TypedDocumentNode<T, V>, variables: V) =>
    app.graphql(document, variables, options.adminToken ?? TEST_ADMIN_TOKEN);
  const { createUser } = answered(
    'createUser',
    await admin(CreateTestUser, {
      input: {
        name: options.name ?? `user-${randomUUID().slice(0, 8)}`,
        dailyBudgetUsd: usd(options.dailyBudgetMicros),
        monthlyBudgetUsd: usd(options.monthlyBudgetMicros),
      },
    }),
  );
  if (options.openLimits ?? true) {
    answered('setLimits', await admin(OpenTestUserLimits, { input: { userId: createUser.id, ...OPEN_LIMITS } }));
  }
  const { createApiKey } = answered('createApiKey', await admin(CreateTestUserKey, { userId: createUser.id }));
  return {
    id: createUser.id,
    userId: dbId('User', createUser.id),
    key: createApiKey.key,
    keyId: createApiKey.apiKey.id,
  };
}
