import { and, desc, eq, isNull } from 'drizzle-orm'
import type { CurrentUser, PipelinePrincipal } from '../../app-env'
import { authorize, projectRole } from '../../auth/permissions'
import type { Database } from '../../db/client'
import { pipelineGrants, pipelineKeys, pipelines, projects } from '../../db/schema'
import { notFound } from '../../errors'
import { userAudit } from '../audit'
import { toPipelineKey } from './credentials'
import { toPipeline } from './registry'

async function grantRows(db: Database, projectId: string) {
  const rows = await db
    .select({ grant: pipelineGrants, name: pipelines.name })
    .from(pipelineGrants)
    .innerJoin(pipelines, eq(pipelines.id, pipelineGrants.pipelineId))
    .where(and(eq(pipelineGrants.projectId, projectId), isNull(pipelines.deletedAt)))
    .orderBy(desc(pipelineGrants.createdAt))
  return rows.map(({ grant, name }) => ({
    project_id: grant.projectId,
    pipeline_id: grant.pipelineId,
    pipeline_name: name,
    granted_by_id: grant.grantedById,
    created_at: grant.createdAt,
  }))
}

export async function listGrants(db: Database, user: CurrentUser, projectId: string) {
  authorize(await projectRole(db, projectId, user.id), 'read', 'Project')
  return { grants: await grantRows(db, projectId) }
}

/**
 * An owner lets a pipeline work in the project: create analyses for its models on the project's
 * images, and claim the project's work. Any pipeline id an owner has been given may be granted.
 */
export async function grantPipeline(db: Database, user: CurrentUser, projectId: string, pipelineId: string, requestId: string) {
  authorize(await projectRole(db, projectId, user.id), 'manage', 'Project')
  const pipeline = await db.select().from(pipelines).where(and(eq(pipelines.id, pipelineId), isNull(pipelines.deletedAt))).get()
  if (!pipeline) throw notFound('Pipeline')
  await db.batch([
    db.insert(pipelineGrants).values({ projectId, pipelineId, grantedById: user.id }).onConflictDoNothing(),
    userAudit(db, user.id, {
      action: 'pipeline.granted',
      targetType: 'pipeline',
      targetId: pipelineId,
      projectId,
      pipelineId,
      requestId,
      details: { pipeline_name: pipeline.name },
    }),
  ])
  return (await grantRows(db, projectId)).find((g) => g.pipeline_id === pipelineId)!
}

export async function revokeGrant(db: Database, user: CurrentUser, projectId: string, pipelineId: string, requestId: string) {
  authorize(await projectRole(db, projectId, user.id), 'manage', 'Project')
  const where = and(eq(pipelineGrants.projectId, projectId), eq(pipelineGrants.pipelineId, pipelineId))
  if (!(await db.select().from(pipelineGrants).where(where).get())) throw notFound('Grant')
  await db.batch([
    db.delete(pipelineGrants).where(where),
    userAudit(db, user.id, { action: 'pipeline.grant_revoked', targetType: 'pipeline', targetId: pipelineId, projectId, pipelineId, requestId }),
  ])
}

/** What a pipeline key learns about itself: its pipeline, its key, and the projects that granted it. */
export async function pipelineSelf(db: Database, principal: PipelinePrincipal) {
  const [pipeline, key, granted] = await Promise.all([
    db.select().from(pipelines).where(eq(pipelines.id, principal.id)).get(),
    db.select().from(pipelineKeys).where(eq(pipelineKeys.id, principal.keyId)).get(),
    db
      .select({ id: projects.id, name: projects.name })
      .from(pipelineGrants)
      .innerJoin(projects, eq(projects.id, pipelineGrants.projectId))
      .where(and(eq(pipelineGrants.pipelineId, principal.id), isNull(projects.deletedAt))),
  ])
  const { manageable: _manageable, ...view } = toPipeline(pipeline!, false)
  return { pipeline: view, key: toPipelineKey(key!), projects: granted }
}
