import { describe, expect, it } from 'vitest'
import { api, scenario, signed } from './helpers'

describe('smoke', () => {
  it('answers health', async () => {
    const res = await api('/api/health')
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ status: 'ok' })
    expect(res.headers.get('X-Request-Id')).toBeTruthy()
  })

  it('runs the guide lifecycle', async () => {
    const { analysis } = await scenario()
    let res = await signed('PATCH', `/api/analyses/${analysis.id}/status`, { status: 'processing' })
    expect(res.status, await res.clone().text()).toBe(200)
    res = await signed('POST', `/api/analyses/${analysis.id}/annotations:bulk`, {
      annotations: [{ annotation_type: 'bounding_box', class_name: 'cat', confidence: 0.9, data: { x_min: 0, y_min: 0, x_max: 1, y_max: 1 } }],
    })
    expect(res.status, await res.clone().text()).toBe(200)
    res = await signed('POST', `/api/analyses/${analysis.id}/finalize`, { status: 'completed' })
    expect(res.status, await res.clone().text()).toBe(200)
    expect(((await res.json()) as { status: string }).status).toBe('completed')
  })
})
