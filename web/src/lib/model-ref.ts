/**
 * A model version as the project-review endpoints name it, `model_name@model_version`. The server
 * splits at the last `@` so a name may contain one; the viewer must split the same way.
 */
export interface ModelRef {
  model_name: string
  model_version: string
}

export const formatModelRef = (m: ModelRef): string => `${m.model_name}@${m.model_version}`

export function parseModelRef(value: string | null | undefined): ModelRef | null {
  if (!value) return null
  const at = value.lastIndexOf('@')
  if (at <= 0 || at === value.length - 1) return null
  return { model_name: value.slice(0, at), model_version: value.slice(at + 1) }
}

const natural = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' })

/**
 * Every version worth offering: the registered ones, and those that only appear as analyses (a
 * model run elsewhere and never registered still has predictions to review). Sorted by name, then
 * version in natural order ("2" before "10"), without repeats.
 */
export function modelRefChoices(registered: readonly { name: string; version: string }[], analysed: readonly ModelRef[]): string[] {
  const seen = new Map<string, ModelRef>()
  for (const v of registered) seen.set(formatModelRef({ model_name: v.name, model_version: v.version }), { model_name: v.name, model_version: v.version })
  for (const a of analysed) seen.set(formatModelRef(a), a)
  return [...seen.entries()]
    .sort(([, x], [, y]) => natural.compare(x.model_name, y.model_name) || natural.compare(x.model_version, y.model_version))
    .map(([ref]) => ref)
}
