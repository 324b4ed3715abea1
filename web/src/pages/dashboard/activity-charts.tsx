import { useMemo } from 'preact/hooks'
import { TimeSeriesChart } from '../../components/time-series-chart'
import { bucketLabel, bucketTimes, formatSeconds } from '../../lib/activity-series'
import { dashboardCharts } from '../../lib/dashboard-charts'
import type { ProjectActivity } from '../../lib/types'
import styles from './style.module.css'

const countFormat = (v: number) => v.toLocaleString('en')

/** Throughput, durations, deliveries and jobs over the window, one chart each. */
export function ActivityCharts({ activity }: { activity: ProjectActivity }) {
  const times = useMemo(() => bucketTimes(activity.buckets), [activity])
  const labels = useMemo(() => activity.buckets.map((b) => bucketLabel(b, activity.bucket)), [activity])
  const charts = useMemo(() => dashboardCharts(activity), [activity])
  return (
    <div class={styles.charts}>
      {charts.map((c) => (
        <TimeSeriesChart
          key={c.id}
          testid={`chart-${c.id}`}
          title={c.title}
          times={times}
          timeLabels={labels}
          lines={c.lines}
          summary={c.summary}
          format={c.unit === 'seconds' ? formatSeconds : countFormat}
          integers={c.unit === 'count'}
        />
      ))}
    </div>
  )
}
