import { fileURLToPath } from 'node:url'
import type { AdapterKind, ModelAdapter } from './adapter'
import { HttpAdapter } from './http'
import { HumanAdapter } from './human'
import { MockAdapter } from './mock'
import { shellQuote, SubprocessAdapter } from './subprocess'

export interface AdapterSettings {
  kind: AdapterKind
  /** For `http`: the model server. */
  modelUrl?: string | undefined
  /** For `subprocess`: the command; defaults to the shipped `infer-command.ts`. */
  command?: string | undefined
  timeoutMs: number
}

/**
 * The shipped example command, run by the same Node with the same TypeScript loader, so it works
 * from any directory and inside the Docker image alike.
 */
export function defaultCommand(): string {
  const script = fileURLToPath(new URL('../infer-command.ts', import.meta.url))
  return [process.execPath, '--conditions=source', '--import', import.meta.resolve('tsx'), script].map(shellQuote).join(' ')
}

export async function createAdapter(settings: AdapterSettings): Promise<ModelAdapter> {
  switch (settings.kind) {
    case 'human':
      return HumanAdapter.create()
    case 'http':
      if (!settings.modelUrl) throw new Error('the http adapter needs the model server URL: --model-url or MODEL_API_URL')
      return new HttpAdapter({ url: settings.modelUrl, timeoutMs: settings.timeoutMs })
    case 'subprocess':
      return new SubprocessAdapter({ command: settings.command || defaultCommand(), timeoutMs: settings.timeoutMs })
    case 'mock':
      return new MockAdapter()
  }
}
