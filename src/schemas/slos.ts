import { z } from 'zod'
import { Timestamp } from './common'

/**
 * One service-level objective, as configured in ML_SLOS: "`objective` of the analyses of
 * `model_name` (every model when absent) finish `completed` within `threshold_minutes` of being
 * created, over the last `window_days`". See docs/operations.md#slos.
 */
export const SloDefinition = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,62}$/, 'lowercase letters, digits, _ . -'),
    model_name: z.string().min(1).max(200).optional(),
    model_version: z.string().min(1).max(200).optional(),
    objective: z.number().gt(0).lt(1),
    threshold_minutes: z.number().positive().max(525_600),
    window_days: z.number().int().min(1).max(90).default(28),
  })
  .meta({ id: 'SloDefinition', example: { name: 'yolo-10min', model_name: 'yolo_v8', objective: 0.99, threshold_minutes: 10, window_days: 28 } })
export type SloDefinition = z.infer<typeof SloDefinition>

export const SloStatus = SloDefinition.extend({
  window_start: Timestamp,
  /** Analyses whose outcome is known: finished, or already older than the threshold. */
  eligible: z.number().int(),
  good: z.number().int(),
  bad: z.number().int(),
  /** Still running and younger than the threshold: not counted yet. */
  pending: z.number().int(),
  current: z.number().nullable().meta({ description: 'good ÷ eligible; null while nothing is eligible' }),
  error_budget: z.object({
    allowed: z.number().meta({ description: 'Bad analyses the objective allows in the window: (1 − objective) × eligible' }),
    spent: z.number().int(),
    remaining: z.number().nullable().meta({ description: '1 − spent ÷ allowed; negative once the objective is missed, null while nothing is eligible' }),
  }),
  met: z.boolean().nullable(),
}).meta({ id: 'SloStatus' })
export type SloStatus = z.infer<typeof SloStatus>

export const SloList = z.object({ slos: z.array(SloStatus), evaluated_at: Timestamp }).meta({ id: 'SloList' })
