import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { AnalysisCanceled, VERSION as SDK_VERSION, Trace, type LoupeClient, type TerminalStatus } from '@loupe/sdk'
import type { ModelAdapter } from './adapters/adapter'
import { allowedModelsOf, modelNotAllowedMessage } from './model-name'
import type { PipelineParameters } from './parameters'
import { analyzeImage } from './pipeline'
import { VERSION } from './version'

export interface BatchOptions {
  client: LoupeClient
  adapter: ModelAdapter
  imageIds: string[]
  modelName: string
  parameters: PipelineParameters
  log: (line: string) => void
  /** A wait between images, so someone watching the viewer sees each one arrive. */
  pauseMs?: number
  /** How the person started this run, for the fix to paste when the server refuses the model name. */
  invokedAs?: string
}

export interface BatchResult {
  image_id: string
  analysis_id: string
  status: TerminalStatus
  annotations?: number
  error?: string
}

/**
 * Creates every analysis first, so the viewer lists them all as queued at once, then runs them one
 * after another: the models already use the CPU's cores, and a failed image does not stop the rest.
 * Each analysis is one trace, from its create to its finalize, and its lines end with the trace id.
 */
export async function analyzeImages(o: BatchOptions): Promise<BatchResult[]> {
  const analyses: { imageId: string; analysisId: string; trace: Trace }[] = []
  for (const imageId of o.imageIds) {
    const trace = Trace.start()
    const analysis = await o.client
      .createAnalysis(imageId, {
        model_name: o.modelName,
        model_version: VERSION,
        parameters: { adapter: o.adapter.kind, ...o.parameters },
        provenance: { pipeline: `@loupe/reference-pipeline ${VERSION}`, sdk: `@loupe/sdk ${SDK_VERSION}`, ...o.adapter.provenance },
        // Makes the create idempotent, so the SDK may retry it after a lost answer.
        external_job_id: `reference-${randomUUID()}`,
      }, { traceparent: trace.traceparent() })
      .catch((err: unknown) => {
        const allowed = allowedModelsOf(err)
        throw allowed ? new Error(modelNotAllowedMessage(o.modelName, allowed, o.invokedAs ?? 'npm run analyze -- …'), { cause: err }) : err
      })
    analyses.push({ imageId, analysisId: analysis.id, trace })
    o.log(`queued analysis ${analysis.id} for image ${imageId} trace_id=${trace.traceId}`)
  }
  const results: BatchResult[] = []
  for (const [i, { imageId, analysisId, trace }] of analyses.entries()) {
    if (i > 0 && o.pauseMs) await sleep(o.pauseMs)
    const started = performance.now()
    try {
      const summary = await analyzeImage(o.client, analysisId, imageId, o.adapter, o.parameters, trace.traceparent())
      results.push({ image_id: imageId, analysis_id: analysisId, status: 'completed', annotations: summary.annotations })
      o.log(`completed ${analysisId} in ${((performance.now() - started) / 1000).toFixed(1)} s: ${summary.annotations} annotations trace_id=${trace.traceId}`)
    } catch (err) {
      const status = err instanceof AnalysisCanceled ? 'canceled' : 'failed'
      results.push({ image_id: imageId, analysis_id: analysisId, status, error: (err as Error).message })
      o.log(`${status} ${analysisId}: ${(err as Error).message} trace_id=${trace.traceId}`)
    }
  }
  return results
}
