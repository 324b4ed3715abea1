import { z } from 'zod'
import { Timestamp, Uuid } from './common'
import { LIFECYCLE_EVENTS } from './deliveries'

/** Pipeline API keys carry `mlpip_`; their callback secrets `mlsec_`; per-run callback credentials `mlcred_`. */
export const PIPELINE_KEY_PREFIX = 'mlpip_'
export const PIPELINE_SECRET_PREFIX = 'mlsec_'
export const RUN_CREDENTIAL_PREFIX = 'mlcred_'

/** A pipeline's HMAC secrets sign its callbacks (`callback`) or Loupe's webhooks to it (`webhook`, `whsec_`). */
export const SECRET_PURPOSES = ['callback', 'webhook'] as const
export type SecretPurpose = (typeof SECRET_PURPOSES)[number]

/** Two secrets of a purpose may be active at once: the old and the new while a pipeline rotates. */
export const MAX_ACTIVE_SECRETS = 2

/**
 * A model name a pipeline serves: exact (`yolo_v8`) or a pattern where `*` matches any run of
 * characters and `?` one character (`yolo_*`). Brackets are refused so a pattern means the same to
 * SQLite's GLOB and to the Worker.
 */
export const ModelPattern = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .regex(/^[^[\]]+$/, 'must not contain [ or ]')

export const JobKind = z.string().trim().min(1).max(100).regex(/^[a-z0-9][a-z0-9_.-]*$/, 'lowercase letters, digits, _ . -')

const WebhookUrl = z.url({ protocol: /^https?$/ }).max(2000)

export const PipelineCreate = z
  .object({
    name: z.string().trim().min(1).max(200),
    description: z.string().max(2000).nullish(),
    model_names: z.array(ModelPattern).min(1).max(100),
    job_kinds: z.array(JobKind).max(100).default([]),
    webhook_url: WebhookUrl.nullish(),
    webhook_events: z
      .array(z.enum(LIFECYCLE_EVENTS))
      .max(LIFECYCLE_EVENTS.length)
      .optional()
      .meta({ description: 'Lifecycle events this pipeline’s webhook also receives, for runs of the projects that grant it (docs/dispatch.md#lifecycle-events)' }),
  })
  .meta({
    id: 'PipelineCreate',
    example: { name: 'detector', description: 'YOLO on the GPU box', model_names: ['yolo_v8', 'yolo_*'], job_kinds: [] },
  })

// Written out rather than `.partial()`: a default would turn "not given" into "cleared".
export const PipelineUpdate = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    description: z.string().max(2000).nullish(),
    model_names: z.array(ModelPattern).min(1).max(100).optional(),
    job_kinds: z.array(JobKind).max(100).optional(),
    webhook_url: WebhookUrl.nullish(),
    webhook_events: z
      .array(z.enum(LIFECYCLE_EVENTS))
      .max(LIFECYCLE_EVENTS.length)
      .optional()
      .meta({ description: 'Lifecycle events this pipeline’s webhook also receives, for runs of the projects that grant it (docs/dispatch.md#lifecycle-events)' }),
  })
  .meta({ id: 'PipelineUpdate' })

export const Pipeline = z
  .object({
    id: Uuid,
    name: z.string(),
    description: z.string().nullable(),
    model_names: z.array(z.string()),
    job_kinds: z.array(z.string()),
    webhook_url: z.string().nullable(),
    webhook_events: z.array(z.string()),
    webhook_disabled_at: Timestamp.nullable().meta({ description: 'Set when the endpoint answered 410 Gone; updating webhook_url clears it' }),
    created_by_id: Uuid.nullable(),
    created_at: Timestamp,
    updated_at: Timestamp.nullable(),
    disabled_at: Timestamp.nullable(),
    manageable: z.boolean().meta({ description: 'Whether the caller may change this pipeline, its keys and its secrets' }),
  })
  .meta({ id: 'Pipeline' })
export type Pipeline = z.infer<typeof Pipeline>

export const PipelineList = z.object({ pipelines: z.array(Pipeline) }).meta({ id: 'PipelineList' })

export const PipelineKeyCreate = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    expires_in_days: z.number().int().min(1).max(3650).optional(),
  })
  .meta({ id: 'PipelineKeyCreate', example: { name: 'gpu-box-1', expires_in_days: 90 } })

export const PipelineKey = z
  .object({
    id: Uuid,
    pipeline_id: Uuid,
    name: z.string().nullable(),
    prefix: z.string().meta({ description: 'Enough of the key to tell keys apart, too little to use' }),
    created_by_id: Uuid.nullable(),
    created_at: Timestamp,
    expires_at: Timestamp.nullable(),
    last_used_at: Timestamp.nullable(),
    revoked_at: Timestamp.nullable(),
  })
  .meta({ id: 'PipelineKey' })

export const PipelineKeyCreated = PipelineKey.extend({
  key: z.string().meta({ description: 'The key itself (`mlpip_…`). Shown once: Loupe keeps only its SHA-256.' }),
}).meta({ id: 'PipelineKeyCreated' })

export const PipelineKeyList = z.object({ keys: z.array(PipelineKey) }).meta({ id: 'PipelineKeyList' })

export const PipelineSecretCreate = z
  .object({ purpose: z.enum(SECRET_PURPOSES).default('callback') })
  .meta({ id: 'PipelineSecretCreate', example: { purpose: 'callback' } })

export const PipelineSecret = z
  .object({
    id: Uuid,
    pipeline_id: Uuid,
    purpose: z.enum(SECRET_PURPOSES),
    prefix: z.string(),
    created_at: Timestamp,
    revoked_at: Timestamp.nullable(),
  })
  .meta({ id: 'PipelineSecret' })

export const PipelineSecretCreated = PipelineSecret.extend({
  secret: z.string().meta({ description: 'Sign callbacks with this string (`mlsec_…`), or verify webhooks with it (`whsec_…`). Shown once.' }),
}).meta({ id: 'PipelineSecretCreated' })

export const PipelineSecretList = z.object({ secrets: z.array(PipelineSecret) }).meta({ id: 'PipelineSecretList' })

export const GrantCreate = z.object({ pipeline_id: Uuid }).meta({ id: 'GrantCreate' })

export const Grant = z
  .object({
    project_id: Uuid,
    pipeline_id: Uuid,
    pipeline_name: z.string(),
    granted_by_id: Uuid.nullable(),
    created_at: Timestamp,
  })
  .meta({ id: 'Grant' })

export const GrantList = z.object({ grants: z.array(Grant) }).meta({ id: 'GrantList' })

/** What a pipeline key learns about itself. */
export const PipelineSelf = z
  .object({
    pipeline: Pipeline.omit({ manageable: true }),
    key: PipelineKey,
    projects: z.array(z.object({ id: Uuid, name: z.string() })).meta({ description: 'Projects that granted this pipeline' }),
  })
  .meta({ id: 'PipelineSelf' })

/**
 * What a pipeline needs to call back on one run: where, and the credential scoped to that run
 * alone (docs/security.md). Sign callbacks exactly as with ML_CALLBACK_HMAC_SECRET, using `secret`.
 */
export const CallbackCredential = z
  .object({
    base_url: z.string().meta({ description: 'The run’s URL; callbacks go to `{base_url}/status`, `/finalize`, …' }),
    secret: z.string().meta({ description: 'An HMAC secret (`mlcred_…`) valid for this run only' }),
  })
  .meta({ id: 'CallbackCredential' })
