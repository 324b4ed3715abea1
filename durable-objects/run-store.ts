import type { ProgressPatch, RunLifecycle, RunStatus, StatusReason } from '../src/schemas/runs'
import { applyProgress, applyTransition, initialState, type RunState } from './run-state'
import type { TransitionVia } from './transitions'

const STATE_KEY = 'state'

/**
 * The run's state in the object's own storage. Every change is a synchronous check-and-set, so
 * between the check and the write no other request runs: exactly one caller wins a race.
 */
export class RunStore<R extends RunLifecycle> {
  private current: RunState<R> | undefined

  constructor(private readonly ctx: DurableObjectState) {
    this.current = ctx.storage.kv.get<RunState<R>>(STATE_KEY)
  }

  get state(): RunState<R> | undefined {
    return this.current
  }

  /** Loads the run once, from D1 through `load`; a run `load` does not find stays unloaded. */
  async loadOnce(load: () => Promise<R | null>): Promise<RunState<R> | undefined> {
    if (this.current) return this.current
    await this.ctx.blockConcurrencyWhile(async () => {
      if (this.current) return
      const record = await load()
      if (record) this.save(initialState(record))
    })
    return this.current
  }

  /** After the object's storage was deleted: the next call loads from D1 again, or finds nothing. */
  forget(): void {
    this.current = undefined
  }

  save(next: RunState<R>): RunState<R> {
    this.current = next
    this.ctx.storage.kv.put(STATE_KEY, next)
    return next
  }

  update(patch: Partial<RunState<R>> | Partial<RunState>): RunState<R> {
    return this.save({ ...this.current!, ...patch } as RunState<R>)
  }

  /** Moves the run; false when it was already there. */
  transition(to: RunStatus, via: TransitionVia, errorMessage: string | undefined, reason: StatusReason | null = null): boolean {
    const next = applyTransition(this.current!, to, via, errorMessage, new Date().toISOString(), reason)
    if (next) this.save(next)
    return next !== null
  }

  /** Applies a progress report; null when it named nothing to change. */
  progress(patch: ProgressPatch): RunState<R> | null {
    const next = applyProgress(this.current!, patch, new Date().toISOString())
    return next && this.save(next)
  }
}
