import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { startBenchServer, type BenchServer } from '../../bench/dev-server'
import { serverApi } from './server-api'

/**
 * The retraining loop with the real reference pipeline against `wrangler dev`: the detector's
 * analyses, a person's reviews, a training job that learns from them and registers a model
 * version, and a batch job that applies that version. Reviews that reject a class's boxes must
 * lower that class's scores in the new version's analyses, and raise the accepted ones.
 */
const PIPELINE = 'pipelines/reference'

interface Annotation {
  id: string
  annotation_type: string
  class_name: string | null
  confidence: number | null
  data: Record<string, any>
}

let server: BenchServer
let projectId: string
const imageIds: string[] = []

const api = serverApi(() => server)

/** `npm run <script> -- …` in the pipeline's package, as a user runs it. */
function pipeline(script: string, args: string[]) {
  const run = spawnSync('npm', ['run', '--silent', script, '--', ...args], {
    cwd: PIPELINE,
    encoding: 'utf8',
    env: { ...process.env, LOUPE_URL: server.baseUrl, LOUPE_TOKEN: server.token, ML_CALLBACK_HMAC_SECRET: server.secret },
    timeout: 180_000,
  })
  return { status: run.status, output: `${run.stdout}\n${run.stderr}`, last: run.stdout.trim().split('\n').at(-1) ?? '' }
}

async function runnable(jobId: string) {
  for (let i = 0; i < 300; i++) {
    const job = await api('GET', `/api/jobs/${jobId}`)
    if (job.runnable_at && (!job.dataset || job.dataset.status === 'ready')) return job
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`job ${jobId} never became runnable`)
}

/** The boxes of each image's latest completed analysis by `model`. */
async function boxesBy(model: string): Promise<Annotation[]> {
  const boxes: Annotation[] = []
  for (const imageId of imageIds) {
    const { analyses } = await api<{ analyses: { id: string; status: string }[] }>('GET', `/api/images/${imageId}/analyses?model_name=${model}&status=completed`)
    expect(analyses.length, `a completed ${model} analysis of ${imageId}`).toBeGreaterThan(0)
    const analysis = await api<{ annotations: Annotation[] }>('GET', `/api/analyses/${analyses[0]!.id}`)
    boxes.push(...analysis.annotations.filter((a) => a.annotation_type === 'bounding_box'))
  }
  return boxes
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length
const scoresOf = (boxes: Annotation[], cls: string) => boxes.filter((b) => b.class_name === cls).map((b) => b.confidence!)

beforeAll(async () => {
  if (!existsSync(`${PIPELINE}/node_modules`)) {
    const ci = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: PIPELINE, stdio: 'inherit', timeout: 150_000 })
    if (ci.status !== 0) throw new Error(`npm ci in ${PIPELINE} failed (${ci.status ?? ci.signal})`)
  }
  server = await startBenchServer(Number(process.env.E2E_LOOP_PORT ?? 8791))
  projectId = (await api<{ id: string }>('POST', '/api/projects', { name: 'retraining loop' })).id
  for (const file of ['astronaut.png', 'chelsea.png']) {
    const form = new FormData()
    form.append('file', new File([readFileSync(`test/fixtures/images/${file}`)], file, { type: 'image/png' }))
    imageIds.push((await api<{ id: string }>('POST', `/api/projects/${projectId}/images`, form)).id)
  }
}, 240_000)

afterAll(() => server?.stop())

