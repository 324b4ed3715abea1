import { AppError } from '../errors'

/**
 * Nesting deeper than this is refused before anything else sees the value: SQLite's JSON functions
 * stop near 1,000 levels and structured clone into a Durable Object overflows the stack well
 * before 10,000, so a bound far below both keeps every later step safe.
 */
export const MAX_JSON_DEPTH = 64

interface Node {
  value: unknown
  depth: number
  key: string | number | null
  parent: Node | null
}

/**
 * Walks a parsed JSON value without recursion: refuses nesting past MAX_JSON_DEPTH and strings
 * with a lone UTF-16 surrogate (`"\ud800"` parses, but cannot be encoded as UTF-8, hashed or
 * stored as the text it claims to be).
 */
export function checkJsonShape(root: unknown): void {
  const stack: Node[] = [{ value: root, depth: 0, key: null, parent: null }]
  while (stack.length) {
    const node = stack.pop()!
    const value = node.value
    if (typeof value === 'string') {
      if (!value.isWellFormed()) throw malformedText(pathOf(node))
      continue
    }
    if (value === null || typeof value !== 'object') continue
    if (node.depth >= MAX_JSON_DEPTH) {
      const path = pathOf(node)
      throw new AppError(400, 'json_too_deep', `JSON is nested more than ${MAX_JSON_DEPTH} levels deep`, { max_depth: MAX_JSON_DEPTH, path })
    }
    const depth = node.depth + 1
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) stack.push({ value: value[i], depth, key: i, parent: node })
    } else {
      for (const key in value) {
        if (!key.isWellFormed()) throw malformedText(pathOf(node))
        stack.push({ value: (value as Record<string, unknown>)[key], depth, key, parent: node })
      }
    }
  }
}

function pathOf(node: Node): (string | number)[] {
  const path: (string | number)[] = []
  for (let n: Node | null = node; n && n.key !== null; n = n.parent) path.unshift(n.key)
  return path
}

const malformedText = (path: (string | number)[]) =>
  new AppError(400, 'invalid_json', `${path.length ? `${path.join('.')}: ` : ''}text contains a lone UTF-16 surrogate`, { path })
