import type { Annotation } from '../../schemas/analyses'
import { inImagePixels, type ImageSize } from './frame'
import { boxOf } from './geometry'
import { annotationPages, type AnalysisSource } from './reader'
import type { Chunk } from './stream'

export const CSV_COLUMNS = [
  'id',
  'annotation_type',
  'class_name',
  'confidence',
  'ordering',
  'review_state',
  'x_min',
  'y_min',
  'x_max',
  'y_max',
  'storage_path',
  'data',
] as const

/**
 * Text a spreadsheet would run as a formula: OWASP's list (`=`, `+`, `-`, `@`, tab, CR) and the
 * full-width forms some locales also evaluate. Numbers are written as numbers, so `-5` stays `-5`.
 */
const FORMULA_START = /^[=+\-@\t\r\uff1d\uff0b\uff0d\uff20]/

/**
 * RFC 4180: quote a field holding a comma, a quote, CR or LF, and double the quotes inside. Text
 * that would start a formula gets a leading `'` first, which spreadsheets show as plain text.
 */
export function csvField(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return ''
  const s = typeof value === 'string' && FORMULA_START.test(value) ? `'${value}` : String(value)
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s
}

const csvLine = (fields: (string | number | null | undefined)[]) => `${fields.map(csvField).join(',')}\r\n`

/**
 * A box's corners get their own columns, whichever form the pipeline sent; the rest of `data` stays
 * JSON. Coordinates are in the image's pixels, whatever frame they were posted in.
 */
export function csvRow(posted: Annotation, image: ImageSize): string {
  const a = inImagePixels(posted, image).annotation
  const flat = a.annotation_type === 'bounding_box' ? boxOf(a.data) : null
  const rest = flat ? flat.rest : a.data
  const box = flat?.box
  return csvLine([
    a.id,
    a.annotation_type,
    a.class_name,
    a.confidence,
    a.ordering,
    a.review_state,
    box?.x_min,
    box?.y_min,
    box?.x_max,
    box?.y_max,
    a.storage_path,
    Object.keys(rest).length ? JSON.stringify(rest) : '',
  ])
}

export async function* analysisCsv(src: AnalysisSource): AsyncGenerator<Chunk> {
  yield csvLine([...CSV_COLUMNS])
  for await (const page of annotationPages(src.d1, src.analysis.id)) yield page.map((a) => csvRow(a, src.image)).join('')
}
