import { describe, expect, it } from 'vitest'
import { facetCounts, filterImages, filtersFromQuery, filtersToQuery, neighbours, DEFAULT_DATASET_FILTERS } from './dataset-filter'
import type { Image } from './types'

const summary = (s: Partial<NonNullable<Image['analyses']>>) => ({ total: 0, queued: 0, processing: 0, completed: 0, failed: 0, canceled: 0, ...s })
const image = (id: string, filename: string, created_at: string, analyses?: Image['analyses']): Image => ({
  id,
  project_id: 'p',
  filename,
  content_type: 'image/png',
  width: 10,
  height: 10,
  bytes: 1,
  sha256: null,
  status: 'ready',
  created_at,
  analyses,
})

const images = [
  image('a', 'cat-2.png', '2026-01-02T00:00:00Z', summary({ total: 2, completed: 1, failed: 1 })),
  image('b', 'cat-10.png', '2026-01-03T00:00:00Z', summary({ total: 1, processing: 1 })),
  image('c', 'dog.png', '2026-01-01T00:00:00Z'),
]

describe('dataset filters', () => {
  it('counts each run facet under the current search', () => {
    expect(facetCounts(images, '')).toEqual({ any: 3, none: 1, completed: 1, running: 1, failed: 1 })
    expect(facetCounts(images, 'CAT')).toEqual({ any: 2, none: 0, completed: 1, running: 1, failed: 1 })
  })

  it('filters by facet and search, and sorts by date, natural name or analysis count', () => {
    const ids = (f: Partial<typeof DEFAULT_DATASET_FILTERS>) => filterImages(images, { ...DEFAULT_DATASET_FILTERS, ...f }).map((i) => i.id)
    expect(ids({})).toEqual(['b', 'a', 'c'])
    expect(ids({ sort: 'oldest' })).toEqual(['c', 'a', 'b'])
    expect(ids({ sort: 'name' })).toEqual(['a', 'b', 'c'])
    expect(ids({ sort: 'analyses' })).toEqual(['a', 'b', 'c'])
    expect(ids({ runs: 'none' })).toEqual(['c'])
    expect(ids({ search: 'cat', runs: 'failed' })).toEqual(['a'])
  })

  it('round-trips through the URL and ignores values it does not know', () => {
    const f = { search: 'cat', runs: 'failed' as const, sort: 'name' as const }
    expect(filtersFromQuery(filtersToQuery(f))).toEqual(f)
    expect(filtersToQuery(DEFAULT_DATASET_FILTERS)).toEqual({})
    expect(filtersFromQuery({ runs: 'bogus', sort: 'x' })).toEqual(DEFAULT_DATASET_FILTERS)
  })

  it('finds the neighbours of an image, and none for one not in the list', () => {
    expect(neighbours(['a', 'b', 'c'], 'b')).toEqual({ previous: 'a', next: 'c', index: 1 })
    expect(neighbours(['a', 'b'], 'a')).toEqual({ previous: null, next: 'b', index: 0 })
    expect(neighbours(['a'], 'z')).toEqual({ previous: null, next: null, index: -1 })
  })
})
