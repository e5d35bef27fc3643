/**
 * GraphiQL served from this machine. Yoga's page loads its scripts from a public CDN, which an
 * offline laptop (or a locked-down network) cannot reach; the same files ship in the
 * `@graphql-yoga/graphiql` package, so when it is installed (development) the page points at
 * a local copy. Production has GraphiQL off and needs neither.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { renderGraphiQL, type GraphiQLOptions } from 'graphql-yoga';
import type { HttpRoute } from './server.ts';

const ASSET_PREFIX = '/graphiql/assets/';
const CDN_DIST = /https:\/\/unpkg\.com\/@graphql-yoga\/graphiql@[^/]+\/dist\//g;
const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

export interface LocalGraphiQL {
  render(options: GraphiQLOptions): string;
  readonly route: HttpRoute;
}

function installedDistDirectory(): string | null {
  try {
    const manifest = createRequire(import.meta.url).resolve('@graphql-yoga/graphiql/package.json');
    return path.join(path.dirname(manifest), 'dist');
  } catch {
    return null;
  }
}

export function localGraphiQL(): LocalGraphiQL | null {
  const dist = installedDistDirectory();
  if (!dist) return null;
  return {
    render: (options) => renderGraphiQL(options).replace(CDN_DIST, ASSET_PREFIX),
    route: {
      method: 'GET',
      path: /^\/graphiql\/assets\/[A-Za-z0-9_-][A-Za-z0-9._/-]*$/,
      async handle(_request, response, url) {
        const relative = url.pathname.slice(ASSET_PREFIX.length);
        const file = path.resolve(dist, relative);
        const contentType = CONTENT_TYPES[path.extname(file)];
        if (!file.startsWith(`${dist}${path.sep}`) || relative.includes('..') || !contentType) {
          response.writeHead(404).end();
          return;
        }
        try {
          const body = await readFile(file);
          response.writeHead(200, {
            'content-type': contentType,
            'content-length': body.length,
            'cache-control': 'public, max-age=86400',
          });
          response.end(body);
        } catch {
          response.writeHead(404).end();
        }
      },
    },
  };
}
