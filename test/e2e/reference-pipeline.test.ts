import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { createInterface } from 'node:readline'
import { decode } from 'fast-png'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startBenchServer, type BenchServer } from '../../bench/dev-server'
import { serverApi } from './server-api'

/**
 * The reference pipeline (`pipelines/reference`) run the way a user runs it, `npm run analyze` in
 * its own package, against `wrangler dev`, once per model adapter. What it did is read back through
 * the user API only: the analysis, its annotations, its logs and the artifacts Loupe serves.
 */
const PIPELINE = 'pipelines/reference'

interface Annotation {
  annotation_type: string
  class_name: string | null
  confidence: number | null
  data: Record<string, any>
  storage_path: string | null
}
interface Analysis {
  id: string
  status: string
  progress: number
  model_name: string
  error_message: string | null
  parameters: Record<string, unknown>
  provenance: Record<string, any>
  annotations: Annotation[]
}
interface BatchResult {
  image_id: string
  analysis_id: string
  status: string
  error?: string
}

let server: BenchServer
let projectId: string
let astronautId: string
/** The in-process run's boxes, which the http and subprocess adapters must reproduce exactly. */
let humanBoxes: Annotation[]

const api = serverApi(() => server)

async function uploadImage(file: string): Promise<string> {
  const form = new FormData()
  form.append('file', new File([readFileSync(`test/fixtures/images/${file}`)], file, { type: 'image/png' }))
  return (await api<{ id: string }>('POST', `/api/projects/${projectId}/images`, form)).id
}

/** `npm run analyze -- …` in the pipeline's package; its last stdout line is the JSON summary. */
function analyze(args: string[]) {
  const run = spawnSync('npm', ['run', '--silent', 'analyze', '--', ...args], {
    cwd: PIPELINE,
    encoding: 'utf8',
    env: { ...process.env, LOUPE_URL: server.baseUrl, LOUPE_TOKEN: server.token, ML_CALLBACK_HMAC_SECRET: server.secret },
    timeout: 120_000,
  })
  const output = `${run.stdout}\n${run.stderr}`
  const last = run.stdout.trim().split('\n').at(-1) ?? ''
  const analyses: BatchResult[] = last.startsWith('{') ? JSON.parse(last).analyses : []
  return { status: run.status, output, analyses }
}

async function completedAnalysis(args: string[]): Promise<Analysis> {
  const run = analyze(args)
  expect(run.status, run.output).toBe(0)
  expect(run.analyses, run.output).toHaveLength(1)
  const analysis = await api<Analysis>('GET', `/api/analyses/${run.analyses[0]!.analysis_id}`)
  expect(analysis.status, run.output).toBe('completed')
  expect(analysis.progress).toBe(1)
  return analysis
}

/** Fetches an artifact the way the viewer does: a presigned download URL, then its bytes. */
async function artifactPng(storagePath: string) {
  const { download_url } = await api<{ download_url: string }>('GET', `/api/ml/artifacts/download?storage_path=${encodeURIComponent(storagePath)}`)
  const res = await fetch(new URL(download_url, server.baseUrl))
  expect(res.status).toBe(200)
  return decode(new Uint8Array(await res.arrayBuffer()))
}

const boxes = (a: Analysis) => a.annotations.filter((x) => x.annotation_type === 'bounding_box')
const byType = (a: Analysis, type: string) => a.annotations.find((x) => x.annotation_type === type)
const comparable = (list: Annotation[]) => list.map(({ class_name, confidence, data }) => ({ class_name, confidence, data }))

beforeAll(async () => {
  // A clean clone has no models yet: they are the pipeline's own install, not the repository's.
  if (!existsSync(`${PIPELINE}/node_modules`)) {
    const ci = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: PIPELINE, stdio: 'inherit', timeout: 150_000 })
    if (ci.status !== 0) throw new Error(`npm ci in ${PIPELINE} failed (${ci.status ?? ci.signal})`)
  }
  server = await startBenchServer(Number(process.env.E2E_REFERENCE_PORT ?? 8793))
  projectId = (await api<{ id: string }>('POST', '/api/projects', { name: 'reference pipeline' })).id
  astronautId = await uploadImage('astronaut.png')
}, 240_000)

afterAll(() => server?.stop())

