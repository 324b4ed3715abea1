/**
 * Where a model version's predictions most need a person, per image: its latest completed analysis
 * there, how many of its predictions are unreviewed, and how many of those are scored within
 * `margin` of `threshold`, weighted by how close (1 at the threshold, 0 at the margin). Images a
 * person marked reviewed are done and left out.
 */

export interface QueueStatsRow {
  image_id: string
  filename: string
  analysis_id: string
  unreviewed: number
  uncertain: number
  priority: number
}

export interface QueueStatsParams {
  projectId: string
  modelName: string
  modelVersion: string
  threshold: number
  margin: number
}

const QUEUE_STATS = `
  WITH latest AS (
    SELECT id, image_id FROM (
      SELECT id, image_id, ROW_NUMBER() OVER (PARTITION BY image_id ORDER BY completed_at DESC, created_at DESC, id DESC) AS rn
      FROM analyses
      WHERE project_id = ?1 AND model_name = ?2 AND model_version = ?3 AND status = 'completed' AND deleted_at IS NULL
    ) WHERE rn = 1
  )
  SELECT l.image_id, i.filename, l.id AS analysis_id,
    coalesce(sum(a.review_state = 'unreviewed'), 0) AS unreviewed,
    coalesce(sum(a.review_state = 'unreviewed' AND abs(a.confidence - ?4) < ?5), 0) AS uncertain,
    coalesce(sum(CASE WHEN a.review_state = 'unreviewed' AND abs(a.confidence - ?4) < ?5 THEN 1 - abs(a.confidence - ?4) / ?5 ELSE 0 END), 0) AS priority
  FROM latest l
  JOIN images i ON i.id = l.image_id AND i.deleted_at IS NULL
  LEFT JOIN annotations a ON a.analysis_id = l.id
  WHERE NOT EXISTS (SELECT 1 FROM image_reviews r WHERE r.image_id = l.image_id)
  GROUP BY l.id`

const bind = (s: D1PreparedStatement, p: QueueStatsParams, ...rest: unknown[]) => s.bind(p.projectId, p.modelName, p.modelVersion, p.threshold, p.margin, ...rest)

/** Every image's numbers, for an order worked out elsewhere. */
export async function queueStats(d1: D1Database, p: QueueStatsParams): Promise<QueueStatsRow[]> {
  return (await bind(d1.prepare(QUEUE_STATS), p).all<QueueStatsRow>()).results
}

/** One page of the images with something unreviewed, the most uncertain first, and how many there are. */
export async function uncertainPage(d1: D1Database, p: QueueStatsParams, skip: number, limit: number) {
  const [page, total] = await d1.batch([
    bind(d1.prepare(`${QUEUE_STATS} HAVING unreviewed > 0 ORDER BY priority DESC, uncertain DESC, i.filename, l.image_id LIMIT ?6 OFFSET ?7`), p, limit, skip),
    bind(d1.prepare(`SELECT count(*) AS n FROM (${QUEUE_STATS} HAVING unreviewed > 0)`), p),
  ])
  return { rows: page!.results as QueueStatsRow[], total: Number((total!.results[0] as { n: number }).n) }
}
