/**
 * The baseline: COCOeval (bbox) written the obvious way in plain Node, one object per box, lists
 * keyed by "image:category" in Maps, and the three passes of pycocotools kept as they are
 * (evaluate every image × category × area range into its own record, then accumulate, then
 * summarize). It computes the same 12 numbers as src/domain/evaluation; the benchmark checks that.
 */

export interface Box {
  id: number
  image: number
  category: number
  bbox: [number, number, number, number]
  area: number
  iscrowd: boolean
  score: number
}

interface EvalImg {
  dtScores: number[]
  dtMatches: number[][]
  dtIgnore: boolean[][]
  gtIgnore: boolean[]
}

const IOU_THRS = Array.from({ length: 10 }, (_, i) => (i === 9 ? 0.95 : i * ((0.95 - 0.5) / 9) + 0.5))
const REC_THRS = Array.from({ length: 101 }, (_, i) => (i === 100 ? 1 : i * 0.01))
const MAX_DETS = [1, 10, 100]
const AREAS: { label: string; range: [number, number] }[] = [
  { label: 'all', range: [0, 1e10] },
  { label: 'small', range: [0, 32 ** 2] },
  { label: 'medium', range: [32 ** 2, 96 ** 2] },
  { label: 'large', range: [96 ** 2, 1e10] },
]

function iou(d: Box, g: Box): number {
  const [dx, dy, dw, dh] = d.bbox
  const [gx, gy, gw, gh] = g.bbox
  const w = Math.min(dx + dw, gx + gw) - Math.max(dx, gx)
  const h = Math.min(dy + dh, gy + gh) - Math.max(dy, gy)
  if (w <= 0 || h <= 0) return 0
  const inter = w * h
  return inter / (g.iscrowd ? dw * dh : dw * dh + gw * gh - inter)
}

const byScore = (a: Box, b: Box) => b.score - a.score

/** numpy.searchsorted(values, x, side='left'): the first index whose value is >= x. */
function searchsorted(values: number[], x: number): number {
  let lo = 0
  let hi = values.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (values[mid]! < x) lo = mid + 1
    else hi = mid
  }
  return lo
}

