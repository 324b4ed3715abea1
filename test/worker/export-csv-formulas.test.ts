import { describe, expect, it } from 'vitest'
import { api, scenario, signed } from './helpers'
import { parseCsv } from './support/csv'

const HOSTILE = ['=HYPERLINK("https://evil.example","click")', '+1+1', '-2+3+cmd|\' /C calc\'!A0', '@SUM(A1:A2)', '\tindent', '\rreturn', '＝1+1']

async function csvOf(annotations: Record<string, unknown>[]) {
  const { owner, analysis } = await scenario()
  const res = await signed('POST', `/api/analyses/${analysis.id}/annotations:bulk`, { annotations })
  expect(res.status, await res.clone().text()).toBe(200)
  const csv = await api(`/api/analyses/${analysis.id}/export?format=csv`, { token: owner.token })
  const [header, ...rows] = parseCsv(await csv.text())
  return rows.map((r) => Object.fromEntries(header!.map((h, i) => [h, r[i]!])))
}

describe('CSV export and spreadsheet formulas', () => {
  it('prefixes a quote to class names a spreadsheet would run as a formula (OWASP CSV injection)', async () => {
    const rows = await csvOf(HOSTILE.map((class_name, i) => ({ annotation_type: 'classification', class_name, data: { score: 0.5 }, ordering: i })))
    expect(rows.map((r) => r.class_name)).toEqual(HOSTILE.map((c) => `'${c}`))
  })

  it('neutralises custom annotations too, and leaves harmless text and negative numbers alone', async () => {
    const rows = await csvOf([
      { annotation_type: 'custom', class_name: '=cmd', data: { '=field': '=value', note: 'a=b' } },
      { annotation_type: 'bounding_box', class_name: 'a-b', confidence: 0.5, data: { x_min: -5, y_min: -2.5, x_max: 10, y_max: 10, label: '-1' } },
    ])
    expect(rows[0]!.class_name).toBe("'=cmd")
    // The data column is JSON: it starts with `{`, and what it holds parses back unchanged.
    expect(JSON.parse(rows[0]!.data!)).toEqual({ '=field': '=value', note: 'a=b' })
    expect(rows[1]).toMatchObject({ class_name: 'a-b', x_min: '-5', y_min: '-2.5', x_max: '10' })
    expect(JSON.parse(rows[1]!.data!)).toEqual({ label: '-1' })
  })
})
