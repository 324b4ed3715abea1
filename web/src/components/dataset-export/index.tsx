import { useState } from 'preact/hooks'
import { datasetExportUrl } from '../../lib/api'
import type { ProjectExportQuery } from '../../lib/types'
import styles from './style.module.css'

/**
 * The project's training set in one zip: each image's latest completed analysis, optionally of one
 * model and only what reviewers accepted. A link, so the server's stream goes straight to disk.
 */
export function DatasetExport({ projectId }: { projectId: string }) {
  const [format, setFormat] = useState<ProjectExportQuery['format']>('coco')
  const [model, setModel] = useState('')
  const [acceptedOnly, setAcceptedOnly] = useState(false)
  const href = datasetExportUrl(projectId, { format, model: model.trim() || undefined, review: acceptedOnly ? 'accepted' : 'any' })

  return (
    <form class={styles.form} aria-label="Export dataset" onSubmit={(e) => e.preventDefault()} data-testid="dataset-export">
      <label>
        Format
        <select value={format} onChange={(e) => setFormat(e.currentTarget.value as ProjectExportQuery['format'])} data-testid="dataset-format">
          <option value="coco">COCO</option>
          <option value="yolo">YOLO</option>
        </select>
      </label>
      <label>
        Model
        <input
          type="text"
          value={model}
          placeholder="any model"
          spellcheck={false}
          onInput={(e) => setModel(e.currentTarget.value)}
          data-testid="dataset-model"
        />
      </label>
      <label class={styles.check}>
        <input type="checkbox" checked={acceptedOnly} onChange={(e) => setAcceptedOnly(e.currentTarget.checked)} data-testid="dataset-accepted" />
        Accepted by review only
      </label>
      <a class="button" href={href} download data-testid="dataset-download">
        Export dataset
      </a>
    </form>
  )
}
