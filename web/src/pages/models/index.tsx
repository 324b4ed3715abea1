import { useState } from 'preact/hooks'
import { Breadcrumbs } from '../../components/breadcrumbs'
import { Empty, ErrorState, Loading } from '../../components/states'
import { formatTime, plural } from '../../lib/format'
import { useAsync } from '../../lib/use-async'
import { jobsApi } from '../jobs/api'
import layout from '../../styles/page.module.css'
import styles from '../jobs/style.module.css'

const number = (v: number | null | undefined) => (v === null || v === undefined ? '—' : Number(v.toPrecision(4)).toString())

/**
 * A project's model versions: their metrics side by side, where each came from (its lineage), and
 * two of them compared class by class on the images both analysed.
 */
export default function ModelsPage({ projectId }: { projectId: string }) {
  const versions = useAsync((signal) => jobsApi.versions(projectId, signal), [projectId])
  const [base, setBase] = useState<string | null>(null)
  const [candidate, setCandidate] = useState<string | null>(null)
  const [open, setOpen] = useState<string | null>(location.hash.slice(1) || null)

  const list = versions.data?.model_versions ?? []
  const metricNames = [...new Set(list.flatMap((v) => Object.keys(v.metrics ?? {})))].sort()
  return (
    <div class={layout.page}>
      <Breadcrumbs trail={[{ label: 'Projects', href: '/' }, { label: 'Project', href: `/projects/${projectId}` }, { label: 'Jobs', href: `/projects/${projectId}/jobs` }, { label: 'Model versions' }]} />
      <h1>Model versions</h1>
      {versions.loading && !versions.data && <Loading label="Loading model versions…" />}
      {versions.error && <ErrorState error={versions.error} retry={versions.reload} />}
      {versions.data && list.length === 0 && <Empty title="No model versions yet">A training job registers one, or `POST /api/projects/{projectId}/model-versions`.</Empty>}
      {list.length > 0 && (
        <table class={layout.table} data-testid="version-list">
          <thead>
            <tr>
              <th>Base</th>
              <th>Candidate</th>
              <th>Version</th>
              <th>From</th>
              {metricNames.map((m) => (
                <th key={m} class="mono">
                  {m}
                </th>
              ))}
              <th>Created</th>
            </tr>
          </thead>
          <tbody>
            {list.map((v) => (
              <tr key={v.id} id={v.id} data-testid="version-row" data-version={`${v.name} ${v.version}`}>
                <td>
                  <input type="radio" name="base" aria-label={`Compare from ${v.name} ${v.version}`} checked={base === v.id} onChange={() => setBase(v.id)} data-testid="pick-base" />
                </td>
                <td>
                  <input type="radio" name="candidate" aria-label={`Compare to ${v.name} ${v.version}`} checked={candidate === v.id} onChange={() => setCandidate(v.id)} data-testid="pick-candidate" />
                </td>
                <td>
                  <button type="button" class="mono" onClick={() => setOpen(open === v.id ? null : v.id)} aria-expanded={open === v.id} data-testid="version-open">
                    {v.name} {v.version}
                  </button>
                </td>
                <td>
                  {v.job_id ? <a href={`/jobs/${v.job_id}`}>training job</a> : <span class="muted">registered</span>}
                  {v.dataset_sha256 && <div class="mono muted">data {v.dataset_sha256.slice(0, 10)}</div>}
                </td>
                {metricNames.map((m) => (
                  <td key={m} class="mono">
                    {number(v.metrics?.[m])}
                  </td>
                ))}
                <td title={v.created_at}>{formatTime(v.created_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {open && <LineagePanel versionId={open} />}
      {base && candidate && base !== candidate && <Comparison projectId={projectId} base={base} candidate={candidate} />}
    </div>
  )
}

/** Where a version came from and what came of it: snapshot → training job → version → analyses → reviews → next snapshots. */
function LineagePanel({ versionId }: { versionId: string }) {
  const lineage = useAsync((signal) => jobsApi.lineage(versionId, signal), [versionId])
  if (lineage.error) return <ErrorState error={lineage.error} retry={lineage.reload} />
  if (!lineage.data) return <Loading label="Loading lineage…" />
  const l = lineage.data
  return (
    <section class={layout.panel} data-testid="lineage">
      <h2>
        Lineage of <span class="mono">{l.model_version.name} {l.model_version.version}</span>
      </h2>
      <ol class={styles.queue}>
        <li>
          Dataset:{' '}
          {l.dataset_snapshot ? (
            <span class="mono">
              {l.dataset_snapshot.format} {l.dataset_snapshot.sha256?.slice(0, 12)} ({l.dataset_snapshot.image_count ?? '?'} images)
            </span>
          ) : (
            <span class="muted">none recorded</span>
          )}
        </li>
        <li>Training job: {l.training_job ? <a href={`/jobs/${l.training_job.id}`}>{l.training_job.id.slice(0, 8)}</a> : <span class="muted">none</span>}</li>
        <li>
          Used by:{' '}
          {l.jobs_using.length
            ? l.jobs_using.map((j) => (
                <a key={j.id} href={`/jobs/${j.id}`} class="mono">
                  {j.kind} {j.id.slice(0, 8)}{' '}
                </a>
              ))
            : <span class="muted">no job yet</span>}
        </li>
        <li data-testid="lineage-reviews">
          Reviews of its annotations: {l.reviews.accepted} accepted, {l.reviews.rejected} rejected, {l.reviews.unreviewed} not reviewed
        </li>
        <li>Next snapshots: {l.next_snapshots.length ? l.next_snapshots.map((s) => <span key={s.id} class="mono">{s.sha256?.slice(0, 10)} </span>) : <span class="muted">none</span>}</li>
      </ol>
    </section>
  )
}

function Comparison({ projectId, base, candidate }: { projectId: string; base: string; candidate: string }) {
  const compared = useAsync((signal) => jobsApi.compare(projectId, base, candidate, signal), [projectId, base, candidate])
  if (compared.error) return <ErrorState error={compared.error} retry={compared.reload} />
  if (!compared.data) return <Loading label="Comparing…" />
  const c = compared.data
  return (
    <section class={layout.panel} data-testid="comparison">
      <h2>
        <span class="mono">
          {c.base.name} {c.base.version}
        </span>{' '}
        →{' '}
        <span class="mono">
          {c.candidate.name} {c.candidate.version}
        </span>{' '}
        <span class="muted">on the {plural(c.images.common, 'image')} both analysed</span>
      </h2>
      <table class={layout.table}>
        <thead>
          <tr>
            <th>Class</th>
            <th>Boxes</th>
            <th>Mean confidence</th>
            <th>Change</th>
            <th>Reviews (base)</th>
          </tr>
        </thead>
        <tbody>
          {c.classes.map((k) => (
            <tr key={k.class_name} data-testid="comparison-class" data-class={k.class_name}>
              <td>{k.class_name}</td>
              <td>
                {k.base.annotations} → {k.candidate.annotations}
              </td>
              <td>
                {number(k.base.mean_confidence)} → {number(k.candidate.mean_confidence)}
              </td>
              <td class={styles.delta} data-sign={k.mean_confidence_delta === null ? 'none' : k.mean_confidence_delta < 0 ? 'down' : 'up'} data-testid="comparison-delta">
                {k.mean_confidence_delta === null ? '—' : `${k.mean_confidence_delta > 0 ? '+' : ''}${number(k.mean_confidence_delta)}`}
              </td>
              <td>
                {k.base.accepted} accepted, {k.base.rejected} rejected
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  )
}