export function baselineEvaluate(imageIds: number[], categoryIds: number[], gts: Box[], dts: Box[]): number[] {
  const gtsBy = new Map<string, Box[]>()
  const dtsBy = new Map<string, Box[]>()
  for (const g of gts) {
    const key = `${g.image}:${g.category}`
    if (!gtsBy.has(key)) gtsBy.set(key, [])
    gtsBy.get(key)!.push(g)
  }
  for (const d of dts) {
    const key = `${d.image}:${d.category}`
    if (!dtsBy.has(key)) dtsBy.set(key, [])
    dtsBy.get(key)!.push(d)
  }

  const ious = new Map<string, number[][]>()
  for (const image of imageIds) {
    for (const category of categoryIds) {
      const key = `${image}:${category}`
      const g = gtsBy.get(key) ?? []
      const d = [...(dtsBy.get(key) ?? [])].sort(byScore).slice(0, 100)
      ious.set(key, d.map((dt) => g.map((gt) => iou(dt, gt))))
    }
  }

  function evaluateImg(image: number, category: number, range: [number, number]): EvalImg | null {
    const key = `${image}:${category}`
    const gtAll = gtsBy.get(key) ?? []
    const dtAll = dtsBy.get(key) ?? []
    if (gtAll.length === 0 && dtAll.length === 0) return null
    const outside = (a: number) => a < range[0] || a > range[1]
    const ignored = gtAll.map((g) => g.iscrowd || outside(g.area))
    const gtOrder = gtAll.map((_, i) => i).sort((a, b) => Number(ignored[a]) - Number(ignored[b]))
    const gt = gtOrder.map((i) => gtAll[i]!)
    const gtIgnore = gtOrder.map((i) => ignored[i]!)
    const dt = [...dtAll].sort(byScore).slice(0, 100)
    const iouRows = ious.get(key)!
    const dtMatches = IOU_THRS.map(() => dt.map(() => 0))
    const dtIgnore = IOU_THRS.map(() => dt.map(() => false))
    IOU_THRS.forEach((t, ti) => {
      const gtMatched = gt.map(() => 0)
      dt.forEach((d, di) => {
        let best = Math.min(t, 1 - 1e-10)
        let m = -1
        for (let gi = 0; gi < gt.length; gi++) {
          if (gtMatched[gi]! > 0 && !gt[gi]!.iscrowd) continue
          if (m > -1 && !gtIgnore[m] && gtIgnore[gi]) break
          const v = iouRows[di]![gtOrder[gi]!]!
          if (v < best) continue
          best = v
          m = gi
        }
        if (m === -1) return
        dtIgnore[ti]![di] = gtIgnore[m]!
        dtMatches[ti]![di] = gt[m]!.id
        gtMatched[m] = d.id
      })
      dt.forEach((d, di) => {
        if (dtMatches[ti]![di] === 0 && outside(d.area)) dtIgnore[ti]![di] = true
      })
    })
    return { dtScores: dt.map((d) => d.score), dtMatches, dtIgnore, gtIgnore }
  }

  const evalImgs: (EvalImg | null)[] = []
  for (const category of categoryIds) for (const area of AREAS) for (const image of imageIds) evalImgs.push(evaluateImg(image, category, area.range))

  const [T, R, K, A, M] = [IOU_THRS.length, REC_THRS.length, categoryIds.length, AREAS.length, MAX_DETS.length]
  const precision = new Array<number>(T * R * K * A * M).fill(-1)
  const recall = new Array<number>(T * K * A * M).fill(-1)
  const pIdx = (t: number, r: number, k: number, a: number, m: number) => (((t * R + r) * K + k) * A + a) * M + m
  const rIdx = (t: number, k: number, a: number, m: number) => ((t * K + k) * A + a) * M + m
  const I = imageIds.length
  for (let k = 0; k < K; k++) {
    for (let a = 0; a < A; a++) {
      for (let m = 0; m < M; m++) {
        const maxDet = MAX_DETS[m]!
        const E = evalImgs.slice(k * A * I + a * I, k * A * I + (a + 1) * I).filter((e): e is EvalImg => e !== null)
        if (E.length === 0) continue
        const scores = E.flatMap((e) => e.dtScores.slice(0, maxDet))
        const order = scores.map((_, i) => i).sort((x, y) => scores[y]! - scores[x]! || x - y)
        const npig = E.reduce((n, e) => n + e.gtIgnore.filter((g) => !g).length, 0)
        if (npig === 0) continue
        for (let t = 0; t < T; t++) {
          const matched = E.flatMap((e) => e.dtMatches[t]!.slice(0, maxDet))
          const ignore = E.flatMap((e) => e.dtIgnore[t]!.slice(0, maxDet))
          let tp = 0
          let fp = 0
          const rc: number[] = []
          const pr: number[] = []
          for (const i of order) {
            if (!ignore[i]) {
              if (matched[i]) tp++
              else fp++
            }
            rc.push(tp / npig)
            pr.push(tp / (fp + tp + Number.EPSILON))
          }
          recall[rIdx(t, k, a, m)] = rc.length ? rc[rc.length - 1]! : 0
          for (let i = pr.length - 1; i > 0; i--) if (pr[i]! > pr[i - 1]!) pr[i - 1] = pr[i]!
          const q = new Array<number>(R).fill(0)
          for (let r = 0; r < R; r++) {
            const pi = searchsorted(rc, REC_THRS[r]!)
            if (pi >= rc.length) break
            q[r] = pr[pi]!
          }
          q.forEach((v, r) => (precision[pIdx(t, r, k, a, m)] = v))
        }
      }
    }
  }

  const summarize = (ap: boolean, iouThr: number | null, area: string, maxDets: number) => {
    const a = AREAS.findIndex((x) => x.label === area)
    const m = MAX_DETS.indexOf(maxDets)
    const values: number[] = []
    for (let t = 0; t < T; t++) {
      if (iouThr !== null && IOU_THRS[t] !== iouThr) continue
      for (let k = 0; k < K; k++) {
        if (ap) for (let r = 0; r < R; r++) values.push(precision[pIdx(t, r, k, a, m)]!)
        else values.push(recall[rIdx(t, k, a, m)]!)
      }
    }
    const defined = values.filter((v) => v > -1)
    return defined.length ? defined.reduce((s, v) => s + v, 0) / defined.length : -1
  }
  return [
    summarize(true, null, 'all', 100),
    summarize(true, 0.5, 'all', 100),
    summarize(true, 0.75, 'all', 100),
    summarize(true, null, 'small', 100),
    summarize(true, null, 'medium', 100),
    summarize(true, null, 'large', 100),
    summarize(false, null, 'all', 1),
    summarize(false, null, 'all', 10),
    summarize(false, null, 'all', 100),
    summarize(false, null, 'small', 100),
    summarize(false, null, 'medium', 100),
    summarize(false, null, 'large', 100),
  ]
}
