import type { z } from 'zod'
import type { CurrentUser } from '../../app-env'
import type { DataAccess } from '../../db/client'
import { notFound } from '../../errors'
import type { ComparePair, ProjectCompareQuery, ProjectComparison } from '../../schemas/project-review'
import { getProject } from '../projects'
import { pairedImages } from './project-pairs'

type Tally = Record<ComparePair['outcome'], number>
const emptyTally = (): Tally => ({ matched: 0, only_a: 0, only_b: 0, class_changed: 0 })
export const disagreementOf = (t: Tally) => t.only_a + t.only_b + t.class_changed

/**
 * Two versions across a project: how many objects they agree on, which only one found, which they
 * classed differently (and as what), by geometry, with the images where they disagree most first.
 */
export async function compareProject(
  { db, d1 }: DataAccess,
  user: CurrentUser,
  projectId: string,
  q: z.output<typeof ProjectCompareQuery>,
): Promise<z.output<typeof ProjectComparison>> {
  await getProject(db, user, projectId, 'read')
  const totals = emptyTally()
  const byType: Record<string, Tally> = {}
  const changes = new Map<string, { a_class: string; b_class: string; count: number }>()
  const images: (Tally & { image_id: string; filename: string; a_analysis_id: string; b_analysis_id: string; disagreement: number })[] = []
  let pairs: ComparePair[] | undefined

  for await (const im of pairedImages(d1, projectId, q.a, q.b, q.iou)) {
    const tally = emptyTally()
    for (const p of im.pairs) {
      tally[p.outcome]++
      totals[p.outcome]++
      ;(byType[p.annotation_type] ??= emptyTally())[p.outcome]++
      if (p.outcome === 'class_changed') {
        const key = JSON.stringify([p.a_class, p.b_class])
        const row = changes.get(key) ?? changes.set(key, { a_class: p.a_class ?? 'unlabeled', b_class: p.b_class ?? 'unlabeled', count: 0 }).get(key)!
        row.count++
      }
    }
    images.push({ image_id: im.image_id, filename: im.filename, a_analysis_id: im.a_analysis_id, b_analysis_id: im.b_analysis_id, ...tally, disagreement: disagreementOf(tally) })
    if (im.image_id === q.image_id) pairs = im.pairs
  }
  if (q.image_id && !pairs) throw notFound('Image analysed by both versions')

  // Stable: among equal disagreement, images stay in file-name order.
  images.sort((x, y) => y.disagreement - x.disagreement)
  return {
    a: q.a,
    b: q.b,
    iou_threshold: q.iou,
    totals,
    by_type: byType,
    class_changes: [...changes.values()].sort((x, y) => y.count - x.count || x.a_class.localeCompare(y.a_class) || x.b_class.localeCompare(y.b_class)),
    images: images.slice(q.skip, q.skip + q.limit),
    total_images: images.length,
    skip: q.skip,
    limit: q.limit,
    ...(pairs ? { pairs } : {}),
  }
}
