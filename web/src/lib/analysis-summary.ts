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

/**
 * What the image page opens with when the URL names no analysis: the newest one that has something
 * to show, or is about to; otherwise simply the newest. The API lists newest first.
 */
export function pickDefaultAnalysis<T extends { id: string; status: AnalysisStatus; annotation_count: number }>(analyses: readonly T[]): T | null {
  return (
    analyses.find((a) => a.annotation_count > 0 && a.status !== 'failed') ??
    analyses.find((a) => a.status === 'processing' || a.status === 'queued') ??
    analyses[0] ??
    null
  )
}

/** Puts a newer copy of one analysis into a list, leaving the rest untouched. */
export function replaceById<T extends { id: string }>(list: readonly T[], item: T): T[] {
  const at = list.findIndex((x) => x.id === item.id)
  if (at === -1) return list.slice()
  const next = list.slice()
  next[at] = item
  return next
}
