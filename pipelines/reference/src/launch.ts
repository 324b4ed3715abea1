import { LoupeClient } from '@loupe/sdk'
import { ADAPTER_KINDS, type AdapterKind } from './adapters/adapter'
import { createAdapter, type AdapterSettings } from './adapters/create'
import { analyzeImages } from './batch'
import { defaultModelName } from './model-name'
import { DEFAULT_PARAMETERS } from './parameters'

/** Command-line flags; each has an environment variable too (`npm run analyze -- --help`). */
export interface LaunchFlags {
  adapter?: string | undefined
  modelUrl?: string | undefined
  command?: string | undefined
  modelName?: string | undefined
}

export function adapterSettings(flags: LaunchFlags, env = process.env): AdapterSettings {
  const kind = flags.adapter ?? env.MODEL_ADAPTER_TYPE ?? 'human'
  if (!(ADAPTER_KINDS as readonly string[]).includes(kind)) throw new Error(`unknown adapter "${kind}"; one of ${ADAPTER_KINDS.join(', ')}`)
  const timeoutMs = Number(env.MODEL_API_TIMEOUT ?? 300_000)
  if (!(timeoutMs > 0)) throw new Error('MODEL_API_TIMEOUT must be a positive number of milliseconds')
  return { kind: kind as AdapterKind, modelUrl: flags.modelUrl ?? env.MODEL_API_URL, command: flags.command ?? env.MODEL_COMMAND, timeoutMs }
}

export function clientFor(baseUrl: string, token: string, secret: string): LoupeClient {
  // A comma-separated secret is a rotation list on the server; a pipeline signs with the first.
  return new LoupeClient({ baseUrl, token, secret: secret.split(',')[0]!.trim() })
}

/**
 * Loads the adapter, analyzes the images and prints one line per step, then a last line of JSON
 * (`{"analyses": [...]}`) for scripts. Resolves to the exit code: 0 only if every analysis completed.
 */
export async function launch(
  client: LoupeClient,
  imageIds: string[],
  settings: AdapterSettings,
  options: { modelName?: string | undefined; pauseMs?: number; invokedAs?: string } = {},
): Promise<number> {
  const log = (line: string) => console.log(line)
  if (!imageIds.length) {
    log('no images to analyze')
    console.log(JSON.stringify({ analyses: [] }))
    return 0
  }
  log(`loading the ${settings.kind} adapter`)
  const started = performance.now()
  const adapter = await createAdapter(settings)
  log(`adapter ready in ${((performance.now() - started) / 1000).toFixed(1)} s`)
  try {
    const analyses = await analyzeImages({
      client,
      adapter,
      imageIds,
      modelName: options.modelName ?? process.env.MODEL_NAME ?? defaultModelName(settings.kind),
      parameters: DEFAULT_PARAMETERS,
      log,
      pauseMs: options.pauseMs ?? 0,
      ...(options.invokedAs && { invokedAs: options.invokedAs }),
    })
    console.log(JSON.stringify({ analyses }))
    return analyses.every((a) => a.status === 'completed') ? 0 : 1
  } finally {
    await adapter.close()
  }
}
