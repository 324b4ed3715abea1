import { and, eq, inArray, lt, notExists, or } from 'drizzle-orm'
import { getConfig } from '../config'
import { connect, type Database } from '../db/client'
import { inJson } from '../db/in-json'
import { analysesDue, type DueAnalysis } from '../db/retention-sql'
import { analyses, artifacts, images, projects } from '../db/schema'
import { auditInsert } from '../domain/audit'
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

const purged = (db: Database, targetType: 'analysis' | 'image' | 'project', targetId: string, projectId: string, details: Record<string, unknown> = {}) =>
  auditInsert(db, { actorType: 'system', action: `${targetType}.purged`, targetType, targetId, projectId, details })

// Images go once no analysis refers to them, projects once neither images nor analyses do.
const imagesDue = (db: Database, cutoff: string) =>
  db
    .select({ id: images.id, projectId: images.projectId, storageKey: images.storageKey })
    .from(images)
    .where(
      and(
        or(lt(images.deletedAt, cutoff), inArray(images.projectId, db.select({ id: projects.id }).from(projects).where(lt(projects.deletedAt, cutoff)))),
        notExists(db.select({ one: analyses.id }).from(analyses).where(eq(analyses.imageId, images.id))),
      ),
    )
    .limit(PAGE)

const projectsDue = (db: Database, cutoff: string) =>
  db
    .select({ id: projects.id })
    .from(projects)
    .where(
      and(
        lt(projects.deletedAt, cutoff),
        notExists(db.select({ one: images.id }).from(images).where(eq(images.projectId, projects.id))),
        notExists(db.select({ one: analyses.id }).from(analyses).where(eq(analyses.projectId, projects.id))),
      ),
    )
    .limit(PAGE)

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
  const { db, d1 } = connect(env.DB)
  const budget = new PurgeBudget(options.operations ?? DEFAULT_OPERATIONS, options.wallMs ?? DEFAULT_WALL_MS)
  const report: PurgeReport = { analyses: 0, annotations: 0, images: 0, projects: 0, r2_objects: 0, operations: 0, more: false }

  // Each loop ends when nothing is due (done) or when the budget is spent (more to do next run).
  let exhausted = true
  analyses: while (budget.allows(6)) {
    const { results } = await analysesDue(d1, cutoff, PAGE).all<DueAnalysis>()
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
      await db.batch([
        db.delete(artifacts).where(eq(artifacts.analysisId, a.id)),
        db.delete(analyses).where(eq(analyses.id, a.id)),
        purged(db, 'analysis', a.id, a.project_id, { annotations: data.annotations, r2_objects: data.r2Objects }),
      ])
      budget.spend()
      report.analyses++
    }
  }

  if (exhausted) return finish(report, budget, cutoff, true)
  exhausted = await drain(budget, 3, () => imagesDue(db, cutoff), async (due) => {
    await env.BUCKET.delete(due.map((i) => i.storageKey))
    await db.batch([db.delete(images).where(inJson(images.id, due.map((i) => i.id))), ...due.map((i) => purged(db, 'image', i.id, i.projectId))])
    budget.spend(2)
    report.images += due.length
    report.r2_objects += due.length
  })

  if (exhausted) return finish(report, budget, cutoff, true)
  exhausted = await drain(budget, 2, () => projectsDue(db, cutoff), async (due) => {
    await db.batch([db.delete(projects).where(inJson(projects.id, due.map((p) => p.id))), ...due.map((p) => purged(db, 'project', p.id, p.id))])
    budget.spend()
    report.projects += due.length
  })

  return finish(report, budget, cutoff, exhausted)
}

/**
 * Purges page after page of what `due` finds while the budget allows `cost` more operations (the
 * read and the page's purge). True when the budget ran out first, false once nothing is due.
 */
async function drain<T>(budget: PurgeBudget, cost: number, due: () => Promise<T[]>, purge: (page: T[]) => Promise<void>): Promise<boolean> {
  while (budget.allows(cost)) {
    const page = await due()
    budget.spend()
    if (!page.length) return false
    await purge(page)
  }
  return true
}

function finish(report: PurgeReport, budget: PurgeBudget, cutoff: string, more: boolean): PurgeReport {
  report.operations = budget.used
  report.more = more
  log.info('retention purge', { cutoff, ...report })
  return report
}
