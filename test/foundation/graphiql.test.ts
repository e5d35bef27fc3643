import { describe, expect, test } from '../support/fixtures.ts';

// A gateway alone (the built-in simulator), API only: nothing here runs jobs.
test.override('setup', { simulator: false, gateway: { runWorker: false } });

describe('GraphiQL works offline', () => {
  test('serves the page with scripts from this server, not a CDN', async ({ app }) => {
    const page = await (await fetch(`${app.url}/graphql`, { headers: { accept: 'text/html' } })).text();
    expect(page).toContain('/graphiql/assets/yoga-graphiql.umd.js');
    expect(page).not.toContain('unpkg.com');
    const script = await fetch(`${app.url}/graphiql/assets/yoga-graphiql.umd.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toContain('javascript');
    expect(page).not.toContain('raw.githubusercontent.com');
  });

  test('serves the Monaco workers, whose file names contain ".."', async ({ app }) => {
    const worker = await fetch(`${app.url}/graphiql/assets/monacoeditorwork/graphql.worker..bundle.js`);
    expect(worker.status).toBe(200);
    expect(worker.headers.get('content-type')).toContain('javascript');
  });

  test('serves nothing outside the GraphiQL bundle', async ({ app }) => {
    for (const path of [
      '/graphiql/assets/../package.json',
      '/graphiql/assets/%2e%2e/package.json',
      '/graphiql/assets/..%2Fpackage.json',
      '/graphiql/assets/monacoeditorwork%2F..%2F..%2Fpackage.json',
      '/graphiql/assets/%2Fetc%2Fpasswd',
      '/graphiql/assets/monacoeditorwork',
      '/graphiql/assets/nope.js',
    ]) {
      expect((await fetch(`${app.url}${path}`)).status).toBe(404);
    }
  });
});
