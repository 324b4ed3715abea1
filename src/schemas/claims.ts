import { z } from 'zod'
import { Timestamp, Uuid } from './common'
import { RUN_STATUSES, STATUS_REASONS } from './run-statuses'

/** How much work one claim takes at most: a worker asks again when it is done with it. */
export const MAX_CLAIM = 20
/** The longest a claim waits for work; a worker asks again after it, well inside any proxy's idle timeout. */
export const MAX_CLAIM_WAIT_SECONDS = 20
export const CLAIMABLE_KINDS = ['analysis', 'job'] as const

export const ClaimRequest = z
  .object({
    limit: z.number().int().min(1).max(MAX_CLAIM).default(1),
    kinds: z.array(z.enum(CLAIMABLE_KINDS)).min(1).optional().meta({ description: 'Which kinds of run to take; both when left out' }),
    wait_seconds: z
      .number()
      .int()
      .min(0)
      .max(MAX_CLAIM_WAIT_SECONDS)
      .default(0)
      .meta({ description: 'Long-poll: when nothing is waiting, keep the request open up to this long and answer as soon as something was claimed' }),
  })
  .meta({ id: 'ClaimRequest', example: { limit: 5, kinds: ['analysis'], wait_seconds: 20 } })

/** Sent on a callback, the lease's token renews it; a token that is no longer the run's answers 409 `lease_lost`. */
export const LEASE_HEADER = 'X-ML-Lease'

export const Lease = z
  .object({
    token: z.string().meta({ description: `Send it as ${LEASE_HEADER} on the run's callbacks, or to \`POST /api/pipelines/claim/renew\`` }),
    expires_at: Timestamp,
  })
  .meta({ id: 'Lease' })

export const ClaimedRun = z
  .object({
    kind: z.enum(CLAIMABLE_KINDS),
    id: Uuid,
    lease: Lease,
    event: z.string().meta({ description: '`analysis.created` or `job.runnable`: what a push delivery of the same run would be' }),
    data: z.record(z.string(), z.unknown()).meta({ description: 'Exactly what a push delivery carries in `data`: the work, its inputs’ URLs, and the callback credential' }),
  })
  .meta({ id: 'ClaimedRun' })

export const ClaimResponse = z.object({ claimed: z.array(ClaimedRun) }).meta({ id: 'ClaimResponse' })
export type ClaimedRun = z.infer<typeof ClaimedRun>

export const RenewRequest = z
  .object({ kind: z.enum(CLAIMABLE_KINDS), id: Uuid, token: z.string().min(1).max(100) })
  .meta({ id: 'RenewRequest' })

export const ReleaseRequest = RenewRequest.meta({ id: 'ReleaseRequest' })

export const Released = z
  .object({
    kind: z.enum(CLAIMABLE_KINDS),
    id: Uuid,
    status: z.enum(RUN_STATUSES),
    status_reason: z.enum(STATUS_REASONS).nullable(),
  })
  .meta({ id: 'Released' })

/** A single-run claim takes no options; the body is there to be signed, as every callback's is. */
export const ClaimOneRequest = z.object({}).meta({ id: 'ClaimOneRequest' })
