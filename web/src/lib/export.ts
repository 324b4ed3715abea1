import { boxFromData } from './geometry'
import type { Analysis, Annotation } from './types'

/** Client-side exports, used until `GET /api/analyses/{id}/export` answers. Same names as the server's. */

const pad = (n: number) => String(n).padStart(2, '0')

/** `analysis_{model_name}_{YYYYMMDD_HHMMSS}.{ext}`, UTC, with the model name made file-system safe. */
export function exportFilename(modelName: string, at: Date, ext: string): string {
  const safe = modelName.replace(/[^\w.-]+/g, '_').replace(/^_+|_+$/g, '') || 'model'
  const stamp = `${at.getUTCFullYear()}${pad(at.getUTCMonth() + 1)}${pad(at.getUTCDate())}_${pad(at.getUTCHours())}${pad(at.getUTCMinutes())}${pad(at.getUTCSeconds())}`
  return `analysis_${safe}_${stamp}.${ext}`
}

export function exportJson(analysis: Analysis, annotations: readonly Annotation[], at: Date): string {
  return JSON.stringify({ analysis, annotations, exported_at: at.toISOString() }, null, 2)
}

export const CSV_COLUMNS = [
  'id',
  'analysis_id',
  'annotation_type',
  'class_name',
  'confidence',
  'x_min',
  'y_min',
  'x_max',
  'y_max',
  'review_state',
  'review_note',
  'storage_path',
  'data',
] as const

/** RFC 4180 quoting, and a leading quote on text that a spreadsheet would run as a formula. */
export function csvCell(value: unknown, text = false): string {
  if (value === null || value === undefined) return ''
  let s = typeof value === 'string' ? value : String(value)
  if (text && /^[=+\-@\t\r]/.test(s)) s = `'${s}`
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

export function exportCsv(annotations: readonly Annotation[]): string {
  const rows = [CSV_COLUMNS.join(',')]
  for (const a of annotations) {
    const box = a.annotation_type === 'bounding_box' ? boxFromData(a.data) : null
    rows.push(
      [
        csvCell(a.id),
        csvCell(a.analysis_id),
        csvCell(a.annotation_type),
        csvCell(a.class_name, true),
        csvCell(a.confidence),
        csvCell(box?.[0]),
        csvCell(box?.[1]),
        csvCell(box?.[2]),
        csvCell(box?.[3]),
        csvCell(a.review_state),
        csvCell(a.review_note, true),
        csvCell(a.storage_path, true),
        csvCell(JSON.stringify(a.data)),
      ].join(','),
    )
  }
  return rows.join('\r\n') + '\r\n'
}
