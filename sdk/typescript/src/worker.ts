import type { LoupeClient } from './client'
import { LoupeError, RunCanceled, RunReleased } from './errors'
import type { JobRun } from './job-run'
import { LeaseKeeper } from './lease-keeper'
import { onTermination } from './termination'
import type { AnalysisRun } from './run'
import type { ClaimedRun, ClaimRequest } from './types'

/**
 * Runs one claimed run. `claimed.data` is what a push delivery would carry (an analysis's image URL
 * among it). `signal` aborts when the run is no longer this worker's: canceled, its lease lost, or
 * given back because the worker is stopping (`signal.reason` says which); stop then, the run is not finalized.
 */
export type WorkHandler<R> = (run: R, claimed: ClaimedRun, signal: AbortSignal) => Promise<unknown> | unknown

/** How a run ended for this worker: `released` was given back for another worker, `lost` was reclaimed after its lease ran out. */
export type RunOutcome = 'completed' | 'failed' | 'canceled' | 'released' | 'lost'

export interface WorkerOptions {
  analysis?: WorkHandler<AnalysisRun>
  job?: WorkHandler<JobRun>
  /** Runs claimed at a time (default 1): they run one after another, their leases renewed meanwhile. */
  batch?: number
  /** How long each claim waits on the server for work to arrive (default 20, the server's cap). */
  waitSeconds?: number
  /** The least time between two claims that found nothing (default 2000 ms), for a server that answers at once. */
  idleMs?: number
  /** Stops the worker: nothing more is claimed, and the runs it holds are given back at once. */
  signal?: AbortSignal
  /** Stop the same way on SIGTERM or SIGINT (Node, Bun, Deno); a second one ends the process as usual. */
  handleSignals?: boolean
  /** Called after each run, with how it ended. */
  onRun?: (claimed: ClaimedRun, outcome: RunOutcome, error?: unknown) => void
}

/**
 * A pull worker (docs/dispatch.md#pull-claims): long-polls for the work it has handlers for, runs
 * each run through `withAnalysis` / `withJob` (completed when the handler resolves, failed when it
 * throws), renews the leases it holds in the background, and claims again. Resolves with how many
 * runs it handled once stopped; an error from the server other than on a run ends it.
 */
export async function runWorker(client: LoupeClient, options: WorkerOptions): Promise<number> {
  const kinds = [...(options.analysis ? ['analysis' as const] : []), ...(options.job ? ['job' as const] : [])]
  if (!kinds.length) throw new TypeError('give an analysis or a job handler, or both')
  const request: ClaimRequest = { limit: options.batch ?? 1, kinds, wait_seconds: waitSeconds(client, options.waitSeconds ?? 20) }
  const stop = new AbortController()
  const forward = () => stop.abort(options.signal?.reason)
  if (options.signal?.aborted) forward()
  options.signal?.addEventListener('abort', forward, { once: true })
  const unhook = options.handleSignals ? onTermination(() => stop.abort(new RunReleased('the worker was told to stop'))) : () => {}
  const keeper = new LeaseKeeper(client)
  let handled = 0
  try {
    while (!stop.signal.aborted) {
      const asked = client.now()
      let claimed: ClaimedRun[]
      try {
        claimed = await client.claim(request, { signal: stop.signal })
      } catch (err) {
        if (stop.signal.aborted) break
        throw err
      }
      if (!claimed.length) {
        await idle((options.idleMs ?? 2000) - (client.now() - asked), stop.signal)
        continue
      }
      const held = claimed.map((run) => {
        const controller = new AbortController()
        keeper.keep(run, (reason) => controller.abort(reason))
        return { run, controller }
      })
      for (const [i, { run, controller }] of held.entries()) {
        if (stop.signal.aborted) {
          await Promise.all(held.slice(i).map((h) => giveBack(client, keeper, h.run)))
          for (const h of held.slice(i)) options.onRun?.(h.run, h.controller.signal.aborted ? outcomeOf(h.controller.signal.reason) : 'released')
          break
        }
        await runOne(client, options, keeper, run, controller, stop.signal)
        handled++
      }
    }
  } finally {
    options.signal?.removeEventListener('abort', forward)
    unhook()
    keeper.dropAll()
  }
  return handled
}

async function runOne(client: LoupeClient, options: WorkerOptions, keeper: LeaseKeeper, run: ClaimedRun, controller: AbortController, stop: AbortSignal) {
  let released: Promise<void> | undefined
  // Abort the handler before the release goes out, so withAnalysis never finalizes a run given back.
  const onStop = () => {
    controller.abort(new RunReleased(`${run.kind} ${run.id} was given back: the worker is stopping`))
    released = giveBack(client, keeper, run)
  }
  stop.addEventListener('abort', onStop, { once: true })
  const signal = controller.signal
  let outcome: RunOutcome = 'completed'
  let error: unknown
  try {
    // Canceled or reclaimed while it waited its turn in the batch.
    if (signal.aborted) throw signal.reason
    if (run.kind === 'analysis') await client.withAnalysis(run.id, (handle) => options.analysis!(handle, run, signal), { signal })
    else await client.withJob(run.id, (handle) => options.job!(handle, run, signal), { signal })
  } catch (err) {
    error = err
    outcome = outcomeOf(err)
  } finally {
    stop.removeEventListener('abort', onStop)
    keeper.drop(run.id)
    await released
  }
  options.onRun?.(run, outcome, error)
}

/** Releases a held run; one already finished or taken needs no release, so only other failures are worth a warning. */
async function giveBack(client: LoupeClient, keeper: LeaseKeeper, run: ClaimedRun): Promise<void> {
  keeper.drop(run.id)
  try {
    await client.release(run.kind, run.id)
  } catch (err) {
    if (err instanceof LoupeError && err.status === 409) return
    client.logger.warn(`loupe: could not release ${run.kind} ${run.id}; its lease will run out instead: ${String(err)}`)
  }
}

function outcomeOf(err: unknown): RunOutcome {
  if (err instanceof RunReleased) return 'released'
  if (err instanceof RunCanceled) return 'canceled'
  if (err instanceof LoupeError && err.code === 'lease_lost') return 'lost'
  return 'failed'
}

/** The long-poll must end before the transport's own timeout gives up on it. */
function waitSeconds(client: LoupeClient, wanted: number): number {
  return Math.max(0, Math.min(20, Math.floor(wanted), Math.floor(client.transport.timeoutMs / 1000) - 5))
}

function idle(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve()
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms)
    signal.addEventListener('abort', done, { once: true })
    function done() {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
  })
}
