import type { DataAccess } from '../../db/client'
import { analysedImageCount, classStats, type ClassRow } from '../../db/model-version-sql'
import { AppError } from '../../errors'
import type { ModelVersion } from '../../schemas/model-versions'

/**
 * Two versions of a project side by side, class by class: how many boxes each made, how confident
 * it was, and how reviewers judged them. By default only images both versions analysed count, so a
 * lower mean score is the model's doing and not a different set of images.
 */
export async function compareVersions({ d1 }: DataAccess, base: ModelVersion, candidate: ModelVersion, scope: 'common' | 'all') {
  if (base.project_id !== candidate.project_id) throw new AppError(400, 'validation_error', 'Both versions must belong to one project', { path: ['candidate'] })
  const common = scope === 'common'
  const [baseClasses, candidateClasses, baseImages, candidateImages, both] = await d1.batch([
    classStats(d1, base.id, candidate.id, common),
    classStats(d1, candidate.id, base.id, common),
    analysedImageCount(d1, base.id),
    analysedImageCount(d1, candidate.id),
    analysedImageCount(d1, base.id, candidate.id),
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
