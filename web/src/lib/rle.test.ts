import { describe, expect, it } from 'vitest'
import { decodeCountsString, decodeRle, encodeCountsString, maskArea, rleBounds } from './rle'

/** Row-major 0/1 rows → column-major COCO counts, the way pycocotools encodes a Fortran-order mask. */
function countsOf(rows: number[][]): number[] {
  const h = rows.length
  const w = rows[0]!.length
  const counts: number[] = []
  let current = 0
  let run = 0
  for (let x = 0; x < w; x++) {
    for (let y = 0; y < h; y++) {
      if (rows[y]![x] !== current) {
        counts.push(run)
        run = 0
        current = rows[y]![x]!
      }
      run++
    }
  }
  counts.push(run)
  return counts
}

const flat = (rows: number[][]) => Array.from(rows.flat())

describe('compressed counts (pycocotools rleToString / rleFrString)', () => {
  // Vectors worked by hand from maskApi.c: from the fourth count on, the string holds the
  // difference to the count two places back, 5 bits per character, offset by '0'.
  it.each([
    ['061M', [0, 6, 1, 3]],
    ['0PP1', [0, 1024]],
    ['322OO', [3, 2, 2, 1, 1]],
    ['011101010', [0, 1, 1, 2, 1, 3, 1, 4, 1]],
  ])('decodes %s to %j and encodes it back', (text, counts) => {
    expect(decodeCountsString(text)).toEqual(counts)
    expect(encodeCountsString(counts)).toBe(text)
  })

  it('round-trips counts that shrink and grow, including ones past 2^31', () => {
    const counts = [5, 2 ** 31 + 7, 3, 40_000, 1, 1, 900_000, 12, 0, 3]
    expect(decodeCountsString(encodeCountsString(counts))).toEqual(counts)
  })

  it('rejects characters outside the alphabet and strings cut mid-count', () => {
    expect(() => decodeCountsString('0 1')).toThrow(/invalid character/)
    expect(() => decodeCountsString('0P')).toThrow(/ends in the middle/)
  })
})

describe('decodeRle', () => {
  it('reads counts column by column into a row-major mask', () => {
    // counts [0, 6, 1, 3] over [2, 5]: columns 0–2 set, column 3 only at the bottom, column 4 set.
    const mask = decodeRle({ counts: [0, 6, 1, 3], size: [2, 5] })
    expect(mask.width).toBe(5)
    expect(mask.height).toBe(2)
    expect(Array.from(mask.data)).toEqual(flat([
      [1, 1, 1, 0, 1],
      [1, 1, 1, 1, 1],
    ]))
  })

  it('gives the same mask for the compressed string and the array form', () => {
    const fromString = decodeRle({ counts: '061M', size: [2, 5] })
    const fromArray = decodeRle({ counts: [0, 6, 1, 3], size: [2, 5] })
    expect(fromString.data).toEqual(fromArray.data)
  })

  it('decodes the 3×3 mask of the array form [3, 2, 2, 1, 1] and its string 322OO', () => {
    const rows = [
      [0, 1, 0],
      [0, 1, 1],
      [0, 0, 0],
    ]
    expect(countsOf(rows)).toEqual([3, 2, 2, 1, 1])
    expect(Array.from(decodeRle({ counts: [3, 2, 2, 1, 1], size: [3, 3] }).data)).toEqual(flat(rows))
    expect(Array.from(decodeRle({ counts: '322OO', size: [3, 3] }).data)).toEqual(flat(rows))
  })

  it('round-trips random masks through counts and the string form', () => {
    let seed = 7
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31)
    for (let trial = 0; trial < 25; trial++) {
      const h = 1 + Math.floor(rand() * 9)
      const w = 1 + Math.floor(rand() * 9)
      const rows = Array.from({ length: h }, () => Array.from({ length: w }, () => (rand() < 0.4 ? 1 : 0)))
      const counts = countsOf(rows)
      expect(Array.from(decodeRle({ counts, size: [h, w] }).data)).toEqual(flat(rows))
      expect(Array.from(decodeRle({ counts: encodeCountsString(counts), size: [h, w] }).data)).toEqual(flat(rows))
    }
  })

  it('stops at height × width even when the counts run over', () => {
    const mask = decodeRle({ counts: [0, 100], size: [2, 2] })
    expect(maskArea(mask)).toBe(4)
  })
})

describe('rleBounds', () => {
  it('is null for an empty mask', () => {
    expect(rleBounds({ counts: [12], size: [3, 4] })).toBeNull()
  })

  it('covers a run that wraps from the bottom of one column to the top of the next', () => {
    // 4×3, set pixels at column-major 3..4: (row 3, col 0) and (row 0, col 1).
    expect(rleBounds({ counts: [3, 2, 7], size: [4, 3] })).toEqual([0, 0, 2, 4])
  })

  it('matches the bounds of the decoded mask', () => {
    const rows = [
      [0, 0, 0, 0, 0],
      [0, 0, 1, 1, 0],
      [0, 0, 0, 1, 0],
      [0, 0, 0, 0, 0],
    ]
    expect(rleBounds({ counts: countsOf(rows), size: [4, 5] })).toEqual([2, 1, 4, 3])
  })
})
