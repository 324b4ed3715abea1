import { StatusBadge } from '../../components/status-badge'
import type { Evaluation } from '../../lib/evaluations-api'

/** An evaluation's status as the run badges show theirs; `running` wears the processing colour. */
export function EvaluationStatus({ evaluation }: { evaluation: Pick<Evaluation, 'status' | 'stage'> }) {
  const tone = evaluation.status === 'running' ? 'processing' : evaluation.status
  return (
    <>
      <StatusBadge status={tone} label={evaluation.status} />
      {evaluation.status === 'running' && evaluation.stage && <span class="muted"> {evaluation.stage}</span>}
    </>
  )
}

export const isUnfinished = (e: Pick<Evaluation, 'status'>) => e.status === 'queued' || e.status === 'running'
