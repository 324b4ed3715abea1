import { useEffect, useRef, useState } from 'preact/hooks'
import { formatConfidence } from '../../lib/format'
import { fitView, type Size } from '../../lib/geometry'
import type { Evaluation, EvaluationObject } from '../../lib/evaluations-api'
import { imageGeometry, type ImageGeometry } from '../../lib/object-geometry'
import { drawScene } from '../../lib/overlay-draw'
import { buildScene, ItemKind, type SceneEntry } from '../../lib/overlay-scene'
import { OUTCOME_STYLE, type Outcome } from '../../lib/outcome-style'
import { useImageUrl } from '../../lib/use-image-url'
import styles from './style.module.css'

const NO_RASTERS = new Map()

/** The outcome of the object an evaluated object is paired with: a detection's ground truth, or the other way round. */
function pairedOutcome(o: EvaluationObject): Outcome {
  if (o.status === 'tp') return 'tp'
  return o.kind === 'detection' ? 'fn' : 'fp'
}

interface Props {
  object: EvaluationObject
  evaluation: Pick<Evaluation, 'predictions' | 'ground_truth'>
  href: string
}

/**
 * One evaluated object on a thumbnail of its image, with the object it is counted against, drawn
 * by the image page's own scene code in the outcome styles. The image and shapes load only once
 * the card scrolls near the viewport.
 */
export function ObjectThumbnail({ object, evaluation, href }: Props) {
  const ref = useRef<HTMLAnchorElement>(null)
  const canvas = useRef<HTMLCanvasElement>(null)
  const { url, failed } = useImageUrl(object.image_id, ref)
  const [natural, setNatural] = useState<Size | null>(null)
  const [geometry, setGeometry] = useState<ImageGeometry | null>(null)
  const [drawn, setDrawn] = useState(0)

  useEffect(() => {
    if (!url) return
    let live = true
    imageGeometry(object.image_id, evaluation).then(
      (g) => live && setGeometry(g),
      () => live && setGeometry(new Map()),
    )
    return () => {
      live = false
    }
  }, [url, object.image_id, evaluation])

  useEffect(() => {
    const c = canvas.current
    if (!c || !natural || !geometry) return
    const size = { width: c.clientWidth, height: c.clientHeight }
    const dpr = window.devicePixelRatio || 1
    c.width = Math.round(size.width * dpr)
    c.height = Math.round(size.height * dpr)
    const entries: SceneEntry[] = []
    const place = (id: string | null, outcome: Outcome) => {
      const annotation = id ? geometry.get(id) : undefined
      if (annotation) entries.push({ annotation, color: OUTCOME_STYLE[outcome].color, outcome })
    }
    // The partner first, so the listed object is drawn on top.
    place(object.paired_id ?? object.matched_id, pairedOutcome(object))
    place(object.id, object.status)
    const scene = buildScene(entries, natural)
    const ctx = c.getContext('2d')!
    ctx.clearRect(0, 0, c.width, c.height)
    drawScene(ctx, scene, { view: fitView(natural, size), ...size, dpr, opacity: 1, maskOpacity: 0.5, heatmapOpacity: 0.4, rasters: NO_RASTERS }, new Float32Array(entries.length))
    setDrawn([...scene.kinds].filter((k) => k !== ItemKind.None).length)
  }, [natural, geometry, object])

  const style = OUTCOME_STYLE[object.status]
  return (
    <a ref={ref} class={styles.card} href={href} data-testid="cell-object" data-object-id={object.id} data-kind={object.kind} data-status={object.status} data-drawn={drawn}>
      <span class={styles.thumb}>
        {url ? (
          <img src={url} alt="" decoding="async" onLoad={(e) => setNatural({ width: e.currentTarget.naturalWidth, height: e.currentTarget.naturalHeight })} />
        ) : (
          <span class="muted">{failed ? 'No preview' : ''}</span>
        )}
        <canvas ref={canvas} class={styles.overlay} aria-hidden="true" />
      </span>
      <span class={styles.caption}>
        <strong class={styles.label} style={{ borderColor: style.color, borderStyle: style.line }}>
          {style.label}
        </strong> {object.class_name}
        <span class="muted">
          {object.kind === 'detection' ? ` ${formatConfidence(object.score)}` : ' ground truth'}
          {object.iou !== null ? ` · IoU ${object.iou.toFixed(2)}` : object.max_iou ? ` · best IoU ${object.max_iou.toFixed(2)}` : ''}
        </span>
      </span>
    </a>
  )
}
