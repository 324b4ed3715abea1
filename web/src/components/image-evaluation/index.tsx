import type { AsyncState } from '../../lib/use-async'
import type { JudgedObjects } from '../../lib/evaluation-outcomes'
import { judgedLabel, type Evaluation, type EvaluationImageObjects } from '../../lib/evaluations-api'
import type { Outcome } from '../../lib/outcome-style'
import { OutcomeLegend } from '../outcome-legend'
import { ErrorState, Loading } from '../states'
import styles from './style.module.css'

interface Props {
  evaluation: AsyncState<Evaluation | null>
  objects: AsyncState<EvaluationImageObjects | null>
  judged: JudgedObjects | null
  /** What the overlay draws of each outcome; fewer than counted when an object has no shape to draw. */
  drawn: Partial<Record<Outcome, number>>
  minScore: number
}

/** The image page's account of an evaluation: which one, at what threshold, and what each line on the image is. */
export function ImageEvaluation({ evaluation, objects, judged, drawn, minScore }: Props) {
  const ev = evaluation.data
  if (evaluation.error) return <ErrorState error={evaluation.error} retry={evaluation.reload} title="Could not load the evaluation" />
  if (!ev) return <Loading label="Loading the evaluation…" />
  const link = (
    <a href={`/evaluations/${ev.id}`} data-testid="evaluation-back">
      {ev.name ?? judgedLabel(ev.predictions)}
    </a>
  )
  if (ev.status === 'failed') return <ErrorState error={new Error(ev.error_message ?? 'The evaluation failed.')} title="This evaluation failed" />
  if (ev.status !== 'completed') return <p class="muted">{link} is still {ev.status}; its outcomes appear here once it completes.</p>
  if (objects.error) return <ErrorState error={objects.error} retry={objects.reload} title="Could not load this image’s outcomes" />
  if (!judged) return <Loading label="Loading this image’s outcomes…" />
  const { counts } = judged
  const total = counts.tp + counts.fp + counts.fn + counts.ignored
  return (
    <div class={styles.panel} data-testid="image-evaluation" data-drawn={(['tp', 'fp', 'fn'] as const).map((o) => `${o}:${drawn[o] ?? 0}`).join(' ')}>
      <p>
        {link} <span class="muted">· {ev.iou_type} · IoU ≥ {ev.result?.params.match_iou_threshold ?? 0.5}</span>
        {minScore > 0 && (
          <span class="muted" data-testid="evaluation-min-score">
            {' '}
            · judged at confidence ≥ {minScore}
          </span>
        )}
      </p>
      {total === 0 ? (
        <p class="muted">The evaluation judged nothing on this image.</p>
      ) : (
        <OutcomeLegend counts={{ tp: counts.tp, fp: counts.fp, fn: counts.fn, ...(counts.ignored ? { ignored: counts.ignored } : {}) }} />
      )}
    </div>
  )
}
