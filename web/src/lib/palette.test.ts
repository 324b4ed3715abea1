import { describe, expect, it } from 'vitest'
import { classColor, hashString, OKABE_ITO, textColorOn, UNLABELLED_COLOR } from './palette'

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
