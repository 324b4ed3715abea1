import { describe, expect, it } from 'vitest'
import { assignClassColors, classColor, contrastRatio, hashString, hexToLab, OKABE_ITO, textColorOn, UNLABELLED_COLOR } from './palette'

describe('classColor', () => {
  it('gives a class the same colour on every call, whatever came before', () => {
    const first = ['person', 'face', 'cup', 'dog'].map((c) => classColor(c))
    const shuffled = ['dog', 'cup', 'face', 'person'].map((c) => classColor(c)).reverse()
    expect(shuffled).toEqual(first)
  })

  it('is pinned to the FNV-1a hash, so colours survive reloads and releases', () => {
    expect(hashString('')).toBe(0x811c9dc5)
    expect(hashString('a')).toBe(0xe40c292c)
    expect(classColor('person')).toBe(OKABE_ITO[hashString('person') % OKABE_ITO.length])
  })

  it('only uses the colour-blind-safe palette, grey for no class', () => {
    const names = Array.from({ length: 200 }, (_, i) => `class_${i}`)
    for (const n of names) expect(OKABE_ITO).toContain(classColor(n))
    expect(classColor(null)).toBe(UNLABELLED_COLOR)
    expect(classColor('')).toBe(UNLABELLED_COLOR)
  })

  it('spreads classes over the whole palette', () => {
    const used = new Set(Array.from({ length: 200 }, (_, i) => classColor(`class_${i}`)))
    expect(used.size).toBe(OKABE_ITO.length)
  })

  it('picks readable label text', () => {
    expect(textColorOn('#F0E442')).toBe('#000000')
    expect(textColorOn('#0072B2')).toBe('#FFFFFF')
  })
})

describe('assignClassColors', () => {
  const deltaE = (a: string, b: string) => {
    const [x, y] = [hexToLab(a), hexToLab(b)]
    return Math.hypot(x[0] - y[0], x[1] - y[1], x[2] - y[2])
  }

  it('keeps the hashed Okabe-Ito colours while they do not collide', () => {
    const colors = assignClassColors(['person', null])
    expect(colors.get('person')).toBe(classColor('person'))
    expect(colors.get(null)).toBe(UNLABELLED_COLOR)
  })

  it('gives 50 classes 50 different colours, each pair at least ΔE 19 apart', () => {
    const names = Array.from({ length: 50 }, (_, i) => `class_${i}`)
    const colors = [...assignClassColors(names).values()]
    expect(new Set(colors).size).toBe(50)
    let min = Infinity
    for (let i = 0; i < colors.length; i++) for (let j = 0; j < i; j++) min = Math.min(min, deltaE(colors[i]!, colors[j]!))
    expect(min).toBeGreaterThanOrEqual(19)
  })

  it('depends on the set of classes, not the order they arrive in', () => {
    const names = Array.from({ length: 30 }, (_, i) => `c${i}`)
    expect([...assignClassColors(names)].sort()).toEqual([...assignClassColors([...names].reverse())].sort())
  })

  it('moves few classes when one more shows up', () => {
    const names = Array.from({ length: 20 }, (_, i) => `c${i}`)
    const before = assignClassColors(names)
    const after = assignClassColors([...names, 'newcomer'])
    const moved = names.filter((n) => before.get(n) !== after.get(n))
    expect(moved.length).toBeLessThanOrEqual(2)
  })
})

describe('contrastRatio', () => {
  it('matches the WCAG examples', () => {
    expect(contrastRatio('#FFFFFF', '#000000')).toBeCloseTo(21, 5)
    expect(contrastRatio('#777777', '#FFFFFF')).toBeCloseTo(4.48, 2)
  })
})
