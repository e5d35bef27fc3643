/**
 * Turning `createPrediction`'s arguments into an HTTP request, validating what Replicate would
 * otherwise refuse (or, worse, misread) before anything is sent.
 */
export type WebhookEventType = 'start' | 'output' | 'logs' | 'completed';

/** An official model by name (`owner/name`), or any model by version id. */
export type PredictionTarget = { readonly model: string } | { readonly version: string };

export interface CreatePredictionOptions {
  readonly input: Readonly<Record<string, unknown>>;
  readonly webhook?: string;
  readonly webhookEventsFilter?: readonly WebhookEventType[];
  /** `Prefer: wait=N` (1-60): hold the response until the prediction finishes or N seconds pass. */
  readonly preferWaitSeconds?: number;
  /** `Cancel-After`: seconds, or a duration such as `90s`, `5m`, `1h30m` (minimum 5 s). */
  readonly cancelAfter?: number | string;
  /** The caller's id for this create (e.g. the generation id), for logs and reconciliation. */
  readonly correlationId?: string;
  /**
   * Asked once the outbound budget grants an attempt, right before its request is sent: false
   * sends nothing and fails the call with `ReplicateUnavailableError` (reason `withdrawn`). A
   * create can wait a while in the budget's queue; what it was for may have been canceled.
   */
  readonly stillWanted?: () => Promise<boolean>;
}

export interface CreateRequest {
  /** `owner/name` or the version id: the breaker key and the correlation target. */
  readonly targetName: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: Record<string, unknown>;
  /** `Prefer: wait` holds the response open for that long on top of the usual timeout. */
  readonly extraTimeoutMs: number;
}

const MODEL_NAME = /^[A-Za-z0-9][\w.-]*\/[A-Za-z0-9][\w.-]*$/;
// `{version}`, or `{owner}/{name}:{version}` as POST /predictions also accepts.
const VERSION_ID = /^[A-Za-z0-9][\w.:/-]*$/;
const CANCEL_AFTER = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s?)?$/;

export function buildCreateRequest(
  basePath: string,
  target: PredictionTarget,
  options: CreatePredictionOptions,
): CreateRequest {
  const headers: Record<string, string> = {};
  if (options.preferWaitSeconds !== undefined) headers.prefer = preferWaitHeader(options.preferWaitSeconds);
  if (options.cancelAfter !== undefined) headers['cancel-after'] = cancelAfterHeader(options.cancelAfter);
  const common = {
    input: options.input,
    ...(options.webhook === undefined ? {} : { webhook: options.webhook }),
    ...(options.webhookEventsFilter === undefined ? {} : { webhook_events_filter: options.webhookEventsFilter }),
  };
  const extraTimeoutMs = (options.preferWaitSeconds ?? 0) * 1000;

  if ('model' in target) {
    if (!MODEL_NAME.test(target.model)) throw new TypeError('model must be owner/name.');
    const [owner = '', name = ''] = target.model.split('/');
    return {
      targetName: target.model,
      path: `${basePath}/models/${encodeURIComponent(owner)}/${encodeURIComponent(name)}/predictions`,
      headers,
      body: common,
      extraTimeoutMs,
    };
  }
  if (!VERSION_ID.test(target.version)) throw new TypeError('Invalid version id.');
  return {
    targetName: target.version,
    path: `${basePath}/predictions`,
    headers,
    body: { version: target.version, ...common },
    extraTimeoutMs,
  };
}

export function preferWaitHeader(seconds: number): string {
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > 60) {
    throw new RangeError('preferWaitSeconds must be a whole number from 1 to 60.');
  }
  return `wait=${seconds}`;
}

export function cancelAfterHeader(cancelAfter: number | string): string {
  if (typeof cancelAfter === 'number') {
    if (!Number.isInteger(cancelAfter) || cancelAfter < 5) {
      throw new RangeError('cancelAfter must be at least 5 whole seconds.');
    }
    return `${cancelAfter}s`;
  }
  const match = CANCEL_AFTER.exec(cancelAfter);
  if (!cancelAfter || !match) throw new RangeError('cancelAfter must look like 30, 90s, 5m or 1h30m.');
  const [, hours = '0', minutes = '0', seconds = '0'] = match;
  if (Number(hours) * 3600 + Number(minutes) * 60 + Number(seconds) < 5) {
    throw new RangeError('cancelAfter must be at least 5 seconds.');
  }
  return cancelAfter;
}
