import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import fakeGt from '../fixtures/coco/cocoapi_val2014_100_gt.json'
import fakeResults from '../fixtures/coco/cocoapi_fakebbox100_results.json'
import fakeFixture from '../fixtures/coco/cocoapi_fakebbox100.fixture.json'
import detectron2 from '../fixtures/coco/detectron2_val_subset.fixture.json'
import odmGt from '../fixtures/coco/review_odm_sampled_gts_bbox_area.json'
import odmFixture from '../fixtures/coco/review_odm_bbox_area.fixture.json'
import { type CocoFile, type CocoResult, postResults, seedProject, statsAgree } from './evaluation-fixtures'
import { addMember, api, createUser } from './helpers'

type Json = Record<string, any>

const create = (projectId: string, token: string, body: Json) => api(`/api/projects/${projectId}/evaluations`, { method: 'POST', token, json: body })
const get = async (path: string, token: string) => {
  const res = await api(path, { token })
  expect(res.status, await res.clone().text()).toBe(200)
  return res.json<Json>()
}

// pycocotools evaluates every image of the ground truth: an image with no detection counts its misses.
const COCO_PROTOCOL = { predictions: { model_name: 'yolo_v8', model_version: '1.0.0' }, images: 'ground_truth' }

describe('evaluations reproduce pycocotools through the API', { timeout: 240_000 }, () => {
  it('detectron2 subset: an image without ground truth, a category without ground truth (-1, out of the mean), an unmatched low score', async () => {
    const s = await seedProject(detectron2.gt as CocoFile, detectron2.dt as CocoResult[])
    const res = await create(s.projectId, s.owner.token, COCO_PROTOCOL)
    expect(res.status, await res.clone().text()).toBe(201)
    const ev = await res.json<Json>()
    expect(ev).toMatchObject({ status: 'completed', runner: 'inline', iou_type: 'bbox', ground_truth: { source: 'import', import_id: s.importId } })
    expect(statsAgree(ev.result.stats, detectron2.expected[0]!)).toEqual([])
    expect(ev.stats).toEqual(ev.result.stats)
    expect(ev.stat_names).toEqual(['AP', 'AP50', 'AP75', 'APs', 'APm', 'APl', 'AR1', 'AR10', 'AR100', 'ARs', 'ARm', 'ARl'])
    const bed = ev.result.per_class.find((c: Json) => c.class_name === 'bed')
    expect(Object.keys(ev.result.per_class[0]).sort()).toEqual(['ap', 'ap50', 'ap75', 'ar100', 'class_name', 'dt_count', 'gt_count'])
    expect(bed).toBeDefined()
    for (const c of ev.result.pr_curves.curves) if (c.precision) expect(c.precision).toHaveLength(101)
    expect(new Set(ev.result.pr_curves.curves.map((c: Json) => c.iou_threshold))).toEqual(new Set([0.5, 0.75]))
    expect(ev.result.confusion_matrix.labels.at(-1)).toBe('background')

    const again = await get(`/api/evaluations/${ev.id}`, s.owner.token)
    expect(again.result.stats).toEqual(ev.result.stats)
  })

  it('cocoapi fake results on 100 val2014 images: crowd ground truth, areas from masks, 734 detections (1e-9)', async () => {
    const s = await seedProject(fakeGt as unknown as CocoFile, fakeResults as CocoResult[])
    const res = await create(s.projectId, s.owner.token, COCO_PROTOCOL)
    expect(res.status, await res.clone().text()).toBe(201)
    const ev = await res.json<Json>()
    for (const expected of fakeFixture.expected) expect(statsAgree(ev.result.stats, expected)).toEqual([])
    expect(ev.counts).toMatchObject({ images: 100, detections: 734 })
    expect(ev.counts.tp + ev.counts.fp).toBeLessThanOrEqual(734)
  })

  it('review_object_detection_metrics: box areas, no crowd (6 decimals)', async () => {
    const s = await seedProject(odmGt as unknown as CocoFile, fakeResults as CocoResult[])
    const ev = await (await create(s.projectId, s.owner.token, COCO_PROTOCOL)).json<Json>()
    expect(statsAgree(ev.result.stats, odmFixture.expected[0]!)).toEqual([])
  })
})

