/**
 * The project status reads drizzle cannot express well: a UNION ALL of two grouped counts, and a
 * window function that keeps the latest versions of each model.
 */

/** Each model with how many versions are registered and how many analyses ran, sorted by name. */
export const modelCounts = (d1: D1Database, projectId: string) =>
  d1
    .prepare(
      `SELECT name, sum(registered) AS registered, sum(analyses) AS analyses FROM (
         SELECT name, count(*) AS registered, 0 AS analyses FROM model_versions WHERE project_id = ?1 GROUP BY name
         UNION ALL
         SELECT model_name, 0, count(*) FROM analyses WHERE project_id = ?1 AND deleted_at IS NULL GROUP BY model_name)
       GROUP BY name ORDER BY name`,
    )
    .bind(projectId)

/** The ids of the `perModel` newest versions of each model of the project. */
export const latestVersionIds = (d1: D1Database, projectId: string, perModel: number) =>
  d1
    .prepare(
      `SELECT id FROM (SELECT id, row_number() OVER (PARTITION BY name ORDER BY created_at DESC, id DESC) AS k FROM model_versions WHERE project_id = ?1)
       WHERE k <= ?2`,
    )
    .bind(projectId, perModel)
