import type { AnalysisRun, JobRun, LoupeClient } from '@loupe/sdk'
import type { ModelAdapter } from './adapters/adapter'
import { batchInference } from './jobs/batch-inference'
import { train } from './jobs/train'
import { DEFAULT_PARAMETERS, type PipelineParameters } from './parameters'
import { runStages, type SourceImage } from './pipeline'

/** What a claim (`claimed.data`) and a push delivery (`event.data`) both carry for a run. */
export type RunData = Record<string, unknown>

interface HandedImage {
  id: string
  url: string
  content_type?: string | null
}

export interface RunHandlers {
  analysis: (run: AnalysisRun, data: RunData, signal: AbortSignal) => Promise<void>
  job: (run: JobRun, data: RunData, signal: AbortSignal) => Promise<void>
}

/**
 * The work for runs this pipeline is handed rather than creates, the same for a pull worker
 * (`--pull`) and a webhook receiver (`--serve`): an analysis goes through the five stages on the
 * image its payload links to, a job through `src/jobs` by its kind. `delayMs` paces the
 * analysis stages (`--work-delay-ms`). Each run's lines end with its trace id (`traced`), the one
 * Loupe's log lines for its callbacks carry.
 */
export function runHandlers(client: LoupeClient, adapter: ModelAdapter, options: { delayMs: number; log: (line: string) => void }): RunHandlers {
  const { log } = options
  return {
    async analysis(run, data, signal) {
      log(traced(`started analysis ${run.id}`, run))
      const image = data.image as HandedImage | undefined
      if (!image?.url) throw new Error(`analysis ${run.id} came without an image URL`)
      const analysis = (data.analysis ?? {}) as { parameters?: Record<string, unknown> | null }
      const summary = await runStages(run, () => handedImage(client, image), adapter, parametersOf(analysis.parameters), { delayMs: options.delayMs, signal })
      log(traced(`completed analysis ${run.id}: ${summary.annotations} annotations`, run))
    },
    async job(run, data) {
      log(traced(`started job ${run.id}`, run))
      const kind = (data.job as { kind?: string } | undefined)?.kind
      if (kind === 'training') {
        const version = await train(run, log)
        log(traced(`completed job ${run.id}: model version ${version.name} ${version.version}`, run))
      } else if (kind === 'batch_inference') {
        await batchInference(client, run, adapter, DEFAULT_PARAMETERS, log)
        log(traced(`completed job ${run.id}`, run))
      } else {
        throw new Error(`the reference pipeline runs training and batch_inference jobs, not ${kind}`)
      }
    },
  }
}

/** A run's line with its trace id last, so the pipeline's output joins Loupe's logs by `trace_id`. */
export const traced = (line: string, run: { traceId: string }) => `${line} trace_id=${run.traceId}`

/** The bytes behind the short-lived URL the claim or the delivery carries. */
async function handedImage(client: LoupeClient, image: HandedImage): Promise<SourceImage> {
  const res = await fetch(client.url(image.url))
  if (!res.ok) throw new Error(`downloading image ${image.id}: ${res.status} ${await res.text()}`)
  return { bytes: new Uint8Array(await res.arrayBuffer()), filename: `image ${image.id}`, contentType: image.content_type ?? 'application/octet-stream' }
}

/** The thresholds a person set on the analysis, over the defaults; anything else in it is ignored. */
function parametersOf(given: Record<string, unknown> | null | undefined): PipelineParameters {
  const parameters = { ...DEFAULT_PARAMETERS }
  for (const name of Object.keys(parameters) as (keyof PipelineParameters)[]) {
    const value = given?.[name]
    if (typeof value === 'number' && Number.isFinite(value)) parameters[name] = value
  }
  return parameters
}
