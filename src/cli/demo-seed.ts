import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { LoupeError } from '../../sdk/typescript/src/errors'
import { simulate } from '../../sdk/typescript/src/cli/simulate'

export const DEMO_IMAGES_DIR = 'test/fixtures/images'
export const DEMO_PROJECT = 'Demo'
const DEMO_IMAGES = ['astronaut.png', 'chelsea.png', 'coffee.png', 'rocket.jpg']

export interface DemoModel {
  name: string
  version: string
}

/** Models the demo pretends to run: two detectors on each photo, so Compare has something to show. */
export const DEMO_MODELS: readonly DemoModel[] = [
  { name: 'yolo_v8', version: '1.0.0' },
  { name: 'detr_resnet50', version: '2.1.0' },
]

/**
 * The demo's models under a server's `ML_ALLOWED_MODELS`, position for position: each allowed one
 * as it is, else an allowed name the demo does not use yet, else none (`null`); and a line for
 * each change, so the person who set the allow-list sees what the demo did about it.
 */
export function demoModelsFor(allowed: readonly string[], models: readonly DemoModel[] = DEMO_MODELS) {
  const spare = allowed.filter((name) => !models.some((m) => m.name === name))
  const notes: string[] = []
  const plan = models.map((model): DemoModel | null => {
    if (allowed.includes(model.name)) return model
    const name = spare.shift()
    notes.push(
      name
        ? `${model.name} is not in ML_ALLOWED_MODELS; its demo runs are seeded as ${name}`
        : `${model.name} is not in ML_ALLOWED_MODELS and no other allowed name is left; its demo runs are skipped`,
    )
    return name ? { ...model, name } : null
  })
  return { plan, notes }
}

/** The names a 400 `model_not_allowed` lists in `details.allowed_models`, else undefined. */
export function allowedModelsOf(error: unknown): string[] | undefined {
  if (!(error instanceof LoupeError) || error.code !== 'model_not_allowed') return undefined
  const list = (error.details as { allowed_models?: unknown } | null | undefined)?.allowed_models
  return Array.isArray(list) && list.every((n) => typeof n === 'string') ? list : undefined
}

export interface DemoProject {
  id: string
  images: { id: string; filename: string }[]
}

async function api<T>(baseUrl: string, token: string, path: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(`${baseUrl}${path}`, { ...init, headers: { Authorization: `Bearer ${token}`, ...init.headers } })
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${path}: ${res.status} ${await res.text()}`)
  return (await res.json()) as T
}

/** The demo project and its images, oldest first, or null when it does not exist. */
export async function findDemo(baseUrl: string, token: string): Promise<DemoProject | null> {
  const { projects } = await api<{ projects: { id: string; name: string }[] }>(baseUrl, token, '/api/projects')
  const project = projects.find((p) => p.name === DEMO_PROJECT)
  if (!project) return null
  const { images } = await api<{ images: DemoProject['images'] }>(baseUrl, token, `/api/projects/${project.id}/images?limit=1000`)
  // Newest first from the API; the banner lists them in the order they were added.
  return { id: project.id, images: images.map(({ id, filename }) => ({ id, filename })).reverse() }
}

/**
 * Seeds the demo project through the public API and `loupe simulate` (the TypeScript SDK's signed
 * callbacks, stages and logs), exactly as an outside pipeline would. Does nothing when the project
 * already exists. A server with `ML_ALLOWED_MODELS` answers the first model it does not allow
 * with the allowed names; from then on the demo runs under `demoModelsFor` them.
 */
export async function seedDemo(baseUrl: string, token: string, secret: string, log: (s: string) => void) {
  if (await findDemo(baseUrl, token)) {
    log('demo project already seeded')
    return
  }
  const project = await api<{ id: string }>(baseUrl, token, '/api/projects', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ name: DEMO_PROJECT, description: 'Public-domain and CC0 photos with simulated model output' }),
  })
  let plan: readonly (DemoModel | null)[] = DEMO_MODELS
  let restricted = false
  for (const file of DEMO_IMAGES) {
    const form = new FormData()
    const bytes = readFileSync(join(DEMO_IMAGES_DIR, file))
    form.append('file', new File([bytes], file, { type: file.endsWith('.jpg') ? 'image/jpeg' : 'image/png' }))
    const image = await api<{ id: string }>(baseUrl, token, `/api/projects/${project.id}/images`, { method: 'POST', body: form })
    log(`uploaded ${file}`)
    for (let i = 0; i < plan.length; i++) {
      const model = plan[i]
      if (!model) continue
      try {
        await simulateRun(baseUrl, token, secret, image.id, file, model, log)
      } catch (error) {
        const allowed = allowedModelsOf(error)
        if (!allowed || restricted) throw error
        // Refused before any analysis was created, so this model's run is simply tried again.
        restricted = true
        const next = demoModelsFor(allowed)
        next.notes.forEach(log)
        plan = next.plan
        i--
      }
    }
  }
}

async function simulateRun(baseUrl: string, token: string, secret: string, imageId: string, file: string, model: DemoModel, log: (s: string) => void) {
  const prefix = `  ${file} ${model.name}: `
  const io = {
    stdout: { write: (text: string) => text.split('\n').filter(Boolean).forEach((line) => log(prefix + line)) },
    stderr: { write: () => true },
    env: { LOUPE_URL: baseUrl, LOUPE_TOKEN: token, ML_CALLBACK_HMAC_SECRET: secret },
  }
  const args = ['--image-id', imageId, '--model-name', model.name, '--model-version', model.version, '--step-delay', '0']
  if ((await simulate(args, io)) !== 0) throw new Error(`simulate ${file} ${model.name} failed`)
}
