/**
 * GraphiQL served from this machine. Yoga's page loads its scripts, its Monaco workers and its
 * favicon from the internet, which an offline laptop (or a locked-down network) cannot reach; the
 * bundle ships in the `@graphql-yoga/graphiql` package, so when it is installed (development) the
 * page points at a local copy and the favicon is inlined. Production has GraphiQL off and needs
 * neither.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { renderGraphiQL, type GraphiQLOptions } from 'graphql-yoga';
import { staticDirectory } from './http/static-files.ts';
import type { HttpRoute } from './http/index.ts';

const ASSET_PREFIX = '/graphiql/assets/';
const CDN_DIST = /https:\/\/unpkg\.com\/@graphql-yoga\/graphiql@[^/]+\/dist\//g;

/** pixelgate's mark (four pixels), inlined so the page asks no other host for its icon. */
export const FAVICON_DATA_URL = `data:image/svg+xml,${encodeURIComponent(
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16">' +
    '<rect width="7" height="7" fill="#7c3aed"/><rect x="9" width="7" height="7" fill="#0ea5e9"/>' +
    '<rect y="9" width="7" height="7" fill="#f59e0b"/><rect x="9" y="9" width="7" height="7" fill="#10b981"/></svg>',
)}`;

/**
 * The first tab's text. Yoga builds its welcome from the title ("<title> is an in-browser tool
 * for…"), which reads wrongly when the title is the product's name, so pixelgate writes its own.
 */
export const WELCOME_QUERY = `# pixelgate GraphiQL
#
# Ctrl-Space completes, Ctrl-Enter runs, the Docs
# pane lists every type. The catalog needs no key.
# For your own generations, put your API key in
# the Headers pane below:
#   { "Authorization": "Bearer pg_…" }
# Subscriptions (generationProgress, myGenerations)
# run over WebSocket with the same header.
# The web app, pixelgate Studio, is at /studio.

{
  models {
    id
    name
    costPerImageUsd
    averageSeconds
  }
}
`;

export const GRAPHIQL_OPTIONS = {
  title: 'pixelgate GraphiQL',
  subscriptionsProtocol: 'WS',
  defaultQuery: WELCOME_QUERY,
} as const satisfies GraphiQLOptions;

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
  const assets = staticDirectory(dist);
  return {
    render: (options) =>
      // Yoga's page shows its `query` option first and fills it with its own welcome when unset;
      // its `favicon` option is ignored (the icon link is fixed) and its loading text unfilled.
      renderGraphiQL({ ...options, query: options.defaultQuery } as GraphiQLOptions)
        .replace(CDN_DIST, ASSET_PREFIX)
        .replace(/<link rel=icon [^>]*>/, `<link rel=icon href="${FAVICON_DATA_URL}">`)
        .replace('__TITLE__', options.title ?? 'GraphiQL'),
    route: {
      method: 'GET',
      path: /^\/graphiql\/assets\//,
      handle: (_request, response, url) =>
        assets.serve(response, url.pathname.slice(ASSET_PREFIX.length), { cacheControl: 'public, max-age=86400' }),
    },
  };
}
