import { describe, expect, it } from 'vitest'
import { mergeLogs } from './log-merge'
import type { LogLine } from './types'

const line = (i: number, message = `line ${i}`): LogLine => ({ ts: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(), level: 'info', message, stage: null })
const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => line(a + i))

describe('mergeLogs', () => {
  it('keeps the whole fetched log and adds the live lines that came after it', () => {
    const merged = mergeLogs(range(0, 300), range(100, 305))
    expect(merged.map((l) => l.message)).toEqual(range(0, 305).map((l) => l.message))
  })

  it('adds nothing when the fetch already has every live line', () => {
    expect(mergeLogs(range(0, 300), range(100, 300))).toHaveLength(300)
  })

  it('takes the live lines whole when they start after the fetched ones', () => {
    expect(mergeLogs(range(0, 10), range(10, 12))).toHaveLength(12)
  })

  it('drops live lines that are older than what the fetch returned', () => {
    expect(mergeLogs(range(50, 60), range(0, 5))).toHaveLength(10)
  })

  it('lines up a repeated message by the lines before it', () => {
    const same = (i: number) => line(i, 'retrying')
    const fetched = [line(0), same(1), same(1)]
    const live = [same(1), same(1), line(2)]
    expect(mergeLogs(fetched, live).map((l) => l.message)).toEqual(['line 0', 'retrying', 'retrying', 'line 2'])
  })

  it('is either side alone when the other is empty', () => {
    expect(mergeLogs([], range(0, 3))).toHaveLength(3)
    expect(mergeLogs(range(0, 3), [])).toHaveLength(3)
  })
})
