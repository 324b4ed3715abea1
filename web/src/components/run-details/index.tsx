import { formatTime } from '../../lib/format'
import type { Analysis } from '../../lib/types'
import { JsonInspector } from '../json-inspector'
import styles from './style.module.css'

/** What ran and how: ids, the parameters the run was asked for, and the provenance it reported. */
export function RunDetails({ analysis: a }: { analysis: Analysis }) {
  return (
    <div class={styles.details} data-testid="run-details">
      <dl class={styles.facts}>
        <dt>Analysis</dt>
        <dd class="mono">{a.id}</dd>
        {a.external_job_id && (
          <>
            <dt>External job</dt>
            <dd class="mono" data-testid="run-job-id">
              {a.external_job_id}
            </dd>
          </>
        )}
        {a.group_id && (
          <>
            <dt>Group</dt>
            <dd class="mono">{a.group_id}</dd>
          </>
        )}
        <dt>Created</dt>
        <dd title={a.created_at}>{formatTime(a.created_at)}</dd>
        {a.priority !== 0 && (
          <>
            <dt>Priority</dt>
            <dd>{a.priority}</dd>
          </>
        )}
      </dl>
      <div data-testid="run-parameters">
        {a.parameters && Object.keys(a.parameters).length > 0 ? <JsonInspector value={a.parameters} label="parameters" /> : <p class="muted">No parameters recorded.</p>}
      </div>
      <div data-testid="run-provenance">
        {a.provenance && Object.keys(a.provenance).length > 0 ? <JsonInspector value={a.provenance} label="provenance" /> : <p class="muted">No provenance recorded.</p>}
      </div>
    </div>
  )
}
