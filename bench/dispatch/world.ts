import { setupAnalysisTarget, type BenchServer } from '../dev-server'

/** The user's calls this benchmark makes to set itself up, each failing loudly on a non-2xx answer. */
export async function userApi<T>(s: BenchServer, base: string, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(base + path, {
    method,
    headers: { Authorization: `Bearer ${s.token}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await res.text()
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`)
  return JSON.parse(text) as T
}

export interface BenchPipeline {
  id: string
  keys: string[]
}

/** A registered pipeline serving `model`, granted `projectId`, with `keys` API keys of its own. */
export async function registerPipeline(
  s: BenchServer,
  base: string,
  projectId: string,
  model: string,
  { keys = 1, webhookUrl = null as string | null } = {},
): Promise<BenchPipeline> {
  const { id } = await userApi<{ id: string }>(s, base, 'POST', '/api/pipelines', { name: `bench-${model}`, model_names: [model], webhook_url: webhookUrl })
  await userApi(s, base, 'POST', `/api/projects/${projectId}/pipelines`, { pipeline_id: id })
  const created: string[] = []
  for (let i = 0; i < keys; i++) created.push((await userApi<{ key: string }>(s, base, 'POST', `/api/pipelines/${id}/keys`, { name: `worker-${i}` })).key)
  return { id, keys: created }
}

/** Runs `task(0…count-1)` with at most `concurrency` in flight; resolves to the results in order. */
export async function pool<T>(count: number, concurrency: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results = new Array<T>(count)
  let next = 0
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) {
        const i = next++
        results[i] = await task(i)
      }
    }),
  )
  return results
}

/**
 * A project of its own with enough images for `count` analyses of `model`, created by the user as
 * fast as the API takes them: there is no bulk create, so `concurrency` single creates at a time,
 * `perImage` to an image (ML_MAX_ANALYSES_PER_IMAGE is 50).
 */
export async function analysisFactory(s: BenchServer, base: string, model: string, perImage = 50) {
  const target = await setupAnalysisTarget(s)
  const images: string[] = [target.imageId]
  let used = 0
  const imageFor = (i: number) => {
    const image = images[Math.floor(i / perImage)]
    if (!image) throw new Error('reserve() the images first')
    return image
  }
  return {
    projectId: target.projectId,
    /** Uploads the images the next `count` analyses need, `concurrency` at a time. */
    async reserve(count: number, concurrency = 4) {
      const needed = Math.ceil((used + count) / perImage) - images.length
      images.push(...(await pool(Math.max(0, needed), concurrency, () => target.uploadImage())))
    },
    /** One new queued analysis, created by the user; its id and when its response was read. */
    async create(): Promise<{ id: string; sentAt: number; answeredAt: number }> {
      const imageId = imageFor(used++)
      const sentAt = performance.now()
      const res = await fetch(`${base}/api/images/${imageId}/analyses`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${s.token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ model_name: model, model_version: '1' }),
      })
      const text = await res.text()
      const answeredAt = performance.now()
      if (res.status !== 201) throw new Error(`create analysis: ${res.status} ${text.slice(0, 300)}`)
      return { id: (JSON.parse(text) as { id: string }).id, sentAt, answeredAt }
    },
  }
}
