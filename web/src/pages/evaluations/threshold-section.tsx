import { useMemo } from 'preact/hooks'
import { ErrorState, Loading } from '../../components/states'
import { ThresholdTable } from '../../components/threshold-table'
import { evaluationsApi } from '../../lib/evaluations-api'
import { metricsAtThreshold, thresholdIndexOf } from '../../lib/live-threshold'
import { useAsync } from '../../lib/use-async'

/** Fetches the match index once; every slider step after that is computed here, with no request. */
export function ThresholdSection({ evaluationId, threshold, onThreshold }: { evaluationId: string; threshold: number; onThreshold: (t: number) => void }) {
  const matches = useAsync((signal) => evaluationsApi.matches(evaluationId, signal), [evaluationId])
  const index = useMemo(() => (matches.data ? thresholdIndexOf(matches.data) : null), [matches.data])
  const metrics = useMemo(() => (index ? metricsAtThreshold(index, threshold) : null), [index, threshold])
  if (matches.error) return <ErrorState error={matches.error} retry={matches.reload} title="Could not load the matches" />
  if (!metrics) return <Loading label="Loading the matches…" />
  return <ThresholdTable metrics={metrics} threshold={threshold} onThreshold={onThreshold} />
}
