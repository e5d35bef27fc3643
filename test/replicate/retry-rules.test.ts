import { describe, expect, it } from 'vitest';
import { classifyNetworkError, provablyNeverSent } from '../../src/replicate/attempt.ts';
import {
  CREATE_RETRIES_ON,
  DEFAULT_RETRY_SCHEDULE,
  parseRetryAfter,
  READ_RETRIES_ON,
  retryDelayMs,
  withRetries,
} from '../../src/replicate/retry.ts';
import type { AttemptOutcome } from '../../src/replicate/attempt.ts';

function codeError(code: string, message = code): Error {
  return Object.assign(new Error(message), { code });
}

describe('what proves a request never reached Replicate', () => {
  it.each(['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'UND_ERR_CONNECT_TIMEOUT'])('%s: never sent', (code) => {
    expect(classifyNetworkError(codeError(code))).toMatchObject({ kind: 'never_sent', networkCode: code });
  });

  it.each([
    'ECONNRESET',
    'EPIPE',
    'UND_ERR_SOCKET',
    'UND_ERR_HEADERS_TIMEOUT',
    'UND_ERR_BODY_TIMEOUT',
    'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
    'UND_ERR_ABORTED',
  ])('%s: may have been sent', (code) => {
    expect(classifyNetworkError(codeError(code))).toMatchObject({ kind: 'answer_lost', networkCode: code });
  });

  it('reads the code of a wrapped cause (fetch-style "TypeError: fetch failed")', () => {
    expect(provablyNeverSent(new TypeError('fetch failed', { cause: codeError('ECONNREFUSED') }))).toBe(true);
    expect(provablyNeverSent(new TypeError('terminated', { cause: codeError('ECONNRESET') }))).toBe(false);
  });

  it('counts an error without a code as possibly sent', () => {
    expect(classifyNetworkError(new TypeError('terminated'))).toMatchObject({ kind: 'answer_lost' });
  });

  it('needs every address of a happy-eyeballs attempt to have failed before sending', () => {
    const allRefused = new AggregateError([codeError('ECONNREFUSED'), codeError('ECONNREFUSED')]);
    const oneReset = new AggregateError([codeError('ECONNREFUSED'), codeError('ECONNRESET')]);
    expect(provablyNeverSent(allRefused)).toBe(true);
    expect(provablyNeverSent(oneReset)).toBe(false);
  });
});

describe('retry rules', () => {
  it('creates retry only outcomes that prove nothing was created', () => {
    expect([...CREATE_RETRIES_ON].sort()).toEqual(['never_sent', 'rate_limited']);
    expect([...READ_RETRIES_ON].sort()).toEqual(['answer_lost', 'never_sent', 'rate_limited', 'server_error']);
  });

  it('uses full jitter below 1, 2 and 4 s, and Retry-After as given', () => {
    const schedule = DEFAULT_RETRY_SCHEDULE;
    expect([1, 2, 3].map((n) => retryDelayMs(n, undefined, schedule, () => 0.999999))).toEqual([999, 1999, 3999]);
    expect([1, 2, 3].map((n) => retryDelayMs(n, undefined, schedule, () => 0))).toEqual([0, 0, 0]);
    expect(retryDelayMs(1, 60, schedule, () => 0.5)).toBe(60_000);
    expect(retryDelayMs(1, 61, schedule, () => 0.5)).toBeUndefined();
  });

  it('stops at the first outcome the rule does not cover', async () => {
    const outcomes: AttemptOutcome<string>[] = [
      { kind: 'never_sent', networkCode: 'ECONNREFUSED', cause: undefined },
      { kind: 'server_error', status: 500 },
      { kind: 'ok', value: 'never reached' },
    ];
    const sleeps: number[] = [];
    const attempts: number[] = [];
    const result = await withRetries(
      async (attempt) => {
        attempts.push(attempt);
        return outcomes[attempt - 1]!;
      },
      CREATE_RETRIES_ON,
      DEFAULT_RETRY_SCHEDULE,
      { sleep: async (ms) => void sleeps.push(ms), random: () => 0.5 },
    );
    expect(result).toEqual({ kind: 'server_error', status: 500 });
    expect(attempts).toEqual([1, 2]);
    expect(sleeps).toEqual([500]);
  });
});

describe('parseRetryAfter', () => {
  const now = new Date('2026-03-01T12:00:00Z');
  it.each([
    [undefined, undefined],
    ['5', 5],
    [' 12 ', 12],
    ['1.5', 2],
    ['0', 0],
    ['Sun, 01 Mar 2026 12:00:30 GMT', 30],
    ['Sun, 01 Mar 2026 11:59:00 GMT', 0],
    ['soon', undefined],
    ['-5', undefined],
  ])('%s → %s', (value, expected) => {
    expect(parseRetryAfter(value, now)).toBe(expected);
  });
});
