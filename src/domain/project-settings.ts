import { eq } from 'drizzle-orm'
import type { CurrentUser } from '../app-env'
import { authorize, projectRole } from '../auth/permissions'
import type { Database } from '../db/client'
import { projectSettings } from '../db/schema'
import { userAudit } from './audit'
import { DEFAULT_JOB_CONCURRENCY } from './jobs/admission'

export async function readSettings(db: Database, user: CurrentUser, projectId: string) {
  authorize(await projectRole(db, projectId, user.id), 'read', 'Project')
  return settingsOf(db, projectId)
}

async function settingsOf(db: Database, projectId: string) {
  const row = await db.select().from(projectSettings).where(eq(projectSettings.projectId, projectId)).get()
  return { project_id: projectId, job_concurrency: row?.jobConcurrency ?? DEFAULT_JOB_CONCURRENCY, updated_at: row?.updatedAt ?? null }
}

/** Owners change how many jobs run at once; raising it lets waiting jobs start (the caller admits them). */
export async function updateSettings(db: Database, user: CurrentUser, projectId: string, input: { job_concurrency: number }, requestId: string) {
  authorize(await projectRole(db, projectId, user.id), 'manage', 'Project')
  const now = new Date().toISOString()
  await db.batch([
    db
      .insert(projectSettings)
      .values({ projectId, jobConcurrency: input.job_concurrency, updatedAt: now, updatedById: user.id })
      .onConflictDoUpdate({ target: projectSettings.projectId, set: { jobConcurrency: input.job_concurrency, updatedAt: now, updatedById: user.id } }),
    userAudit(db, user.id, { action: 'project.settings_updated', targetType: 'project', targetId: projectId, projectId, requestId, details: input }),
  ])
  return settingsOf(db, projectId)
}
