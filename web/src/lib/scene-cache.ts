import type { Size, View } from './geometry'

/**
 * The overlay is drawn into a bitmap bigger than the screen and then only moved: panning is a CSS
 * transform the compositor applies, like the image's, and costs no drawing at all. The bitmap is
 * drawn again when the data, filters or opacity change, when a pan runs past its margin, and when
 * a zoom settles (until then it is scaled, briefly soft).
 */
export interface CachedArea {
  /** The view's scale when the bitmap was drawn. */
  scale: number
  /** Natural image coordinates of the bitmap's top-left corner. */
  ox: number
  oy: number
  /** CSS pixels */
  width: number
  height: number
}

export interface CacheLimits {
  /** Extra area on each side, as a fraction of the viewport. */
  margin: number
  /** Room outside the image for labels and outlines, CSS pixels. */
  pad: number
  /** Longest side of the bitmap, device pixels. */
  maxSide: number
}

export const CACHE_LIMITS: CacheLimits = { margin: 0.5, pad: 24, maxSide: 4096 }

/** The viewport grown by the margin, clipped to the image and its pad, snapped to device pixels. */
export function cacheArea(view: View, viewport: Size, natural: Size, dpr: number, limits: CacheLimits = CACHE_LIMITS): CachedArea {
  const { scale: s, tx, ty } = view
  const maxCss = limits.maxSide / dpr
  const span = (size: number, t: number, extent: number) => {
    const grow = Math.min(size * limits.margin, Math.max(0, (maxCss - size) / 2))
    let lo = Math.max(-grow, t - limits.pad)
    let hi = Math.min(size + grow, extent > 0 ? t + extent * s + limits.pad : size + grow)
    if (hi <= lo) hi = lo + 1
    lo = Math.floor(lo * dpr) / dpr
    hi = Math.ceil(hi * dpr) / dpr
    return [lo, Math.min(hi - lo, maxCss)] as const
  }
  const [left, width] = span(viewport.width, tx, natural.width)
  const [top, height] = span(viewport.height, ty, natural.height)
  return { scale: s, ox: (left - tx) / s, oy: (top - ty) / s, width, height }
}

/** True when everything of the image (and its pad) that is on screen lies inside the bitmap. */
export function covers(c: CachedArea, view: View, viewport: Size, natural: Size, pad = CACHE_LIMITS.pad): boolean {
  const { scale: s, tx, ty } = view
  const left = c.ox * s + tx
  const top = c.oy * s + ty
  const k = s / c.scale
  const right = left + c.width * k
  const bottom = top + c.height * k
  const needLeft = Math.max(0, tx - pad)
  const needTop = Math.max(0, ty - pad)
  const needRight = Math.min(viewport.width, natural.width > 0 ? tx + natural.width * s + pad : viewport.width)
  const needBottom = Math.min(viewport.height, natural.height > 0 ? ty + natural.height * s + pad : viewport.height)
  if (needRight <= needLeft || needBottom <= needTop) return true
  const eps = 0.5
  return left <= needLeft + eps && top <= needTop + eps && right >= needRight - eps && bottom >= needBottom - eps
}

/** The CSS transform that puts the bitmap where the view wants it. */
export function placement(c: CachedArea, view: View): string {
  const x = c.ox * view.scale + view.tx
  const y = c.oy * view.scale + view.ty
  const k = view.scale / c.scale
  return k === 1 ? `translate(${x}px, ${y}px)` : `translate(${x}px, ${y}px) scale(${k})`
}
