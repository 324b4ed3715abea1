import { useState } from 'preact/hooks'
import { ApiError, api } from '../../lib/api'
import { exportCsv, exportFilename, exportJson } from '../../lib/export'
import type { Analysis, Annotation, ExportFormat } from '../../lib/types'
import styles from './style.module.css'

const FORMATS: { format: ExportFormat; label: string }[] = [
  { format: 'json', label: 'JSON' },
  { format: 'csv', label: 'CSV' },
  { format: 'coco', label: 'COCO' },
]

/** The server's export wins; while that endpoint is missing, JSON and CSV are made here with the same names. */
export function ExportButtons({ analysis, annotations, complete }: { analysis: Analysis; annotations: readonly Annotation[]; complete: boolean }) {
  const [busy, setBusy] = useState<ExportFormat | null>(null)
  const [error, setError] = useState<string | null>(null)

  const run = async (format: ExportFormat) => {
    setBusy(format)
    setError(null)
    const ext = format === 'coco' ? 'json' : format
    try {
      const file = await api.exportAnalysis(analysis.id, format)
      save(file.blob, file.filename ?? exportFilename(analysis.model_name, new Date(), ext))
    } catch (err) {
      const missing = err instanceof ApiError && (err.status === 404 || err.status === 405 || err.status === 501)
      if (missing && format !== 'coco' && !complete) {
        setError('Annotations are still loading; try again in a moment.')
      } else if (missing && format !== 'coco') {
        const now = new Date()
        const body = format === 'json' ? exportJson(analysis, annotations, now) : exportCsv(annotations)
        const type = format === 'json' ? 'application/json' : 'text/csv'
        save(new Blob([body], { type: `${type};charset=utf-8` }), exportFilename(analysis.model_name, now, ext))
      } else {
        setError(missing ? 'COCO export is not available on this server yet.' : (err as Error).message)
      }
    } finally {
      setBusy(null)
    }
  }

  return (
    <div class={styles.exports}>
      <div class={styles.buttons}>
        {FORMATS.map(({ format, label }) => (
          <button key={format} type="button" onClick={() => run(format)} disabled={busy !== null} data-testid={`export-${format}`}>
            {busy === format ? 'Preparing…' : label}
          </button>
        ))}
      </div>
      {error && (
        <p class={styles.error} role="alert">
          {error}
        </p>
      )}
    </div>
  )
}

function save(blob: Blob, filename: string) {
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = filename
  document.body.append(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}
