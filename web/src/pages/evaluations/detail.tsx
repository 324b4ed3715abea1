import { useState } from 'preact/hooks'
import { ApBars } from '../../components/ap-bars'
import { Breadcrumbs } from '../../components/breadcrumbs'
import { ConfusionMatrix, type CellRef } from '../../components/confusion-matrix'
import { EvaluationStats } from '../../components/evaluation-stats'
import { PrCurves } from '../../components/pr-curves'
import { Empty, ErrorState, Loading } from '../../components/states'
import { evaluationsApi, judgedLabel, type Evaluation } from '../../lib/evaluations-api'
import { durationBetween, formatDuration, formatTime } from '../../lib/format'
import { curveThresholds, prSeries } from '../../lib/pr-series'
import { useAsync } from '../../lib/use-async'
import { usePolling } from '../../lib/use-polling'
import { ConfusionCell } from './confusion-cell'
import { ErrorImages } from './error-images'
import { EvaluationStatus, isUnfinished } from './evaluation-status'
import { ThresholdSection } from './threshold-section'
import layout from '../../styles/page.module.css'
import styles from './style.module.css'

/**
 * One evaluation: COCO's twelve numbers, AP per class, precision-recall curves, the confusion
 * matrix whose cells list their objects, precision/recall/F1 at a live threshold, and the images
 * with the most errors. A background evaluation is polled until it finishes.
 */
export default function EvaluationPage({ evaluationId }: { evaluationId: string }) {
  const ev = useAsync((signal) => evaluationsApi.get(evaluationId, signal), [evaluationId])
  usePolling(!!ev.data && isUnfinished(ev.data), 2000, ev.reload)
  const e = ev.data

  return (
    <div class={layout.page} data-testid="evaluation-page" data-status={e?.status}>
      <Breadcrumbs
        trail={[
          { label: 'Projects', href: '/' },
          { label: 'Project', href: e ? `/projects/${e.project_id}` : undefined },
          { label: 'Evaluations', href: e ? `/projects/${e.project_id}/evaluations` : undefined },
          { label: e?.name ?? evaluationId.slice(0, 8), mono: !e?.name },
        ]}
      />
      {ev.error && !e && <ErrorState error={ev.error} retry={ev.reload} />}
      {!e && !ev.error && <Loading label="Loading the evaluation…" />}
      {e && <Header evaluation={e} />}
      {e && isUnfinished(e) && <Loading label={`Evaluating${e.stage ? `: ${e.stage}` : '…'} It runs in the background; this page follows it.`} />}
      {e?.status === 'failed' && (
        <ErrorState error={new Error(e.error_message ?? 'The evaluation failed without a message.')} title="The evaluation failed" />
      )}
      {e?.status === 'completed' && (e.result ? <Result evaluation={e as Evaluation & { result: NonNullable<Evaluation['result']> }} /> : <Empty title="No stored result" />)}
    </div>
  )
}

const TRUTH: Record<Evaluation['ground_truth']['source'], string> = {
  import: 'imported ground truth',
  reviews: 'reviewed predictions',
  both: 'imported ground truth and reviewed predictions',
}

function Header({ evaluation: e }: { evaluation: Evaluation }) {
  const took = durationBetween(e.started_at ?? e.created_at, e.completed_at)
  return (
    <header class={layout.head}>
      <h1>{e.name ?? 'Evaluation'}</h1>
      <EvaluationStatus evaluation={e} />
      <span class="mono">{judgedLabel(e.predictions)}</span>
      <span class="muted">
        against {TRUTH[e.ground_truth.source]} · {e.iou_type} · {formatTime(e.created_at)}
        {took !== null && e.completed_at ? ` · took ${formatDuration(took)}` : ''}
      </span>
      {e.counts && (
        <span class="muted" data-testid="evaluation-counts">
          {e.counts.images} images · {e.counts.ground_truth} ground truth · {e.counts.detections} detections · TP {e.counts.tp} · FP {e.counts.fp} · FN {e.counts.fn}
          {e.counts.known_false_positives > 0 && ` · ${e.counts.known_false_positives} rejected by reviewers`}
        </span>
      )}
    </header>
  )
}

function Result({ evaluation: e }: { evaluation: Evaluation & { result: NonNullable<Evaluation['result']> } }) {
  const r = e.result
  const [cell, setCell] = useState<CellRef | null>(null)
  // The slider's value is carried into the links to images, so they open judged at it.
  const [threshold, setThreshold] = useState(0)
  return (
    <>
      <section class={layout.panel}>
        <h2>Summary</h2>
        <EvaluationStats names={r.stat_names} stats={r.stats} />
      </section>
      <section class={layout.panel}>
        <h2>Average precision per class</h2>
        {r.per_class.length ? <ApBars perClass={r.per_class} /> : <Empty title="No classes were evaluated" />}
      </section>
      <section class={layout.panel}>
        <h2>Precision-recall curves</h2>
        <div class={styles.columns}>
          {curveThresholds(r.pr_curves).map((iou) => (
            <PrCurves key={iou} series={prSeries(r.pr_curves, iou)} />
          ))}
        </div>
      </section>
      <section class={layout.panel}>
        <h2>At a confidence threshold</h2>
        <ThresholdSection evaluationId={e.id} threshold={threshold} onThreshold={setThreshold} />
      </section>
      <section class={layout.panel}>
        <h2>Confusion matrix</h2>
        <ConfusionMatrix matrix={r.confusion_matrix} selected={cell} onSelect={setCell} />
        {cell && <ConfusionCell key={`${cell.trueClass}\u0000${cell.predictedClass}`} evaluation={e} cell={cell} minScore={threshold} />}
      </section>
      <section class={layout.panel}>
        <h2>Images by errors</h2>
        <ErrorImages evaluationId={e.id} minScore={threshold} />
      </section>
    </>
  )
}
