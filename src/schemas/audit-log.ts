import { z } from 'zod'
import { ACTOR_TYPES } from './audit'
import { Timestamp, Uuid } from './common'

export const AuditQuery = z.object({
  kind: z
    .string()
    .max(100)
    .regex(/^[a-z0-9_.]+$/, 'an action such as callback.rejected')
    .optional()
    .meta({ description: 'An action (`callback.rejected`) or a family of them (`pipeline_key` matches `pipeline_key.created`, `.used`, `.revoked`)' }),
  actor: z.string().max(200).optional().meta({ description: '`user:<id>`, `pipeline:<id>`, `system`, or a bare id' }),
  since: z.iso.datetime().optional(),
  until: z.iso.datetime().optional(),
  cursor: z.coerce.number().int().min(1).optional().meta({ description: 'The `next_cursor` of the previous page' }),
  limit: z.coerce.number().int().min(1).max(500).default(100),
})

export const AuditEntry = z
  .object({
    id: z.number().int(),
    at: Timestamp,
    actor_type: z.enum(ACTOR_TYPES),
    actor_id: z.string().nullable(),
    action: z.string(),
    target_type: z.string().nullable(),
    target_id: z.string().nullable(),
    pipeline_id: z.string().nullable(),
    request_id: z.string().nullable(),
    details: z.record(z.string(), z.unknown()).nullable(),
  })
  .meta({ id: 'AuditEntry' })

export const AuditPage = z.object({ entries: z.array(AuditEntry), next_cursor: z.number().int().nullable() }).meta({ id: 'AuditPage' })

export const AuditSummaryQuery = z.object({ since: z.iso.datetime().optional().meta({ description: 'Defaults to 24 hours ago' }) })

export const AuditSummary = z
  .object({
    since: Timestamp,
    by_action: z.array(z.object({ action: z.string(), count: z.number().int() })),
    rejected_by_pipeline: z
      .array(z.object({ pipeline_id: Uuid.nullable(), count: z.number().int(), last_at: Timestamp }))
      .meta({ description: 'Failed signatures per pipeline (null: no pipeline could be named): a burst shows up here first' }),
    rejected_by_hour: z.array(z.object({ hour: z.string().meta({ example: '2025-01-15T10' }), count: z.number().int() })),
  })
  .meta({ id: 'AuditSummary' })
