import type { Analysis } from './types'

/**
 * The share of the overall progress a stage gets by its name alone, as [start, end] fractions of
 * the whole run (docs/ML_PIPELINE_INTEGRATION.md, "3. Progress, stages and logs").
 */
export const DEFAULT_STAGE_RANGES = {
  preprocess: [0.1, 0.15],
  inference: [0.15, 0.65],
  postprocess: [0.65, 0.75],
  stitch: [0.75, 0.85],
  thumbnails: [0.85, 0.95],
  finalization: [0.95, 1.0],
} as const satisfies Record<string, readonly [number, number]>

export type DefaultStageName = keyof typeof DEFAULT_STAGE_RANGES

/** @deprecated The former name of {@link DEFAULT_STAGE_RANGES}, kept so existing imports work. */
export const SEED_STAGE_RANGES = DEFAULT_STAGE_RANGES
/** @deprecated The former name of {@link DefaultStageName}. */
export type SeedStageName = DefaultStageName

/**
 * A stage's share of the overall progress: `span: [start, end]`, or `weight` (a fraction of the
 * whole, starting where the previous stage ended). Without either, its name's range in
 * `DEFAULT_STAGE_RANGES`, else an empty range at the current progress.
 */
export type StageOptions = { weight?: number; span?: undefined } | { span?: readonly [number, number]; weight?: undefined }

export interface ProgressOptions {
  /** Send even if the last update was less than `progressIntervalMs` ago. */
  force?: boolean
}

/**
 * What a stage's callback gets: report `fraction` (0..1) of this stage. Resolves to the run's record
 * (an analysis, or a job's for `JobRun`), or undefined when throttled.
 */
export type StageProgress<R = Analysis> = (fraction: number, message?: string, options?: ProgressOptions) => Promise<R | undefined>

export interface StageHost<R = Analysis> {
  report(overall: number, stage: string, message: string | undefined, force: boolean): Promise<R | undefined>
  log(level: string, message: string, stage: string): void
  now(): number
}

export function checkFraction(fraction: number): number {
  const value = Number(fraction)
  if (Number.isNaN(value)) throw new RangeError('progress must be a number between 0 and 1, not NaN')
  return Math.min(1, Math.max(0, value))
}

export function stageRange(name: string, options: StageOptions, cursor: number): [number, number] {
  if (options.span !== undefined) {
    const start = checkFraction(options.span[0])
    const end = checkFraction(options.span[1])
    if (end < start) throw new RangeError('span must be [start, end] with start <= end')
    return [start, end]
  }
  if (options.weight !== undefined) {
    if (!(options.weight >= 0)) throw new RangeError('weight must be >= 0')
    return [cursor, Math.min(1, cursor + options.weight)]
  }
  if (Object.hasOwn(DEFAULT_STAGE_RANGES, name)) {
    const [start, end] = DEFAULT_STAGE_RANGES[name as DefaultStageName]
    return [start, end]
  }
  return [cursor, cursor]
}

/** One stage of a run; `run.stage(name, fn)` creates it and reports its start and end. */
export class Stage<R = Analysis> {
  startedAt: number | undefined
  endedAt: number | undefined
  error: unknown

  constructor(
    readonly name: string,
    readonly start: number,
    readonly end: number,
    private readonly host: StageHost<R>,
  ) {}

  /** Milliseconds the stage took (so far, while it runs); undefined before it starts. */
  get durationMs(): number | undefined {
    if (this.startedAt === undefined) return undefined
    return (this.endedAt ?? this.host.now()) - this.startedAt
  }

  /** The run's overall progress for `fraction` (0..1) of this stage. */
  overall(fraction: number): number {
    return this.start + checkFraction(fraction) * (this.end - this.start)
  }

  /** Reports `fraction` of this stage done, mapped into its share of the whole (throttled like `run.progress`). */
  progress(fraction: number, message?: string, options: ProgressOptions = {}): Promise<R | undefined> {
    return this.host.report(this.overall(fraction), this.name, message, options.force ?? false)
  }

  log(level: string, message: string): void {
    this.host.log(level, message, this.name)
  }
}
