import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { simulatePipeline } from './simulation'

export const DEMO_IMAGES_DIR = 'test/fixtures/images'
const DEMO_IMAGES = ['astronaut.png', 'chelsea.png', 'coffee.png', 'rocket.jpg']

/** Models the demo pretends to run: two detectors on each photo, so Compare has something to show. */
const DEMO_MODELS = [
  { name: 'yolo_v8', version: '1.0.0' },
  { name: 'detr_resnet50', version: '2.1.0' },
]

/**
 * Seeds the "Demo" project through the public API and the simulator's signed callbacks, exactly as
 * an outside pipeline would. Does nothing when the project already exists.
 */
export async function seedDemo(baseUrl: string, token: string, secret: string, log: (s: string) => void) {
  const auth = { Authorization: `Bearer ${token}` }
  const projects = (await (await fetch(`${baseUrl}/api/projects`, { headers: auth })).json()) as { projects: { id: string; name: string }[] }
  if (projects.projects.some((p) => p.name === 'Demo')) {
    log('demo project already seeded')
    return
  }
  const res = await fetch(`${baseUrl}/api/projects`, {
    method: 'POST',
    headers: { ...auth, 'Content-Type': 'application/json' },
    body: JSON.stringify({ name: 'Demo', description: 'Public-domain and CC0 photos with simulated model output' }),
  })
  if (!res.ok) throw new Error(`create Demo project: ${res.status} ${await res.text()}`)
  const project = (await res.json()) as { id: string }
  for (const file of DEMO_IMAGES) {
    const form = new FormData()
    const bytes = readFileSync(join(DEMO_IMAGES_DIR, file))
    form.append('file', new File([bytes], file, { type: file.endsWith('.jpg') ? 'image/jpeg' : 'image/png' }))
    const up = await fetch(`${baseUrl}/api/projects/${project.id}/images`, { method: 'POST', headers: auth, body: form })
    if (!up.ok) throw new Error(`upload ${file}: ${up.status} ${await up.text()}`)
    const image = (await up.json()) as { id: string }
    log(`uploaded ${file}`)
    for (const model of DEMO_MODELS) {
      await simulatePipeline({
        baseUrl,
        secret,
        token,
        imageId: image.id,
        modelName: model.name,
        modelVersion: model.version,
        log: (line) => log(`  ${file} ${model.name}: ${line}`),
      })
    }
  }
}
