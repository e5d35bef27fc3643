/* eslint-disable */
import * as types from './graphql.js';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  mutation CreateUser($input: CreateUserInput!) {\n    createUser(input: $input) {\n      id\n      name\n    }\n  }\n": typeof types.CreateUserDocument,
    "\n  mutation CreateApiKey($userId: ID!) {\n    createApiKey(userId: $userId) {\n      key\n      apiKey {\n        id\n        prefix\n      }\n    }\n  }\n": typeof types.CreateApiKeyDocument,
    "\n  mutation RevokeApiKey($id: ID!) {\n    revokeApiKey(id: $id) {\n      id\n      revokedAt\n    }\n  }\n": typeof types.RevokeApiKeyDocument,
    "\n  query Viewer {\n    viewer {\n      id\n      name\n    }\n  }\n": typeof types.ViewerDocument,
    "\n  query Models {\n    models {\n      id\n      name\n      replicateModel\n      costPerImageUsd\n      averageSeconds\n      supportsTransparentBackground\n      defaultInput\n      maxImagesPerGeneration\n    }\n  }\n": typeof types.ModelsDocument,
    "\n  query Model($id: ID!) {\n    model(id: $id) {\n      id\n      replicateModel\n      costPerImageUsd\n    }\n  }\n": typeof types.ModelDocument,
    "\n  query EstimateCost($input: EstimateCostInput!) {\n    estimateCost(input: $input) {\n      totalUsd\n      perImageUsd\n    }\n  }\n": typeof types.EstimateCostDocument,
    "\n  query RecommendModel($input: RecommendModelInput!) {\n    recommendModel(input: $input) {\n      id\n      costPerImageUsd\n    }\n  }\n": typeof types.RecommendModelDocument,
};
const documents: Documents = {
    "\n  mutation CreateUser($input: CreateUserInput!) {\n    createUser(input: $input) {\n      id\n      name\n    }\n  }\n": types.CreateUserDocument,
    "\n  mutation CreateApiKey($userId: ID!) {\n    createApiKey(userId: $userId) {\n      key\n      apiKey {\n        id\n        prefix\n      }\n    }\n  }\n": types.CreateApiKeyDocument,
    "\n  mutation RevokeApiKey($id: ID!) {\n    revokeApiKey(id: $id) {\n      id\n      revokedAt\n    }\n  }\n": types.RevokeApiKeyDocument,
    "\n  query Viewer {\n    viewer {\n      id\n      name\n    }\n  }\n": types.ViewerDocument,
    "\n  query Models {\n    models {\n      id\n      name\n      replicateModel\n      costPerImageUsd\n      averageSeconds\n      supportsTransparentBackground\n      defaultInput\n      maxImagesPerGeneration\n    }\n  }\n": types.ModelsDocument,
    "\n  query Model($id: ID!) {\n    model(id: $id) {\n      id\n      replicateModel\n      costPerImageUsd\n    }\n  }\n": types.ModelDocument,
    "\n  query EstimateCost($input: EstimateCostInput!) {\n    estimateCost(input: $input) {\n      totalUsd\n      perImageUsd\n    }\n  }\n": types.EstimateCostDocument,
    "\n  query RecommendModel($input: RecommendModelInput!) {\n    recommendModel(input: $input) {\n      id\n      costPerImageUsd\n    }\n  }\n": types.RecommendModelDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateUser($input: CreateUserInput!) {\n    createUser(input: $input) {\n      id\n      name\n    }\n  }\n"): (typeof documents)["\n  mutation CreateUser($input: CreateUserInput!) {\n    createUser(input: $input) {\n      id\n      name\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateApiKey($userId: ID!) {\n    createApiKey(userId: $userId) {\n      key\n      apiKey {\n        id\n        prefix\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation CreateApiKey($userId: ID!) {\n    createApiKey(userId: $userId) {\n      key\n      apiKey {\n        id\n        prefix\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RevokeApiKey($id: ID!) {\n    revokeApiKey(id: $id) {\n      id\n      revokedAt\n    }\n  }\n"): (typeof documents)["\n  mutation RevokeApiKey($id: ID!) {\n    revokeApiKey(id: $id) {\n      id\n      revokedAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Viewer {\n    viewer {\n      id\n      name\n    }\n  }\n"): (typeof documents)["\n  query Viewer {\n    viewer {\n      id\n      name\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Models {\n    models {\n      id\n      name\n      replicateModel\n      costPerImageUsd\n      averageSeconds\n      supportsTransparentBackground\n      defaultInput\n      maxImagesPerGeneration\n    }\n  }\n"): (typeof documents)["\n  query Models {\n    models {\n      id\n      name\n      replicateModel\n      costPerImageUsd\n      averageSeconds\n      supportsTransparentBackground\n      defaultInput\n      maxImagesPerGeneration\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Model($id: ID!) {\n    model(id: $id) {\n      id\n      replicateModel\n      costPerImageUsd\n    }\n  }\n"): (typeof documents)["\n  query Model($id: ID!) {\n    model(id: $id) {\n      id\n      replicateModel\n      costPerImageUsd\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query EstimateCost($input: EstimateCostInput!) {\n    estimateCost(input: $input) {\n      totalUsd\n      perImageUsd\n    }\n  }\n"): (typeof documents)["\n  query EstimateCost($input: EstimateCostInput!) {\n    estimateCost(input: $input) {\n      totalUsd\n      perImageUsd\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query RecommendModel($input: RecommendModelInput!) {\n    recommendModel(input: $input) {\n      id\n      costPerImageUsd\n    }\n  }\n"): (typeof documents)["\n  query RecommendModel($input: RecommendModelInput!) {\n    recommendModel(input: $input) {\n      id\n      costPerImageUsd\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;