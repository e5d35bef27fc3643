import { describe, expect, it } from 'vitest';
import { ConfigError, FALLBACK_USER_DAILY_BUDGET_MICROS, loadConfig } from '../../src/config.ts';

function configProblems(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error(`expected ${JSON.stringify(Object.keys(env))} to be rejected`);
}

describe('configuration', () => {
  it('starts with no environment at all: embedded Postgres, simulator, port 4000', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      nodeEnv: 'development',
      port: 4000,
      host: '0.0.0.0',
      logLevel: 'info',
      databaseUrl: undefined,
      dataDir: './.pixelgate',
      replicateApiToken: undefined,
      replicateApiBaseUrl: 'https://api.replicate.com/v1',
      publicUrl: undefined,
      adminToken: undefined,
      defaultUserDailyBudgetMicros: FALLBACK_USER_DAILY_BUDGET_MICROS,
      defaultUserRateLimitPerMinute: 60,
      defaultUserMaxConcurrentGenerations: 10,
      simulatorSpeed: 1,
    });
  });

  it('reads every documented setting', () => {
    const config = loadConfig({
      NODE_ENV: 'production',
      PORT: '8080',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'debug',
      DATABASE_URL: 'postgresql://app@db:5432/pixelgate',
      PIXELGATE_DATA_DIR: '/var/lib/pixelgate',
      REPLICATE_API_TOKEN: 'r8_example',
      REPLICATE_API_BASE_URL: 'https://replicate.example/v1/',
      REPLICATE_WEBHOOK_SECRET: 'whsec_c2VjcmV0',
      PUBLIC_URL: 'https://gateway.example/',
      PIXELGATE_ADMIN_TOKEN: 'an-admin-token-long-enough',
      REDIS_URL: 'redis://cache:6379',
      GLOBAL_DAILY_BUDGET_USD: '250',
      DEFAULT_USER_DAILY_BUDGET_USD: '2.5',
      DEFAULT_USER_MONTHLY_BUDGET_USD: '40.000001',
      DEFAULT_USER_RATE_LIMIT_PER_MINUTE: '30',
      DEFAULT_USER_MAX_CONCURRENT_GENERATIONS: '3',
      SIMULATOR_SPEED: '0.05',
    });
    expect(config).toMatchObject({
      nodeEnv: 'production',
      port: 8080,
      host: '127.0.0.1',
      logLevel: 'debug',
      databaseUrl: 'postgresql://app@db:5432/pixelgate',
      dataDir: '/var/lib/pixelgate',
      replicateApiToken: 'r8_example',
      // Trailing slashes are dropped so paths can be appended.
      replicateApiBaseUrl: 'https://replicate.example/v1',
      publicUrl: 'https://gateway.example',
      globalDailyBudgetMicros: 250_000_000,
      defaultUserDailyBudgetMicros: 2_500_000,
      defaultUserMonthlyBudgetMicros: 40_000_001,
      defaultUserRateLimitPerMinute: 30,
      defaultUserMaxConcurrentGenerations: 3,
      simulatorSpeed: 0.05,
    });
  });

  it('treats empty and blank values as unset', () => {
    const config = loadConfig({ PORT: '', DATABASE_URL: '  ', REPLICATE_API_TOKEN: '' });
    expect(config.port).toBe(4000);
    expect(config.databaseUrl).toBeUndefined();
    expect(config.replicateApiToken).toBeUndefined();
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT: expected a port number from 0 to 65535'],
    [{ PORT: '65536' }, 'PORT: expected a port number from 0 to 65535'],
    [{ PORT: '-1' }, 'PORT: expected a port number from 0 to 65535'],
    [{ NODE_ENV: 'staging' }, 'NODE_ENV: expected one of development, production, test'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL: expected one of fatal, error, warn, info, debug, trace, silent'],
    [{ DATABASE_URL: 'mysql://db/pixelgate' }, 'DATABASE_URL: expected a postgres:// connection URL'],
    [{ REPLICATE_API_BASE_URL: 'ftp://replicate.example' }, 'REPLICATE_API_BASE_URL: expected an http(s) URL'],
    [{ PUBLIC_URL: 'gateway.example' }, 'PUBLIC_URL: expected an http(s) URL'],
    [{ REDIS_URL: 'http://cache' }, 'REDIS_URL: expected a redis:// URL'],
    [{ GLOBAL_DAILY_BUDGET_USD: '-1' }, 'GLOBAL_DAILY_BUDGET_USD: expected a non-negative USD amount'],
    [{ DEFAULT_USER_DAILY_BUDGET_USD: '0.0000001' }, 'DEFAULT_USER_DAILY_BUDGET_USD: expected a non-negative USD'],
    [{ DEFAULT_USER_MONTHLY_BUDGET_USD: '1e3' }, 'DEFAULT_USER_MONTHLY_BUDGET_USD: expected a non-negative USD'],
    [
      { DEFAULT_USER_RATE_LIMIT_PER_MINUTE: '0' },
      'DEFAULT_USER_RATE_LIMIT_PER_MINUTE: expected a positive whole number',
    ],
    [
      { DEFAULT_USER_MAX_CONCURRENT_GENERATIONS: '2.5' },
      'DEFAULT_USER_MAX_CONCURRENT_GENERATIONS: expected a positive',
    ],
    [{ SIMULATOR_SPEED: 'fast' }, 'SIMULATOR_SPEED: expected a positive number'],
  ])('rejects %o naming the variable and what it expects', (env, expected) => {
    expect(configProblems(env)).toContain(expected);
  });

  it('lists every problem at once', () => {
    const message = configProblems({ PORT: 'x', LOG_LEVEL: 'y', SIMULATOR_SPEED: 'z' });
    expect(message.split('\n').filter((line) => line.startsWith('  - '))).toHaveLength(3);
  });

  it.each([
    ['PIXELGATE_ADMIN_TOKEN', 'hunter2-short'],
    ['REPLICATE_WEBHOOK_SECRET', 'not-a-whsec-but-secret-9f8e7d'],
    ['DATABASE_URL', 'mysql://admin:s3cr3t-password@db/pixelgate'],
    ['REDIS_URL', 'http://:redis-password-42@cache:6379'],
  ])('never echoes the value of %s', (name, secret) => {
    const message = configProblems({ [name]: secret });
    expect(message).toContain(`${name}: expected`);
    expect(message).not.toContain(secret);
    for (const fragment of secret.split(/[:/@]/).filter((part) => part.length >= 6)) {
      expect(message).not.toContain(fragment);
    }
  });

  it('stops production start-up without REPLICATE_API_TOKEN instead of falling back to the simulator', () => {
    for (const token of [undefined, '', '   ']) {
      const env: Record<string, string> = { NODE_ENV: 'production' };
      if (token !== undefined) env.REPLICATE_API_TOKEN = token;
      expect(configProblems(env)).toMatch(/REPLICATE_API_TOKEN: expected a Replicate API token; production never/);
    }
    expect(loadConfig({ NODE_ENV: 'production', REPLICATE_API_TOKEN: 'r8_token' }).replicateApiToken).toBe('r8_token');
  });

  it('falls back to the simulator outside production when no token is set', () => {
    for (const nodeEnv of ['development', 'test']) {
      expect(loadConfig({ NODE_ENV: nodeEnv }).replicateApiToken).toBeUndefined();
    }
  });
});
