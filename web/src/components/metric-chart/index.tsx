import { useRef } from 'preact/hooks'
import type uPlot from 'uplot'
import 'uplot/dist/uPlot.min.css'
import { useUplot } from '../../lib/use-uplot'
import styles from './style.module.css'

export interface Series {
  name: string
  points: { step: number; value: number }[]
}

/**
 * One metric series as a line over its steps (uPlot: canvas, small, and loaded only with the job
 * pages). Redrawn in place when new points arrive, so a running job's curve grows without flicker.
 */
export function MetricChart({ series, width = 480, height = 200 }: { series: Series; width?: number; height?: number }) {
  const host = useRef<HTMLDivElement>(null)
  const data: uPlot.AlignedData = [series.points.map((p) => p.step), series.points.map((p) => p.value)]

  useUplot(
    host,
    () => ({
      width,
      height,
      scales: { x: { time: false } },
      axes: [{ label: 'step' }, {}],
      series: [{ label: 'step' }, { label: series.name, stroke: accent(host.current!), width: 2, points: { show: series.points.length < 40 } }],
      legend: { show: false },
    }),
    data,
    [series.name, width, height],
  )

  const last = series.points.at(-1)
  return (
    <figure class={styles.chart} data-testid="metric-chart" data-metric={series.name} data-points={series.points.length}>
      <figcaption>
        <span class="mono">{series.name}</span>
        {last && <span class="muted"> {Number(last.value.toPrecision(4))} at step {last.step}</span>}
      </figcaption>
      <div ref={host} />
    </figure>
  )
}

function accent(el: HTMLElement): string {
  return getComputedStyle(el).getPropertyValue('--accent').trim() || '#3b82f6'
}
