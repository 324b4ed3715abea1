import type { ActivityTotals } from '../../lib/activity-series'
import type { ProjectStatus } from '../../lib/types'
import styles from './style.module.css'

interface Figure {
  id: string
  label: string
  value: number | undefined
}

/** The window's totals, then where the project stands now (from its status, when it loaded). */
export function Headline({ totals, status, window }: { totals: ActivityTotals; status: ProjectStatus | undefined; window: string }) {
  const inWindow: Figure[] = [
    { id: 'analyses-created', label: 'analyses created', value: totals.analyses.created },
    { id: 'analyses-completed', label: 'completed', value: totals.analyses.completed },
    { id: 'analyses-failed', label: 'failed', value: totals.analyses.failed },
    { id: 'analyses-canceled', label: 'canceled', value: totals.analyses.canceled },
    { id: 'jobs-created', label: 'jobs created', value: totals.jobs.created },
    { id: 'deliveries-failed', label: 'failed deliveries', value: totals.deliveries.failed },
  ]
  const now: Figure[] = status
    ? [
        { id: 'images', label: 'images', value: status.images.total },
        { id: 'analyses-active', label: 'analyses queued or running', value: status.analyses.queued + status.analyses.processing },
        { id: 'reviews-pending', label: 'annotations to review', value: status.reviews.pending },
        { id: 'jobs-waiting', label: 'jobs waiting', value: status.waiting_jobs },
      ]
    : []
  return (
    <section class={styles.headline} aria-label="Headline numbers" data-testid="headline">
      <Figures title={`Last ${window}`} figures={inWindow} />
      {now.length > 0 && <Figures title="Now" figures={now} />}
    </section>
  )
}

function Figures({ title, figures }: { title: string; figures: Figure[] }) {
  return (
    <div>
      <h2>{title}</h2>
      <dl class={styles.figures}>
        {figures.map((f) => (
          <div key={f.id} data-testid={`headline-${f.id}`} data-value={f.value}>
            <dt>{f.label}</dt>
            <dd>{f.value?.toLocaleString('en') ?? '—'}</dd>
          </div>
        ))}
      </dl>
    </div>
  )
}
