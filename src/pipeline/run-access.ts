import { and, eq, isNull } from 'drizzle-orm'
import type { Database } from '../db/client'
import { analyses, pipelineGrants, pipelines } from '../db/schema'

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

async function analysisOwnership(db: Database, id: string): Promise<RunOwnership | null> {
  const row = await db
    .select({
      projectId: analyses.projectId,
      pipelineId: analyses.pipelineId,
      disabledAt: pipelines.disabledAt,
      deletedAt: pipelines.deletedAt,
      granted: pipelineGrants.pipelineId,
    })
    .from(analyses)
    .leftJoin(pipelines, eq(pipelines.id, analyses.pipelineId))
    .leftJoin(pipelineGrants, and(eq(pipelineGrants.pipelineId, analyses.pipelineId), eq(pipelineGrants.projectId, analyses.projectId)))
    .where(and(eq(analyses.id, id), isNull(analyses.deletedAt)))
    .get()
  if (!row) return null
  return { projectId: row.projectId, pipelineId: row.pipelineId, pipelineOff: Boolean(row.disabledAt || row.deletedAt), granted: row.granted !== null }
}

/** One lookup per kind of run; a new kind registers its own (`jobs` reads its own table). */
export const RUN_OWNERSHIP: Record<string, Lookup> = { analysis: analysisOwnership }

export function runOwnership(db: Database, kind: string, id: string): Promise<RunOwnership | null> {
  const lookup = RUN_OWNERSHIP[kind]
  if (!lookup) throw new Error(`no ownership lookup for runs of kind ${kind}`)
  return lookup(db, id)
}
