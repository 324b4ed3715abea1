import { describe, expect, it } from 'vitest'
import { appendPage, EMPTY_QUEUE, needsMore, nextRequest, positionLabel, stepIndex } from './queue-window'

const id = (s: string) => s
const page = (items: string[], skip: number, total: number) => ({ items, skip, total })

describe('queue window', () => {
  it('reads the first page from the start, and each further one from a page early', () => {
    expect(nextRequest(0, 50)).toEqual({ skip: 0, limit: 50 })
    expect(nextRequest(50, 50)).toEqual({ skip: 0, limit: 100 })
    expect(nextRequest(120, 50)).toEqual({ skip: 70, limit: 100 })
    expect(nextRequest(400, 150)).toEqual({ skip: 250, limit: 200 })
  })

  it('counts what the server has beyond the page read', () => {
    const q = appendPage(EMPTY_QUEUE, page(['a', 'b', 'c'], 0, 10), id)
    expect(q).toEqual({ items: ['a', 'b', 'c'], total: 10 })
  })

  it('misses no image when reviewed ones left the queue between two reads', () => {
    // Held a..d; a and b were reviewed and left, so the server's order is now c d e f g.
    const held = { items: ['a', 'b', 'c', 'd'], total: 7 }
    const { skip, limit } = nextRequest(held.items.length, 4)
    const server = ['c', 'd', 'e', 'f', 'g']
    const next = appendPage(held, page(server.slice(skip, skip + limit), skip, server.length), id)
    expect(next.items).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g'])
    expect(next.total).toBe(7)
  })

  it('reads on only near the end of what is held, and while the server has more', () => {
    expect(needsMore(0, EMPTY_QUEUE)).toBe(true)
    const q = { items: ['a', 'b', 'c', 'd', 'e', 'f'], total: 9 }
    expect(needsMore(1, q)).toBe(false)
    expect(needsMore(3, q)).toBe(true)
    expect(needsMore(5, { ...q, total: 6 })).toBe(false)
  })

  it('steps without wrapping around', () => {
    expect(stepIndex(0, -1, 5)).toBe(0)
    expect(stepIndex(4, 1, 5)).toBe(4)
    expect(stepIndex(2, 1, 5)).toBe(3)
    expect(stepIndex(3, 1, 0)).toBe(0)
  })

  it('counts positions from one', () => {
    expect(positionLabel(2, 41)).toBe('3 of 41')
    expect(positionLabel(0, 0)).toBe('0 of 0')
    expect(positionLabel(9, 5)).toBe('5 of 5')
  })
})
