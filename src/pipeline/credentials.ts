import type { Config } from '../config'
import { runCredential } from './secrets'

/** Where each kind of run takes its callbacks. */
export const RUN_PATHS: Record<string, string> = { analysis: '/api/analyses', job: '/api/jobs' }

/**
 * The base URL and the run-scoped secret a pipeline calls back with (docs/security.md#run-credentials).
 * Without PIPELINE_SECRETS_KEY there is none to give: the run is still created, and its pipeline
 * signs with a secret it already holds.
 */
export async function callbackCredential(config: Config, origin: string, kind: string, runId: string) {
  const root = config.PIPELINE_SECRETS_KEY[0]
  if (!root) return undefined
  const base = config.PUBLIC_URL ?? origin
  return { base_url: `${base}${RUN_PATHS[kind]}/${runId}`, secret: await runCredential(root, kind, runId) }
}
