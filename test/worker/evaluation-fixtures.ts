import { api, createAnalysis, createProject, createUser, signed, type TestUser, uploadImage } from './helpers'

/**
 * A project built from a COCO ground-truth file and a COCO results list the way a user would build
 * it: images uploaded under the file's names, the file imported, and each image's results posted
 * by a pipeline as one completed analysis of `yolo_v8@1.0.0` (or the model given).
 */

export interface CocoImage {
  id: number
  file_name?: string
  width?: number
  height?: number
}
export interface CocoResult {
  image_id: number
  category_id: number
  bbox: number[]
  score: number
}
export interface CocoFile {
  images: CocoImage[]
  annotations: Record<string, unknown>[]
  categories: { id: number; name: string }[]
}

export interface Seeded {
  owner: TestUser
  projectId: string
  importId: string
  /** Loupe image id by COCO image id. */
  imageIds: Map<number, string>
  /** Analysis id by COCO image id. */
  analysisIds: Map<number, string>
}

export async function seedProject(gt: CocoFile, results: CocoResult[], existing?: { owner: TestUser; projectId: string }): Promise<Seeded> {
  const owner = existing?.owner ?? (await createUser('evaluator'))
  const projectId = existing?.projectId ?? (await createProject(owner, 'Evaluation')).id
  const imageIds = new Map<number, string>()
  const named = { ...gt, images: gt.images.map((im) => ({ ...im, file_name: im.file_name ?? `image_${im.id}.png` })) }
  for (const im of named.images) imageIds.set(im.id, (await uploadImage(owner, projectId, undefined, im.file_name)).id)
  const res = await api(`/api/projects/${projectId}/ground-truth`, { method: 'POST', token: owner.token, json: named })
  if (res.status !== 201) throw new Error(`import: ${res.status} ${await res.text()}`)
  const importId = (await res.json<{ id: string }>()).id
  const analysisIds = await postResults({ owner, imageIds }, gt, results)
  return { owner, projectId, importId, imageIds, analysisIds }
}

/** Each image's results, in file order, as one completed analysis of the model. */
export async function postResults(
  { owner, imageIds }: { owner: TestUser; imageIds: Map<number, string> },
  gt: CocoFile,
  results: CocoResult[],
  model: { model_name: string; model_version: string } = { model_name: 'yolo_v8', model_version: '1.0.0' },
) {
  const names = new Map(gt.categories.map((c) => [c.id, c.name]))
  const byImage = new Map<number, CocoResult[]>()
  for (const r of results) (byImage.get(r.image_id) ?? byImage.set(r.image_id, []).get(r.image_id)!).push(r)
  const analysisIds = new Map<number, string>()
  for (const [cocoId, list] of byImage) {
    const analysis = await createAnalysis(owner, imageIds.get(cocoId)!, model)
    const annotations = list.map((r) => ({
      annotation_type: 'bounding_box',
      class_name: names.get(r.category_id) ?? `category_${r.category_id}`,
      confidence: r.score,
      data: { x_min: r.bbox[0]!, y_min: r.bbox[1]!, x_max: r.bbox[0]! + r.bbox[2]!, y_max: r.bbox[1]! + r.bbox[3]! },
    }))
    const bulk = await signed('POST', `/api/analyses/${analysis.id}/annotations:bulk`, { annotations })
    if (bulk.status !== 200 && bulk.status !== 201) throw new Error(`bulk: ${bulk.status} ${await bulk.text()}`)
    const done = await signed('POST', `/api/analyses/${analysis.id}/finalize`, { status: 'completed' })
    if (done.status !== 200) throw new Error(`finalize: ${done.status} ${await done.text()}`)
    analysisIds.set(cocoId, analysis.id)
  }
  return analysisIds
}

/** Every stat equal to pycocotools' to the fixture's tolerance, or printed the same to its decimals. */
export function statsAgree(actual: number[], expected: { stats: number[]; tol?: number; decimals?: number }): string[] {
  const wrong: string[] = []
  expected.stats.forEach((e, i) => {
    const a = actual[i]!
    const ok = expected.decimals !== undefined ? a.toFixed(expected.decimals) === e.toFixed(expected.decimals) : Math.abs(a - e) <= Math.max(expected.tol ?? 1e-4, 1e-12)
    if (!ok) wrong.push(`stat ${i}: ${a} against ${e}`)
  })
  return wrong
}
