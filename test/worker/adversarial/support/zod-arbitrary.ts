import fc from 'fast-check'
import { z } from 'zod'
import { DEEP_LIMIT, HOSTILE_KEYS, HOSTILE_NUMBERS, HOSTILE_STRINGS, MANY, OVERSIZED, deepValue, loneSurrogate, withKey, wrongType } from './hostile'

/**
 * fast-check arbitraries walked out of a zod schema: values shaped like what the schema accepts,
 * with a chosen share of nodes swapped for something hostile (the wrong type, a bound plus one,
 * a lone surrogate, a deep or wide value, a missing or poisoned key). Refinements are not
 * solved, only approached: a body that fails one is as useful a probe as one that passes.
 *
 * Only the zod kinds the API's request bodies use are walked; an unknown kind fails loudly, so a
 * schema that grows one cannot go quietly untested.
 */

/** Strings a generated uuid or email may be instead of a random one: ids of the test's world. */
export interface Vocabulary {
  uuids: readonly string[]
  emails: readonly string[]
  /** Any other string field may be one of these now and then (tokens, storage paths). */
  strings: readonly string[]
}

export interface WalkOptions {
  /** The chance that any one node is swapped for a hostile value: 0 for mostly valid bodies. */
  hostility: number
  vocabulary: Vocabulary
}

// zod 4 keeps each schema's definition under `_zod.def`; only the fields walked here are typed.
interface Check {
  check: string
  minimum?: number
  maximum?: number
  value?: number
  inclusive?: boolean
  format?: string
  pattern?: RegExp
}
interface Def {
  type: string
  checks?: { _zod: { def: Check } }[]
  shape?: Record<string, Schema>
  element?: Schema
  innerType?: Schema
  in?: Schema
  out?: Schema
  options?: Schema[]
  items?: Schema[]
  rest?: Schema | null
  keyType?: Schema
  valueType?: Schema
  values?: unknown[]
  entries?: Record<string, string | number>
  format?: string
  pattern?: RegExp
  getter?: () => Schema
}
type Schema = z.core.$ZodType

const defOf = (s: Schema) => s._zod.def as unknown as Def
const checksOf = (def: Def) => (def.checks ?? []).map((c) => c._zod.def)
const isOptionalKey = (s: Schema) => s._zod.optin === 'optional'

/** How many of a list a "plain" value holds at most: enough to vary, few enough to stay fast. */
const PLAIN_ITEMS = 4

export function arbitraryFrom(schema: Schema, options: WalkOptions): fc.Arbitrary<unknown> {
  return walk(schema, options, 0)
}

function walk(schema: Schema, o: WalkOptions, depth: number): fc.Arbitrary<unknown> {
  const def = defOf(schema)
  const meta = z.globalRegistry.get(schema)
  const walked = meta?.format === 'date-time' ? isoDate : plainOf(def, o, depth)
  // A schema's own example is a valid value to start from: it reaches the code behind the refinements.
  const plain = meta?.example !== undefined ? fc.oneof({ weight: 2, arbitrary: walked }, { weight: 1, arbitrary: fc.constant(meta.example) }) : walked
  if (o.hostility <= 0 || PASS_THROUGH.has(def.type)) return plain
  const weight = Math.max(1, Math.round(o.hostility * 100))
  return fc.oneof({ weight: 100 - weight, arbitrary: plain }, { weight, arbitrary: hostileOf(def, plain) })
}

/** Wrappers whose inner schema is where hostility is decided, so it is not doubled on the way in. */
const PASS_THROUGH = new Set(['optional', 'default', 'prefault', 'pipe', 'readonly', 'catch', 'nonoptional', 'lazy'])

