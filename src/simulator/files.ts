/**
 * What Replicate serves outside its API: output files (replicate.delivery, public URLs, no auth)
 * and the prediction's web page (`urls.web`). Files disappear with the prediction's data, one
 * simulated hour after completion.
 */
import { bytesResponse, withHeaders, type SimResponse } from './http.ts';
import type { PredictionEngine } from './predictions.ts';

const FILE_PATH = /^\/files\/([a-z0-9]+)\/(\d+)\.png$/;
const WEB_PATH = /^\/p\/([a-z0-9]+)$/;

export function isPublicPath(path: string): boolean {
  return FILE_PATH.test(path) || WEB_PATH.test(path);
}

export function handlePublicRequest(engine: PredictionEngine, method: string, path: string): SimResponse {
  if (method !== 'GET' && method !== 'HEAD') {
    return withHeaders(bytesResponse(405, 'text/plain', 'Method Not Allowed\n'), { allow: 'GET, HEAD' });
  }
  const file = FILE_PATH.exec(path);
  if (file) {
    const bytes = engine.file(file[1]!, Number(file[2]));
    if (!bytes) return bytesResponse(404, 'text/plain', 'Not Found\n');
    return {
      status: 200,
      headers: { 'content-type': 'image/png', 'cache-control': 'public, max-age=3600' },
      body: bytes,
    };
  }
  const page = WEB_PATH.exec(path);
  const prediction = page ? engine.get(page[1]!) : undefined;
  if (!prediction) return bytesResponse(404, 'text/plain', 'Not Found\n');
  const json = engine.toJson(prediction);
  const images = (Array.isArray(json.output) ? json.output : json.output ? [json.output] : [])
    .map((url) => `<img src="${escapeHtml(url)}" alt="">`)
    .join('');
  const html = `<!doctype html><meta charset="utf-8"><title>${json.id}</title><h1>${escapeHtml(json.model)} · ${json.status}</h1>${images}<pre>${escapeHtml(JSON.stringify(json, null, 2))}</pre>`;
  return bytesResponse(200, 'text/html; charset=utf-8', html);
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
