import { and, eq, isNull } from 'drizzle-orm'
import type { Database } from '../db/client'
import { projectMembers, projects } from '../db/schema'
import { forbidden, notFound } from '../errors'
import type { Role } from '../schemas/projects'

export type { Role }

export type Action = 'read' | 'write' | 'manage'

/** Which roles may do what: readers read, editors also write, owners also manage members. */
export const ROLE_ALLOWS: Record<Role, readonly Action[]> = {
  owner: ['read', 'write', 'manage'],
  editor: ['read', 'write'],
  viewer: ['read'],
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

/**
 * Throws 404 for non-members, so they never learn the resource exists, and 403 for members whose
 * role does not allow the action.
 */
export function authorize(role: Role | null, action: Action, what = 'Resource'): Role {
  if (!role) throw notFound(what)
  if (!ROLE_ALLOWS[role].includes(action)) throw forbidden(`Your role (${role}) does not allow this`)
  return role
}
