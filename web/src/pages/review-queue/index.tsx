import { useLocation } from 'preact-iso'
import { useEffect, useState } from 'preact/hooks'
import { Breadcrumbs } from '../../components/breadcrumbs'
import { BulkAccept, type BulkOutcome } from '../../components/bulk-accept'
import { ModelRefPicker } from '../../components/model-ref-picker'
import { QueueLayout, QueueReview } from '../../components/queue-review'
import { Section } from '../../components/section'
import { Empty, ErrorState, Loading } from '../../components/states'
import { api, withQuery } from '../../lib/api'
import { positionLabel } from '../../lib/queue-window'
import type { ReviewQueueOrder } from '../../lib/types'
import { useAsync } from '../../lib/use-async'
import { useModelChoices } from '../../lib/use-model-choices'
import { isShortcutTarget } from '../../lib/use-review'
import { useReviewQueue } from '../../lib/use-review-queue'
import styles from './style.module.css'

const fraction = (v: string | undefined, fallback: number) => {
  const n = v === undefined || v === '' ? Number.NaN : Number(v)
  return Number.isFinite(n) && n >= 0 && n <= 1 ? n : fallback
}

/**
 * The project's predictions, image by image, in the order most worth a person's time: scores near
 * the threshold, or where two versions disagree. `[` and `]` move through the images; A, R, U and
 * the arrows work on each image's predictions as on the image page. The choice lives in the URL.
 */
export default function ReviewQueuePage({ projectId }: { projectId: string }) {
  const { query, route } = useLocation()
  const project = useAsync((signal) => api.project(projectId, signal), [projectId])
  const choices = useModelChoices(projectId)
  const list = choices.data ?? []
  const model = query.model || list[0] || null
  const order: ReviewQueueOrder = query.order === 'disagreement' ? 'disagreement' : 'uncertain'
  const against = query.against || list.find((c) => c !== model) || null
  const threshold = fraction(query.threshold, 0.5)
  const margin = fraction(query.margin, 0.2) || 0.2
  const ready = model && (order === 'uncertain' || (against && against !== model))
  const queue = useReviewQueue(projectId, ready ? { model, order, against, threshold, margin } : null)
  const canEdit = project.data?.role === 'editor' || project.data?.role === 'owner'
  // Bulk accept and its undo change what the current image shows; its predictions are read again.
  const [generation, setGeneration] = useState(0)
  const [lastBulk, setLastBulk] = useState<BulkOutcome | null>(null)

  const set = (patch: Record<string, string | number | null>) =>
    route(withQuery(`/projects/${projectId}/review`, { model, order, against: order === 'disagreement' ? against : null, threshold, margin, ...patch }), true)

  const { step } = queue
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || !isShortcutTarget(e) || (e.key !== '[' && e.key !== ']')) return
      step(e.key === ']' ? 1 : -1)
      e.preventDefault()
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [step])

  const head = (
    <div class={styles.head} data-testid="queue-head">
      <Breadcrumbs trail={[{ label: 'Projects', href: '/' }, { label: project.data?.name ?? 'Project', href: `/projects/${projectId}` }, { label: 'Review queue' }]} />
      <h1>Review queue</h1>
      <div class={styles.controls}>
        <ModelRefPicker label="Model version" value={model} choices={list} onChange={(v) => set({ model: v })} testid="queue-model" />
        <label class={styles.field}>
          <span>Order</span>
          <select value={order} onChange={(e) => set({ order: e.currentTarget.value })} data-testid="queue-order">
            <option value="uncertain">Uncertain first</option>
            <option value="disagreement">Disagreement first</option>
          </select>
        </label>
        {order === 'disagreement' && <ModelRefPicker label="Against" value={against} choices={list.filter((c) => c !== model)} onChange={(v) => set({ against: v })} testid="queue-against" />}
        <label class={styles.field}>
          <span>Threshold</span>
          <input type="number" min={0} max={1} step={0.05} value={threshold} onChange={(e) => set({ threshold: fraction(e.currentTarget.value, threshold) })} data-testid="queue-threshold" />
        </label>
        <label class={styles.field}>
          <span>Margin ±</span>
          <input type="number" min={0.01} max={1} step={0.05} value={margin} onChange={(e) => set({ margin: fraction(e.currentTarget.value, margin) || margin })} data-testid="queue-margin" />
        </label>
      </div>
      <div class={styles.nav}>
        <button type="button" onClick={() => step(-1)} disabled={queue.index === 0} aria-label="Previous image" title="Previous image ([)" data-testid="queue-previous">
          ← Image
        </button>
        <span class={styles.position} aria-live="polite" data-testid="queue-position">
          {queue.total === null ? '…' : positionLabel(queue.index, queue.total)}
        </span>
        <button type="button" onClick={() => step(1)} disabled={queue.total === null || queue.index >= queue.total - 1} aria-label="Next image" title="Next image (])" data-testid="queue-next">
          Image →
        </button>
        <button type="button" onClick={queue.reload} title="Read the queue again: reviews made since change its order" data-testid="queue-refresh">
          ↻
        </button>
      </div>
      <p class={styles.keys}>
        <kbd>[</kbd> <kbd>]</kbd> previous / next image
      </p>
    </div>
  )
  const bulk = (classes: string[]) => (
    <Section title="Bulk accept" testid="bulk-section">
      <BulkAccept projectId={projectId} model={model} classes={classes} canEdit={canEdit} last={lastBulk} onLast={setLastBulk} onChanged={() => setGeneration((g) => g + 1)} />
    </Section>
  )

  if (queue.item) {
    return <QueueReview key={queue.item.analysis_id} item={queue.item} canEdit={canEdit} head={head} tail={bulk} refresh={generation} />
  }
  const stage = choices.error ? (
    <ErrorState error={choices.error} retry={choices.reload} title="Could not load the model versions" />
  ) : choices.data && list.length === 0 ? (
    <Empty title="No model versions yet">Analyses of this project's images, or registered versions, appear here.</Empty>
  ) : order === 'disagreement' && !ready ? (
    <Empty title="Choose a second version">Disagreement needs two different versions.</Empty>
  ) : queue.error ? (
    <ErrorState error={queue.error} retry={queue.retry} title="Could not load the queue" />
  ) : queue.total === 0 ? (
    <Empty title="Nothing in the queue">No image has unreviewed predictions of {model} to look at with these settings.</Empty>
  ) : (
    <Loading label="Loading the queue…" />
  )
  return (
    <QueueLayout stage={stage}>
      {head}
      {bulk([])}
    </QueueLayout>
  )
}
