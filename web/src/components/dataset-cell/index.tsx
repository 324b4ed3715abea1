import { useEffect, useMemo, useRef, useState } from 'preact/hooks'
import { api } from '../../lib/api'
import { pickDefaultAnalysis, summarizeAnalyses } from '../../lib/analysis-summary'
import { annotationScale, boxFromData, scaleBox } from '../../lib/geometry'
import { classColor, CLASS_PALETTE } from '../../lib/palette'
import type { Analysis, Annotation, Image } from '../../lib/types'
import { useImageUrl } from '../../lib/use-image-url'
import { StatusBadge } from '../status-badge'
import styles from './style.module.css'

/** Boxes drawn per thumbnail: enough to read the picture, few enough to keep scrolling smooth. */
const THUMB_ANNOTATIONS = 500

export interface CellOverlay {
  analysis: Analysis | null
  annotations: Annotation[]
  /** Every model that ran on the image, for the grid's model picker. */
  models: string[]
}

// Cells leave the DOM as they scroll away; what they fetched stays, keyed by image and model.
const overlays = new Map<string, Promise<CellOverlay>>()

function loadOverlay(imageId: string, model: string): Promise<CellOverlay> {
  const key = `${imageId}\u0000${model}`
  let hit = overlays.get(key)
  if (!hit) {
    hit = (async () => {
      const { analyses } = await api.analyses(imageId)
      const analysis = model ? (analyses.find((a) => a.model_name === model) ?? null) : pickDefaultAnalysis(analyses)
      const annotations = analysis && analysis.annotation_count > 0 ? (await api.annotations(analysis.id, { limit: THUMB_ANNOTATIONS })).annotations : []
      return { analysis, annotations, models: analyses.map((a) => a.model_name) }
    })()
    hit.catch(() => overlays.delete(key))
    overlays.set(key, hit)
  }
  return hit
}

interface Props {
  image: Image
  model: string
  minConfidence: number
  href: string
  onModels: (names: string[]) => void
}

/** One image of the dataset grid with the chosen model's boxes drawn over it. */
export function DatasetCell({ image, model, minConfidence, href, onModels }: Props) {
  const ref = useRef<HTMLAnchorElement>(null)
  const canvas = useRef<HTMLCanvasElement>(null)
  const { url } = useImageUrl(image.id, ref)
  const [overlay, setOverlay] = useState<CellOverlay | null>(null)
  const badge = summarizeAnalyses(image.analyses)

  useEffect(() => {
    if (!image.analyses?.total) return setOverlay({ analysis: null, annotations: [], models: [] })
    let live = true
    loadOverlay(image.id, model).then(
      (o) => {
        if (!live) return
        setOverlay(o)
        onModels(o.models)
      },
      () => live && setOverlay({ analysis: null, annotations: [], models: [] }),
    )
    return () => {
      live = false
    }
  }, [image.id, model, image.analyses?.total])

  const shown = useMemo(() => (overlay ? overlay.annotations.filter((a) => a.confidence === null || a.confidence >= minConfidence) : []), [overlay, minConfidence])

  useEffect(() => {
    const c = canvas.current
    if (!c) return
    const w = c.clientWidth
    const h = c.clientHeight
    const dpr = window.devicePixelRatio || 1
    c.width = Math.round(w * dpr)
    c.height = Math.round(h * dpr)
    const ctx = c.getContext('2d')!
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0)
    ctx.clearRect(0, 0, w, h)
    const natural = { width: image.width ?? 0, height: image.height ?? 0 }
    if (!natural.width || !natural.height) return
    // The image is letterboxed (object-fit: contain); the boxes follow it.
    const fit = Math.min(w / natural.width, h / natural.height)
    const ox = (w - natural.width * fit) / 2
    const oy = (h - natural.height * fit) / 2
    ctx.lineWidth = 1.5
    for (const a of shown) {
      const raw = boxFromData(a.data as Record<string, unknown>)
      if (!raw) continue
      const { sx, sy } = annotationScale(a.data as Record<string, unknown>, natural)
      const [x0, y0, x1, y1] = scaleBox(raw, sx, sy)
      ctx.strokeStyle = classColor(a.class_name, CLASS_PALETTE)
      ctx.strokeRect(ox + x0 * fit, oy + y0 * fit, (x1 - x0) * fit, (y1 - y0) * fit)
    }
  }, [shown, image.width, image.height])

  return (
    <a ref={ref} class={styles.cell} href={href} data-testid="dataset-cell" data-image-id={image.id} data-filename={image.filename} data-boxes={overlay ? shown.length : undefined}>
      <span class={styles.thumb}>
        {url && <img src={url} alt="" decoding="async" />}
        <canvas ref={canvas} class={styles.overlay} aria-hidden="true" />
      </span>
      <span class={styles.caption}>
        <span class={styles.name} title={image.filename}>
          {image.filename}
        </span>
        <span title={overlay?.analysis ? `${overlay.analysis.model_name} ${overlay.analysis.model_version}: ${shown.length} shown` : badge.title}>
          <StatusBadge status={badge.tone} label={overlay?.analysis ? `${shown.length}` : badge.text} />
        </span>
      </span>
    </a>
  )
}
