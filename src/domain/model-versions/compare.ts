import type { DataAccess } from '../../db/client'
import { AppError } from '../../errors'
import type { ModelVersion } from '../../schemas/model-versions'

interface ClassRow {
  class_name: string
  annotations: number
  mean_confidence: number | null
  accepted: number
  rejected: number
}

/** Completed analyses of a version; with `common`, only of images the other version analysed too. */
const analysed = (common: boolean) => `
  SELECT a.id, a.image_id FROM analyses a
  WHERE a.model_version_id = ?1 AND a.status = 'completed' AND a.deleted_at IS NULL
  ${common ? "AND EXISTS (SELECT 1 FROM analyses b WHERE b.image_id = a.image_id AND b.model_version_id = ?2 AND b.status = 'completed' AND b.deleted_at IS NULL)" : ''}`

const perClass = (common: boolean) => `
  SELECT coalesce(an.class_name, 'unlabeled') AS class_name, count(*) AS annotations, avg(an.confidence) AS mean_confidence,
         sum(an.review_state = 'accepted') AS accepted, sum(an.review_state = 'rejected') AS rejected
  FROM annotations an JOIN (${analysed(common)}) a ON a.id = an.analysis_id
  GROUP BY 1 ORDER BY 1`

const images = (common: boolean) => `SELECT count(DISTINCT image_id) AS n FROM (${analysed(common)})`

/**
 * Two versions of a project side by side, class by class: how many boxes each made, how confident
 * it was, and how reviewers judged them. By default only images both versions analysed count, so a
 * lower mean score is the model's doing and not a different set of images.
 */
export async function compareVersions({ d1 }: DataAccess, base: ModelVersion, candidate: ModelVersion, scope: 'common' | 'all') {
  if (base.project_id !== candidate.project_id) throw new AppError(400, 'validation_error', 'Both versions must belong to one project', { path: ['candidate'] })
  const common = scope === 'common'
  const [baseClasses, candidateClasses, baseImages, candidateImages, both] = await d1.batch([
    d1.prepare(perClass(common)).bind(base.id, candidate.id),
    d1.prepare(perClass(common)).bind(candidate.id, base.id),
    d1.prepare(images(false)).bind(base.id),
    d1.prepare(images(false)).bind(candidate.id),
    d1.prepare(images(true)).bind(base.id, candidate.id),
  ])
  const empty = { annotations: 0, mean_confidence: null, accepted: 0, rejected: 0 }
  const stats = (r: ClassRow | undefined) =>
    r ? { annotations: Number(r.annotations), mean_confidence: r.mean_confidence === null ? null : Number(r.mean_confidence), accepted: Number(r.accepted), rejected: Number(r.rejected) } : empty
  const b = new Map((baseClasses!.results as ClassRow[]).map((r) => [r.class_name, r]))
  const c = new Map((candidateClasses!.results as ClassRow[]).map((r) => [r.class_name, r]))
  const names = [...new Set([...b.keys(), ...c.keys()])].sort()
  const count = (r: D1Result | undefined) => Number((r?.results[0] as { n: number } | undefined)?.n ?? 0)
  return {
    base,
    candidate,
    scope,
    images: { base: count(baseImages), candidate: count(candidateImages), common: count(both) },
    classes: names.map((class_name) => {
      const [bs, cs] = [stats(b.get(class_name)), stats(c.get(class_name))]
      return {
        class_name,
        base: bs,
        candidate: cs,
        mean_confidence_delta: bs.mean_confidence !== null && cs.mean_confidence !== null ? cs.mean_confidence - bs.mean_confidence : null,
      }
    }),
  }
}
