import { describe, expect, it } from 'vitest';
import { buildCreateRequest, cancelAfterHeader } from '../../src/replicate/create-request.ts';

describe('buildCreateRequest', () => {
  it('sends official models to their model path without a version', () => {
    const request = buildCreateRequest('/v1', { model: 'google/imagen-4-ultra' }, { input: { prompt: 'p' } });
    expect(request).toEqual({
      targetName: 'google/imagen-4-ultra',
      path: '/v1/models/google/imagen-4-ultra/predictions',
      headers: {},
      body: { input: { prompt: 'p' } },
      extraTimeoutMs: 0,
    });
  });

  it('sends versions to /predictions, with Prefer and the time it holds the response', () => {
    const request = buildCreateRequest(
      '/v1',
      { version: 'owner/model:5c7d5dc6dd8bf75c1acaa8565735e7986bc5b66206b55cca93cb72c9bf15ccaa' },
      { input: {}, preferWaitSeconds: 30, webhook: 'https://h/w', webhookEventsFilter: ['completed'] },
    );
    expect(request.path).toBe('/v1/predictions');
    expect(request.headers).toEqual({ prefer: 'wait=30' });
    expect(request.body).toMatchObject({ webhook: 'https://h/w', webhook_events_filter: ['completed'] });
    expect(request.extraTimeoutMs).toBe(30_000);
  });

  it.each([{ model: 'flux' }, { model: 'a/b/c' }, { model: '../x/y' }, { version: '' }, { version: 'a b' }])(
    'refuses the target %j',
    (target) => {
      expect(() => buildCreateRequest('/v1', target, { input: {} })).toThrow(TypeError);
    },
  );

  it.each([0, 61, 1.5])('refuses preferWaitSeconds %s', (preferWaitSeconds) => {
    expect(() => buildCreateRequest('/v1', { model: 'a/b' }, { input: {}, preferWaitSeconds })).toThrow(RangeError);
  });
});

describe('cancelAfterHeader', () => {
  it.each([
    [5, '5s'],
    [300, '300s'],
    ['30', '30'],
    ['90s', '90s'],
    ['5m', '5m'],
    ['1h30m', '1h30m'],
    ['1h30m45s', '1h30m45s'],
  ] as const)('%j → %s', (value, header) => {
    expect(cancelAfterHeader(value)).toBe(header);
  });

  it.each([4, 2.5, -10, '', '4s', 'soon', '5 m', '1d', 'm5'])('refuses %j', (value) => {
    expect(() => cancelAfterHeader(value)).toThrow(RangeError);
  });
});