describe('evaluation results', { timeout: 60_000 }, () => {
  it('lists per-object outcomes by image, by confusion cell, and at a confidence threshold', async () => {
    const s = await seedProject(detectron2.gt as CocoFile, detectron2.dt as CocoResult[])
    const ev = await (await create(s.projectId, s.owner.token, { ...COCO_PROTOCOL, name: 'baseline' })).json<Json>()
    const t = s.owner.token

    const images = await get(`/api/evaluations/${ev.id}/images`, t)
    expect(images.total).toBe(2)
    const perImage = await get(`/api/evaluations/${ev.id}/images/${images.images[0].image_id}`, t)
    expect(perImage.objects.length).toBeGreaterThan(0)
    for (const o of perImage.objects) {
      expect(['tp', 'fp', 'fn', 'ignored']).toContain(o.status)
      if (o.status === 'tp') expect(o.matched_id).toMatch(/^[0-9a-f-]{36}$/)
      if (o.status === 'tp') expect(o.iou).toBeGreaterThanOrEqual(0.5)
    }

    // Every object once, across pages of one.
    const all: Json[] = []
    for (let cursor: number | null = 0; cursor !== null; ) {
      const page: Json = await get(`/api/evaluations/${ev.id}/objects?limit=1&cursor=${cursor}`, t)
      all.push(...page.objects)
      cursor = page.next_cursor
    }
    expect(all.length).toBe(ev.counts.detections + ev.counts.ground_truth)
    const detections = all.filter((o) => o.kind === 'detection')
    const tps = detections.filter((o) => o.status === 'tp')
    expect(tps.length).toBe(ev.counts.tp)

    // Raised past the lowest true positive's score: it drops out, and its ground truth becomes a miss.
    const lowest = Math.min(...tps.map((o) => o.score))
    const threshold = lowest + 1e-6
    const fnAt = await get(`/api/evaluations/${ev.id}/objects?status=fn&min_score=${threshold}`, t)
    expect(fnAt.objects.length).toBe(ev.counts.fn + tps.filter((o) => o.score < threshold).length)
    const fpAt = await get(`/api/evaluations/${ev.id}/objects?status=fp&min_score=${threshold}`, t)
    expect(fpAt.objects.every((o: Json) => o.score >= threshold && o.kind === 'detection')).toBe(true)
    expect(fpAt.objects.length).toBe(detections.filter((o) => o.status === 'fp' && o.score >= threshold).length)
    const person = await get(`/api/evaluations/${ev.id}/objects?class_name=person&kind=ground_truth`, t)
    expect(person.objects.every((o: Json) => o.class_name === 'person' && o.kind === 'ground_truth')).toBe(true)

    // The confusion matrix counts what its cells list.
    const { labels, counts } = ev.result.confusion_matrix
    for (let r = 0; r < labels.length; r++) {
      for (let c = 0; c < labels.length; c++) {
        if (!counts[r][c]) continue
        const cell = await get(`/api/evaluations/${ev.id}/confusion?true_class=${labels[r]}&predicted_class=${labels[c]}`, t)
        expect(cell.count).toBe(counts[r][c])
        expect(cell.objects).toHaveLength(counts[r][c])
      }
    }

    const matches = await get(`/api/evaluations/${ev.id}/matches`, t)
    expect(matches.evaluation_id).toBe(ev.id)
    expect(matches.scores.length).toBe(matches.tp.length)
    expect([...matches.tp].filter((ch) => ch === '1').length).toBe(ev.counts.tp)
  })

  it('compares two model versions on the same ground truth, then deletes one with its stored result', async () => {
    const s = await seedProject(detectron2.gt as CocoFile, detectron2.dt as CocoResult[])
    // Version 2 keeps only its most confident detection.
    const best = [...(detectron2.dt as CocoResult[])].sort((a, b) => b.score - a.score).slice(0, 1)
    await postResults(s, detectron2.gt as CocoFile, best, { model_name: 'yolo_v8', model_version: '2.0.0' })
    const a = await (await create(s.projectId, s.owner.token, COCO_PROTOCOL)).json<Json>()
    const b = await (await create(s.projectId, s.owner.token, { ...COCO_PROTOCOL, predictions: { model_name: 'yolo_v8', model_version: '2.0.0' } })).json<Json>()
    expect(b.counts.detections).toBe(1)

    const cmp = await get(`/api/evaluations/compare?a=${a.id}&b=${b.id}`, s.owner.token)
    expect(cmp.stats).toHaveLength(12)
    expect(cmp.stats[0]).toMatchObject({ name: 'AP', a: a.result.stats[0], b: b.result.stats[0], delta: b.result.stats[0] - a.result.stats[0] })
    expect(cmp.warnings).toEqual([])
    expect(cmp.per_class.map((c: Json) => c.class_name).sort()).toEqual(['bed', 'person'])

    const list = await get(`/api/projects/${s.projectId}/evaluations`, s.owner.token)
    expect(list.evaluations.map((e: Json) => e.id)).toEqual([b.id, a.id])
    expect(list.evaluations[0]).not.toHaveProperty('result')

    expect((await api(`/api/evaluations/${a.id}`, { method: 'DELETE', token: s.owner.token })).status).toBe(204)
    expect((await api(`/api/evaluations/${a.id}`, { token: s.owner.token })).status).toBe(404)
    expect((await env.BUCKET.list({ prefix: `evaluations/${a.id}/` })).objects).toEqual([])
  })

  it('runs in the background when asked: 202, then completed with the same numbers', async () => {
    const s = await seedProject(detectron2.gt as CocoFile, detectron2.dt as CocoResult[])
    const res = await create(s.projectId, s.owner.token, { ...COCO_PROTOCOL, background: true })
    expect(res.status).toBe(202)
    const queued = await res.json<Json>()
    expect(queued.runner).toBe('durable_object')
    expect(queued.result).toBeUndefined()
    let ev: Json = queued
    for (let i = 0; i < 100 && ev.status !== 'completed' && ev.status !== 'failed'; i++) {
      await new Promise((r) => setTimeout(r, 50))
      ev = await get(`/api/evaluations/${queued.id}`, s.owner.token)
    }
    expect(ev.status, ev.error_message).toBe('completed')
    expect(statsAgree(ev.result.stats, detectron2.expected[0]!)).toEqual([])
  })

  it('refuses what it cannot evaluate with 4xx and stores nothing', async () => {
    const s = await seedProject(detectron2.gt as CocoFile, detectron2.dt as CocoResult[])
    const t = s.owner.token
    const unknownModel = await create(s.projectId, t, { predictions: { model_name: 'nope', model_version: '1' } })
    expect(unknownModel.status).toBe(409)
    const badImport = await create(s.projectId, t, { ...COCO_PROTOCOL, ground_truth: { source: 'import', import_id: crypto.randomUUID() } })
    expect(badImport.status).toBe(404)
    const badBody = await create(s.projectId, t, { predictions: { model_name: 'yolo_v8' } })
    expect(badBody.status).toBe(400)
    expect((await badBody.json<Json>()).error.code).toBe('validation_error')
    const viewer = await createUser('viewer')
    await addMember(s.owner, s.projectId, viewer, 'viewer')
    expect((await create(s.projectId, viewer.token, COCO_PROTOCOL)).status).toBe(403)
    const stranger = await createUser('stranger')
    expect((await api(`/api/projects/${s.projectId}/evaluations`, { token: stranger.token })).status).toBe(404)
    expect((await get(`/api/projects/${s.projectId}/evaluations`, t)).total).toBe(0)
  })
})
