/** CORS outside production without CORS_ORIGINS (issue 11): any origin, never with credentials. */
import { describe, expect, test } from '../support/fixtures.ts';

// A gateway alone (the built-in simulator), as `npm start` runs in development.
test.override('setup', { simulator: false });

describe('CORS outside production without CORS_ORIGINS', () => {
  test('allows any origin, without credentials', async ({ app }) => {
    const response = await fetch(`${app.url}/graphql`, {
      method: 'OPTIONS',
      headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'POST' },
    });
    expect(response.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();
  });
});
