import type { z } from 'zod'
import type { CurrentUser } from '../../app-env'
import type { DataAccess } from '../../db/client'
import { queueStats, uncertainPage, type QueueStatsParams, type QueueStatsRow } from '../../db/review-queue-sql'
import { AppError } from '../../errors'
import type { ReviewQueue, ReviewQueueQuery } from '../../schemas/project-review'
import { getProject } from '../projects'
import { pairedImages } from './project-pairs'

type Query = z.output<typeof ReviewQueueQuery>

/**
 * A project's images in the order a person's time is best spent on them, for one model version:
 * `uncertain` puts first the images whose unreviewed predictions are scored closest to the
 * threshold; `disagreement` the images where it and a second version disagree on the most objects
 * nobody has reviewed yet. Reviewing an image moves it down (or out): the queue shrinks as people
 * work. Images marked reviewed are left out. See docs/evaluation.md#review-queue.
 */
export async function reviewQueue({ db, d1 }: DataAccess, user: CurrentUser, projectId: string, q: Query): Promise<z.output<typeof ReviewQueue>> {
  await getProject(db, user, projectId, 'read')
  const params: QueueStatsParams = { projectId, modelName: q.model.model_name, modelVersion: q.model.model_version, threshold: q.threshold, margin: q.margin }
  const item = (r: QueueStatsRow, priority: number, disagreements: number | null) => ({
    image_id: r.image_id,
    filename: r.filename,
    analysis_id: r.analysis_id,
    priority,
    unreviewed: Number(r.unreviewed),
    uncertain: Number(r.uncertain),
    disagreements,
  })

  if (q.order === 'uncertain') {
    const { rows, total } = await uncertainPage(d1, params, q.skip, q.limit)
    return { items: rows.map((r) => item(r, Number(r.priority), null)), total, skip: q.skip, limit: q.limit }
  }

  if (!q.against) throw new AppError(400, 'validation_error', '`against` names the second version, which the disagreement order needs', { path: ['against'] })
  if (q.against.model_name === q.model.model_name && q.against.model_version === q.model.model_version) {
    throw new AppError(400, 'validation_error', '`against` must be another version than `model`', { path: ['against'] })
  }
  const stats = new Map((await queueStats(d1, params)).map((r) => [r.image_id, r]))
  const ranked: { row: QueueStatsRow; open: number }[] = []
  for await (const im of pairedImages(d1, projectId, q.model, q.against, q.iou)) {
    const row = stats.get(im.image_id)
    if (!row) continue
    // A disagreement is settled once a person has judged either object in it.
    const open = im.pairs.filter((p) => p.outcome !== 'matched' && ![p.a_id, p.b_id].some((id) => id !== null && im.reviewed.has(id))).length
    if (open > 0) ranked.push({ row, open })
  }
  // Stable: equal counts keep the closer calls first, then file-name order.
  ranked.sort((x, y) => y.open - x.open || Number(y.row.priority) - Number(x.row.priority))
  return {
    items: ranked.slice(q.skip, q.skip + q.limit).map(({ row, open }) => item(row, open, open)),
    total: ranked.length,
    skip: q.skip,
    limit: q.limit,
  }
}