function plainOf(def: Def, o: WalkOptions, depth: number): fc.Arbitrary<unknown> {
  const inner = (s: Schema) => walk(s, o, depth + 1)
  switch (def.type) {
    case 'string':
      return plainString(def, o.vocabulary)
    case 'number':
      return plainNumber(def)
    case 'boolean':
      return fc.boolean()
    case 'null':
      return fc.constant(null)
    case 'literal':
      return fc.constantFrom(...def.values!)
    case 'enum':
      return fc.constantFrom(...Object.values(def.entries!))
    case 'unknown':
    case 'any':
      return fc.jsonValue({ maxDepth: 2 })
    case 'optional':
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'catch':
    case 'nonoptional':
      return inner(def.innerType!)
    case 'nullable':
      return fc.option(inner(def.innerType!), { nil: null, freq: 5 })
    case 'pipe':
      // z.preprocess is a pipe out of a transform: what it takes is what the schema after it takes.
      return inner(defOf(def.in!).type === 'transform' ? def.out! : def.in!)
    case 'lazy':
      return depth > 8 ? fc.constant(null) : inner(def.getter!())
    case 'transform':
      return fc.jsonValue({ maxDepth: 1 })
    case 'object': {
      const shape = def.shape!
      const model = Object.fromEntries(Object.entries(shape).map(([k, s]) => [k, inner(s)]))
      const requiredKeys = Object.keys(shape).filter((k) => !isOptionalKey(shape[k]!))
      return fc.record(model, { requiredKeys })
    }
    case 'array': {
      const { min, max } = lengthBounds(def)
      return fc.array(inner(def.element!), { minLength: min, maxLength: Math.max(min, Math.min(max, PLAIN_ITEMS)) })
    }
    case 'tuple': {
      const items = def.items!.map(inner)
      return def.rest ? fc.tuple(fc.tuple(...items), fc.array(inner(def.rest), { maxLength: 2 })).map(([t, r]) => [...t, ...r]) : fc.tuple(...items)
    }
    case 'union':
      return fc.oneof(...def.options!.map(inner))
    case 'record':
      return fc.dictionary(plainString(defOf(def.keyType!), o.vocabulary) as fc.Arbitrary<string>, inner(def.valueType!), { maxKeys: PLAIN_ITEMS })
    default:
      throw new Error(`zod-arbitrary: no walker for zod type "${def.type}"; add one`)
  }
}

function lengthBounds(def: Def): { min: number; max: number } {
  let min = 0
  let max = Infinity
  for (const c of checksOf(def)) {
    if (c.check === 'min_length') min = Math.max(min, c.minimum!)
    if (c.check === 'max_length') max = Math.min(max, c.maximum!)
    if (c.check === 'length_equals') (min = c.value!), (max = c.value!)
  }
  return { min, max }
}

function formatOf(def: Def): { format?: string; pattern?: RegExp } {
  const check = checksOf(def).find((c) => c.check === 'string_format')
  return { format: def.format ?? check?.format, pattern: def.pattern ?? check?.pattern }
}

const isoDate = fc.date({ min: new Date(0), max: new Date(4_102_444_800_000), noInvalidDate: true }).map((d) => d.toISOString())

function plainString(def: Def, vocabulary: Vocabulary): fc.Arbitrary<string> {
  const { format, pattern } = formatOf(def)
  switch (format) {
    case 'uuid':
    case 'guid':
      return fc.oneof(fc.constantFrom(...vocabulary.uuids), fc.uuid({ version: 4 }))
    case 'email':
      return fc.oneof(fc.constantFrom(...vocabulary.emails), fc.emailAddress())
    case 'url':
      return fc.webUrl()
    case 'datetime':
      return isoDate
  }
  if (pattern) return fc.stringMatching(pattern)
  const { min, max } = lengthBounds(def)
  const maxLength = Math.max(min, Math.min(max, 24))
  const fits = (s: string) => s.length >= min && s.length <= max
  return fc.oneof(
    { weight: 4, arbitrary: fc.oneof(fc.string({ unit: 'grapheme-ascii', minLength: min, maxLength }), fc.string({ unit: 'grapheme', minLength: min, maxLength })).filter(fits) },
    { weight: 1, arbitrary: fc.constantFrom(...vocabulary.strings) },
  )
}

function numberBounds(def: Def) {
  let min = -Infinity
  let max = Infinity
  let int = false
  for (const c of checksOf(def)) {
    if (c.check === 'greater_than') min = c.value! + (c.inclusive ? 0 : Number.EPSILON)
    if (c.check === 'less_than') max = c.value! - (c.inclusive ? 0 : Number.EPSILON)
    if (c.check === 'number_format' && /int/.test(c.format ?? '')) int = true
  }
  return { min, max, int }
}

function plainNumber(def: Def): fc.Arbitrary<number> {
  const { min, max, int } = numberBounds(def)
  const lo = Math.max(min, -1e6)
  const hi = Math.min(max, 1e6)
  if (int) return fc.integer({ min: Math.ceil(lo), max: Math.floor(hi) })
  return fc.double({ min: lo, max: hi, noNaN: true, noDefaultInfinity: true }).map((n) => (Object.is(n, -0) ? 0 : n))
}

