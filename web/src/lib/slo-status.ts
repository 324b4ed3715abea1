import { formatPercent } from './activity-series'
import type { SloStatus } from './types'

/** "No data" is its own state: with nothing eligible an SLO is neither met nor missed (docs/operations.md#slos). */
export type SloState = 'met' | 'missed' | 'no-data'

export function sloState(slo: Pick<SloStatus, 'met'>): SloState {
  return slo.met === null ? 'no-data' : slo.met ? 'met' : 'missed'
}

export const SLO_STATE_LABEL: Record<SloState, string> = { met: 'Met', missed: 'Missed', 'no-data': 'No data' }

/** Thresholds are configured in minutes, from a few to a year. */
export function formatMinutes(minutes: number): string {
  if (minutes < 60) return `${Number(minutes.toFixed(1))} min`
  if (minutes < 1440) return `${Number((minutes / 60).toFixed(1))} h`
  return `${Number((minutes / 1440).toFixed(1))} d`
}

/** The objective in words: what counts as good, for which analyses, over how long. */
export function describeSlo(slo: Pick<SloStatus, 'objective' | 'model_name' | 'model_version' | 'threshold_minutes' | 'window_days'>): string {
  const which = slo.model_name ? `${slo.model_name}${slo.model_version ? `@${slo.model_version}` : ''} analyses` : 'analyses'
  return `${formatPercent(slo.objective)} of ${which} complete within ${formatMinutes(slo.threshold_minutes)}, over ${slo.window_days} d`
}

/** The error budget left, in words; past zero it is overspent, which the server reports as negative. */
export function formatBudget(remaining: number | null): string {
  if (remaining === null) return '—'
  return remaining >= 0 ? `${formatPercent(remaining)} left` : `overspent by ${formatPercent(-remaining)}`
}

/** How full the budget meter is drawn: an overspent budget is an empty one. */
export function budgetFill(remaining: number | null): number {
  return remaining === null ? 0 : Math.min(1, Math.max(0, remaining))
}
