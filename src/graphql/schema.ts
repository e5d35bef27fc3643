/** Assembles the schema: each domain registers its types on the shared builder when imported. */
import { lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';
import '../catalog/graphql.ts';
import '../catalog/graphql-admin.ts';
import '../auth/graphql.ts';
import '../billing/graphql.ts';
import '../billing/graphql-reports.ts';
import '../generations/graphql.ts';
import '../generations/graphql-operations.ts';
import '../generations/graphql-print.ts';
import '../print/graphql.ts';
import '../app-webhooks/graphql.ts';
import '../preferences/graphql.ts';
import '../trusted-documents/graphql.ts';
import { builder } from './builder.ts';

let schema: GraphQLSchema | undefined;

export function buildSchema(): GraphQLSchema {
  schema ??= builder.toSchema({ sortSchema: false });
  return schema;
}

/** The SDL checked in at schema/schema.graphql. */
export function printedSchema(): string {
  return `${printSchema(lexicographicSortSchema(buildSchema()))}\n`;
}
