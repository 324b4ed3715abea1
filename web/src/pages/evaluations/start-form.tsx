import { useLocation } from 'preact-iso'
import { useState } from 'preact/hooks'
import { evaluationsApi, type EvaluationCreate, type GroundTruthSource, type IouType } from '../../lib/evaluations-api'
import { useAsync } from '../../lib/use-async'
import { jobsApi } from '../jobs/api'
import layout from '../../styles/page.module.css'
import styles from './style.module.css'

const SOURCES: { value: GroundTruthSource; label: string }[] = [
  { value: 'import', label: 'imported COCO file' },
  { value: 'reviews', label: 'accepted predictions on reviewed images' },
  { value: 'both', label: 'both' },
]
const IOU_TYPES: IouType[] = ['bbox', 'segm', 'keypoints']

/**
 * Starts an evaluation of a model version (picked from the registered ones, or typed: any model
 * that posted analyses can be judged). Small ones answer at once; larger ones run in the
 * background, and the evaluation's page polls until they finish.
 */
export function StartEvaluation({ projectId, onStarted }: { projectId: string; onStarted: () => void }) {
  const { route } = useLocation()
  const versions = useAsync((signal) => jobsApi.versions(projectId, signal), [projectId])
  const [form, setForm] = useState({ name: '', model: '', version: '', source: 'import' as GroundTruthSource, iou: 'bbox' as IouType })
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const known = versions.data?.model_versions ?? []
  const names = [...new Set(known.map((v) => v.name))]
  const versionsOf = known.filter((v) => v.name === form.model.trim()).map((v) => v.version)

  async function start(e: Event) {
    e.preventDefault()
    setError(null)
    const body: EvaluationCreate = {
      predictions: { model_name: form.model.trim(), model_version: form.version.trim() },
      ground_truth: { source: form.source },
      iou_type: form.iou,
    }
    if (form.name.trim()) body.name = form.name.trim()
    setBusy(true)
    try {
      const created = await evaluationsApi.create(projectId, body)
      onStarted()
      route(`/evaluations/${created.id}`)
    } catch (err) {
      setError((err as Error).message)
    } finally {
      setBusy(false)
    }
  }

  const set = (key: keyof typeof form) => (e: Event) => setForm({ ...form, [key]: (e.currentTarget as HTMLInputElement).value })
  return (
    <form class={`${layout.panel} ${layout.form}`} onSubmit={start} data-testid="evaluation-start">
      <h2 class={styles.span}>Start an evaluation</h2>
      <label for="evaluation-model">Model</label>
      <input id="evaluation-model" type="text" required list="evaluation-models" value={form.model} onInput={set('model')} placeholder="yolo_v8" />
      <datalist id="evaluation-models">
        {names.map((n) => (
          <option key={n} value={n} />
        ))}
      </datalist>
      <label for="evaluation-version">Version</label>
      <input id="evaluation-version" type="text" required list="evaluation-versions" value={form.version} onInput={set('version')} placeholder="1.0.0" />
      <datalist id="evaluation-versions">
        {versionsOf.map((v) => (
          <option key={v} value={v} />
        ))}
      </datalist>
      <label for="evaluation-source">Ground truth</label>
      <select id="evaluation-source" value={form.source} onChange={set('source')}>
        {SOURCES.map((s) => (
          <option key={s.value} value={s.value}>
            {s.label}
          </option>
        ))}
      </select>
      <label for="evaluation-iou">IoU type</label>
      <select id="evaluation-iou" value={form.iou} onChange={set('iou')}>
        {IOU_TYPES.map((t) => (
          <option key={t} value={t}>
            {t}
          </option>
        ))}
      </select>
      <label for="evaluation-name">Name</label>
      <input id="evaluation-name" type="text" value={form.name} onInput={set('name')} placeholder="optional" />
      {error && (
        <p class={`${styles.error} ${styles.span}`} role="alert" data-testid="evaluation-start-error">
          {error}
        </p>
      )}
      <div class={layout.actions}>
        <button type="submit" disabled={busy} data-testid="evaluation-start-submit">
          {busy ? 'Evaluating…' : 'Evaluate'}
        </button>
      </div>
    </form>
  )
}
