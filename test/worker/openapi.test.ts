import { describe, expect, it } from 'vitest'
import { createApp } from '../../src/app'
import { ANNOTATION_TYPES, AnnotationInput } from '../../src/schemas/annotation-types'
import { api } from './helpers'

/** /api/docs renders /api/openapi.json; these check that document against the app's real routes. */
type Operation = { security?: Record<string, string[]>[]; requestBody?: unknown; responses?: Record<string, unknown> }
type Doc = {
  paths: Record<string, Record<string, Operation>>
  components: { securitySchemes: Record<string, { type: string; in?: string; name?: string; description?: string }>; schemas: Record<string, { example?: unknown }> }
}

const doc = async () => (await api('/api/openapi.json')).json<Doc>()

/** Routes that are not part of the JSON API: the document itself, and the target of presigned URLs. */
const UNDOCUMENTED = new Set(['GET /api/openapi.json', 'GET /api/docs', 'PUT /s3/*', 'GET /s3/*'])

/** `POST /api/analyses/:id/:action{annotations:bulk}` → `POST /api/analyses/{id}/annotations:bulk`. */
const asOpenApi = (path: string) => path.replace(/:\w+\{([^}]+)\}/g, '$1').replace(/\/:(\w+)/g, '/{$1}')

const CALLBACKS = [
  'PATCH /api/analyses/{id}/status',
  'POST /api/analyses/{id}/progress',
  'POST /api/analyses/{id}/logs',
  'POST /api/analyses/{id}/artifacts/presign',
  'POST /api/analyses/{id}/annotations:bulk',
  'POST /api/analyses/{id}/finalize',
  'PATCH /api/jobs/{id}/status',
  'POST /api/jobs/{id}/progress',
  'POST /api/jobs/{id}/logs',
  'POST /api/jobs/{id}/metrics',
  'POST /api/jobs/{id}/artifacts/presign',
  'POST /api/jobs/{id}/finalize',
  'POST /api/jobs/{id}/inputs',
  'POST /api/jobs/{id}/model-versions',
  'POST /api/jobs/{id}/batch/images',
  'POST /api/jobs/{id}/batch/results',
  // Signed like callbacks by a caller who does not hold the run yet.
  'POST /api/analyses/{id}/claim',
  'POST /api/jobs/{id}/claim',
]

describe('the OpenAPI document behind /api/docs', () => {
  it('serves the reference page pointed at the document', async () => {
    const res = await api('/api/docs')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/text\/html/)
    expect(await res.text()).toContain('/api/openapi.json')
  })

  it('documents every route the app serves, and nothing it does not', async () => {
    const served = new Set(
      createApp()
        .routes.filter((r) => r.method !== 'ALL')
        .map((r) => `${r.method} ${asOpenApi(r.path)}`)
        .filter((route) => !UNDOCUMENTED.has(route)),
    )
    const { paths } = await doc()
    const documented = new Set(Object.entries(paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`)))
    expect([...served].sort()).toEqual([...documented].sort())
    expect(served.size).toBeGreaterThanOrEqual(30)
  })

  it('gives every operation its responses, and a request body to every write that takes one', async () => {
    const { paths } = await doc()
    for (const [path, ops] of Object.entries(paths)) {
      for (const [method, op] of Object.entries(ops)) {
        expect(Object.keys(op.responses ?? {}), `${method} ${path}`).not.toHaveLength(0)
      }
    }
    for (const callback of CALLBACKS.filter((c) => !c.endsWith('/finalize'))) {
      const [method, path] = callback.split(' ') as [string, string]
      expect(paths[path]?.[method.toLowerCase()]?.requestBody, callback).toBeDefined()
    }
  })

  it('describes the HMAC scheme and requires it on every pipeline callback', async () => {
    const { paths, components } = await doc()
    const hmac = components.securitySchemes.mlHmac!
    expect(hmac).toMatchObject({ type: 'apiKey', in: 'header', name: 'X-ML-Signature' })
    for (const part of ['HMAC-SHA256', 'X-ML-Timestamp', 'X-ML-Nonce', 'sha256=']) expect(hmac.description).toContain(part)
    for (const callback of CALLBACKS) {
      const [method, path] = callback.split(' ') as [string, string]
      const schemes = (paths[path]?.[method.toLowerCase()]?.security ?? []).flatMap((s) => Object.keys(s))
      expect(schemes, callback).toContain('mlHmac')
    }
    const others = Object.entries(paths).flatMap(([path, ops]) =>
      Object.entries(ops)
        .filter(([method]) => !CALLBACKS.includes(`${method.toUpperCase()} ${path}`))
        .flatMap(([, op]) => (op.security ?? []).flatMap((s) => Object.keys(s))),
    )
    expect(others).not.toContain('mlHmac')
  })

  it('has one schema per annotation type, each with an example the API accepts', async () => {
    const { schemas } = (await doc()).components
    for (const type of ANNOTATION_TYPES) {
      const id = `${type.replace(/(^|_)(\w)/g, (_, __, c: string) => c.toUpperCase())}Annotation`
      const example = schemas[id]?.example as { annotation_type?: string } | undefined
      expect(example, id).toBeDefined()
      expect(example!.annotation_type).toBe(type)
      const parsed = AnnotationInput.safeParse(example)
      expect(parsed.success, `${id}: ${JSON.stringify(parsed.error?.issues)}`).toBe(true)
    }
  })
})
