import { sloCounts, type SloCounts } from '../db/ops-metrics-sql'
import type { SloDefinition, SloStatus } from '../schemas/slos'
import type { Family } from './exposition'
import type { MetricsScope } from './scope'

const DAY_MS = 86_400_000

/**
 * Each configured SLO over its window (docs/operations.md#slos). An analysis is good when it
 * completed within the threshold of its creation, bad when it finished otherwise or is still
 * unfinished past the threshold, and pending (not counted yet) while unfinished within it.
 */
export async function evaluateSlos(d1: D1Database, slos: SloDefinition[], scope: MetricsScope, now = Date.now()): Promise<SloStatus[]> {
  if (!slos.length) return []
  const nowIso = new Date(now).toISOString()
  const windowStart = (slo: SloDefinition) => new Date(now - slo.window_days * DAY_MS).toISOString()
  const statements = slos.map((slo) =>
    sloCounts(
      d1,
      {
        model_name: slo.model_name,
        model_version: slo.model_version,
        windowStart: windowStart(slo),
        thresholdSeconds: slo.threshold_minutes * 60,
        now: nowIso,
      },
      scope,
    ),
  )
  const results = await d1.batch<SloCounts>(statements)
  return slos.map((slo, i) => {
    const { good, pending, n } = results[i]!.results[0]!
    const eligible = n - pending
    const bad = eligible - good
    const allowed = (1 - slo.objective) * eligible
    const current = eligible ? good / eligible : null
    return {
      ...slo,
      window_start: windowStart(slo),
      eligible,
      good,
      bad,
      pending,
      current,
      error_budget: { allowed, spent: bad, remaining: eligible ? 1 - bad / allowed : null },
      met: current === null ? null : current >= slo.objective,
    }
  })
}

export function sloFamilies(statuses: SloStatus[]): Family[] {
  const labels = (s: SloStatus) => ({ slo: s.name })
  return [
    { name: 'loupe_slo_objective', help: 'The objective of each configured SLO', type: 'gauge', samples: statuses.map((s) => ({ labels: labels(s), value: s.objective })) },
    {
      name: 'loupe_slo_current',
      help: 'Good analyses over eligible ones in the SLO window',
      type: 'gauge',
      samples: statuses.filter((s) => s.current !== null).map((s) => ({ labels: labels(s), value: s.current! })),
    },
    {
      name: 'loupe_slo_error_budget_remaining',
      help: 'Share of the error budget left in the window; negative once the objective is missed',
      type: 'gauge',
      samples: statuses.filter((s) => s.error_budget.remaining !== null).map((s) => ({ labels: labels(s), value: s.error_budget.remaining! })),
    },
  ]
}
