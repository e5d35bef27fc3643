/**
 * Kysely table types (they mirror every migration in `migrations/`) and the status lists they
 * imply. Money columns are bigint micro-dollars.
 */
import { sql, type ColumnType, type Generated, type Selectable } from 'kysely';

type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type UpdatedAt = ColumnType<Date, Date | string | undefined, Date | string>;
type Timestamp = ColumnType<Date, Date | string, Date | string>;
/** jsonb: written as a JSON string or object, read back parsed. */
type Json<T> = ColumnType<T, T | string, T | string>;

export type GenerationStatus = 'QUEUED' | 'STARTING' | 'PROCESSING' | 'SUCCEEDED' | 'FAILED' | 'CANCELED';
/**
 * Not yet ended: these count against a user's concurrency and have predictions to track. The one
 * list; raw SQL writes it as `status in (${ACTIVE_GENERATION_STATUS_LIST})`.
 */
export const ACTIVE_GENERATION_STATUSES: readonly GenerationStatus[] = ['QUEUED', 'STARTING', 'PROCESSING'];
export const ACTIVE_GENERATION_STATUS_LIST = sql.join(ACTIVE_GENERATION_STATUSES.map((status) => sql.lit(status)));
export type GenerationMode = 'PREVIEW' | 'STANDARD' | 'FINAL';
export type PredictionState =
  'pending' | 'creating' | 'unknown' | 'starting' | 'processing' | 'succeeded' | 'failed' | 'canceled' | 'aborted';
export type HoldState = 'held' | 'settled' | 'released';
export type LedgerKind = 'hold' | 'settle' | 'release' | 'adjust';
export type BudgetPeriod = 'day' | 'month';
export type GenerationPhase = 'GENERATING' | 'REMOVING_BACKGROUND' | 'UPSCALING' | 'PREPARING_PRINT_FILE';

/** Why a generation FAILED (`generations.error_code`), as the GraphQL enum `GenerationErrorCode` names it. */
export type GenerationErrorCode =
  | 'TIMEOUT'
  | 'MODEL_FAILED'
  | 'CONTENT_FILTERED'
  | 'BAD_USER_INPUT'
  | 'UPSTREAM_INSUFFICIENT_CREDITS'
  | 'UPSTREAM_UNAVAILABLE'
  | 'OUTPUT_UNAVAILABLE';

/** What did not fully work in a SUCCEEDED generation (`generations.warning_code`). */
export type GenerationWarningCode = 'BACKGROUND_REMOVAL_FAILED' | 'PRINT_FILE_FAILED';
export type ImageSource = 'generate' | 'remove_background';
export type PredictionPurpose = 'generate' | 'remove_background' | 'upscale';

export interface UsersTable {
  id: Generated<string>;
  name: string;
  daily_budget_micros: number | null;
  monthly_budget_micros: number | null;
  rate_limit_per_minute: number | null;
  max_concurrent_generations: number | null;
  created_at: CreatedAt;
}

export interface ApiKeysTable {
  id: Generated<string>;
  user_id: string;
  prefix: string;
  key_hash: Buffer;
  created_at: CreatedAt;
  last_used_at: Timestamp | null;
  revoked_at: Timestamp | null;
}

