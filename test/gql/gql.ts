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
    "\n  fragment GenerationFields on Generation {\n    id\n    status\n    percent\n    progressKind\n    prompt\n    count\n    mode\n    estimatedCostUsd\n    costUsd\n    model {\n      id\n    }\n    images {\n      url\n      width\n      height\n      contentType\n      bytes\n      sha256\n    }\n    error {\n      code\n      message\n    }\n    createdAt\n    updatedAt\n    startedAt\n    completedAt\n  }\n": typeof types.GenerationFieldsFragmentDoc,
    "\n  mutation Generate($input: GenerateImageInput!) {\n    generateImage(input: $input) {\n      ...GenerationFields\n    }\n  }\n": typeof types.GenerateDocument,
    "\n  query GetGeneration($id: ID!) {\n    generation(id: $id) {\n      ...GenerationFields\n    }\n  }\n": typeof types.GetGenerationDocument,
    "\n  mutation CancelGeneration($id: ID!) {\n    cancelGeneration(id: $id) {\n      ...GenerationFields\n    }\n  }\n": typeof types.CancelGenerationDocument,
    "\n  fragment SmartGenerationFields on Generation {\n    ...GenerationFields\n    seed\n    aspectRatio\n    selectionReason\n    transparentBackground\n    phase\n    batchId\n    previewImageIndex\n    warning {\n      code\n      message\n    }\n    images {\n      position\n      transparent\n    }\n    preview {\n      id\n    }\n    finals {\n      id\n      model {\n        id\n      }\n    }\n    cachedFrom {\n      id\n    }\n  }\n": typeof types.SmartGenerationFieldsFragmentDoc,
    "\n  mutation GenerateSmart($input: GenerateImageInput!) {\n    generateImage(input: $input) {\n      ...SmartGenerationFields\n    }\n  }\n": typeof types.GenerateSmartDocument,
    "\n  mutation Finalize($input: FinalizeGenerationInput!) {\n    finalizeGeneration(input: $input) {\n      ...SmartGenerationFields\n    }\n  }\n": typeof types.FinalizeDocument,
    "\n  mutation GenerateBatch($inputs: [GenerateImageInput!]!) {\n    generateImages(inputs: $inputs) {\n      id\n      estimatedCostUsd\n      items {\n        index\n        replayed\n        generation {\n          ...SmartGenerationFields\n        }\n      }\n    }\n  }\n": typeof types.GenerateBatchDocument,
    "\n  query GetSmartGeneration($id: ID!) {\n    generation(id: $id) {\n      ...SmartGenerationFields\n    }\n  }\n": typeof types.GetSmartGenerationDocument,
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
    "\n  fragment GenerationFields on Generation {\n    id\n    status\n    percent\n    progressKind\n    prompt\n    count\n    mode\n    estimatedCostUsd\n    costUsd\n    model {\n      id\n    }\n    images {\n      url\n      width\n      height\n      contentType\n      bytes\n      sha256\n    }\n    error {\n      code\n      message\n    }\n    createdAt\n    updatedAt\n    startedAt\n    completedAt\n  }\n": types.GenerationFieldsFragmentDoc,
    "\n  mutation Generate($input: GenerateImageInput!) {\n    generateImage(input: $input) {\n      ...GenerationFields\n    }\n  }\n": types.GenerateDocument,
    "\n  query GetGeneration($id: ID!) {\n    generation(id: $id) {\n      ...GenerationFields\n    }\n  }\n": types.GetGenerationDocument,
    "\n  mutation CancelGeneration($id: ID!) {\n    cancelGeneration(id: $id) {\n      ...GenerationFields\n    }\n  }\n": types.CancelGenerationDocument,
    "\n  fragment SmartGenerationFields on Generation {\n    ...GenerationFields\n    seed\n    aspectRatio\n    selectionReason\n    transparentBackground\n    phase\n    batchId\n    previewImageIndex\n    warning {\n      code\n      message\n    }\n    images {\n      position\n      transparent\n    }\n    preview {\n      id\n    }\n    finals {\n      id\n      model {\n        id\n      }\n    }\n    cachedFrom {\n      id\n    }\n  }\n": types.SmartGenerationFieldsFragmentDoc,
    "\n  mutation GenerateSmart($input: GenerateImageInput!) {\n    generateImage(input: $input) {\n      ...SmartGenerationFields\n    }\n  }\n": types.GenerateSmartDocument,
    "\n  mutation Finalize($input: FinalizeGenerationInput!) {\n    finalizeGeneration(input: $input) {\n      ...SmartGenerationFields\n    }\n  }\n": types.FinalizeDocument,
    "\n  mutation GenerateBatch($inputs: [GenerateImageInput!]!) {\n    generateImages(inputs: $inputs) {\n      id\n      estimatedCostUsd\n      items {\n        index\n        replayed\n        generation {\n          ...SmartGenerationFields\n        }\n      }\n    }\n  }\n": types.GenerateBatchDocument,
    "\n  query GetSmartGeneration($id: ID!) {\n    generation(id: $id) {\n      ...SmartGenerationFields\n    }\n  }\n": types.GetSmartGenerationDocument,
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
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment GenerationFields on Generation {\n    id\n    status\n    percent\n    progressKind\n    prompt\n    count\n    mode\n    estimatedCostUsd\n    costUsd\n    model {\n      id\n    }\n    images {\n      url\n      width\n      height\n      contentType\n      bytes\n      sha256\n    }\n    error {\n      code\n      message\n    }\n    createdAt\n    updatedAt\n    startedAt\n    completedAt\n  }\n"): (typeof documents)["\n  fragment GenerationFields on Generation {\n    id\n    status\n    percent\n    progressKind\n    prompt\n    count\n    mode\n    estimatedCostUsd\n    costUsd\n    model {\n      id\n    }\n    images {\n      url\n      width\n      height\n      contentType\n      bytes\n      sha256\n    }\n    error {\n      code\n      message\n    }\n    createdAt\n    updatedAt\n    startedAt\n    completedAt\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Generate($input: GenerateImageInput!) {\n    generateImage(input: $input) {\n      ...GenerationFields\n    }\n  }\n"): (typeof documents)["\n  mutation Generate($input: GenerateImageInput!) {\n    generateImage(input: $input) {\n      ...GenerationFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query GetGeneration($id: ID!) {\n    generation(id: $id) {\n      ...GenerationFields\n    }\n  }\n"): (typeof documents)["\n  query GetGeneration($id: ID!) {\n    generation(id: $id) {\n      ...GenerationFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CancelGeneration($id: ID!) {\n    cancelGeneration(id: $id) {\n      ...GenerationFields\n    }\n  }\n"): (typeof documents)["\n  mutation CancelGeneration($id: ID!) {\n    cancelGeneration(id: $id) {\n      ...GenerationFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment SmartGenerationFields on Generation {\n    ...GenerationFields\n    seed\n    aspectRatio\n    selectionReason\n    transparentBackground\n    phase\n    batchId\n    previewImageIndex\n    warning {\n      code\n      message\n    }\n    images {\n      position\n      transparent\n    }\n    preview {\n      id\n    }\n    finals {\n      id\n      model {\n        id\n      }\n    }\n    cachedFrom {\n      id\n    }\n  }\n"): (typeof documents)["\n  fragment SmartGenerationFields on Generation {\n    ...GenerationFields\n    seed\n    aspectRatio\n    selectionReason\n    transparentBackground\n    phase\n    batchId\n    previewImageIndex\n    warning {\n      code\n      message\n    }\n    images {\n      position\n      transparent\n    }\n    preview {\n      id\n    }\n    finals {\n      id\n      model {\n        id\n      }\n    }\n    cachedFrom {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation GenerateSmart($input: GenerateImageInput!) {\n    generateImage(input: $input) {\n      ...SmartGenerationFields\n    }\n  }\n"): (typeof documents)["\n  mutation GenerateSmart($input: GenerateImageInput!) {\n    generateImage(input: $input) {\n      ...SmartGenerationFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Finalize($input: FinalizeGenerationInput!) {\n    finalizeGeneration(input: $input) {\n      ...SmartGenerationFields\n    }\n  }\n"): (typeof documents)["\n  mutation Finalize($input: FinalizeGenerationInput!) {\n    finalizeGeneration(input: $input) {\n      ...SmartGenerationFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation GenerateBatch($inputs: [GenerateImageInput!]!) {\n    generateImages(inputs: $inputs) {\n      id\n      estimatedCostUsd\n      items {\n        index\n        replayed\n        generation {\n          ...SmartGenerationFields\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation GenerateBatch($inputs: [GenerateImageInput!]!) {\n    generateImages(inputs: $inputs) {\n      id\n      estimatedCostUsd\n      items {\n        index\n        replayed\n        generation {\n          ...SmartGenerationFields\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query GetSmartGeneration($id: ID!) {\n    generation(id: $id) {\n      ...SmartGenerationFields\n    }\n  }\n"): (typeof documents)["\n  query GetSmartGeneration($id: ID!) {\n    generation(id: $id) {\n      ...SmartGenerationFields\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;