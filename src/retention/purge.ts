import { getConfig } from '../config'
import { connect } from '../db/client'
import { retentionCutoff } from '../domain/deletion'
import { log } from '../observability/log'
import { purgeAnalysisData } from './purge-analysis'
import { PurgeBudget } from './purge-budget'

/** Well under a paid Worker's 10,000 subrequests, and a Cron run's wall-clock limit. */
const DEFAULT_OPERATIONS = 2000
const DEFAULT_WALL_MS = 60_000
const PAGE = 50

export interface PurgeReport {
  analyses: number
  annotations: number
  images: number
  projects: number
  r2_objects: number
  operations: number
  /** True when the budget ran out with deletions left: the next run continues. */
  more: boolean
}

const audit = (d1: D1Database, action: string, targetType: string, targetId: string, projectId: string, details: Record<string, unknown>) =>
  d1
    .prepare("INSERT INTO audit_log (actor_type, action, target_type, target_id, project_id, details) VALUES ('system', ?, ?, ?, ?, ?)")
    .bind(action, targetType, targetId, projectId, JSON.stringify(details))

/**
 * The retention purge (docs/operations.md#deletion-and-retention): what was soft-deleted before
 * the cutoff goes for good, children before parents. Analyses (their object's storage, their R2
 * files, their annotations, then the row), then images (the stored bytes, then the row), then
 * projects. Every removal is audited. It works in bounded batches; whatever is left when the
 * budget runs out waits for the next run.
 */
export async function purgeDeleted(env: Env, options: { now?: number; operations?: number; wallMs?: number } = {}): Promise<PurgeReport> {
  const now = options.now ?? Date.now()
  const cutoff = retentionCutoff(getConfig(env), now)
  const { d1 } = connect(env.DB)
  const budget = new PurgeBudget(options.operations ?? DEFAULT_OPERATIONS, options.wallMs ?? DEFAULT_WALL_MS)
  const report: PurgeReport = { analyses: 0, annotations: 0, images: 0, projects: 0, r2_objects: 0, operations: 0, more: false }

  // An analysis goes when it, its image or its project was deleted before the cutoff.
  const analysesDue = d1.prepare(`
    SELECT a.id, a.project_id FROM analyses a WHERE a.deleted_at < ?1
    UNION SELECT a.id, a.project_id FROM analyses a JOIN images i ON i.id = a.image_id WHERE i.deleted_at < ?1
    UNION SELECT a.id, a.project_id FROM analyses a JOIN projects p ON p.id = a.project_id WHERE p.deleted_at < ?1
    LIMIT ${PAGE}`)
  // Each loop ends when nothing is due (done) or when the budget is spent (more to do next run).
  let exhausted = true
  analyses: while (budget.allows(6)) {
    const { results } = await analysesDue.bind(cutoff).all<{ id: string; project_id: string }>()
    budget.spend()
    if (!results.length) {
      exhausted = false
      break
    }
    for (const a of results) {
      const data = await purgeAnalysisData(env, a.id, budget)
      report.annotations += data.annotations
      report.r2_objects += data.r2Objects
      if (!data.done || !budget.allows()) break analyses
      await d1.batch([
        d1.prepare('DELETE FROM artifacts WHERE analysis_id = ?').bind(a.id),
        d1.prepare('DELETE FROM analyses WHERE id = ?').bind(a.id),
        audit(d1, 'analysis.purged', 'analysis', a.id, a.project_id, { annotations: data.annotations, r2_objects: data.r2Objects }),
      ])
      budget.spend()
      report.analyses++
    }
  }

  const imagesDue = d1.prepare(`
    SELECT i.id, i.project_id, i.storage_key FROM images i
    WHERE (i.deleted_at < ?1 OR i.project_id IN (SELECT id FROM projects WHERE deleted_at < ?1))
      AND NOT EXISTS (SELECT 1 FROM analyses a WHERE a.image_id = i.id)
    LIMIT ${PAGE}`)
  if (exhausted) return finish(report, budget, cutoff, true)
  exhausted = true
  while (budget.allows(3)) {
    const { results } = await imagesDue.bind(cutoff).all<{ id: string; project_id: string; storage_key: string }>()
    budget.spend()
    if (!results.length) {
      exhausted = false
      break
    }
    await env.BUCKET.delete(results.map((i) => i.storage_key))
    await d1.batch(results.flatMap((i) => [d1.prepare('DELETE FROM images WHERE id = ?').bind(i.id), audit(d1, 'image.purged', 'image', i.id, i.project_id, {})]))
    budget.spend(2)
    report.images += results.length
    report.r2_objects += results.length
  }

  const projectsDue = d1.prepare(`
    SELECT p.id FROM projects p WHERE p.deleted_at < ?1
      AND NOT EXISTS (SELECT 1 FROM images i WHERE i.project_id = p.id)
      AND NOT EXISTS (SELECT 1 FROM analyses a WHERE a.project_id = p.id)
    LIMIT ${PAGE}`)
  if (exhausted) return finish(report, budget, cutoff, true)
  exhausted = true
  while (budget.allows(2)) {
    const { results } = await projectsDue.bind(cutoff).all<{ id: string }>()
    budget.spend()
    if (!results.length) {
      exhausted = false
      break
    }
    await d1.batch(results.flatMap((p) => [d1.prepare('DELETE FROM projects WHERE id = ?').bind(p.id), audit(d1, 'project.purged', 'project', p.id, p.id, {})]))
    budget.spend()
    report.projects += results.length
  }

  return finish(report, budget, cutoff, exhausted)
}

function finish(report: PurgeReport, budget: PurgeBudget, cutoff: string, more: boolean): PurgeReport {
  report.operations = budget.used
  report.more = more
  log.info('retention purge', { cutoff, ...report })
  return report
}
