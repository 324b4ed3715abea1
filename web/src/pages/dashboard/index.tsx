import { useLocation } from 'preact-iso'
import { useMemo } from 'preact/hooks'
import { Breadcrumbs } from '../../components/breadcrumbs'
import { Empty, ErrorState, Loading } from '../../components/states'
import { activityTotals, isQuiet, modelRows, windowDays, windowLabel } from '../../lib/activity-series'
import { useAsync } from '../../lib/use-async'
import { usePolling } from '../../lib/use-polling'
import { ActivityCharts } from './activity-charts'
import { dashboardApi } from './api'
import { Headline } from './headline'
import { ModelTable } from './model-table'
import { SloTable } from './slo-table'
import { WindowPicker } from './window-picker'
import layout from '../../styles/page.module.css'

/** Activity is cut into hours or days, so a refresh more often than this would mostly redraw the same picture. */
const REFRESH_MS = 30_000

/** A project's analyses, durations, deliveries and jobs over a window, with the deployment's SLOs (docs/operations.md#dashboard). */
export default function DashboardPage({ projectId }: { projectId: string }) {
  const { query, path, route } = useLocation()
  const days = windowDays(query.days)
  const activity = useAsync((signal) => dashboardApi.activity(projectId, days, signal), [projectId, days])
  const status = useAsync((signal) => dashboardApi.status(projectId, signal), [projectId])
  const slos = useAsync((signal) => dashboardApi.slos(signal), [])
  usePolling(true, REFRESH_MS, () => {
    activity.reload()
    status.reload()
    slos.reload()
  })

  // Until a new window's answer arrives the previous one stays on screen, marked as updating.
  const shown = activity.data
  const totals = useMemo(() => shown && activityTotals(shown), [shown])
  const label = windowLabel(days)

  return (
    <div class={layout.page} data-testid="dashboard-page" data-days={days} data-loading={activity.loading}>
      <Breadcrumbs trail={[{ label: 'Projects', href: '/' }, { label: 'Project', href: `/projects/${projectId}` }, { label: 'Dashboard' }]} />
      <header class={layout.head}>
        <h1>Dashboard</h1>
        <WindowPicker days={days} onChange={(d) => route(`${path}?days=${d}`, true)} />
        <span class="muted">
          {shown && `Per ${shown.bucket}, UTC · `}
          {activity.loading && shown ? 'updating…' : 'refreshes every 30 s'}
        </span>
      </header>
      {activity.loading && !shown && <Loading label="Loading activity…" />}
      {activity.error && <ErrorState error={activity.error} retry={activity.reload} title="Could not load the activity" />}
      {shown && totals && (
        <>
          <Headline totals={totals} status={status.data} window={label} />
          {isQuiet(totals) ? (
            <Empty title={`No activity in the last ${label}`}>No analysis, job or webhook delivery in this window. Pick a longer one, or start an analysis.</Empty>
          ) : (
            <>
              <ActivityCharts activity={shown} />
              <ModelTable rows={modelRows(shown.models)} />
            </>
          )}
        </>
      )}
      <SloTable slos={slos} />
    </div>
  )
}
