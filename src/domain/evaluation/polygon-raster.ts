import type { Rle } from './rle'

/**
 * Polygon to mask exactly as pycocotools' rleFrPoly does it, because mask IoU against COCO ground
 * truth is only comparable if the polygons become the same pixels. The algorithm: scale the
 * vertices by 5 and round them (C's truncating cast of `v * 5 + .5`), walk every edge in unit
 * steps to get a dense boundary, keep one point per column crossing whose x lands back on a pixel
 * centre, and let each such point toggle the mask on from its (rounded-up) row downwards in its
 * column. The toggles, sorted in column-major order, are the run boundaries.
 * See docs/evaluation.md#masks.
 */
export function rleFromPolygon(xy: ArrayLike<number>, h: number, w: number): Rle {
  const scale = 5
  // frPoly passes int(len(poly) / 2) vertices: an odd trailing coordinate is dropped.
  const k = Math.floor(xy.length / 2)
  const x = new Int32Array(k + 1)
  const y = new Int32Array(k + 1)
  for (let j = 0; j < k; j++) {
    x[j] = Math.trunc(scale * xy[j * 2]! + 0.5)
    y[j] = Math.trunc(scale * xy[j * 2 + 1]! + 0.5)
  }
  x[k] = x[0]!
  y[k] = y[0]!

  let m = 0
  for (let j = 0; j < k; j++) m += Math.max(Math.abs(x[j]! - x[j + 1]!), Math.abs(y[j]! - y[j + 1]!)) + 1
  const u = new Int32Array(m)
  const v = new Int32Array(m)
  m = 0
  for (let j = 0; j < k; j++) {
    let xs = x[j]!
    let xe = x[j + 1]!
    let ys = y[j]!
    let ye = y[j + 1]!
    const dx = Math.abs(xe - xs)
    const dy = Math.abs(ys - ye)
    // Each edge is walked from its lower end so both directions give the same points.
    const flip = (dx >= dy && xs > xe) || (dx < dy && ys > ye)
    if (flip) {
      ;[xs, xe] = [xe, xs]
      ;[ys, ye] = [ye, ys]
    }
    // Unit steps along the longer axis; the other axis is interpolated and rounded as C's cast does.
    const alongX = dx >= dy
    const [steps, across] = alongX ? [u, v] : [v, u]
    const [start, acrossStart] = alongX ? [xs, ys] : [ys, xs]
    const n = alongX ? dx : dy
    const s = alongX ? (ye - ys) / dx : (xe - xs) / dy
    for (let d = 0; d <= n; d++) {
      const t = flip ? n - d : d
      steps[m] = t + start
      across[m] = Math.trunc(acrossStart + s * t + 0.5)
      m++
    }
  }

  const bx: number[] = []
  const by: number[] = []
  for (let j = 1; j < m; j++) {
    if (u[j] === u[j - 1]) continue
    let xd = u[j]! < u[j - 1]! ? u[j]! : u[j]! - 1
    xd = (xd + 0.5) / scale - 0.5
    if (Math.floor(xd) !== xd || xd < 0 || xd > w - 1) continue
    let yd = v[j]! < v[j - 1]! ? v[j]! : v[j - 1]!
    yd = (yd + 0.5) / scale - 0.5
    if (yd < 0) yd = 0
    else if (yd > h) yd = h
    bx.push(xd)
    by.push(Math.ceil(yd))
  }

  const a = new Float64Array(bx.length + 1)
  for (let j = 0; j < bx.length; j++) a[j] = bx[j]! * h + by[j]!
  a[bx.length] = h * w
  a.sort()
  let previous = 0
  for (let j = 0; j < a.length; j++) {
    const t = a[j]!
    a[j] = t - previous
    previous = t
  }
  // Two toggles at one pixel cancel: drop the empty run and join its neighbours.
  const counts: number[] = [a[0]!]
  for (let j = 1; j < a.length; ) {
    if (a[j]! > 0) counts.push(a[j++]!)
    else {
      j++
      if (j < a.length) counts[counts.length - 1] = counts[counts.length - 1]! + a[j++]!
    }
  }
  return { h, w, counts: Uint32Array.from(counts) }
}

/** A box [x, y, w, h] as the four-corner polygon pycocotools' rleFrBbox rasterises. */
export function rleFromBox(x: number, y: number, bw: number, bh: number, h: number, w: number): Rle {
  const xe = x + bw
  const ye = y + bh
  return rleFromPolygon([x, y, x, ye, xe, ye, xe, y], h, w)
}
