import type { LoupeClient } from './client'
import { RunCanceled } from './errors'
import type { JobRun } from './job-run'
import type { AnalysisRun } from './run'
import type { ClaimedRun, ClaimRequest } from './types'

export interface WorkerOptions {
  /** Runs one analysis; `claimed.data` is what a push delivery would carry (the image URL among it). */
  analysis?: (run: AnalysisRun, claimed: ClaimedRun) => Promise<unknown> | unknown
  /** Runs one job. */
  job?: (run: JobRun, claimed: ClaimedRun) => Promise<unknown> | unknown
  /** Runs claimed at a time (default 1): they run one after another. */
  batch?: number
  /** How long to wait before asking again when nothing was waiting (default 2000 ms). */
  idleMs?: number
  /** Stops the loop: the run in hand is finished, nothing more is claimed. */
  signal?: AbortSignal
  /** Called after each run, with how it ended. */
  onRun?: (claimed: ClaimedRun, outcome: 'completed' | 'failed' | 'canceled', error?: unknown) => void
}

/**
 * A pull worker (docs/dispatch.md#pull-claims): claims the work it has handlers for, runs each run
 * through `withAnalysis` / `withJob` (completed when the handler resolves, failed when it throws, a
 * cancel stops it), and claims again, waiting `idleMs` whenever nothing is waiting. Resolves with how
 * many runs it handled once `signal` aborts; an error from the server other than on a run ends it.
 */
export async function runWorker(client: LoupeClient, options: WorkerOptions): Promise<number> {
  const kinds = [...(options.analysis ? ['analysis' as const] : []), ...(options.job ? ['job' as const] : [])]
  if (!kinds.length) throw new TypeError('give an analysis or a job handler, or both')
  const request: ClaimRequest = { limit: options.batch ?? 1, kinds }
  let handled = 0
  while (!options.signal?.aborted) {
    const claimed = await client.claim(request)
    if (!claimed.length) {
      await idle(options.idleMs ?? 2000, options.signal)
      continue
    }
    for (const run of claimed) {
      try {
        if (run.kind === 'analysis') await client.withAnalysis(run.id, (handle) => options.analysis!(handle, run))
        else await client.withJob(run.id, (handle) => options.job!(handle, run))
        options.onRun?.(run, 'completed')
      } catch (err) {
        options.onRun?.(run, err instanceof RunCanceled ? 'canceled' : 'failed', err)
      }
      handled++
    }
  }
  return handled
}

function idle(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms)
    signal?.addEventListener('abort', done, { once: true })
    function done() {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
  })
}
