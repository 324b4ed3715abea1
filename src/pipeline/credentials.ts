import type { Config } from '../config'
import { rootKeysOf, runCredential } from './secrets'

/** Where each kind of run takes its callbacks. */
export const RUN_PATHS: Record<string, string> = { analysis: '/api/analyses', job: '/api/jobs' }

/** The base URL and the run-scoped secret a pipeline calls back with (docs/security.md#run-credentials). */
export async function callbackCredential(config: Config, origin: string, kind: string, runId: string) {
  const base = config.PUBLIC_URL ?? origin
  return { base_url: `${base}${RUN_PATHS[kind]}/${runId}`, secret: await runCredential(rootKeysOf(config)[0]!, kind, runId) }
}
