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
  const statements = slos.map((slo) => {
    const windowStart = new Date(now - slo.window_days * DAY_MS).toISOString()
    const where = ['deleted_at IS NULL', 'created_at >= ?1']
    const params: unknown[] = [windowStart, slo.threshold_minutes * 60, nowIso]
    if (slo.model_name) (where.push(`model_name = ?${params.length + 1}`), params.push(slo.model_name))
    if (slo.model_version) (where.push(`model_version = ?${params.length + 1}`), params.push(slo.model_version))
    if (scope) (where.push(`project_id IN (SELECT value FROM json_each(?${params.length + 1}))`), params.push(JSON.stringify(scope)))
    const age = (until: string) => `(julianday(${until}) - julianday(created_at)) * 86400.0`
    return d1
      .prepare(
        `SELECT
           coalesce(sum(status = 'completed' AND ${age('completed_at')} <= ?2), 0) AS good,
           coalesce(sum(completed_at IS NULL AND ${age('?3')} <= ?2), 0) AS pending,
           count(*) AS n
         FROM analyses WHERE ${where.join(' AND ')}`,
      )
      .bind(...params)
  })
  const results = await d1.batch<{ good: number; pending: number; n: number }>(statements)
  return slos.map((slo, i) => {
    const { good, pending, n } = results[i]!.results[0]!
    const eligible = n - pending
    const bad = eligible - good
    const allowed = (1 - slo.objective) * eligible
    const current = eligible ? good / eligible : null
    return {
      ...slo,
      window_start: new Date(now - slo.window_days * DAY_MS).toISOString(),
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