/** The hostile stand-ins for one node, given what a plain value of it looks like. */
function hostileOf(def: Def, plain: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  const deep = fc.integer({ min: 2, max: DEEP_LIMIT }).chain((n) => fc.constantFrom('array', 'object').map((kind) => deepValue(n, kind as 'array' | 'object')))
  const common = [wrongType, deep]
  switch (def.type) {
    case 'string': {
      const { min, max } = lengthBounds(def)
      const bounds = [min > 0 ? 'a'.repeat(min - 1) : null, Number.isFinite(max) ? 'a'.repeat(max + 1) : null, Number.isFinite(max) ? '\u{1d4b3}'.repeat(Math.ceil((max + 1) / 2)) : null]
      return fc.oneof(
        fc.constantFrom(...HOSTILE_STRINGS, ...bounds.filter((b): b is string => b !== null)),
        fc.tuple(plain as fc.Arbitrary<string>, fc.nat(), loneSurrogate).map(([s, at, bad]) => s.slice(0, at % (s.length + 1)) + bad + s.slice(at % (s.length + 1))),
        fc.string({ unit: 'binary', maxLength: 64 }),
        ...common,
      )
    }
    case 'number': {
      const { min, max, int } = numberBounds(def)
      const edges = [min - 1, max + 1, min - 1e-9, max + 1e-9, int ? min + 0.5 : min].filter(Number.isFinite)
      return fc.oneof(fc.constantFrom(...HOSTILE_NUMBERS, ...edges), fc.constantFrom('1', '0', '1e3', '0x10', ''), ...common)
    }
    case 'enum':
    case 'literal': {
      const values = (def.values ?? Object.values(def.entries ?? {})).map(String)
      const variants = values.flatMap((v) => [v.toUpperCase(), ` ${v}`, `${v}\u0000`, `${v}\u200b`, v.replace(/./, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0))])
      return fc.oneof(fc.constantFrom(...variants), ...common)
    }
    case 'array': {
      const { min, max } = lengthBounds(def)
      return fc.oneof(
        fc.constant([]),
        ...(Number.isFinite(max) && max < 20_000 ? [plain.map((a) => Array.from({ length: max + 1 }, (_, i) => (a as unknown[])[i % Math.max(1, (a as unknown[]).length)] ?? null))] : []),
        ...(min > 1 ? [plain.map((a) => (a as unknown[]).slice(0, min - 1))] : []),
        plain.map((a) => [a]),
        // Lists without a bound of their own meet the route's: a few thousand of one element.
        ...(Number.isFinite(max) ? [] : [plain.map((a) => Array.from({ length: MANY }, (_, i) => (a as unknown[])[i % Math.max(1, (a as unknown[]).length)] ?? null))]),
        ...common,
      )
    }
    case 'object':
      return fc.oneof(
        fc.tuple(plain, fc.nat()).map(([value, n]) => {
          const o = { ...(value as Record<string, unknown>) }
          const keys = Object.keys(o)
          if (keys.length) delete o[keys[n % keys.length]!]
          return o
        }),
        fc.tuple(plain, fc.constantFrom(...HOSTILE_KEYS), fc.constantFrom<unknown>(null, { polluted: true }, 'x', 1)).map(([value, key, v]) => withKey(value, key, v)),
        // Open objects keep unknown fields: one big enough to matter to the database behind them.
        fc.tuple(plain, fc.constantFrom(...OVERSIZED)).map(([value, v]) => withKey(value, 'extra', v)),
        ...common,
      )
    case 'record':
    case 'unknown':
    case 'any':
      return fc.oneof(
        fc.tuple(fc.constantFrom(...HOSTILE_KEYS), fc.constantFrom<unknown>(null, { polluted: true }, ...HOSTILE_STRINGS)).map(([key, v]) => withKey({}, key, v)),
        fc.constant(Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${i}`, i]))),
        fc.constant(new Array(20_000).fill(0)),
        ...common,
      )
    case 'tuple':
      return fc.oneof(plain.map((t) => [...(t as unknown[]), 0]), plain.map((t) => (t as unknown[]).slice(1)), ...common)
    default:
      return fc.oneof(...common)
  }
}
