import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { simulate } from '../../sdk/typescript/src/cli/simulate'

export const DEMO_IMAGES_DIR = 'test/fixtures/images'
const DEMO_IMAGES = ['astronaut.png', 'chelsea.png', 'coffee.png', 'rocket.jpg']

/** Models the demo pretends to run: two detectors on each photo, so Compare has something to show. */
const DEMO_MODELS = [
  { name: 'yolo_v8', version: '1.0.0' },
  { name: 'detr_resnet50', version: '2.1.0' },
]

/**
 * Seeds the "Demo" project through the public API and `loupe simulate` (the TypeScript SDK's signed
 * callbacks, stages and logs), exactly as an outside pipeline would. Does nothing when the project
 * already exists.
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
      const prefix = `  ${file} ${model.name}: `
      const io = {
        stdout: { write: (text: string) => text.split('\n').filter(Boolean).forEach((line) => log(prefix + line)) },
        stderr: { write: () => true },
        env: { LOUPE_URL: baseUrl, LOUPE_TOKEN: token, ML_CALLBACK_HMAC_SECRET: secret },
      }
      const args = ['--image-id', image.id, '--model-name', model.name, '--model-version', model.version, '--step-delay', '0']
      if ((await simulate(args, io)) !== 0) throw new Error(`simulate ${file} ${model.name} failed`)
    }
  }
}
