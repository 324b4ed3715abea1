import { z } from 'zod'

/**
 * JSON may carry `\ud800`, a lone UTF-16 surrogate: a JavaScript string, but not Unicode text. It
 * cannot be hashed canonically (RFC 8785), and SQLite and R2 would store U+FFFD in its place, so
 * what was stored would differ from what was sent. Such text is refused at the edge, field by field.
 */
const MESSAGE = 'must be well-formed Unicode: it holds a lone UTF-16 surrogate'

// With the `u` flag a surrogate pair reads as one code point; only a lone half is category Cs.
const LONE_SURROGATE = /\p{Cs}/u
export const isWellFormed = (s: string) => !LONE_SURROGATE.test(s)

/** Each lone surrogate replaced by U+FFFD, as `String.prototype.toWellFormed` does. */
export const toWellFormed = (s: string) => s.replace(/\p{Cs}/gu, '\ufffd')

/** A string field that must be well-formed Unicode. */
export const text = () => z.string().refine(isWellFormed, MESSAGE)

type Path = (string | number)[]

/** A node of the walk: its value, and how it hangs off its parent, so paths are built only on a hit. */
interface Node {
  value: unknown
  parent: Node | null
  step: string | number
}

const pathOf = (node: Node | null): Path => {
  const path: Path = []
  for (let n = node; n?.parent; n = n.parent) path.unshift(n.step)
  return path
}

/**
 * The first string in `value` (a value, or a key: then `key` is set) that is not well-formed, by
 * its path. Iterative, so arbitrarily deep input cannot overflow the stack.
 */
export function loneSurrogateAt(value: unknown): { path: Path; key: boolean } | null {
  const stack: Node[] = [{ value, parent: null, step: '' }]
  while (stack.length) {
    const node = stack.pop()!
    const v = node.value
    if (typeof v === 'string') {
      if (!isWellFormed(v)) return { path: pathOf(node), key: false }
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], parent: node, step: i })
    } else if (typeof v === 'object' && v !== null) {
      const entries = Object.entries(v)
      if (entries.some(([k]) => !isWellFormed(k))) return { path: pathOf(node), key: true }
      for (let i = entries.length - 1; i >= 0; i--) stack.push({ value: entries[i]![1], parent: node, step: entries[i]![0] })
    }
  }
  return null
}

/** A refinement for open JSON (annotation data, parameters): reports the first bad string by its path. */
export function refineWellFormed(value: unknown, ctx: z.RefinementCtx) {
  const at = loneSurrogateAt(value)
  if (at) ctx.addIssue({ code: 'custom', path: at.path, message: at.key ? 'keys must be well-formed Unicode: one holds a lone UTF-16 surrogate' : MESSAGE })
}
