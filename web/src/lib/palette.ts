/**
 * Okabe & Ito's palette (2008), minus its black: seven hues that stay distinct under the common
 * colour-vision deficiencies. A class keeps its colour across images, analyses and reloads because
 * the colour comes from a hash of its name, not from the order in which classes show up.
 */
export const OKABE_ITO = ['#E69F00', '#56B4E9', '#009E73', '#F0E442', '#0072B2', '#D55E00', '#CC79A7'] as const

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

export function classColor(className: string | null | undefined, palette: readonly string[] = OKABE_ITO): string {
  if (!className) return UNLABELLED_COLOR
  return palette[hashString(className) % palette.length]!
}

/** Black or white, whichever reads better on the colour (WCAG relative luminance). */
export function textColorOn(hex: string): '#000000' | '#FFFFFF' {
  const n = Number.parseInt(hex.slice(1), 16)
  const lin = (v: number) => {
    const c = v / 255
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4
  }
  const l = 0.2126 * lin((n >> 16) & 255) + 0.7152 * lin((n >> 8) & 255) + 0.0722 * lin(n & 255)
  return l > 0.179 ? '#000000' : '#FFFFFF'
}

export function hexToRgb(hex: string): [number, number, number] {
  const n = Number.parseInt(hex.slice(1), 16)
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255]
}