export interface GenerationsTable {
  id: Generated<string>;
  user_id: string;
  model_id: string;
  mode: GenerationMode;
  status: ColumnType<GenerationStatus, GenerationStatus | undefined, GenerationStatus>;
  percent: number | null;
  prompt: string;
  request: Json<Record<string, unknown>>;
  request_fingerprint: string;
  idempotency_key: string | null;
  image_count: number;
  estimated_cost_micros: number;
  cost_micros: number | null;
  error_code: GenerationErrorCode | null;
  error_message: string | null;
  deadline_at: Timestamp;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
  started_at: Timestamp | null;
  completed_at: Timestamp | null;
  /** 0002: bumped by every change, so subscribers can order what they receive. */
  version: ColumnType<number, number | undefined, number>;
  /** 0004: a final names the preview image it was made from. */
  preview_id: string | null;
  preview_image_index: number | null;
  /** 0004: a result-cache answer names the generation whose images it returns. */
  cached_from: string | null;
  cache_key: string | null;
  selection_reason: string | null;
  batch_id: string | null;
  transparent_background: ColumnType<boolean, boolean | undefined, boolean>;
  phase: ColumnType<GenerationPhase, GenerationPhase | undefined, GenerationPhase>;
  warning_code: GenerationWarningCode | null;
  warning_message: string | null;
  /** 0008: the price rule the generation was admitted under (`catalog/price-rule.ts`); null before. */
  price_rule: Json<Record<string, unknown>> | null;
  /** 0011: the request's own webhook target, beside the user's endpoints (`src/app-webhooks`). */
  webhook_url: ColumnType<string | null, string | null | undefined, string | null>;
  /** 0016: the W3C traceparent of the request that created it; null unless tracing was on. */
  traceparent: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface PredictionsTable {
  id: Generated<string>;
  generation_id: string;
  position: ColumnType<number, number | undefined, number>;
  purpose: ColumnType<PredictionPurpose, PredictionPurpose | undefined, never>;
  replicate_model: string;
  input: Json<Record<string, unknown>>;
  image_count: number;
  state: ColumnType<PredictionState, PredictionState | undefined, PredictionState>;
  replicate_id: string | null;
  create_attempts: ColumnType<number, number | undefined, number>;
  create_started_at: Timestamp | null;
  percent: number | null;
  output: Json<unknown> | null;
  error: string | null;
  metrics: Json<Record<string, unknown>> | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
  completed_at: Timestamp | null;
  /** 0002: the gateway instance whose create call holds the lease. */
  create_started_by: string | null;
}

export interface ImagesTable {
  id: Generated<string>;
  generation_id: string;
  position: number;
  storage_key: string;
  content_type: string;
  width: number;
  height: number;
  bytes: number;
  sha256: string;
  created_at: CreatedAt;
  /** 0004: which step stored the image (a transparent generation keeps both). */
  source: ColumnType<ImageSource, ImageSource | undefined, never>;
  /** 0012: the image's print file, once made (all five or none). */
  print_storage_key: ColumnType<string | null, string | null | undefined, string | null>;
  print_width: ColumnType<number | null, number | null | undefined, number | null>;
  print_height: ColumnType<number | null, number | null | undefined, number | null>;
  print_dpi: ColumnType<number | null, number | null | undefined, number | null>;
  print_bytes: ColumnType<number | null, number | null | undefined, number | null>;
}

export interface BudgetWindowsTable {
  subject: string;
  period: BudgetPeriod;
  window_start: ColumnType<string, string, never>;
  /** Null: no limit (0003: a user's month without a monthly budget is still tracked). */
  limit_micros: number | null;
  spent_micros: ColumnType<number, number | undefined, number>;
  reserved_micros: ColumnType<number, number | undefined, number>;
  /** 0003: signed sum of adjustments: positive = charges, negative = credits. */
  adjusted_micros: ColumnType<number, number | undefined, number>;
}

export interface HoldWindowRef {
  subject: string;
  period: BudgetPeriod;
  windowStart: string;
}

export interface HoldsTable {
  id: Generated<string>;
  user_id: string;
  generation_id: string;
  amount_micros: number;
  state: ColumnType<HoldState, HoldState | undefined, HoldState>;
  windows: Json<HoldWindowRef[]>;
  settled_micros: number | null;
  created_at: CreatedAt;
  resolved_at: Timestamp | null;
}

export interface LedgerEntriesTable {
  id: Generated<number>;
  user_id: string;
  hold_id: string | null;
  generation_id: string | null;
  kind: LedgerKind;
  amount_micros: number;
  reason: string | null;
  /** 0003, adjust rows only: the windows the adjustment moved. */
  windows: Json<HoldWindowRef[]> | null;
  created_at: CreatedAt;
}

/** 0003: the sliding-window log of admitted generation requests per user. */
export interface RateLimitEventsTable {
  user_id: string;
  at: ColumnType<Date, Date | string, never>;
}

/** 0002: live gateway processes, so work held by a dead one can be taken over. */
export interface GatewayInstancesTable {
  id: string;
  worker_ids: ColumnType<string[], string[] | undefined, string[]>;
  started_at: ColumnType<Date, Date | string | undefined, never>;
  heartbeat_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface WebhookDeliveriesTable {
  webhook_id: string;
  received_at: CreatedAt;
}

/** rate-limiter-flexible's Postgres store: one row per token and bucket (migration 0005). */
export interface UpstreamBudgetTable {
  key: string;
  points: number;
  /** End of the current window, epoch milliseconds (bigint). */
  expire: number | null;
}

/** Webhooks to apps (migration 0007, `src/app-webhooks`). */
export interface RetiredSecret {
  readonly secret: string;
  readonly expiresAt: string;
}

export type AppWebhookDeliveryStatus = 'pending' | 'succeeded' | 'failed';

export interface AppWebhookEndpointsTable {
  id: Generated<string>;
  user_id: string;
  url: string;
  description: ColumnType<string, string | undefined, string>;
  /** Null: every event type. */
  event_types: string[] | null;
  enabled: ColumnType<boolean, boolean | undefined, boolean>;
  disabled_reason: string | null;
  disabled_at: Date | null;
  /** `whsec_…` */
  secret: string;
  /** 0010: rotated-out secrets still signing until their `expiresAt` (ISO), newest first. */
  retired_secrets: ColumnType<RetiredSecret[], string | undefined, string>;
  failing_since: Date | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface AppWebhookEventsTable {
  /** `msg_…`: the `webhook-id` of every attempt of every delivery of the event. */
  id: string;
  user_id: string;
  type: string;
  dedupe_key: string;
  data: Json<Record<string, unknown>>;
  /** The exact body sent, fixed at the first attempt. */
  body: string | null;
  created_at: Timestamp;
}

export interface AppWebhookDeliveriesTable {
  id: Generated<string>;
  event_id: string;
  /** Null for a generation's per-request `webhookUrl` (0011): `url` names the target then. */
  endpoint_id: string | null;
  url: string | null;
  /** 0011: whose event it is (a per-request delivery's drain is the user's). */
  user_id: string;
  status: ColumnType<AppWebhookDeliveryStatus, AppWebhookDeliveryStatus | undefined, AppWebhookDeliveryStatus>;
  attempts: ColumnType<number, number | undefined, number>;
  next_attempt_at: Date | null;
  last_attempt_at: Date | null;
  last_status_code: number | null;
  last_latency_ms: number | null;
  last_error: string | null;
  created_at: Timestamp;
  completed_at: Date | null;
}

export interface AppWebhookAttemptsTable {
  id: Generated<string>;
  delivery_id: string;
  attempted_at: Timestamp;
  status_code: number | null;
  latency_ms: number;
  error: string | null;
}

/** 0008: Replicate's per-second price of each hardware SKU. */
export interface HardwareRatesTable {
  sku: string;
  name: string;
  micros_per_second: number;
  source: string;
  /** `YYYY-MM-DD` (date columns are read as text). */
  as_of: ColumnType<string, string, string>;
  updated_at: UpdatedAt;
}

/** 0008: the model catalog (`catalog/store.ts`). */
export interface CatalogModelsTable {
  slug: string;
  name: string;
  replicate_model: string;
  replicate_version: string | null;
  kind: 'generate' | 'postprocess';
  enabled: ColumnType<boolean, boolean | undefined, boolean>;
  visibility: ColumnType<'public' | 'restricted', 'public' | 'restricted' | undefined, 'public' | 'restricted'>;
  price_kind: 'per_image' | 'per_second';
  per_image_micros: number | null;
  hardware_sku: string | null;
  max_seconds: number | null;
  estimated_image_micros: number | null;
  price_source: string;
  price_as_of: ColumnType<string, string, string>;
  average_seconds: number;
  tier: 'draft' | 'standard' | 'high';
  quality_rank: number;
  log_style: 'tqdm' | 'plain';
  output_is_array: boolean;
  aspect_ratios: Json<string[]>;
  takes_negative_prompt: boolean;
  takes_seed: boolean;
  max_outputs_per_prediction: number;
  deterministic: boolean;
  supports_transparent_background: boolean;
  default_input: Json<Record<string, unknown>>;
  input_schema: Json<Record<string, unknown>> | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

/** 0013: what users teach pixelgate about models (`src/preferences/`). */
export type FeedbackKind = 'like' | 'dislike' | 'finalize' | 'download' | 'cancel';

export interface ModelFeedbackTable {
  id: Generated<string>;
  user_id: string;
  model_id: string;
  kind: FeedbackKind;
  image_id: string | null;
  generation_id: string | null;
  created_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface CatalogModelUsersTable {
  slug: string;
  user_id: string;
}

/** 0008: who changed the catalog, when, the row before and after. */
export interface CatalogChangesTable {
  id: Generated<number>;
  subject: string;
  actor: string;
  changed_at: CreatedAt;
  before: Json<Record<string, unknown>> | null;
  after: Json<Record<string, unknown>> | null;
}

/** A trusted document (persisted operation), named by the SHA-256 of its text. */
export interface TrustedDocumentsTable {
  id: string;
  body: string;
  operation_name: string | null;
  created_at: CreatedAt;
}

export interface TrustedAppVersionsTable {
  app: string;
  version: string;
  registered_at: CreatedAt;
}

export interface TrustedDocumentUsesTable {
  app: string;
  version: string;
  document_id: string;
}

export interface Database {
  users: UsersTable;
  api_keys: ApiKeysTable;
  generations: GenerationsTable;
  predictions: PredictionsTable;
  images: ImagesTable;
  budget_windows: BudgetWindowsTable;
  holds: HoldsTable;
  ledger_entries: LedgerEntriesTable;
  webhook_deliveries: WebhookDeliveriesTable;
  rate_limit_events: RateLimitEventsTable;
  gateway_instances: GatewayInstancesTable;
  upstream_budget: UpstreamBudgetTable;
  app_webhook_endpoints: AppWebhookEndpointsTable;
  app_webhook_events: AppWebhookEventsTable;
  app_webhook_deliveries: AppWebhookDeliveriesTable;
  app_webhook_attempts: AppWebhookAttemptsTable;
  hardware_rates: HardwareRatesTable;
  catalog_models: CatalogModelsTable;
  catalog_model_users: CatalogModelUsersTable;
  catalog_changes: CatalogChangesTable;
  model_feedback: ModelFeedbackTable;
  trusted_documents: TrustedDocumentsTable;
  trusted_app_versions: TrustedAppVersionsTable;
  trusted_document_uses: TrustedDocumentUsesTable;
}

export type UserRow = Selectable<UsersTable>;
export type ApiKeyRow = Selectable<ApiKeysTable>;
export type GenerationRow = Selectable<GenerationsTable>;
export type PredictionRow = Selectable<PredictionsTable>;
export type ImageRow = Selectable<ImagesTable>;
export type HoldRow = Selectable<HoldsTable>;
export type BudgetWindowRow = Selectable<BudgetWindowsTable>;
export type AppWebhookEndpointRow = Selectable<AppWebhookEndpointsTable>;
export type AppWebhookEventRow = Selectable<AppWebhookEventsTable>;
export type AppWebhookDeliveryRow = Selectable<AppWebhookDeliveriesTable>;
export type AppWebhookAttemptRow = Selectable<AppWebhookAttemptsTable>;
