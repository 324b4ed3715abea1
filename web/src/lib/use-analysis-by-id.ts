import { reviewApi } from './project-review-api'
import { useAnalysis } from './use-analysis'
import { useAsync } from './use-async'

/**
 * An analysis known only by its id (the review queue and the project comparison name them so):
 * its record, then its annotations through `useAnalysis`.
 */
export function useAnalysisById(id: string | null, options: { live?: boolean } = {}) {
  const record = useAsync((signal) => (id ? reviewApi.analysis(id, signal) : Promise.resolve(null)), [id])
  const analysis = record.data && record.data.id === id ? record.data : null
  const session = useAnalysis(analysis, options)
  return { ...session, error: record.error ?? session.error, loading: record.loading || session.loading, retry: record.error ? record.reload : session.retry }
}
