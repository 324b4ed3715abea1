import { and, asc, eq } from 'drizzle-orm'
import type { CurrentUser } from '../../app-env'
import { authorize, projectRole } from '../../auth/permissions'
import type { Database } from '../../db/client'
import { modelAliases, modelVersions } from '../../db/schema'
import { AppError, notFound } from '../../errors'
import { userAudit } from '../audit'

const selection = {
  name: modelAliases.name,
  alias: modelAliases.alias,
  model_version_id: modelAliases.modelVersionId,
  version: modelVersions.version,
  updated_at: modelAliases.updatedAt,
  updated_by_id: modelAliases.updatedById,
}

export async function listAliases(db: Database, user: CurrentUser, projectId: string) {
  authorize(await projectRole(db, projectId, user.id), 'read', 'Project')
  const aliases = await db
    .select(selection)
    .from(modelAliases)
    .innerJoin(modelVersions, eq(modelVersions.id, modelAliases.modelVersionId))
    .where(eq(modelAliases.projectId, projectId))
    .orderBy(asc(modelAliases.name), asc(modelAliases.alias))
  return { aliases }
}

/** Points `alias` of the version's model at this version, moving it from whichever version had it. */
export async function promote(db: Database, user: CurrentUser, versionId: string, alias: string, requestId: string) {
  const version = await db.select().from(modelVersions).where(eq(modelVersions.id, versionId)).get()
  if (!version) throw notFound('Model version')
  authorize(await projectRole(db, version.projectId, user.id), 'write', 'Model version')
  const now = new Date().toISOString()
  const key = and(eq(modelAliases.projectId, version.projectId), eq(modelAliases.name, version.name), eq(modelAliases.alias, alias))
  const previous = await db.select({ id: modelAliases.modelVersionId }).from(modelAliases).where(key).get()
  await db.batch([
    db
      .insert(modelAliases)
      .values({ projectId: version.projectId, name: version.name, alias, modelVersionId: version.id, updatedAt: now, updatedById: user.id })
      .onConflictDoUpdate({ target: [modelAliases.projectId, modelAliases.name, modelAliases.alias], set: { modelVersionId: version.id, updatedAt: now, updatedById: user.id } }),
    userAudit(db, user.id, {
      action: 'model_version.promoted',
      targetType: 'model_version',
      targetId: version.id,
      projectId: version.projectId,
      requestId,
      details: { name: version.name, version: version.version, alias, previous_model_version_id: previous?.id ?? null },
    }),
  ])
  return { name: version.name, alias, model_version_id: version.id, version: version.version, updated_at: now, updated_by_id: user.id }
}

export async function removeAlias(db: Database, user: CurrentUser, projectId: string, name: string, alias: string, requestId: string) {
  authorize(await projectRole(db, projectId, user.id), 'write', 'Project')
  const key = and(eq(modelAliases.projectId, projectId), eq(modelAliases.name, name), eq(modelAliases.alias, alias))
  const row = await db.select().from(modelAliases).where(key).get()
  if (!row) throw notFound('Model alias')
  await db.batch([
    db.delete(modelAliases).where(key),
    userAudit(db, user.id, {
      action: 'model_version.alias_removed',
      targetType: 'model_version',
      targetId: row.modelVersionId,
      projectId,
      requestId,
      details: { name, alias },
    }),
  ])
}

/** `@production` names whichever version the alias points at now; a job records the version it resolved to. */
export async function resolveVersionName(db: Database, projectId: string, name: string, version: string): Promise<{ version: string; alias: string | null }> {
  if (!version.startsWith('@')) return { version, alias: null }
  const alias = version.slice(1)
  const row = await db
    .select({ version: modelVersions.version })
    .from(modelAliases)
    .innerJoin(modelVersions, eq(modelVersions.id, modelAliases.modelVersionId))
    .where(and(eq(modelAliases.projectId, projectId), eq(modelAliases.name, name), eq(modelAliases.alias, alias)))
    .get()
  if (!row) throw new AppError(400, 'validation_error', `model_version: ${name} has no alias "${alias}" in this project`, { path: ['model_version'] })
  return { version: row.version, alias }
}
