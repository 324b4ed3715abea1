import { and, eq, isNull, type SQL } from 'drizzle-orm'
import type { SQLiteColumn, SQLiteTable } from 'drizzle-orm/sqlite-core'
import type { Database } from '../db/client'
import { analyses, jobs, pipelineGrants, pipelines } from '../db/schema'

/** What a callback's authorization needs to know of its run: the project, and the pipeline that holds it. */
export interface RunOwnership {
  projectId: string
  pipelineId: string | null
  /** The holding pipeline is disabled or deleted. */
  pipelineOff: boolean
  /** The project still grants the holding pipeline. */
  granted: boolean
}

type Lookup = (db: Database, id: string) => Promise<RunOwnership | null>

/** The lookup for a kind of run whose table names its project and its holding pipeline. */
function ownershipIn(runs: { table: SQLiteTable; id: SQLiteColumn; projectId: SQLiteColumn; pipelineId: SQLiteColumn; live?: SQL }): Lookup {
  return async (db, id) => {
    const row = await db
      .select({
        projectId: runs.projectId,
        pipelineId: runs.pipelineId,
        disabledAt: pipelines.disabledAt,
        deletedAt: pipelines.deletedAt,
        granted: pipelineGrants.pipelineId,
      })
      .from(runs.table)
      .leftJoin(pipelines, eq(pipelines.id, runs.pipelineId))
      .leftJoin(pipelineGrants, and(eq(pipelineGrants.pipelineId, runs.pipelineId), eq(pipelineGrants.projectId, runs.projectId)))
      .where(and(eq(runs.id, id), runs.live))
      .get()
    if (!row) return null
    const pipelineId = row.pipelineId as string | null
    return { projectId: row.projectId as string, pipelineId, pipelineOff: Boolean(row.disabledAt || row.deletedAt), granted: row.granted !== null }
  }
}

/** One lookup per kind of run. */
export const RUN_OWNERSHIP: Record<string, Lookup> = {
  analysis: ownershipIn({ table: analyses, id: analyses.id, projectId: analyses.projectId, pipelineId: analyses.pipelineId, live: isNull(analyses.deletedAt) }),
  job: ownershipIn({ table: jobs, id: jobs.id, projectId: jobs.projectId, pipelineId: jobs.pipelineId }),
}

export function runOwnership(db: Database, kind: string, id: string): Promise<RunOwnership | null> {
  const lookup = RUN_OWNERSHIP[kind]
  if (!lookup) throw new Error(`no ownership lookup for runs of kind ${kind}`)
  return lookup(db, id)
}
