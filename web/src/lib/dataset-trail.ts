import { neighbours } from './dataset-filter'

/**
 * The order the dataset grid last showed, so the image page can step to the previous and next
 * image of that order while keeping the model the grid drew; kept for the tab's session only.
 */
export interface DatasetTrail {
  projectId: string
  ids: string[]
  /** The grid's URL, filters included, to go back to. */
  back: string
  model: string
}

const KEY = 'loupe.dataset-trail'

export function saveTrail(trail: DatasetTrail) {
  try {
    sessionStorage.setItem(KEY, JSON.stringify(trail))
  } catch {
    // Storage full or refused: the image page simply shows no previous/next.
  }
}

export function readTrail(): DatasetTrail | null {
  try {
    const raw = sessionStorage.getItem(KEY)
    return raw ? (JSON.parse(raw) as DatasetTrail) : null
  } catch {
    return null
  }
}

/** The link to an image of the trail, keeping the model. */
export const trailHref = (id: string, model: string) => `/images/${encodeURIComponent(id)}${model ? `?model=${encodeURIComponent(model)}` : ''}`

/** Where previous and next lead from `imageId`, or null when it is not in the last grid. */
export function trailStep(trail: DatasetTrail | null, imageId: string) {
  if (!trail) return null
  const n = neighbours(trail.ids, imageId)
  if (n.index < 0) return null
  return { ...n, total: trail.ids.length, back: trail.back, previousHref: n.previous && trailHref(n.previous, trail.model), nextHref: n.next && trailHref(n.next, trail.model) }
}
