import { describe, expect, it } from 'vitest'
import { filenameFromDisposition, toApiError, withQuery } from './api'
import { csvCell, exportCsv, exportFilename, exportJson } from './export'
import { analysisFixture, annotationFixture } from './test-fixtures'

describe('export', () => {
  const at = new Date(Date.UTC(2025, 0, 15, 9, 5, 7))

  it('names files analysis_{model}_{timestamp}.{ext}', () => {
    expect(exportFilename('yolo_v8', at, 'json')).toBe('analysis_yolo_v8_20250115_090507.json')
    expect(exportFilename('my model/v2', at, 'csv')).toBe('analysis_my_model_v2_20250115_090507.csv')
  })

  it('writes one CSV row per annotation with both box forms in x_min..y_max', () => {
    const csv = exportCsv([
      annotationFixture({ id: 'a', class_name: 'cat, "tabby"', confidence: 0.5, data: { left: 1, top: 2, right: 3, bottom: 4 } }),
      annotationFixture({ id: 'b', annotation_type: 'custom', class_name: '=HYPERLINK("x")', confidence: null, data: { k: 1 } }),
    ])
    const rows = csv.trimEnd().split('\r\n')
    expect(rows[0]).toBe('id,analysis_id,annotation_type,class_name,confidence,x_min,y_min,x_max,y_max,review_state,review_note,storage_path,data')
    expect(rows[1]).toMatch(/^a,[^,]+,bounding_box,"cat, ""tabby""",0.5,1,2,3,4,unreviewed,,,"\{""left"":1/)
    // A class name that a spreadsheet would run as a formula is defused.
    expect(rows[2]).toContain(`"'=HYPERLINK(""x"")"`)
  })

  it('quotes only when needed', () => {
    expect(csvCell('plain')).toBe('plain')
    expect(csvCell('a\nb')).toBe('"a\nb"')
    expect(csvCell(null)).toBe('')
    expect(csvCell(-3)).toBe('-3')
  })

  it('exports JSON with the analysis and its annotations', () => {
    const analysis = analysisFixture()
    const parsed = JSON.parse(exportJson(analysis, [annotationFixture()], at))
    expect(parsed.analysis.id).toBe(analysis.id)
    expect(parsed.annotations).toHaveLength(1)
    expect(parsed.exported_at).toBe('2025-01-15T09:05:07.000Z')
  })
})

describe('api helpers', () => {
  it('reads the file name from Content-Disposition, preferring the RFC 5987 form', () => {
    expect(filenameFromDisposition('attachment; filename="analysis_yolo_20250115.json"')).toBe('analysis_yolo_20250115.json')
    expect(filenameFromDisposition("attachment; filename=a.csv; filename*=UTF-8''analysis%20x.csv")).toBe('analysis x.csv')
    expect(filenameFromDisposition('attachment; filename=plain.csv')).toBe('plain.csv')
    expect(filenameFromDisposition(null)).toBeNull()
  })

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
