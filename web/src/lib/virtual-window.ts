/**
 * Which rows of a long list (or grid) are worth rendering: those in the scrolled viewport and a few
 * either side, so 50,000 annotations cost the DOM as much as fifty.
 */
export interface Range {
  /** First index rendered */
  start: number
  /** One past the last */
  end: number
}

export function visibleRange(scrollTop: number, viewportHeight: number, rowHeight: number, count: number, overscan = 6): Range {
  if (count <= 0 || rowHeight <= 0) return { start: 0, end: 0 }
  const first = Math.floor(Math.max(0, scrollTop) / rowHeight)
  const last = Math.ceil((Math.max(0, scrollTop) + Math.max(0, viewportHeight)) / rowHeight)
  return { start: Math.max(0, first - overscan), end: Math.min(count, last + overscan) }
}

/** Rows of `columns` items: the items whose rows are in view. */
export function gridRange(scrollTop: number, viewportHeight: number, rowHeight: number, columns: number, count: number, overscanRows = 2): Range {
  const cols = Math.max(1, Math.floor(columns))
  const rows = visibleRange(scrollTop, viewportHeight, rowHeight, Math.ceil(count / cols), overscanRows)
  return { start: rows.start * cols, end: Math.min(count, rows.end * cols) }
}

/** The scroll position that shows row `index` whole, moving as little as possible. */
export function revealRow(scrollTop: number, viewportHeight: number, rowHeight: number, index: number): number {
  const top = index * rowHeight
  const bottom = top + rowHeight
  if (top < scrollTop) return top
  if (bottom > scrollTop + viewportHeight) return Math.max(0, bottom - viewportHeight)
  return scrollTop
}