it('learns from reviews: a training job fits on them, and the batch it feeds scores the rejected class lower', async () => {
  // The detector as a registered version, so its analyses link to it and the two versions compare.
  const detector = await api('POST', `/api/projects/${projectId}/model-versions`, { name: 'loupe-reference', version: '0.1.0' })
  const analyzed = pipeline('analyze', ['--project-id', projectId, '--adapter', 'human'])
  expect(analyzed.status, analyzed.output).toBe(0)
  const before = await boxesBy('loupe-reference')
  const classes = new Set(before.map((b) => b.class_name))
  expect([...classes], 'the detector finds faces and more on these photos').toEqual(expect.arrayContaining(['face', 'person']))

  // The reviewer rejects every face box and accepts every other box.
  for (const box of before) await api('PATCH', `/api/annotations/${box.id}/review`, { state: box.class_name === 'face' ? 'rejected' : 'accepted' })

  const training = await api('POST', `/api/projects/${projectId}/jobs`, {
    kind: 'training',
    model_name: 'reference-rescorer',
    parameters: { epochs: 300, version: '1' },
    inputs: { dataset: { format: 'coco', model: 'loupe-reference', review: 'any' } },
  })
  await runnable(training.id)
  const trained = pipeline('job', ['--job-id', training.id])
  expect(trained.status, trained.output).toBe(0)
  const version = JSON.parse(trained.last).model_version
  expect(version).toMatchObject({ name: 'reference-rescorer', version: '1' })

  // The loss went down epoch by epoch, and the version records where it ended and what it learned from.
  const { series } = await api('GET', `/api/jobs/${training.id}/metrics?name=train/loss&downsample=false&max_points=1000`)
  const losses = series[0].points.map((p: { value: number }) => p.value)
  expect(losses).toHaveLength(300)
  expect(losses.at(-1)).toBeLessThan(losses[0] * 0.5)
  const registered = await api('GET', `/api/model-versions/${version.id}`)
  expect(registered.job_id).toBe(training.id)
  expect(registered.dataset_snapshot_id).toBe((await api('GET', `/api/jobs/${training.id}`)).dataset_snapshot_id)
  expect(registered.artifacts.map((a: { kind: string; filename: string }) => [a.kind, a.filename])).toEqual([['weights', 'rescorer.json']])

  const batch = await api('POST', `/api/projects/${projectId}/jobs`, { kind: 'batch_inference', model_name: 'reference-rescorer', model_version: '1' })
  expect(batch.model_version_id).toBe(version.id)
  await runnable(batch.id)
  const applied = pipeline('job', ['--job-id', batch.id, '--adapter', 'human'])
  expect(applied.status, applied.output).toBe(0)
  const done = await api('GET', `/api/jobs/${batch.id}`)
  expect(done.status).toBe('completed')
  expect(done.batch).toMatchObject({ total: 2, completed: 2, failed: 0 })

  const after = await boxesBy('reference-rescorer')
  // The same detections, re-scored: the detector's own score is kept beside the new one.
  expect(after.map((b) => [b.class_name, b.data.detector_confidence]).sort()).toEqual(before.map((b) => [b.class_name, b.confidence]).sort())
  expect(mean(scoresOf(after, 'face'))).toBeLessThan(mean(scoresOf(before, 'face')))
  expect(mean(scoresOf(after, 'person'))).toBeGreaterThan(mean(scoresOf(before, 'person')))
  expect(Math.max(...scoresOf(after, 'face'))).toBeLessThan(Math.min(...scoresOf(after, 'person')))

  // The comparison of the two versions, on the images both analysed, says the same.
  const compared = await api('GET', `/api/projects/${projectId}/model-versions/compare?base=${detector.id}&candidate=${version.id}`)
  expect(compared.images).toEqual({ base: 2, candidate: 2, common: 2 })
  const delta = Object.fromEntries(compared.classes.map((c: { class_name: string; mean_confidence_delta: number }) => [c.class_name, c.mean_confidence_delta]))
  expect(delta.face).toBeLessThan(0)
  expect(delta.person).toBeGreaterThan(0)
  // The detector's boxes carry their reviews; the new version's are not reviewed yet.
  const face = compared.classes.find((c: { class_name: string }) => c.class_name === 'face')
  expect(face.base.rejected).toBe(scoresOf(before, 'face').length)
  expect(face.candidate.rejected).toBe(0)
}, 600_000)
