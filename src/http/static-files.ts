/**
 * Files from one directory over HTTP (GraphiQL's bundle, the built Studio). A request names a path
 * relative to the directory; it is answered only when the resolved file — symlinks followed —
 * lies inside the directory and has a content type we serve. Containment is checked on the
 * resolved path, not by looking for "..": file names may contain dots (`graphql.worker..bundle.js`).
 */
import { readFile, realpath, stat } from 'node:fs/promises';
import type http from 'node:http';
import path from 'node:path';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

export interface StaticDirectory {
  /** The directory as given (it may not exist yet). */
  readonly root: string;
  /**
   * Answers with the file at `relativePath` (as it appears in the URL, percent-encoded), or 404.
   * `cacheControl` is chosen by the caller from the relative path (hashed assets are immutable).
   */
  serve(
    response: http.ServerResponse,
    relativePath: string,
    options: { cacheControl: string; headers?: http.OutgoingHttpHeaders },
  ): Promise<void>;
}

export function contentTypeFor(file: string): string | undefined {
  return CONTENT_TYPES[path.extname(file).toLowerCase()];
}

/** The file inside `root` that `relativePath` names, or null when it is outside, absent or not a file. */
async function resolveInside(root: string, relativePath: string): Promise<string | null> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(relativePath);
  } catch {
    return null;
  }
  if (decoded.includes('\0')) return null;
  try {
    const realRoot = await realpath(root);
    const file = await realpath(path.resolve(realRoot, decoded));
    if (!file.startsWith(`${realRoot}${path.sep}`)) return null;
    return (await stat(file)).isFile() ? file : null;
  } catch {
    return null;
  }
}

export function staticDirectory(root: string): StaticDirectory {
  return {
    root,
    async serve(response, relativePath, { cacheControl, headers = {} }) {
      const file = await resolveInside(root, relativePath);
      const contentType = file ? contentTypeFor(file) : undefined;
      const body = file && contentType ? await readFile(file).catch(() => null) : null;
      if (!body || !contentType) {
        response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
        response.end('Not found\n');
        return;
      }
      response.writeHead(200, {
        'content-type': contentType,
        'content-length': body.length,
        'cache-control': cacheControl,
        'x-content-type-options': 'nosniff',
        ...headers,
      });
      response.end(body);
    },
  };
}
