/**
 * Model names a pipeline serves are exact names or patterns with `*` (any run of characters) and
 * `?` (one character): the semantics of SQLite's GLOB, so a claim's SQL and the Worker agree.
 */
const cache = new Map<string, RegExp>()

// `-` is left unescaped: outside a class it is literal, and under the `u` flag `\-` is a syntax error.
function toRegExp(pattern: string): RegExp {
  let re = cache.get(pattern)
  if (!re) {
    const body = [...pattern].map((ch) => (ch === '*' ? '.*' : ch === '?' ? '.' : ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'))).join('')
    re = new RegExp(`^${body}$`, 'su')
    cache.set(pattern, re)
  }
  return re
}

export const servesModel = (patterns: readonly string[], modelName: string) => patterns.some((p) => toRegExp(p).test(modelName))

/** How closely a pattern names a model: an exact name beats any pattern, a longer literal part beats a shorter. */
export const specificity = (pattern: string) => (/[*?]/.test(pattern) ? pattern.replace(/[*?]/g, '').length : Number.MAX_SAFE_INTEGER)
