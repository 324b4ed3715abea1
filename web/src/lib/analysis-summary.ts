import { plural } from './format'
import type { AnalysisStatus, AnalysisSummary } from './types'

export interface SummaryBadge {
  /** The status that colours the badge; null when there are no analyses. */
  tone: AnalysisStatus | null
  text: string
  title: string
}

/** One badge per image: what is running matters most, then what failed, then what is done. */
export function summarizeAnalyses(s: AnalysisSummary | undefined): SummaryBadge {
  if (!s || s.total === 0) return { tone: null, text: 'No analyses', title: 'No analyses yet' }
  const parts: string[] = []
  if (s.processing) parts.push(`${s.processing} running`)
  if (s.queued) parts.push(`${s.queued} queued`)
  if (s.failed) parts.push(`${s.failed} failed`)
  if (s.completed) parts.push(`${s.completed} completed`)
  if (s.canceled) parts.push(`${s.canceled} canceled`)
  const tone: AnalysisStatus = s.processing ? 'processing' : s.queued ? 'queued' : s.failed ? 'failed' : s.completed ? 'completed' : 'canceled'
  const headline = tone === 'processing' ? `${s.processing} running` : tone === 'failed' ? `${s.failed} failed` : tone === 'queued' ? `${s.queued} queued` : plural(s.total, 'analysis', 'analyses')
  return { tone, text: headline, title: `${plural(s.total, 'analysis', 'analyses')}: ${parts.join(', ')}` }
}
