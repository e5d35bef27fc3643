/** USD (decimal string over micro-dollars), DateTime (ISO 8601) and JSON scalars. */
import { GraphQLError, Kind, type ValueNode } from 'graphql';
import { formatMicrosAsUsd, MoneyFormatError, parseUsdToMicros, type Micros } from '../money.ts';

export function parseUsdInput(value: unknown): Micros {
  if (typeof value !== 'string' && typeof value !== 'number') {
    throw new GraphQLError('USD must be a decimal string such as "0.25" or a number.', {
      extensions: { code: 'BAD_USER_INPUT' },
    });
  }
  try {
    return parseUsdToMicros(value);
  } catch (error) {
    const reason = error instanceof MoneyFormatError ? error.message : 'invalid amount';
    throw new GraphQLError(`Invalid USD amount: ${reason}.`, { extensions: { code: 'BAD_USER_INPUT' } });
  }
}

export function usdLiteral(node: ValueNode): Micros {
  if (node.kind === Kind.STRING || node.kind === Kind.INT || node.kind === Kind.FLOAT) {
    return parseUsdInput(node.kind === Kind.STRING ? node.value : Number(node.value));
  }
  throw new GraphQLError('USD must be a decimal string such as "0.25" or a number.', {
    extensions: { code: 'BAD_USER_INPUT' },
  });
}

export const serializeUsd = (micros: unknown): string => formatMicrosAsUsd(micros as Micros);

export function serializeDateTime(value: unknown): string {
  const date = value instanceof Date ? value : new Date(String(value));
  if (Number.isNaN(date.getTime())) throw new GraphQLError('Invalid DateTime value.');
  return date.toISOString();
}

export function parseDateTime(value: unknown): Date {
  const date = typeof value === 'string' ? new Date(value) : new Date(Number.NaN);
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(date.getTime())) {
    throw new GraphQLError('DateTime must be an ISO 8601 string such as "2026-11-25T12:00:00Z".', {
      extensions: { code: 'BAD_USER_INPUT' },
    });
  }
  return date;
}

export function jsonLiteral(node: ValueNode): unknown {
  switch (node.kind) {
    case Kind.STRING:
    case Kind.BOOLEAN:
      return node.value;
    case Kind.INT:
    case Kind.FLOAT:
      return Number(node.value);
    case Kind.NULL:
      return null;
    case Kind.LIST:
      return node.values.map(jsonLiteral);
    case Kind.OBJECT:
      return Object.fromEntries(node.fields.map((field) => [field.name.value, jsonLiteral(field.value)]));
    default:
      throw new GraphQLError('Variables inside JSON literals are not supported; pass the whole object as a variable.', {
        extensions: { code: 'BAD_USER_INPUT' },
      });
  }
}
