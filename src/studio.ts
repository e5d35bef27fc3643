/**
 * pixelgate Studio at /studio: the web app built from studio/ (`npm run build`, or `npm start`,
 * which builds it when it is missing or stale) into studio/dist/. Vite names every asset by
 * its content hash, so those are cached as immutable; the page itself is revalidated. Served in
 * every environment: the studio is a client of the public API and needs nothing else.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { staticDirectory } from './http/static-files.ts';
import type { HttpRoute } from './http/index.ts';

const PREFIX = '/studio/';
const HASHED_ASSET = /^assets\/[^/]+-[A-Za-z0-9_-]{8,}\.[a-z0-9]+$/;
/** The studio talks to this origin only (GraphQL over HTTP and WebSocket); images may be elsewhere. */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data: blob: http: https:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** The repository (or image) root: the nearest folder above this module with a package.json. */
function packageRoot(): string {
  let directory = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(directory, 'package.json'))) {
    const parent = path.dirname(directory);
    if (parent === directory) throw new Error('pixelgate: no package.json above the studio route');
    directory = parent;
  }
  return directory;
}

export function studioRoutes(root = path.join(packageRoot(), 'studio', 'dist')): HttpRoute[] {
  const files = staticDirectory(root);
  const notBuilt = (response: Parameters<HttpRoute['handle']>[1]) => {
    response.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
    response.end('pixelgate Studio is not built: run `npm run build` (npm start builds it when missing).\n');
  };
  const page: HttpRoute['handle'] = async (_request, response) => {
    if (!existsSync(path.join(root, 'index.html'))) return notBuilt(response);
    await files.serve(response, 'index.html', {
      cacheControl: 'no-cache',
      headers: { 'content-security-policy': CONTENT_SECURITY_POLICY, 'referrer-policy': 'no-referrer' },
    });
  };
  return [
    { method: 'GET', path: '/studio', handle: page },
    { method: 'GET', path: PREFIX, handle: page },
    {
      method: 'GET',
      path: /^\/studio\/.+/,
      async handle(_request, response, url) {
        const relative = url.pathname.slice(PREFIX.length);
        if (relative === 'index.html') return page(_request, response, url);
        await files.serve(response, relative, {
          cacheControl: HASHED_ASSET.test(relative) ? 'public, max-age=31536000, immutable' : 'public, max-age=3600',
        });
      },
    },
  ];
}
