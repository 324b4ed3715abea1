import { z } from 'zod'
import { Timestamp } from './common'
import { RUN_STATUSES } from './runs'

/** A batch of analyses created with one `group_id` (docs/search.md#groups). */
export const GroupParam = z.object({ project_id: z.uuid(), group_id: z.string().min(1).max(256) })

export const GroupStatus = z
  .object({
    group_id: z.string(),
    total: z.number().int(),
    by_status: z.record(z.enum(RUN_STATUSES), z.number().int()),
    done: z.boolean().meta({ description: 'Every analysis of the group has finished' }),
    progress: z.number().meta({ description: 'Mean progress, finished analyses counting as 1' }),
    annotations: z.number().int(),
    models: z.array(z.object({ model_name: z.string(), model_version: z.string(), count: z.number().int() })),
    first_created_at: Timestamp.nullable(),
    last_completed_at: Timestamp.nullable(),
  })
  .meta({ id: 'GroupStatus' })

export const GroupCancelResult = z
  .object({
    canceled: z.number().int(),
    unchanged: z.number().int().meta({ description: 'Finished before the cancel reached them' }),
    remaining: z.number().int().meta({ description: 'Still active beyond this request’s limit: call again' }),
  })
  .meta({ id: 'GroupCancelResult' })
