import { and, count, desc, eq } from 'drizzle-orm'
import type { CurrentUser } from '../../app-env'
import { authorize, projectRole, type Action } from '../../auth/permissions'
import { asStatement, type DataAccess, type Database } from '../../db/client'
import { evaluations } from '../../db/schema'
import { AppError, notFound } from '../../errors'
import type { Evaluation, EvaluationCreate } from '../../schemas/evaluations'
import { DETECTION_STAT_NAMES, type EvaluationSummary, type IouType, KEYPOINT_STAT_NAMES } from '../evaluation'
import { userAudit } from '../audit'
import { deleteResult, readJson, resultPrefix } from './result-store'
import { type EvaluationRow, runEvaluation } from './run'
import { planEvaluation } from './scope'

/**
 * Where an evaluation runs is decided by its size before anything is loaded: in the request up to
 * INLINE_MAX_OBJECTS (201 with the result), in its Durable Object up to what a Worker's 128 MB and
 * CPU budget hold (202, then poll), and past that nowhere here yet (422): that is the place for an
 * evaluation job run by a pipeline. See docs/evaluation.md#where-it-runs.
 */
export const INLINE_MAX_OBJECTS = 50_000
export const WORKER_MAX_OBJECTS: Record<IouType, number> = { bbox: 1_500_000, keypoints: 600_000, segm: 300_000 }

export const toEvaluation = (r: EvaluationRow, result?: EvaluationSummary): Evaluation => ({
  id: r.id,
  project_id: r.projectId,
  name: r.name,
  status: r.status,
  stage: r.stage,
  error_message: r.errorMessage,
  runner: r.runner,
  predictions: { model_name: r.modelName, model_version: r.modelVersion, group_id: r.groupId },
  ground_truth: { source: r.groundTruthSource, import_id: r.groundTruthImportId },
  iou_type: r.iouType,
  classes: ((r.request as { classes?: string[] }).classes ?? null) as string[] | null,
  stats: r.stats ?? null,
  stat_names: [...(r.iouType === 'keypoints' ? KEYPOINT_STAT_NAMES : DETECTION_STAT_NAMES)],
  counts: (r.counts as Evaluation['counts']) ?? null,
  created_by_id: r.createdById,
  created_at: r.createdAt,
  started_at: r.startedAt,
  completed_at: r.completedAt,
  ...(result ? { result: result as Evaluation['result'] } : {}),
})

export async function evaluationForUser(db: Database, user: CurrentUser, id: string, action: Action = 'read') {
  const row = await db.select().from(evaluations).where(eq(evaluations.id, id)).get()
  if (!row) throw notFound('Evaluation')
  authorize(await projectRole(db, row.projectId, user.id), action, 'Evaluation')
  return row
}

export interface Runner {
  /** Starts a stored evaluation in the background. */
  start(id: string): Promise<void>
}

export async function createEvaluation(
  access: DataAccess,
  bucket: R2Bucket,
  runner: Runner,
  user: CurrentUser,
  projectId: string,
  req: EvaluationCreate,
  requestId: string,
): Promise<{ status: 201 | 202; evaluation: Evaluation }> {
  const { db, d1 } = access
  authorize(await projectRole(db, projectId, user.id), 'write', 'Project')
  const plan = await planEvaluation(access, projectId, req)
  const limit = WORKER_MAX_OBJECTS[req.iou_type]
  if (plan.objects > limit) {
    throw new AppError(422, 'evaluation_too_large', `${plan.objects} objects are more than a Worker evaluates (${limit} for ${req.iou_type})`, {
      objects: plan.objects,
      limit,
    })
  }
  const inline = !req.background && plan.objects <= INLINE_MAX_OBJECTS
  const id = crypto.randomUUID()
  const now = new Date().toISOString()
  const stored = { ...req, ground_truth: { source: req.ground_truth.source, ...(plan.importId ? { import_id: plan.importId } : {}) }, background: undefined }
  const values: typeof evaluations.$inferInsert = {
    id,
    projectId,
    name: req.name ?? null,
    status: inline ? 'running' : 'queued',
    runner: inline ? 'inline' : 'durable_object',
    modelName: 'model_name' in req.predictions ? req.predictions.model_name : null,
    modelVersion: 'model_version' in req.predictions ? req.predictions.model_version : null,
    groupId: 'group_id' in req.predictions ? req.predictions.group_id : null,
    groundTruthSource: req.ground_truth.source,
    groundTruthImportId: plan.importId,
    iouType: req.iou_type,
    request: JSON.parse(JSON.stringify(stored)),
    createdById: user.id,
    createdAt: now,
    startedAt: inline ? now : null,
  }
  await d1.batch([
    asStatement(d1, db.insert(evaluations).values(values)),
    asStatement(
      d1,
      userAudit(db, user.id, { action: 'evaluation.created', targetType: 'evaluation', targetId: id, projectId, requestId, details: { objects: plan.objects, runner: values.runner } }),
    ),
  ])
  const row = (await db.select().from(evaluations).where(eq(evaluations.id, id)).get())!
  if (!inline) {
    await runner.start(id)
    return { status: 202, evaluation: toEvaluation(row) }
  }
  try {
    const summary = await runEvaluation(access, bucket, row)
    return { status: 201, evaluation: toEvaluation((await db.select().from(evaluations).where(eq(evaluations.id, id)).get())!, summary) }
  } catch (err) {
    // Bad input found while loading (an unreadable mask, say) is the caller's 400, and leaves nothing behind.
    if (err instanceof AppError && err.status < 500) {
      await db.delete(evaluations).where(eq(evaluations.id, id)).run()
      await deleteResult(bucket, id)
    } else {
      await markFailed(db, id, err)
    }
    throw err
  }
}

export async function markFailed(db: Database, id: string, err: unknown) {
  const message = err instanceof AppError ? err.message : 'The evaluation failed; see the logs for its request id'
  await db.update(evaluations).set({ status: 'failed', stage: null, errorMessage: message, completedAt: new Date().toISOString() }).where(eq(evaluations.id, id)).run()
}

export async function getEvaluation(db: Database, bucket: R2Bucket, user: CurrentUser, id: string): Promise<Evaluation> {
  const row = await evaluationForUser(db, user, id)
  const result = row.status === 'completed' ? await readJson<EvaluationSummary>(bucket, `${resultPrefix(id)}result.json`) : null
  return toEvaluation(row, result ?? undefined)
}

export async function listEvaluations(db: Database, user: CurrentUser, projectId: string) {
  authorize(await projectRole(db, projectId, user.id), 'read', 'Project')
  const where = eq(evaluations.projectId, projectId)
  const [rows, total] = await Promise.all([
    db.select().from(evaluations).where(where).orderBy(desc(evaluations.createdAt), desc(evaluations.id)).limit(500),
    db.select({ n: count() }).from(evaluations).where(where).get(),
  ])
  return { evaluations: rows.map((r) => toEvaluation(r)), total: total?.n ?? 0 }
}

export async function deleteEvaluation({ db, d1 }: DataAccess, bucket: R2Bucket, user: CurrentUser, id: string, requestId: string) {
  const row = await evaluationForUser(db, user, id, 'write')
  await d1.batch([
    asStatement(d1, db.delete(evaluations).where(and(eq(evaluations.id, id)))),
    asStatement(d1, userAudit(db, user.id, { action: 'evaluation.deleted', targetType: 'evaluation', targetId: id, projectId: row.projectId, requestId })),
  ])
  await deleteResult(bucket, id)
}
