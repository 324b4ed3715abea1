/**
 * The analyses' `model_name`. Loupe may restrict names (`ML_ALLOWED_MODELS`, docs/README
 * "Configuration"); it then refuses any other with 400 `model_not_allowed` and lists the allowed
 * ones in `details.allowed_models`, which this turns into what to type next.
 */
export const DEFAULT_MODEL_NAME = 'loupe-reference'
export const MOCK_MODEL_NAME = 'loupe-reference-mock'

export function defaultModelName(adapterKind: string): string {
  return adapterKind === 'mock' ? MOCK_MODEL_NAME : DEFAULT_MODEL_NAME
}

/** The allowed names of a `model_not_allowed` error from the SDK, else undefined. */
export function allowedModelsOf(error: unknown): string[] | undefined {
  const e = error as { code?: unknown; details?: { allowed_models?: unknown } | null } | null
  if (e?.code !== 'model_not_allowed') return undefined
  const list = e.details?.allowed_models
  return Array.isArray(list) && list.every((name) => typeof name === 'string') ? list : []
}

/**
 * What to tell the person whose run was refused. `command` is how they started it
 * (`npm run demo`, `npm run analyze -- …`), so the fix can be pasted.
 */
export function modelNotAllowedMessage(modelName: string, allowed: readonly string[], command: string): string {
  const pick = allowed[0] ?? '<name>'
  return [
    `Loupe does not allow the model name "${modelName}": its ML_ALLOWED_MODELS is ${allowed.length ? allowed.join(', ') : '(not listed)'}.`,
    `Either run with one of those names, e.g. MODEL_NAME=${pick} ${command} (or --model-name ${pick}),`,
    `or add ${modelName} to ML_ALLOWED_MODELS on the server (.dev.vars for npm run dev) and restart it.`,
  ].join('\n')
}
