/**
 * The retention SQL drizzle cannot express well: the analyses due for purging (a UNION of the three
 * ways an analysis falls due) and annotation rows deleted a chunk at a time by rowid.
 */

export interface DueAnalysis {
  id: string
  project_id: string
}

/** An analysis goes when it, its image or its project was deleted before the cutoff. */
export const analysesDue = (d1: D1Database, cutoff: string, limit: number) =>
  d1
    .prepare(
      `SELECT a.id, a.project_id FROM analyses a WHERE a.deleted_at < ?1
       UNION SELECT a.id, a.project_id FROM analyses a JOIN images i ON i.id = a.image_id WHERE i.deleted_at < ?1
       UNION SELECT a.id, a.project_id FROM analyses a JOIN projects p ON p.id = a.project_id WHERE p.deleted_at < ?1
       LIMIT ?2`,
    )
    .bind(cutoff, limit)

/** Up to `chunk` annotation rows of one analysis, picked by rowid. */
export const deleteAnnotationChunk = (d1: D1Database, analysisId: string, chunk: number) =>
  d1.prepare('DELETE FROM annotations WHERE rowid IN (SELECT rowid FROM annotations WHERE analysis_id = ? LIMIT ?)').bind(analysisId, chunk)
