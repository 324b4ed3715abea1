import { describe, expect, it } from 'vitest'
import { datasetExportUrl, exportUrls, toApiError, withQuery } from './api'

describe('api helpers', () => {
  it('builds query strings without empty values', () => {
    expect(withQuery('/x', { a: 1, b: undefined, c: null, d: 'p q' })).toBe('/x?a=1&d=p+q')
    expect(withQuery('/x', {})).toBe('/x')
  })

  it('turns the error envelope into an ApiError, and survives bodies that are not JSON', async () => {
    const envelope = new Response(JSON.stringify({ error: { code: 'forbidden', message: 'No', details: { role: 'viewer' } } }), { status: 403 })
    const e = await toApiError(envelope)
    expect([e.status, e.code, e.message, e.details]).toEqual([403, 'forbidden', 'No', { role: 'viewer' }])
    const html = await toApiError(new Response('<html>', { status: 502, statusText: 'Bad Gateway' }))
    expect([html.status, html.code]).toEqual([502, 'http_error'])
  })
})

describe('export links', () => {
  it('points every analysis export at the server', () => {
    expect(exportUrls('a b')).toEqual({
      json: '/api/analyses/a%20b/export?format=json',
      csv: '/api/analyses/a%20b/export?format=csv',
      coco: '/api/analyses/a%20b/export?format=coco',
      cocoResults: '/api/analyses/a%20b/export?format=coco&variant=results',
      yolo: '/api/analyses/a%20b/export?format=yolo',
      bundle: '/api/analyses/a%20b/bundle',
    })
  })

  it('leaves the model out of a dataset export when none is chosen', () => {
    expect(datasetExportUrl('p', { format: 'yolo', review: 'accepted' })).toBe('/api/projects/p/export?format=yolo&review=accepted')
    expect(datasetExportUrl('p', { format: 'coco', model: 'yolo v8', review: 'any' })).toBe('/api/projects/p/export?format=coco&model=yolo+v8&review=any')
  })
})