describe('reference pipeline', () => {
  it('human adapter: finds the astronaut, her face and pose, and uploads a person mask that Loupe serves back', async () => {
    const analysis = await completedAnalysis(['--image-id', astronautId, '--adapter', 'human'])
    expect(analysis.provenance.models).toMatchObject({ object: 'centernet', body: 'movenet-lightning', face: 'blazeface', segmentation: 'selfie' })

    humanBoxes = boxes(analysis)
    const person = humanBoxes.find((b) => b.class_name === 'person')
    expect(person?.confidence).toBeGreaterThan(0.5)
    expect(person!.data).toMatchObject({ image_width: 512, image_height: 512 })
    // The face lies inside the person's box.
    const face = humanBoxes.find((b) => b.class_name === 'face')!
    expect(face.data.x_min).toBeGreaterThanOrEqual(person!.data.x_min)
    expect(face.data.x_max).toBeLessThanOrEqual(person!.data.x_max)

    const pose = byType(analysis, 'keypoint')!
    const names = pose.data.keypoints.map((k: { name: string }) => k.name)
    expect(names.length).toBeGreaterThanOrEqual(5)
    expect(names).toEqual(expect.arrayContaining(['nose', 'left_eye', 'right_eye', 'left_shoulder', 'right_shoulder']))
    expect(pose.data.skeleton).toContainEqual([names.indexOf('left_shoulder'), names.indexOf('right_shoulder')])

    const classification = byType(analysis, 'classification')!
    expect(classification.data.topk[0]).toEqual({ class: 'person', confidence: person!.confidence })

    const mask = byType(analysis, 'mask')!
    expect(mask.data).toEqual({ width: 512, height: 512 })
    const png = await artifactPng(mask.storage_path!)
    expect([png.width, png.height, png.channels]).toEqual([512, 512, 1])
    const at = (x: number, y: number) => png.data[y * 512 + x]
    expect(at(225, 130), 'her face is in the mask').toBe(255)
    expect(at(500, 20), 'the wall behind her is not').toBe(0)
    const covered = Array.from(png.data).filter((v) => v === 255).length / png.data.length
    expect(covered).toBeGreaterThan(0.3)
    expect(covered).toBeLessThan(0.8)

    const heatmap = byType(analysis, 'heatmap')!
    expect(heatmap.data.color_map).toBe('viridis')
    const colours = await artifactPng(heatmap.storage_path!)
    expect([colours.width, colours.height, colours.channels]).toEqual([512, 512, 4])

    const log = await api<string>('GET', `/api/analyses/${analysis.id}/logs?format=text`)
    for (const stage of ['preprocess', 'inference', 'postprocess', 'upload', 'annotate']) expect(log).toMatch(new RegExp(`\\[${stage}\\] Stage completed`))
  }, 90_000)

  it('http adapter: the shipped model server answers /infer with the same detections', async () => {
    expect(humanBoxes, 'runs after the human adapter test').toBeDefined()
    const modelServer: ChildProcess = spawn('npm', ['run', '--silent', 'model-server', '--', '--port', '0'], { cwd: PIPELINE, stdio: ['ignore', 'pipe', 'inherit'], detached: true })
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('the model server did not start within 60 s')), 60_000)
        modelServer.once('exit', (code) => reject(new Error(`the model server exited (${code})`)))
        createInterface({ input: modelServer.stdout! }).on('line', (line) => {
          const match = /listening on (\S+)/.exec(line)
          if (match) {
            clearTimeout(timer)
            resolve(match[1]!)
          }
        })
      })
      const analysis = await completedAnalysis(['--image-id', astronautId, '--adapter', 'http', '--model-url', url])
      expect(analysis.parameters.adapter).toBe('http')
      expect(comparable(boxes(analysis))).toEqual(comparable(humanBoxes))
      expect(byType(analysis, 'mask')).toBeDefined()
    } finally {
      // npm starts node in a child; end the whole group.
      process.kill(-modelServer.pid!, 'SIGTERM')
    }
  }, 90_000)

  it('subprocess adapter: the example command prints progress and a JSON result that make the same detections', async () => {
    expect(humanBoxes, 'runs after the human adapter test').toBeDefined()
    const analysis = await completedAnalysis(['--image-id', astronautId, '--adapter', 'subprocess'])
    expect(analysis.parameters.adapter).toBe('subprocess')
    expect(comparable(boxes(analysis))).toEqual(comparable(humanBoxes))
    const log = await api<string>('GET', `/api/analyses/${analysis.id}/logs?format=text`)
    expect(log).toMatch(/\[inference\] Stage completed/)
  }, 60_000)

  it('mock adapter: analyzes every image of a project with its fixed output', async () => {
    await uploadImage('chelsea.png')
    const run = analyze(['--project-id', projectId, '--adapter', 'mock'])
    expect(run.status, run.output).toBe(0)
    expect(run.analyses.map((a) => a.status)).toEqual(['completed', 'completed'])
    for (const { analysis_id } of run.analyses) {
      const analysis = await api<Analysis>('GET', `/api/analyses/${analysis_id}`)
      expect(analysis.model_name).toBe('loupe-reference-mock')
      expect(analysis.annotations.map((a) => `${a.annotation_type}:${a.class_name}`).sort()).toEqual(
        ['bounding_box:chair', 'bounding_box:face', 'bounding_box:person', 'classification:person', 'heatmap:person', 'keypoint:person', 'mask:person'],
      )
      expect(byType(analysis, 'keypoint')!.data.keypoints).toHaveLength(17)
    }
  }, 60_000)

  it('a model command that crashes fails the analysis with its stderr, and the CLI exits 1', async () => {
    const run = analyze(['--image-id', astronautId, '--adapter', 'subprocess', '--command', 'sh -c "echo model crashed >&2; exit 3"'])
    expect(run.status, run.output).toBe(1)
    expect(run.analyses[0]?.status).toBe('failed')
    const analysis = await api<Analysis>('GET', `/api/analyses/${run.analyses[0]!.analysis_id}`)
    expect(analysis.status).toBe('failed')
    expect(analysis.error_message).toMatch(/exited with 3: model crashed/)
    const log = await api<string>('GET', `/api/analyses/${analysis.id}/logs?format=text`)
    expect(log).toMatch(/\[inference\] Stage failed/)
  }, 60_000)
})
