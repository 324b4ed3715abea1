import { useState } from 'preact/hooks'
import { ApiError } from '../../lib/api'
import { formatTime, plural } from '../../lib/format'
import { groundTruthApi, type GroundTruthImport } from '../../lib/ground-truth-api'
import { useAsync } from '../../lib/use-async'
import { Empty, ErrorState, Loading } from '../states'
import layout from '../../styles/page.module.css'
import styles from './style.module.css'

/**
 * A project's ground truth: the COCO files imported into it, newest first (the newest complete one
 * is what evaluations read by default), a file picker to import another, and what an import could
 * not match, so a person sees at once that half the file names were wrong.
 */
export function GroundTruthImports({ projectId, canEdit, onChange }: { projectId: string; canEdit: boolean; onChange?: () => void }) {
  const list = useAsync((signal) => groundTruthApi.list(projectId, signal), [projectId])
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<Error | null>(null)
  const [last, setLast] = useState<GroundTruthImport | null>(null)

  const upload = async (file: File) => {
    setBusy(true)
    setError(null)
    try {
      setLast(await groundTruthApi.upload(projectId, file))
      list.reload()
      onChange?.()
    } catch (err) {
      setError(err as Error)
    } finally {
      setBusy(false)
    }
  }
  const remove = async (id: string) => {
    setError(null)
    try {
      await groundTruthApi.remove(projectId, id)
      if (last?.id === id) setLast(null)
      list.reload()
      onChange?.()
    } catch (err) {
      setError(err as Error)
    }
  }

  const imports = list.data?.imports ?? []
  return (
    <section class={layout.panel} data-testid="ground-truth">
      <h2>Ground truth</h2>
      {canEdit && (
        <label class={styles.picker}>
          <span>{busy ? 'Importing…' : 'Import a COCO file'}</span>
          <input
            type="file"
            accept="application/json,.json"
            disabled={busy}
            data-testid="ground-truth-file"
            onChange={(e) => {
              const file = e.currentTarget.files?.[0]
              e.currentTarget.value = ''
              if (file) void upload(file)
            }}
          />
          <span class="muted">Images are matched by file name, categories by name.</span>
        </label>
      )}
      {error && (
        <p class={styles.error} role="alert" data-testid="ground-truth-error">
          {error.message}
          {error instanceof ApiError && <span class="mono"> ({error.code})</span>}
        </p>
      )}
      {last && last.counts.unmatched_images > 0 && (
        <p class={styles.warning} data-testid="ground-truth-unmatched">
          {plural(last.counts.unmatched_images, 'image')} of {last.name ?? 'the file'} matched no image of the project:{' '}
          <span class="mono">{last.unmatched_file_names.slice(0, 5).join(', ')}</span>
          {last.unmatched_file_names.length > 5 && ' …'}
        </p>
      )}
      {list.loading && !list.data && <Loading label="Loading ground truth…" />}
      {list.error && <ErrorState error={list.error} retry={list.reload} />}
      {list.data && imports.length === 0 && <Empty title="No ground truth yet">Import a COCO file, or evaluate against reviewed predictions.</Empty>}
      {imports.length > 0 && (
        <table class={layout.table}>
          <thead>
            <tr>
              <th>File</th>
              <th>Status</th>
              <th>Objects</th>
              <th>Images matched</th>
              <th>Classes</th>
              <th>SHA-256</th>
              <th>Imported</th>
              {canEdit && <th />}
            </tr>
          </thead>
          <tbody>
            {imports.map((g) => (
              <tr key={g.id} data-testid="ground-truth-row">
                <td>{g.name ?? '—'}</td>
                <td title={g.error_message ?? undefined}>{g.status}</td>
                <td>{g.counts.objects}</td>
                <td>
                  {g.counts.matched_images} of {g.counts.images}
                </td>
                <td>{g.counts.categories}</td>
                <td class="mono" title={g.file_sha256 ?? undefined}>
                  {g.file_sha256?.slice(0, 12) ?? '—'}
                </td>
                <td>{formatTime(g.created_at)}</td>
                {canEdit && (
                  <td>
                    <button type="button" onClick={() => void remove(g.id)} aria-label={`Delete the import ${g.name ?? g.id}`}>
                      Delete
                    </button>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  )
}
