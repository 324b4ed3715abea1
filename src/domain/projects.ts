import { and, desc, eq, isNull } from 'drizzle-orm'
import type { CurrentUser } from '../app-env'
import { authorize, principalRole, projectRole, type Action, type Role } from '../auth/permissions'
import { asUser, toPrincipal, type Principal } from '../auth/principal'
import type { Database } from '../db/client'
import { pipelineGrants, projectMembers, projects, users } from '../db/schema'
import { AppError, notFound } from '../errors'
import { userAudit } from './audit'
import { toProject } from './serialize'

export async function createProject(db: Database, user: CurrentUser, input: { name: string; description?: string }, requestId: string) {
  const id = crypto.randomUUID()
  const now = new Date().toISOString()
  await db.batch([
    db.insert(projects).values({ id, name: input.name, description: input.description ?? null, ownerId: user.id, createdAt: now }),
    db.insert(projectMembers).values({ projectId: id, userId: user.id, role: 'owner', createdAt: now }),
    userAudit(db, user.id, { action: 'project.created', targetType: 'project', targetId: id, projectId: id, requestId }),
  ])
  return getProject(db, asUser(user), id, 'read')
}

/** A person's projects, or the projects that granted a pipeline. */
export async function listProjects(db: Database, principal: Principal) {
  if (principal.kind === 'pipeline') {
    const rows = await db
      .select({ project: projects })
      .from(pipelineGrants)
      .innerJoin(projects, eq(projects.id, pipelineGrants.projectId))
      .where(and(eq(pipelineGrants.pipelineId, principal.pipeline.id), isNull(projects.deletedAt)))
      .orderBy(desc(projects.createdAt))
    return { projects: rows.map((r) => toProject(r.project, 'pipeline_worker')), total: rows.length }
  }
  const user = principal.user
  const rows = await db
    .select({ project: projects, role: projectMembers.role })
    .from(projectMembers)
    .innerJoin(projects, eq(projects.id, projectMembers.projectId))
    .where(and(eq(projectMembers.userId, user.id), isNull(projects.deletedAt)))
    .orderBy(desc(projects.createdAt))
  return { projects: rows.map((r) => toProject(r.project, r.role)), total: rows.length }
}

/** The project if the caller may do `action` on it: 404 for non-members, 403 for the wrong role. */
export async function getProject(db: Database, who: Principal | CurrentUser, projectId: string, action: Action) {
  const role = authorize(await principalRole(db, projectId, toPrincipal(who)), action, 'Project')
  const row = await db.select().from(projects).where(eq(projects.id, projectId)).get()
  if (!row) throw notFound('Project')
  return toProject(row, role)
}

export async function listMembers(db: Database, user: CurrentUser, projectId: string) {
  authorize(await projectRole(db, projectId, user.id), 'read', 'Project')
  const rows = await db
    .select({ user_id: users.id, email: users.email, name: users.name, role: projectMembers.role, created_at: projectMembers.createdAt })
    .from(projectMembers)
    .innerJoin(users, eq(users.id, projectMembers.userId))
    .where(eq(projectMembers.projectId, projectId))
  return { members: rows }
}

export async function addMember(
  db: Database,
  user: CurrentUser,
  projectId: string,
  input: { email?: string; user_id?: string; role: Role },
  requestId: string,
) {
  authorize(await projectRole(db, projectId, user.id), 'manage', 'Project')
  const target = await db
    .select()
    .from(users)
    .where(input.user_id ? eq(users.id, input.user_id) : eq(users.email, input.email!.toLowerCase()))
    .get()
  if (!target) throw new AppError(404, 'not_found', 'No user with that email or id')
  if (input.role !== 'owner') await assertNotLastOwner(db, projectId, target.id)
  await db.batch([
    db
      .insert(projectMembers)
      .values({ projectId, userId: target.id, role: input.role })
      .onConflictDoUpdate({ target: [projectMembers.projectId, projectMembers.userId], set: { role: input.role } }),
    userAudit(db, user.id, { action: 'project.member_added', targetType: 'user', targetId: target.id, projectId, requestId, details: { role: input.role } }),
  ])
  return listMembers(db, user, projectId)
}

export async function removeMember(db: Database, user: CurrentUser, projectId: string, memberId: string, requestId: string) {
  authorize(await projectRole(db, projectId, user.id), 'manage', 'Project')
  const target = await db
    .select()
    .from(projectMembers)
    .where(and(eq(projectMembers.projectId, projectId), eq(projectMembers.userId, memberId)))
    .get()
  if (!target) throw notFound('Member')
  await assertNotLastOwner(db, projectId, memberId)
  await db.batch([
    db.delete(projectMembers).where(and(eq(projectMembers.projectId, projectId), eq(projectMembers.userId, memberId))),
    userAudit(db, user.id, { action: 'project.member_removed', targetType: 'user', targetId: memberId, projectId, requestId }),
  ])
}

/** Removing or demoting the only owner would leave nobody able to manage the project. */
async function assertNotLastOwner(db: Database, projectId: string, userId: string) {
  const owners = await db
    .select({ userId: projectMembers.userId })
    .from(projectMembers)
    .where(and(eq(projectMembers.projectId, projectId), eq(projectMembers.role, 'owner')))
    .limit(2)
  if (owners.length === 1 && owners[0]!.userId === userId) {
    throw new AppError(409, 'conflict', 'A project keeps at least one owner')
  }
}
