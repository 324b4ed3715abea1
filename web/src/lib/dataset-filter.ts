import type { AnalysisSummary, Image } from './types'

/**
 * The dataset grid's filters over what the image list carries (its name, its date and its
 * analyses counted by status), with the count each choice would leave, so no filter is a dead end.
 */
export const RUN_FACETS = ['any', 'none', 'completed', 'running', 'failed'] as const
export type RunFacet = (typeof RUN_FACETS)[number]

export const DATASET_SORTS = ['newest', 'oldest', 'name', 'analyses'] as const
export type DatasetSort = (typeof DATASET_SORTS)[number]

export interface DatasetFilters {
  search: string
  runs: RunFacet
  sort: DatasetSort
}

export const DEFAULT_DATASET_FILTERS: DatasetFilters = { search: '', runs: 'any', sort: 'newest' }

function facetOf(s: AnalysisSummary | undefined, facet: RunFacet): boolean {
  switch (facet) {
    case 'any':
      return true
    case 'none':
      return !s || s.total === 0
    case 'completed':
      return !!s && s.completed > 0
    case 'running':
      return !!s && s.processing + s.queued > 0
    case 'failed':
      return !!s && s.failed > 0
  }
}

const matchesSearch = (image: Image, q: string) => !q || image.filename.toLowerCase().includes(q)

const ORDER: Record<DatasetSort, (a: Image, b: Image) => number> = {
  newest: (a, b) => b.created_at.localeCompare(a.created_at) || a.id.localeCompare(b.id),
  oldest: (a, b) => a.created_at.localeCompare(b.created_at) || a.id.localeCompare(b.id),
  name: (a, b) => a.filename.localeCompare(b.filename, undefined, { numeric: true }) || a.id.localeCompare(b.id),
  analyses: (a, b) => (b.analyses?.total ?? 0) - (a.analyses?.total ?? 0) || a.id.localeCompare(b.id),
}

/** The images the filters let through, in the chosen order. */
export function filterImages(images: readonly Image[], f: DatasetFilters): Image[] {
  const q = f.search.trim().toLowerCase()
  return images.filter((i) => matchesSearch(i, q) && facetOf(i.analyses, f.runs)).sort(ORDER[f.sort])
}

/** How many images each run facet would show, given the search as it is. */
export function facetCounts(images: readonly Image[], search: string): Record<RunFacet, number> {
  const q = search.trim().toLowerCase()
  const counts = Object.fromEntries(RUN_FACETS.map((f) => [f, 0])) as Record<RunFacet, number>
  for (const i of images) {
    if (!matchesSearch(i, q)) continue
    for (const f of RUN_FACETS) if (facetOf(i.analyses, f)) counts[f]++
  }
  return counts
}

/** Filters as URL query parameters and back, so a grid can be linked to and returned to. */
export function filtersToQuery(f: DatasetFilters): Record<string, string> {
  const q: Record<string, string> = {}
  if (f.search) q.q = f.search
  if (f.runs !== 'any') q.runs = f.runs
  if (f.sort !== 'newest') q.sort = f.sort
  return q
}

export function filtersFromQuery(query: Record<string, string | undefined>): DatasetFilters {
  const pick = <T extends string>(all: readonly T[], v: string | undefined, d: T): T => (all as readonly string[]).includes(v ?? '') ? (v as T) : d
  return { search: query.q ?? '', runs: pick(RUN_FACETS, query.runs, 'any'), sort: pick(DATASET_SORTS, query.sort, 'newest') }
}

/** The images either side of `id` in an ordered list, for previous and next. */
export function neighbours(ids: readonly string[], id: string): { previous: string | null; next: string | null; index: number } {
  const index = ids.indexOf(id)
  if (index < 0) return { previous: null, next: null, index }
  return { previous: ids[index - 1] ?? null, next: ids[index + 1] ?? null, index }
}
