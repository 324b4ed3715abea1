import { and, eq, isNull } from 'drizzle-orm'
import type { Database } from '../db/client'
import { pipelineGrants, projectMembers, projects } from '../db/schema'
import { forbidden, notFound } from '../errors'
import type { Role } from '../schemas/projects'
import type { Principal } from './principal'

export type { Role }

/** A member's role, or `pipeline_worker` for a pipeline the project granted. */
export type AccessRole = Role | 'pipeline_worker'

/** `run` creates analyses; `write` changes the project's data; `manage` its members and grants. */
export type Action = 'read' | 'run' | 'write' | 'manage'

/**
 * Which roles may do what: readers read; editors also run models and write; owners also manage
 * members and grants. A pipeline reads and runs, and nothing else (docs/security.md).
 */
export const ROLE_ALLOWS: Record<AccessRole, readonly Action[]> = {
  owner: ['read', 'run', 'write', 'manage'],
  editor: ['read', 'run', 'write'],
  viewer: ['read'],
  pipeline_worker: ['read', 'run'],
}

export async function projectRole(db: Database, projectId: string, userId: string): Promise<Role | null> {
  const row = await db
    .select({ role: projectMembers.role })
    .from(projectMembers)
    .innerJoin(projects, eq(projects.id, projectMembers.projectId))
    .where(and(eq(projectMembers.projectId, projectId), eq(projectMembers.userId, userId), isNull(projects.deletedAt)))
    .get()
  return row?.role ?? null
}

export async function principalRole(db: Database, projectId: string, principal: Principal): Promise<AccessRole | null> {
  if (principal.kind === 'user') return projectRole(db, projectId, principal.user.id)
  const row = await db
    .select({ projectId: pipelineGrants.projectId })
    .from(pipelineGrants)
    .innerJoin(projects, eq(projects.id, pipelineGrants.projectId))
    .where(and(eq(pipelineGrants.projectId, projectId), eq(pipelineGrants.pipelineId, principal.pipeline.id), isNull(projects.deletedAt)))
    .get()
  return row ? 'pipeline_worker' : null
}

/**
 * Throws 404 for non-members (and pipelines the project did not grant), so they never learn the
 * resource exists, and 403 for members whose role does not allow the action.
 */
export function authorize<R extends AccessRole>(role: R | null, action: Action, what = 'Resource'): R {
  if (!role) throw notFound(what)
  if (!ROLE_ALLOWS[role].includes(action)) throw forbidden(`Your role (${role}) does not allow this`)
  return role
}
