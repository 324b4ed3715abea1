import { and, desc, eq, gte, isNotNull } from 'drizzle-orm'
import type { CurrentUser } from '../app-env'
import { authorize, projectRole } from '../auth/permissions'
import type { Config } from '../config'
import type { Database } from '../db/client'
import { analyses, images, projectMembers, projects } from '../db/schema'
import { restorableUntil, retentionCutoff } from './deletion'
import { toAnalysis, toImage, toProject } from './serialize'

const TRASH_PAGE = 500

/** What was deleted in the project within the retention period, for a trash view with restore buttons. */
export async function projectTrash(db: Database, config: Config, user: CurrentUser, projectId: string) {
  authorize(await projectRole(db, projectId, user.id), 'read', 'Project')
  const cutoff = retentionCutoff(config)
  const [analysisRows, imageRows] = await Promise.all([
    db
      .select({ analysis: analyses, imageDeletedAt: images.deletedAt })
      .from(analyses)
      .innerJoin(images, eq(images.id, analyses.imageId))
      .where(and(eq(analyses.projectId, projectId), isNotNull(analyses.deletedAt), gte(analyses.deletedAt, cutoff)))
      .orderBy(desc(analyses.deletedAt))
      .limit(TRASH_PAGE),
    db
      .select()
      .from(images)
      .where(and(eq(images.projectId, projectId), isNotNull(images.deletedAt), gte(images.deletedAt, cutoff)))
      .orderBy(desc(images.deletedAt))
      .limit(TRASH_PAGE),
  ])
  return {
    analyses: analysisRows.map(({ analysis, imageDeletedAt }) => ({
      ...toAnalysis(analysis),
      deleted_at: analysis.deletedAt!,
      restorable_until: restorableUntil(config, analysis.deletedAt!),
      with_image: imageDeletedAt === analysis.deletedAt,
    })),
    images: imageRows.map((image) => ({ ...toImage(image), deleted_at: image.deletedAt!, restorable_until: restorableUntil(config, image.deletedAt!) })),
    retention_days: config.ML_RETENTION_DAYS,
  }
}

/** Deleted projects the caller owns and may still restore. */
export async function deletedProjects(db: Database, config: Config, user: CurrentUser) {
  const rows = await db
    .select({ project: projects })
    .from(projectMembers)
    .innerJoin(projects, eq(projects.id, projectMembers.projectId))
    .where(and(eq(projectMembers.userId, user.id), eq(projectMembers.role, 'owner'), isNotNull(projects.deletedAt), gte(projects.deletedAt, retentionCutoff(config))))
    .orderBy(desc(projects.deletedAt))
  return {
    projects: rows.map(({ project }) => ({ ...toProject(project, 'owner'), deleted_at: project.deletedAt!, restorable_until: restorableUntil(config, project.deletedAt!) })),
    retention_days: config.ML_RETENTION_DAYS,
  }
}
