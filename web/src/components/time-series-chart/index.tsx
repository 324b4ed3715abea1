import { useMemo, useRef } from 'preact/hooks'
import uPlot from 'uplot'
import 'uplot/dist/uPlot.min.css'
import type { ChartLine } from '../../lib/dashboard-charts'
import { useElementSize } from '../../lib/use-element-size'
import { useUplot } from '../../lib/use-uplot'
import styles from './style.module.css'

interface Props {
  title: string
  /** Bucket starts, Unix seconds. */
  times: number[]
  /** How each bucket is named in the table behind the chart. */
  timeLabels: string[]
  lines: ChartLine[]
  /** The chart in a sentence: totals or peaks. */
  summary: string
  format?: (value: number) => string
  /** Counts: the y axis ticks whole numbers only, never 0.5 of an analysis. */
  integers?: boolean
  height?: number
  testid?: string
}

const plain = (v: number) => v.toLocaleString('en')
const WHOLE_STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000, 1_000_000]
// The server cuts buckets in UTC; the axis says the same hours.
const utc = (ts: number) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC')

/**
 * Several series over the same time buckets, on uPlot's canvas, as wide as its container. The
 * canvas is hidden from assistive technology; a caption and a visually hidden table say what it
 * draws, bucket by bucket.
 */
export function TimeSeriesChart({ title, times, timeLabels, lines, summary, format = plain, integers = false, height = 180, testid }: Props) {
  const frame = useRef<HTMLDivElement>(null)
  const host = useRef<HTMLDivElement>(null)
  const { width } = useElementSize(frame)
  const data = useMemo(() => [times, ...lines.map((l) => l.values)] as uPlot.AlignedData, [times, lines])
  const shape = lines.map((l) => `${l.label}:${l.color}`).join()

  useUplot(
    host,
    () => {
      if (width < 50) return null
      const ink = getComputedStyle(host.current!)
      const axis = { stroke: ink.getPropertyValue('--muted').trim(), grid: { stroke: ink.getPropertyValue('--border').trim(), width: 1 }, ticks: { show: false } }
      return {
        width: Math.floor(width),
        height,
        tzDate: utc,
        scales: { y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] } },
        axes: [axis, { ...axis, size: 64, incrs: integers ? WHOLE_STEPS : undefined, values: (_u, splits) => splits.map((v) => format(v)) }],
        series: [
          { label: 'UTC' },
          ...lines.map((l) => ({ label: l.label, stroke: l.color, dash: l.dash, width: 2, points: { show: times.length <= 31 }, value: (_u: uPlot, v: number | null) => (v === null ? '—' : format(v)) })),
        ],
        cursor: { points: { size: 6 } },
      }
    },
    data,
    [shape, Math.floor(width), height, integers],
  )

  return (
    <figure class={styles.chart} data-testid={testid} data-buckets={times.length}>
      <figcaption>
        <strong>{title}</strong> <span class="muted">{summary}</span>
      </figcaption>
      <div ref={frame} class={styles.frame}>
        <div ref={host} aria-hidden="true" data-testid="chart-canvas" />
      </div>
      <table class="visually-hidden">
        <caption>{title}, per bucket (UTC)</caption>
        <thead>
          <tr>
            <th scope="col">Bucket</th>
            {lines.map((l) => (
              <th key={l.label} scope="col">
                {l.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {timeLabels.map((label, i) => (
            <tr key={times[i]}>
              <th scope="row">{label}</th>
              {lines.map((l) => (
                <td key={l.label}>{l.values[i] === null || l.values[i] === undefined ? '—' : format(l.values[i]!)}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  )
}
