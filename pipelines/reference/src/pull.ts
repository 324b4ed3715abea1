import { runWorker, type LoupeClient } from '@loupe/sdk'
import type { ModelAdapter } from './adapters/adapter'
import { runHandlers } from './run-handlers'

interface PipelineSelf {
  pipeline: { name: string; model_names: string[]; job_kinds: string[] }
}

/**
 * `--pull`: a pull worker on the pipeline's key (docs/dispatch.md#pull-claims). It claims the
 * analyses, and the jobs when the pipeline declares job kinds, that its grants and model names
 * give it, one at a time. SIGTERM or SIGINT gives the run in hand back at once; a worker that
 * dies without that leaves its lease to run out, and Loupe requeues the run then.
 */
export async function pull(client: LoupeClient, adapter: ModelAdapter, options: { delayMs: number; log: (line: string) => void }): Promise<number> {
  const { log } = options
  const { pipeline } = await client.userRequest<PipelineSelf>('GET', '/api/pipelines/me')
  const handlers = runHandlers(client, adapter, options)
  const kinds = pipeline.job_kinds.length ? ['analysis', ...pipeline.job_kinds] : ['analysis']
  log(`pulling work for pipeline ${pipeline.name} (${pipeline.model_names.join(', ')}; ${kinds.join(', ')})`)
  const handled = await runWorker(client, {
    analysis: (run, claimed, signal) => handlers.analysis(run, claimed.data, signal),
    // Without job kinds no job is ever handed to this pipeline, so none is asked for.
    ...(pipeline.job_kinds.length && { job: (run, claimed, signal) => handlers.job(run, claimed.data, signal) }),
    handleSignals: true,
    onRun: (claimed, outcome, error) => {
      if (outcome !== 'completed') log(`${outcome} ${claimed.kind} ${claimed.id}${error && outcome === 'failed' ? `: ${(error as Error).message}` : ''}`)
    },
  })
  log(`stopped after ${handled} runs`)
  return 0
}
