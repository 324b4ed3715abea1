/**
 * A seeded synthetic detection dataset shaped like COCO: 80 classes of uneven frequency, a few
 * classes per image, box sizes spread over small, medium and large, 1 % crowd regions, annotation
 * areas below the box areas (as mask areas are), detections that find most objects with some
 * wrong classes, duplicates and false alarms, and scores on a 0.001 grid so that ties occur.
 * Objects are handed to a sink one at a time, so each consumer builds only its own representation.
 */

export interface SceneSink {
  gt(image: number, category: number, x: number, y: number, w: number, h: number, area: number, iscrowd: boolean): void
  dt(image: number, category: number, x: number, y: number, w: number, h: number, score: number): void
}

export const CLASSES = 80
const WIDTH = 640
const HEIGHT = 480

/** mulberry32: small, fast and seeded. */
export function mulberry32(seed: number) {
  let a = seed
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export function generate(seed: number, images: number, gtPerImage: number, dtPerImage: number, sink: SceneSink): void {
  const rnd = mulberry32(seed)
  // Zipf-like class frequencies, as COCO's person-heavy distribution.
  const weights = Array.from({ length: CLASSES }, (_, k) => 1 / (k + 1))
  const total = weights.reduce((a, b) => a + b, 0)
  const pickClass = () => {
    let r = rnd() * total
    for (let k = 0; k < CLASSES; k++) if ((r -= weights[k]!) <= 0) return k
    return CLASSES - 1
  }
  const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v))
  const score = (v: number) => Math.round(clamp(v, 0.001, 1) * 1000) / 1000

  for (let image = 0; image < images; image++) {
    const present = Array.from({ length: 2 + Math.floor(rnd() * 5) }, pickClass)
    const nGt = Math.max(1, Math.round(gtPerImage * (0.75 + rnd() * 0.5)))
    let nDt = 0
    for (let j = 0; j < nGt; j++) {
      const category = present[Math.floor(rnd() * present.length)]!
      const crowd = rnd() < 0.01
      // Log-uniform box area from 6² to 300² (crowds larger), aspect 1:2 to 2:1.
      const area = Math.exp(Math.log(36) + rnd() * (Math.log(crowd ? 200_000 : 90_000) - Math.log(36)))
      const aspect = Math.exp((rnd() - 0.5) * Math.log(4))
      const w = clamp(Math.sqrt(area * aspect), 2, WIDTH)
      const h = clamp(Math.sqrt(area / aspect), 2, HEIGHT)
      const x = rnd() * (WIDTH - w)
      const y = rnd() * (HEIGHT - h)
      sink.gt(image, category, x, y, w, h, w * h * (0.55 + rnd() * 0.35), crowd)
      if (crowd) continue
      const found = rnd() < 0.9 ? 1 + (rnd() < 0.2 ? 1 : 0) : 0
      for (let c = 0; c < found && nDt < dtPerImage * 1.5; c++) {
        const jitter = () => (rnd() - 0.5) * 0.35
        const cls = rnd() < 0.92 ? category : present[Math.floor(rnd() * present.length)]!
        const s = c === 0 ? 0.35 + rnd() * 0.65 : rnd() * 0.5
        sink.dt(image, cls, x + w * jitter(), y + h * jitter(), w * (1 + jitter()), h * (1 + jitter()), score(s))
        nDt++
      }
    }
    // False alarms up to about dtPerImage, mostly low-scored.
    const target = Math.round(dtPerImage * (0.8 + rnd() * 0.4))
    for (; nDt < target; nDt++) {
      const w = 8 + rnd() * 150
      const h = 8 + rnd() * 150
      sink.dt(image, rnd() < 0.7 ? present[Math.floor(rnd() * present.length)]! : pickClass(), rnd() * (WIDTH - w), rnd() * (HEIGHT - h), w, h, score(rnd() ** 2 * 0.7))
    }
  }
}
