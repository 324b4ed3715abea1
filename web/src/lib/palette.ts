/**
 * Class colours. The first seven are Okabe & Ito's palette (2008) minus its black, which stays
 * distinct under the common colour-vision deficiencies; the other 57 extend it by Glasbey's method
 * (greedy max-min CIELAB distance over an sRGB grid, lightness 50–92 and chroma ≥ 25 so every colour
 * reads on the dark UI and on photos). Any two of them are at least ΔE 19 apart.
 */
export const OKABE_ITO = ['#E69F00', '#56B4E9', '#009E73', '#F0E442', '#0072B2', '#D55E00', '#CC79A7'] as const

export const CLASS_PALETTE: readonly string[] = [
  ...OKABE_ITO,
  '#C300FF', '#00FF00', '#FF005A', '#FFE1B4', '#4B69FF', '#FF00B4', '#4BA500', '#00FF96', '#87782D', '#00FFFF',
  '#E187FF', '#B4F096', '#FF8778', '#FF0000', '#A5F000', '#F0D2FF', '#8796FF', '#A5E1C3', '#A5695A', '#E13C87',
  '#96A51E', '#2D8787', '#F04BF0', '#E1A55A', '#789669', '#69FFC3', '#8778A5', '#4B872D', '#FFB4B4', '#00B45A',
  '#87FF69', '#F04B3C', '#A54BF0', '#D24BB4', '#96F0FF', '#E1E178', '#B4E14B', '#C396E1', '#1ED20F', '#B4692D',
  '#2DC3C3', '#FF7896', '#2DA5FF', '#9669D2', '#A58700', '#C3A578', '#A5B4F0', '#C3D296', '#FF964B', '#FF78C3',
  '#E14B5A', '#78C387', '#FFD25A', '#FF00FF', '#96B45A', '#78D25A', '#00FF69',
]

export const UNLABELLED_COLOR = '#BBBBBB'

/** For the compare view; Okabe-Ito too, so matched and unmatched stay apart for everyone. */
export const MATCH_COLORS = { matched: '#009E73', onlyA: '#E69F00', onlyB: '#56B4E9' } as const

/** FNV-1a, 32-bit: small, fast and well spread for short names. */
export function hashString(s: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}

/** A class's own colour, from a hash of its name, so it is the same on every image and reload. */
export function classColor(className: string | null | undefined, palette: readonly string[] = OKABE_ITO): string {
  if (!className) return UNLABELLED_COLOR
  return palette[hashString(className) % palette.length]!
}

/**
 * Colours for the classes on screen, all different while there are at most 64. With up to seven
 * classes each gets its hashed Okabe-Ito colour, as everywhere else. With more, each class asks for
 * its hashed slot in the large palette; a class whose slot is taken probes onward. Classes are
 * placed in name order, so the result depends on the set of names, never on their arrival order.
 */
export function assignClassColors(names: Iterable<string | null>): Map<string | null, string> {
  const unique = [...new Set(names)].sort((a, b) => (a ?? '').localeCompare(b ?? ''))
  const out = new Map<string | null, string>()
  const named = unique.filter((n): n is string => !!n)
  for (const n of unique) if (!n) out.set(n, UNLABELLED_COLOR)
  const small = new Set(named.map((n) => classColor(n)))
  if (small.size === named.length) {
    for (const n of named) out.set(n, classColor(n))
    return out
  }
  const taken = new Set<number>()
  // First every class that can have its own slot, then the rest probe: fewer classes move.
  const wanted = named.map((n) => [n, hashString(n) % CLASS_PALETTE.length] as const)
  const later: (readonly [string, number])[] = []
  for (const [n, slot] of wanted) {
    if (taken.has(slot)) later.push([n, slot])
    else {
      taken.add(slot)
      out.set(n, CLASS_PALETTE[slot]!)
    }
  }
  for (const [n, slot] of later) {
    let s = slot
    for (let i = 0; i < CLASS_PALETTE.length && taken.has(s); i++) s = (s + 1) % CLASS_PALETTE.length
    taken.add(s)
    out.set(n, CLASS_PALETTE[s]!)
  }
  return out
}

function luminance(hex: string): number {
  const n = Number.parseInt(hex.slice(1), 16)
  const lin = (v: number) => {
    const c = v / 255
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4
  }
  return 0.2126 * lin((n >> 16) & 255) + 0.7152 * lin((n >> 8) & 255) + 0.0722 * lin(n & 255)
}

/** WCAG 2 contrast ratio of two `#RRGGBB` colours, 1 to 21. */
export function contrastRatio(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number]
  return (hi + 0.05) / (lo + 0.05)
}

/** Black or white, whichever reads better on the colour (WCAG relative luminance). */
export function textColorOn(hex: string): '#000000' | '#FFFFFF' {
  return luminance(hex) > 0.179 ? '#000000' : '#FFFFFF'
}

export function hexToRgb(hex: string): [number, number, number] {
  const n = Number.parseInt(hex.slice(1), 16)
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255]
}

/** CIELAB (D65) of an sRGB colour, for telling colours apart. */
export function hexToLab(hex: string): [number, number, number] {
  const [r, g, b] = hexToRgb(hex).map((v) => {
    const c = v / 255
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4
  }) as [number, number, number]
  const f = (t: number) => (t > 216 / 24389 ? Math.cbrt(t) : (841 / 108) * t + 4 / 29)
  const x = f((0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047)
  const y = f(0.2126 * r + 0.7152 * g + 0.0722 * b)
  const z = f((0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883)
  return [116 * y - 16, 500 * (x - y), 200 * (y - z)]
}
