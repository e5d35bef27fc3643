/**
 * Downloads a model output before Replicate deletes it (one hour after completion): bounded in
 * time and size, retried when the failure may be transient, and accepted only when the bytes are
 * an image. Outputs are fetched without credentials; only https is followed (plain http only to
 * loopback hosts, i.e. the simulator).
 */
import { setTimeout as delay } from 'node:timers/promises';
import { Agent, request } from 'undici';
import { isLoopbackHost } from '../replicate/index.ts';
import { readImageInfo, type ImageInfo } from './image-info.ts';

export interface DownloadSettings {
  /** Whole download, headers to last byte. Default 30 s. */
  readonly timeoutMs?: number;
  /** Larger outputs are refused. Default 50 MiB. */
  readonly maxBytes?: number;
  /** Attempts per URL for transient failures. Default 3. */
  readonly attempts?: number;
  /** First backoff; doubles per retry. Default 500 ms. */
  readonly backoffMs?: number;
}

export interface DownloadedImage {
  readonly bytes: Buffer;
  readonly info: ImageInfo;
}

/**
 * `permanent`: retrying cannot help (gone, not an image, too large). `aborted`: the caller's
 * signal stopped it (a stopping job): it says nothing about the output.
 */
export class DownloadError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
    readonly aborted = false,
  ) {
    super(message);
    this.name = 'DownloadError';
  }
}

const MAX_REDIRECTS = 3;
const ACCEPTED_CONTENT_TYPES = /^(image\/(png|jpeg|webp)|application\/octet-stream|binary\/octet-stream)\b/i;

export interface Downloader {
  /**
   * `signal` ends the download (and its retries) early with an `aborted` DownloadError;
   * `maxBytes` replaces the downloader's limit for this one (an upscaled image is larger).
   */
  download(url: string, signal?: AbortSignal, maxBytes?: number): Promise<DownloadedImage>;
  close(): Promise<void>;
}

export function createDownloader(settings: DownloadSettings = {}): Downloader {
  const timeoutMs = settings.timeoutMs ?? 30_000;
  const defaultMaxBytes = settings.maxBytes ?? 50 * 1024 * 1024;
  const attempts = settings.attempts ?? 3;
  const backoffMs = settings.backoffMs ?? 500;
  const agent = new Agent({ connections: 16, keepAliveTimeout: 4_000, connect: { timeout: 10_000 } });

  async function fetchOnce(url: string, caller: AbortSignal | undefined, maxBytes: number): Promise<DownloadedImage> {
    const timeout = AbortSignal.timeout(timeoutMs);
    const deadline = caller ? AbortSignal.any([timeout, caller]) : timeout;
    let current = checkedUrl(url);
    for (let redirects = 0; ; redirects++) {
      let response: OutputResponse;
      try {
        response = await request(current, { method: 'GET', dispatcher: agent, signal: deadline });
      } catch (error) {
        if (caller?.aborted) throw abortedDownload();
        throw new DownloadError(`download failed: ${describe(error)}`, false);
      }
      const { statusCode, headers } = response;
      if (statusCode >= 300 && statusCode < 400 && typeof headers.location === 'string') {
        await response.body.dump();
        if (redirects >= MAX_REDIRECTS) throw new DownloadError('too many redirects', true);
        current = checkedUrl(new URL(headers.location, current).toString());
        continue;
      }
      const refusal = refusalOf(response, maxBytes);
      if (refusal) {
        await response.body.dump();
        throw refusal;
      }
      const bytes = await readBody(response, maxBytes, caller);
      const info = readImageInfo(bytes);
      if (!info) throw new DownloadError('output is not a PNG, JPEG or WebP image', true);
      return { bytes, info };
    }
  }

  return {
    async download(url, signal, maxBytes = defaultMaxBytes) {
      for (let attempt = 1; ; attempt++) {
        if (signal?.aborted) throw abortedDownload();
        try {
          return await fetchOnce(url, signal, maxBytes);
        } catch (error) {
          if (!(error instanceof DownloadError) || error.permanent || error.aborted || attempt >= attempts) throw error;
          await delay(backoffMs * 2 ** (attempt - 1), undefined, signal ? { signal } : undefined).catch(() => {
            throw abortedDownload();
          });
        }
      }
    },
    close: () => agent.close(),
  };
}

type OutputResponse = Awaited<ReturnType<typeof request>>;

/** Why an answer is refused before its body is read: not a 200, not an image, or declared too large. */
function refusalOf(response: OutputResponse, maxBytes: number): DownloadError | undefined {
  const { statusCode, headers } = response;
  if (statusCode !== 200) {
    const transient = statusCode === 408 || statusCode === 429 || statusCode >= 500;
    return new DownloadError(`output answered HTTP ${statusCode}`, !transient);
  }
  const contentType = String(headers['content-type'] ?? '');
  if (contentType && !ACCEPTED_CONTENT_TYPES.test(contentType)) {
    return new DownloadError(`output is not an image (${contentType.slice(0, 60)})`, true);
  }
  const declared = Number(headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    return new DownloadError(`output is larger than ${maxBytes} bytes`, true);
  }
  return undefined;
}

/** The body, cut off as soon as it passes `maxBytes` (a length header can lie or be absent). */
async function readBody(response: OutputResponse, maxBytes: number, caller: AbortSignal | undefined): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let received = 0;
  try {
    for await (const chunk of response.body) {
      received += (chunk as Buffer).length;
      if (received > maxBytes) {
        response.body.destroy();
        throw new DownloadError(`output is larger than ${maxBytes} bytes`, true);
      }
      chunks.push(chunk as Buffer);
    }
  } catch (error) {
    if (error instanceof DownloadError) throw error;
    if (caller?.aborted) throw abortedDownload();
    throw new DownloadError(`download interrupted: ${describe(error)}`, false);
  }
  return Buffer.concat(chunks);
}

function abortedDownload(): DownloadError {
  return new DownloadError('download aborted', false, true);
}

function checkedUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new DownloadError('output URL is not a valid URL', true);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
    throw new DownloadError('output URL must use https', true);
  }
  if (url.username || url.password) throw new DownloadError('output URL must not carry credentials', true);
  return url.toString();
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? code : error.name;
  }
  return 'unknown error';
}
