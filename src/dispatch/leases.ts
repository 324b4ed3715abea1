import { and, eq, lte, sql } from 'drizzle-orm'
import type { Config } from '../config'
import type { Database } from '../db/client'
import { analyses, jobs } from '../db/schema'
import { AppError, notFound } from '../errors'

/**
 * A claimed run's lease in D1 (docs/dispatch.md#leases). D1 holds the token, so every claim and
 * renewal is one conditional statement whatever Worker runs it; the run's object only keeps the
 * expiry it last heard of, to wake when the lease may have run out and ask D1 whether it did.
 */
export type LeaseKind = 'analysis' | 'job'

export const LEASE_TABLES = { analysis: analyses, job: jobs }
const NOUNS = { analysis: 'Analysis', job: 'Job' } as const

export const leaseEnd = (config: Config) => new Date(Date.now() + config.ML_CLAIM_LEASE_SECONDS * 1000).toISOString()
export const newLeaseToken = () => `lease_${crypto.randomUUID().replaceAll('-', '')}`

/**
 * The lease `token` names, checked for its holder: 409 `lease_lost` when the token is no longer
 * the run's (its lease ran out, or was given back, and the run went back to the queue), 409 with
 * the run's own status once it was canceled or ended. Nothing changes.
 */
async function heldLease(db: Database, kind: LeaseKind, id: string, token: string, pipelineId: string | null) {
  const t = LEASE_TABLES[kind]
  const row = await db.select({ status: t.status, pipelineId: t.pipelineId, leaseToken: t.leaseToken }).from(t).where(eq(t.id, id)).get()
  if (!row) throw notFound(NOUNS[kind])
  if (row.leaseToken !== token) throw new AppError(409, 'lease_lost', `This lease is no longer the ${kind}'s: it ran out or was given back, and the ${kind} went back to the queue`)
  if (pipelineId && row.pipelineId !== pipelineId) throw notFound(NOUNS[kind])
  if (row.status === 'canceled') throw new AppError(409, `${kind}_canceled`, `The ${kind} was canceled`)
  if (row.status === 'completed' || row.status === 'failed') throw new AppError(409, `${kind}_finalized`, `The ${kind} is ${row.status}`)
  return row
}

/** Renews a lease the caller holds; a callback carrying the token does the same. */
export async function renewLease(db: Database, config: Config, kind: LeaseKind, id: string, token: string, pipelineId: string | null) {
  await heldLease(db, kind, id, token, pipelineId)
  const t = LEASE_TABLES[kind]
  const expires_at = leaseEnd(config)
  await db.update(t).set({ leaseExpiresAt: expires_at }).where(and(eq(t.id, id), eq(t.leaseToken, token)))
  return { token, expires_at }
}

/** Checks that the caller still holds the lease it means to give back. */
export const assertLeaseHeld = (db: Database, kind: LeaseKind, id: string, token: string, pipelineId: string | null) =>
  heldLease(db, kind, id, token, pipelineId).then(() => undefined)

/** The lease as D1 has it now; null when the run holds none. */
export async function currentLease(db: Database, kind: LeaseKind, id: string) {
  const t = LEASE_TABLES[kind]
  const row = await db.select({ token: t.leaseToken, expiresAt: t.leaseExpiresAt, claims: t.claims }).from(t).where(eq(t.id, id)).get()
  return row?.token && row.expiresAt ? { token: row.token, expiresAt: row.expiresAt, claims: row.claims } : null
}

/**
 * Ends a lease, only while `token` is still the run's and, for an expiry, only if no renewal
 * landed since it was read: false when either changed. `requeue` frees the run for any claimant
 * (no holder, no token), and a run given back (`refund`) does not count the claim against it; a
 * run that will not be handed out again keeps its holder, for the record. Either way the token is
 * gone, so its old worker's next callback answers `lease_lost`.
 */
export async function endLease(
  db: Database,
  kind: LeaseKind,
  id: string,
  token: string,
  how: { requeue: boolean; refund?: boolean; expiredBy?: string },
): Promise<boolean> {
  const t = LEASE_TABLES[kind]
  const [ended] = await db
    .update(t)
    .set({
      leaseToken: null,
      leaseExpiresAt: null,
      ...(how.requeue ? { pipelineId: null } : {}),
      ...(how.refund ? { claims: sql`max(${t.claims} - 1, 0)` } : {}),
    })
    .where(and(eq(t.id, id), eq(t.leaseToken, token), how.expiredBy ? lte(t.leaseExpiresAt, how.expiredBy) : undefined))
    .returning({ id: t.id })
  return Boolean(ended)
}
