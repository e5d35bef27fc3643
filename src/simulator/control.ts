/**
 * `/_simulator/*`: the control plane for tests and demos (no auth, never rate limited, never
 * subject to faults). `POST /_simulator/faults` adds rules, `DELETE` clears them, `GET` lists
 * them; `GET /_simulator/state` reports counters.
 */
import type { IncomingMessage } from 'node:http';
import type { CreditAccount } from './account.ts';
import { faultRulesRequestSchema, type FaultInjector } from './faults.ts';
import { BodyTooLargeError, jsonResponse, readBody, type SimResponse } from './http.ts';
import type { PredictionEngine } from './predictions.ts';
import { badRequest, methodNotAllowed, notFound, payloadTooLarge } from './problems.ts';
import type { ThrottleCounter } from './rate-limit.ts';
import type { WebhookDispatcher } from './webhooks.ts';

export interface ControlContext {
  readonly faults: FaultInjector;
  readonly engine: PredictionEngine;
  readonly credits: CreditAccount;
  readonly webhooks: WebhookDispatcher;
  readonly requestCount: () => number;
  readonly throttled: ThrottleCounter;
}

export const CONTROL_PREFIX = '/_simulator/';

export async function handleControlRequest(
  context: ControlContext,
  method: string,
  path: string,
  raw: IncomingMessage,
): Promise<SimResponse> {
  if (path === '/_simulator/faults') {
    switch (method) {
      case 'GET':
        return jsonResponse(200, { rules: context.faults.list() });
      case 'POST':
        return addFaults(context, raw);
      case 'DELETE':
        context.faults.clear();
        return jsonResponse(200, { rules: [] });
      default:
        return methodNotAllowed(['GET', 'POST', 'DELETE']);
    }
  }
  if (path === '/_simulator/state') {
    if (method !== 'GET') return methodNotAllowed(['GET']);
    return jsonResponse(200, state(context));
  }
  return notFound();
}

async function addFaults(context: ControlContext, raw: IncomingMessage): Promise<SimResponse> {
  let parsed: unknown;
  try {
    parsed = JSON.parse((await readBody(raw, 64 * 1024)).toString('utf8'));
  } catch (error) {
    if (error instanceof BodyTooLargeError) return payloadTooLarge(error.message);
    return badRequest('body must be JSON: { "rules": [{ "method", "path", "times", "fault", "retryAfterSeconds" }] }');
  }
  const result = faultRulesRequestSchema.safeParse(parsed);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`);
    return badRequest(`invalid fault rules: ${problems.join('; ')}`);
  }
  context.faults.add(result.data.rules);
  return jsonResponse(201, { rules: context.faults.list() });
}

function state(context: ControlContext): Record<string, unknown> {
  const deliveries = context.webhooks.deliveries;
  const byStatus = context.engine.countByStatus();
  return {
    requests: context.requestCount(),
    // 429s answered: refused by the per-token rate limits (creates / other requests) or injected.
    throttled: context.throttled.snapshot(),
    predictions: { total: Object.values(byStatus).reduce((sum, count) => sum + count, 0), byStatus },
    credits: { spentMicros: context.credits.spentMicros, remainingMicros: context.credits.remainingMicros ?? null },
    webhooks: {
      attempts: deliveries.length,
      succeeded: deliveries.filter((delivery) => delivery.ok).length,
      failed: deliveries.filter((delivery) => !delivery.ok).length,
    },
    faults: context.faults.list(),
  };
}
