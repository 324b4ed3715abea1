import { runWorker, type LoupeClient } from '@loupe/sdk'
import type { ModelAdapter } from './adapters/adapter'
import { runHandlers, traced } from './run-handlers'

interface PipelineSelf {
  pipeline: { name: string; model_names: string[]; job_kinds: string[] }
}

/**
 * `--pull`: a pull worker on the pipeline's key (docs/dispatch.md#pull-claims). It claims the
 * analyses, and the jobs when the pipeline declares job kinds, that its grants and model names
 * give it, one at a time. SIGTERM or SIGINT gives the run in hand back at once; a worker that
 * dies without that leaves its lease to run out, and Loupe requeues the run then. A claim names
 * no trace, so each run is a trace of its own (the SDK starts it), printed with the run's lines.
 */
export async function pull(client: LoupeClient, adapter: ModelAdapter, options: { delayMs: number; log: (line: string) => void }): Promise<number> {
  const { log } = options
  const { pipeline } = await client.userRequest<PipelineSelf>('GET', '/api/pipelines/me')
  const handlers = runHandlers(client, adapter, options)
  // onRun hears of a run by its claim, after its handle is gone: its trace is kept for that line.
  const traces = new Map<string, { traceId: string }>()
  const kinds = pipeline.job_kinds.length ? ['analysis', ...pipeline.job_kinds] : ['analysis']
  log(`pulling work for pipeline ${pipeline.name} (${pipeline.model_names.join(', ')}; ${kinds.join(', ')})`)
  const handled = await runWorker(client, {
    analysis: (run, claimed, signal) => (traces.set(run.id, run), handlers.analysis(run, claimed.data, signal)),
    // Without job kinds no job is ever handed to this pipeline, so none is asked for.
    ...(pipeline.job_kinds.length && { job: (run, claimed, signal) => (traces.set(run.id, run), handlers.job(run, claimed.data, signal)) }),
    handleSignals: true,
    onRun: (claimed, outcome, error) => {
      const run = traces.get(claimed.id)
      traces.delete(claimed.id)
      const line = `${outcome} ${claimed.kind} ${claimed.id}${error && outcome === 'failed' ? `: ${(error as Error).message}` : ''}`
      // A run given back before it started has no handle, so no trace of its own.
      if (outcome !== 'completed') log(run ? traced(line, run) : line)
    },
  })
  log(`stopped after ${handled} runs`)
  return 0
}
