/** The analyses of a batch job still open, at most `limit`: a page of the sweep that cancels them. */
export const openBatchAnalysisIds = (d1: D1Database, jobId: string, limit: number) =>
  d1.prepare("SELECT id FROM analyses WHERE job_id = ? AND status IN ('queued', 'processing') AND deleted_at IS NULL LIMIT ?").bind(jobId, limit)
