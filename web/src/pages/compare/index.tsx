import { useLocation } from 'preact-iso'
import { useMemo, useState } from 'preact/hooks'
import { Section } from '../../components/section'
import type { Hit } from '../../components/stage'
import { ErrorState, Loading } from '../../components/states'
import { StatusBadge } from '../../components/status-badge'
import { Viewer, type Pane } from '../../components/viewer'
import { api } from '../../lib/api'
import { formatConfidence } from '../../lib/format'
import { MATCH_COLORS } from '../../lib/palette'
import type { Analysis, Annotation } from '../../lib/types'
import { useAnalysis } from '../../lib/use-analysis'
import { useAsync } from '../../lib/use-async'
import { useNaturalSize } from '../../lib/use-natural-size'
import { useComparison, type CompareVisibility } from '../../lib/use-comparison'
import { createViewStore } from '../../lib/view-store'
import styles from './style.module.css'

type CompareMode = 'overlay' | 'swipe' | 'side-by-side'
const NO_RASTERS = new Map()
const FULL_OPACITY = { shapes: 1, masks: 1, heatmaps: 1 }

const describe = (a: Analysis | null | undefined) => (a ? `${a.model_name} v${a.model_version}` : '—')

/** Keyed by image, so moving to another image starts from a clean slate (view, filters, sizes). */
export default function ComparePage({ imageId }: { imageId: string }) {
  return <CompareScreen key={imageId} imageId={imageId} />
}

function CompareScreen({ imageId }: { imageId: string }) {
  const { query, route } = useLocation()
  const image = useAsync((signal) => api.image(imageId, signal), [imageId])
  const analyses = useAsync((signal) => api.analyses(imageId, signal), [imageId])
  const list = analyses.data?.analyses ?? []
  const analysisA = list.find((x) => x.id === query.a) ?? list[0] ?? null
  const analysisB = list.find((x) => x.id === query.b) ?? list.find((x) => x.id !== analysisA?.id) ?? null
  const A = useAnalysis(analysisA)
  const B = useAnalysis(analysisB)

  const { natural, onNatural } = useNaturalSize(image.data)

  const store = useMemo(() => createViewStore(), [imageId])
  const [iou, setIou] = useState(0.5)
  const [threshold, setThreshold] = useState(0.25)
  const [mode, setMode] = useState<CompareMode>('overlay')
  const [swipe, setSwipe] = useState(0.5)
  const [show, setShow] = useState<CompareVisibility>({ matched: true, onlyA: true, onlyB: true })
  const [picked, setPicked] = useState<{ side: 'a' | 'b'; id: string } | null>(null)

  const cmp = useComparison(A.list, B.list, threshold, iou, natural, show)
  const layerA = { scene: cmp.scenes.a }
  const layerB = { scene: cmp.scenes.b }
  const panes: Pane[] =
    mode === 'overlay'
      ? [{ layers: [layerA, layerB] }]
      : mode === 'swipe'
        ? [{ layers: [{ ...layerA, clip: [0, swipe] }, { ...layerB, clip: [swipe, 1] }], divider: swipe }]
        : [
            { caption: `A: ${describe(analysisA)}`, layers: [layerA] },
            { caption: `B: ${describe(analysisB)}`, layers: [layerB] },
          ]

  const choose = (side: 'a' | 'b', id: string) => {
    const next = { a: analysisA?.id ?? '', b: analysisB?.id ?? '', [side]: id }
    route(`/images/${imageId}/compare?a=${next.a}&b=${next.b}`, true)
    setPicked(null)
  }

  const onSelect = (pane: number, hit: Hit | null) => {
    if (!hit) return setPicked(null)
    const sideIsB = mode === 'side-by-side' ? pane === 1 : hit.layer === 1
    const scene = sideIsB ? cmp.scenes.b : cmp.scenes.a
    const annotation = scene.entries[hit.item]?.annotation
    setPicked(annotation ? { side: sideIsB ? 'b' : 'a', id: annotation.id } : null)
  }
  const selectedHit = (() => {
    if (!picked) return null
    const scene = picked.side === 'a' ? cmp.scenes.a : cmp.scenes.b
    const item = scene.entries.findIndex((e) => e.annotation.id === picked.id)
    if (item === -1) return null
    const side = picked.side === 'a' ? 0 : 1
    return mode === 'side-by-side' ? { pane: side, layer: 0, item } : { layer: side, item }
  })()
  const pickedAnnotation = picked ? (picked.side === 'a' ? A.list : B.list).find((x) => x.id === picked.id) : undefined

  if (image.error) return <ErrorState error={image.error} retry={image.reload} />
  if (analyses.error) return <ErrorState error={analyses.error} retry={analyses.reload} />
  if (!image.data || !analyses.data) return <Loading label="Loading…" />
  if (list.length < 2) {
    return (
      <ErrorState
        error={new Error('Comparing needs at least two analyses of this image.')}
        title="Nothing to compare"
      />
    )
  }

  return (
    <div class={styles.page}>
      <div class={styles.stage}>
        <Viewer
          label={`Compare on ${image.data.filename}`}
          imageUrl={image.data.url ?? null}
          natural={natural}
          onNatural={onNatural}
          store={store}
          panes={panes}
          rasters={NO_RASTERS}
          opacity={FULL_OPACITY}
          selected={selectedHit}
          onSelect={onSelect}
          tools={
            <label>
              <span class="visually-hidden">Compare view</span>
              <select value={mode} onChange={(e) => setMode(e.currentTarget.value as CompareMode)} data-testid="compare-mode">
                <option value="overlay">Overlay</option>
                <option value="swipe">Swipe</option>
                <option value="side-by-side">Side by side</option>
              </select>
            </label>
          }
          footer={
            mode === 'swipe' && (
              <label class={styles.swipe}>
                <span>A</span>
                <input type="range" min={0} max={1} step={0.005} value={swipe} onInput={(e) => setSwipe(Number(e.currentTarget.value))} aria-label="Swipe position" data-testid="swipe" />
                <span>B</span>
              </label>
            )
          }
        />
      </div>
      <aside class={styles.sidebar} aria-label="Comparison">
        <header class={styles.head}>
          <a href={`/images/${imageId}`}>← {image.data.filename}</a>
          <h1>Compare analyses</h1>
        </header>
        <Section title="Analyses">
          <Picker label="A (solid)" side="a" value={analysisA} list={list} onChange={choose} loading={A.loading} count={A.list.length} />
          <Picker label="B (dashed)" side="b" value={analysisB} list={list} onChange={choose} loading={B.loading} count={B.list.length} />
          {(A.error || B.error) && <ErrorState error={(A.error ?? B.error)!} retry={A.error ? A.retry : B.retry} />}
        </Section>
        <Section title="Matching">
          <label class={styles.slider}>
            <span>
              IoU ≥ <output>{iou.toFixed(2)}</output>
            </span>
            <input type="range" min={0.05} max={0.95} step={0.05} value={iou} onInput={(e) => setIou(Number(e.currentTarget.value))} data-testid="iou-threshold" />
          </label>
          <label class={styles.slider}>
            <span>
              Confidence ≥ <output>{threshold.toFixed(2)}</output>
            </span>
            <input type="range" min={0} max={1} step={0.01} value={threshold} onInput={(e) => setThreshold(Number(e.currentTarget.value))} data-testid="threshold" />
          </label>
          <ul class={styles.legend}>
            <Outcome label="Matched" count={cmp.counts.matched} color={MATCH_COLORS.matched} on={show.matched} onToggle={() => setShow((s) => ({ ...s, matched: !s.matched }))} testid="count-matched" />
            <Outcome label="Only in A" count={cmp.counts.onlyA} color={MATCH_COLORS.onlyA} on={show.onlyA} onToggle={() => setShow((s) => ({ ...s, onlyA: !s.onlyA }))} testid="count-only-a" />
            <Outcome label="Only in B" count={cmp.counts.onlyB} color={MATCH_COLORS.onlyB} dashed on={show.onlyB} onToggle={() => setShow((s) => ({ ...s, onlyB: !s.onlyB }))} testid="count-only-b" />
          </ul>
          <p class="muted">
            Boxes of the same class pair up greedily, most confident first. {cmp.skipped > 0 && `${cmp.skipped.toLocaleString()} annotations that are not boxes or fall under the confidence threshold are left out.`}
          </p>
        </Section>
        {pickedAnnotation && picked && (
          <Section title="Selected">
            <Picked annotation={pickedAnnotation} side={picked.side} partner={cmp.partner.get(pickedAnnotation.id)} />
          </Section>
        )}
      </aside>
    </div>
  )
}

