/**
 * The ordered list of migrations. A static list (rather than reading the folder) keeps the
 * migrations inside the compiled build and makes their order explicit.
 */
import type { Migration } from 'kysely';
import * as initial from './0001_initial.ts';
import * as generations from './0002_generations.ts';
import * as billing from './0003_billing.ts';
import * as smart from './0004_smart.ts';
import * as upstreamBudget from './0005_upstream_budget.ts';
import * as usageNotify from './0006_usage_notify.ts';
import * as appWebhooks from './0007_app_webhooks.ts';
import * as catalog from './0008_catalog.ts';
import * as appWebhookDrains from './0009_app_webhook_drains.ts';
import * as webhookSecretOverlaps from './0010_webhook_secret_overlaps.ts';
import * as perRequestWebhooks from './0011_per_request_webhooks.ts';
import * as printFiles from './0012_print_files.ts';
import * as preferences from './0013_preferences.ts';
import * as trustedDocuments from './0014_trusted_documents.ts';
import * as printFileKeys from './0015_print_file_keys.ts';
import * as generationTraceContext from './0016_generation_trace_context.ts';

export const migrations: Record<string, Migration> = {
  '0001_initial': initial,
  '0002_generations': generations,
  '0003_billing': billing,
  '0004_smart': smart,
  '0005_upstream_budget': upstreamBudget,
  '0006_usage_notify': usageNotify,
  '0007_app_webhooks': appWebhooks,
  '0008_catalog': catalog,
  '0009_app_webhook_drains': appWebhookDrains,
  '0010_webhook_secret_overlaps': webhookSecretOverlaps,
  '0011_per_request_webhooks': perRequestWebhooks,
  '0012_print_files': printFiles,
  '0013_preferences': preferences,
  '0014_trusted_documents': trustedDocuments,
  '0015_print_file_keys': printFileKeys,
  '0016_generation_trace_context': generationTraceContext,
};
