import type { LoupeClient } from './client'
import { LoupeError } from './errors'
import type { ClaimedRun } from './types'

/** 409 codes that mean the run is no longer this worker's: its handler must stop. */
const TAKEN = new Set(['lease_lost', 'analysis_canceled', 'job_canceled'])
/** 409 codes that mean the run is over (its handler finalized it): nothing left to keep. */
const OVER = new Set(['analysis_finalized', 'job_finalized'])

/** However close a lease is to running out, renewing more often than this only adds load. */
const MIN_DELAY_MS = 500
/** setTimeout fires at once for anything longer than this (about 24.8 days). */
const MAX_DELAY_MS = 2 ** 31 - 1

/**
 * Keeps claimed runs' leases alive in the background, renewing each at about a third of the time
 * it has left: a long step between callbacks (which renew it too) must not let the lease lapse and
 * another worker reclaim the run. A third leaves two more tries when a renewal fails.
 */
export class LeaseKeeper {
  private readonly held = new Map<string, { timer?: ReturnType<typeof setTimeout> }>()

  constructor(private readonly client: LoupeClient) {}

  /** Renews `run`'s lease until `drop`; `lost` is called once if a renewal says it was canceled or taken. */
  keep(run: ClaimedRun, lost: (reason: LoupeError) => void): void {
    this.drop(run.id)
    const entry: { timer?: ReturnType<typeof setTimeout> } = {}
    this.held.set(run.id, entry)
    // A renewal in flight when the run is dropped (or kept anew) must not reschedule.
    const current = () => this.held.get(run.id) === entry
    const schedule = (expiresAt: string) => {
      const left = Date.parse(expiresAt) - Date.now()
      const delay = Number.isFinite(left) ? Math.min(MAX_DELAY_MS, Math.max(MIN_DELAY_MS, left / 3)) : MIN_DELAY_MS
      entry.timer = setTimeout(() => void renew(expiresAt), delay)
    }
    const renew = async (expiresAt: string) => {
      try {
        const lease = await this.client.renew(run.kind, run.id)
        if (current()) schedule(lease.expires_at)
      } catch (err) {
        if (!current()) return
        const code = err instanceof LoupeError && err.status === 409 ? err.code : ''
        if (!(err instanceof LoupeError) || TAKEN.has(code) || OVER.has(code)) {
          this.held.delete(run.id)
          if (TAKEN.has(code)) lost(err as LoupeError)
          return
        }
        this.client.logger.warn(`loupe: could not renew the lease of ${run.kind} ${run.id}: ${String(err)}`)
        schedule(expiresAt)
      }
    }
    schedule(run.lease.expires_at)
  }

  drop(id: string): void {
    clearTimeout(this.held.get(id)?.timer)
    this.held.delete(id)
  }

  dropAll(): void {
    for (const id of [...this.held.keys()]) this.drop(id)
  }
}