function Picker(props: { label: string; side: 'a' | 'b'; value: Analysis | null; list: readonly Analysis[]; onChange: (side: 'a' | 'b', id: string) => void; loading: boolean; count: number }) {
  return (
    <div class={styles.picker}>
      <label>
        <span class={styles.pickerLabel}>{props.label}</span>
        <select value={props.value?.id ?? ''} onChange={(e) => props.onChange(props.side, e.currentTarget.value)} data-testid={`compare-${props.side}`}>
          {props.list.map((x) => (
            <option key={x.id} value={x.id}>
              {describe(x)} · {x.status} · {new Date(x.created_at).toLocaleString()}
            </option>
          ))}
        </select>
      </label>
      <span class="muted">
        {props.value && <StatusBadge status={props.value.status} />} {props.loading ? 'loading…' : `${props.count.toLocaleString()} annotations`}
      </span>
    </div>
  )
}

function Outcome(props: { label: string; count: number; color: string; dashed?: boolean; on: boolean; onToggle: () => void; testid: string }) {
  return (
    <li>
      <label class={styles.outcome}>
        <input type="checkbox" checked={props.on} onChange={props.onToggle} />
        <span class={styles.key} style={{ borderColor: props.color, borderStyle: props.dashed ? 'dashed' : 'solid' }} aria-hidden="true" />
        {props.label}
        <strong data-testid={props.testid}>{props.count}</strong>
      </label>
    </li>
  )
}

function Picked({ annotation, side, partner }: { annotation: Annotation; side: 'a' | 'b'; partner?: { other: Annotation; iou: number } }) {
  return (
    <dl class={styles.picked} data-testid="compare-detail">
      <dt>From</dt>
      <dd>{side.toUpperCase()}</dd>
      <dt>Class</dt>
      <dd>{annotation.class_name ?? '—'}</dd>
      <dt>Confidence</dt>
      <dd>{formatConfidence(annotation.confidence)}</dd>
      <dt>Match</dt>
      <dd>{partner ? `${partner.other.class_name ?? '—'} at ${formatConfidence(partner.other.confidence)}, IoU ${partner.iou.toFixed(2)}` : 'none'}</dd>
    </dl>
  )
}
