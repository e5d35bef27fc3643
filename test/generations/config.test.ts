import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_RESULT_CACHE_TTL_SECONDS, loadConfig } from '../../src/config.ts';

describe('RESULT_CACHE_TTL_SECONDS', () => {
  it('defaults to a week, accepts 0 (cache off) and whole seconds', () => {
    expect(loadConfig({}).resultCacheTtlSeconds).toBe(DEFAULT_RESULT_CACHE_TTL_SECONDS);
    expect(DEFAULT_RESULT_CACHE_TTL_SECONDS).toBe(7 * 24 * 3600);
    expect(loadConfig({ RESULT_CACHE_TTL_SECONDS: '0' }).resultCacheTtlSeconds).toBe(0);
    expect(loadConfig({ RESULT_CACHE_TTL_SECONDS: '3600' }).resultCacheTtlSeconds).toBe(3600);
  });

  it('refuses anything else, naming the variable', () => {
    for (const value of ['-1', '1.5', 'a day']) {
      expect(() => loadConfig({ RESULT_CACHE_TTL_SECONDS: value })).toThrow(ConfigError);
      try {
        loadConfig({ RESULT_CACHE_TTL_SECONDS: value });
      } catch (error) {
        expect((error as Error).message).toContain('RESULT_CACHE_TTL_SECONDS: expected a whole number of seconds');
        expect((error as Error).message).not.toContain('a day'); // values are never echoed
      }
    }
  });
});
