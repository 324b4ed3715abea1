import { and, eq, inArray, isNull } from 'drizzle-orm'
import type { CurrentUser, RpcMeta } from '../app-env'
import { authorize, projectRole } from '../auth/permissions'
import type { Config } from '../config'
import type { Database } from '../db/client'
import { analyses, images, projectMembers, projects } from '../db/schema'
import { AppError, notFound } from '../errors'
import { ACTIVE_STATUSES } from '../schemas/runs'
import { analysisForUser } from './analyses'
import { userAudit } from './audit'
import { imageForUser } from './images'
import { cancelAnalyses } from './runs/cancel-runs'
import { toAnalysis, toImage } from './serialize'

/**
 * Soft delete and restore (docs/operations.md#deletion-and-retention). A delete stamps `deleted_at`
 * on the thing and on everything under it that was still live, with the same instant, so a restore
 * brings back exactly what that delete took; anything deleted on its own earlier stays deleted.
 * Running analyses are canceled first, so their pipelines hear they should stop.
 */

const DAY_MS = 86_400_000

/** Deleted before this instant: past restoring, and the purge's to take. */
export const retentionCutoff = (config: Config, now = Date.now()) => new Date(now - config.ML_RETENTION_DAYS * DAY_MS).toISOString()

export const restorableUntil = (config: Config, deletedAt: string) => new Date(Date.parse(deletedAt) + config.ML_RETENTION_DAYS * DAY_MS).toISOString()

interface Deps {
  db: Database
  env: Env
  config: Config
  meta: RpcMeta
}

async function cancelActive({ db, env, meta }: Deps, user: CurrentUser, where: ReturnType<typeof and>) {
  const active = await db
    .select({ id: analyses.id })
    .from(analyses)
    .where(and(where, isNull(analyses.deletedAt), inArray(analyses.status, [...ACTIVE_STATUSES])))
  if (active.length) await cancelAnalyses(env, active.map((a) => a.id), user.id, meta)
}

export async function deleteAnalysis(deps: Deps, user: CurrentUser, analysisId: string) {
  const { db, meta } = deps
  const { analysis } = await analysisForUser(db, user, analysisId, 'write')
  await cancelActive(deps, user, eq(analyses.id, analysisId))
  await db.batch([
    db.update(analyses).set({ deletedAt: new Date().toISOString() }).where(and(eq(analyses.id, analysisId), isNull(analyses.deletedAt))),
    userAudit(db, user.id, { action: 'analysis.deleted', targetType: 'analysis', targetId: analysisId, projectId: analysis.project_id, requestId: meta.requestId }),
  ])
}

export async function deleteImage(deps: Deps, user: CurrentUser, imageId: string) {
  const { db, meta } = deps
  const { image } = await imageForUser(db, user, imageId, 'write')
  await cancelActive(deps, user, eq(analyses.imageId, imageId))
  const at = new Date().toISOString()
  await db.batch([
    db.update(images).set({ deletedAt: at }).where(eq(images.id, imageId)),
    db.update(analyses).set({ deletedAt: at }).where(and(eq(analyses.imageId, imageId), isNull(analyses.deletedAt))),
    userAudit(db, user.id, { action: 'image.deleted', targetType: 'image', targetId: imageId, projectId: image.projectId, requestId: meta.requestId }),
  ])
}

export async function deleteProject(deps: Deps, user: CurrentUser, projectId: string) {
  const { db, meta } = deps
  authorize(await projectRole(db, projectId, user.id), 'manage', 'Project')
  await cancelActive(deps, user, eq(analyses.projectId, projectId))
  const at = new Date().toISOString()
  await db.batch([
    db.update(projects).set({ deletedAt: at }).where(eq(projects.id, projectId)),
    db.update(images).set({ deletedAt: at }).where(and(eq(images.projectId, projectId), isNull(images.deletedAt))),
    db.update(analyses).set({ deletedAt: at }).where(and(eq(analyses.projectId, projectId), isNull(analyses.deletedAt))),
    userAudit(db, user.id, { action: 'project.deleted', targetType: 'project', targetId: projectId, projectId, requestId: meta.requestId }),
  ])
}

const gone = (what: string) => new AppError(404, 'not_found', `${what} not found, or deleted longer ago than the retention period`)

/** A deleted row may come back while its retention period runs; a live one is answered as it is. */
function assertRestorable(config: Config, deletedAt: string | null, what: string) {
  if (deletedAt !== null && deletedAt < retentionCutoff(config)) throw gone(what)
}

export async function restoreAnalysis({ db, config, meta }: Deps, user: CurrentUser, analysisId: string) {
  const row = await db.select().from(analyses).where(eq(analyses.id, analysisId)).get()
  if (!row) throw notFound('Analysis')
  authorize(await projectRole(db, row.projectId, user.id), 'write', 'Analysis')
  assertRestorable(config, row.deletedAt, 'Analysis')
  if (!row.deletedAt) return toAnalysis(row)
  const image = await db.select({ deletedAt: images.deletedAt }).from(images).where(eq(images.id, row.imageId)).get()
  if (image?.deletedAt) throw new AppError(409, 'conflict', 'The analysis’s image is deleted; restore the image, which brings back its analyses')
  await db.batch([
    db.update(analyses).set({ deletedAt: null }).where(eq(analyses.id, analysisId)),
    userAudit(db, user.id, { action: 'analysis.restored', targetType: 'analysis', targetId: analysisId, projectId: row.projectId, requestId: meta.requestId }),
  ])
  return toAnalysis({ ...row, deletedAt: null })
}

export async function restoreImage({ db, config, meta }: Deps, user: CurrentUser, imageId: string) {
  const row = await db.select().from(images).where(eq(images.id, imageId)).get()
  if (!row) throw notFound('Image')
  authorize(await projectRole(db, row.projectId, user.id), 'write', 'Image')
  assertRestorable(config, row.deletedAt, 'Image')
  if (!row.deletedAt) return toImage(row)
  await db.batch([
    db.update(images).set({ deletedAt: null }).where(eq(images.id, imageId)),
    db.update(analyses).set({ deletedAt: null }).where(and(eq(analyses.imageId, imageId), eq(analyses.deletedAt, row.deletedAt))),
    userAudit(db, user.id, { action: 'image.restored', targetType: 'image', targetId: imageId, projectId: row.projectId, requestId: meta.requestId }),
  ])
  return toImage({ ...row, deletedAt: null })
}

/** Only the owners of a deleted project may bring it back; to everyone else it does not exist. */
export async function restoreProject({ db, config, meta }: Deps, user: CurrentUser, projectId: string) {
  const row = await db.select().from(projects).where(eq(projects.id, projectId)).get()
  const member = await db
    .select({ role: projectMembers.role })
    .from(projectMembers)
    .where(and(eq(projectMembers.projectId, projectId), eq(projectMembers.userId, user.id)))
    .get()
  if (!row || !member) throw notFound('Project')
  authorize(member.role, 'manage', 'Project')
  assertRestorable(config, row.deletedAt, 'Project')
  if (row.deletedAt) {
    await db.batch([
      db.update(projects).set({ deletedAt: null }).where(eq(projects.id, projectId)),
      db.update(images).set({ deletedAt: null }).where(and(eq(images.projectId, projectId), eq(images.deletedAt, row.deletedAt))),
      db.update(analyses).set({ deletedAt: null }).where(and(eq(analyses.projectId, projectId), eq(analyses.deletedAt, row.deletedAt))),
      userAudit(db, user.id, { action: 'project.restored', targetType: 'project', targetId: projectId, projectId, requestId: meta.requestId }),
    ])
  }
  return { id: projectId }
}
