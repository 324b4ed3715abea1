import { useEffect, useRef } from 'preact/hooks'
import uPlot from 'uplot'
import 'uplot/dist/uPlot.min.css'
import { classColor, CLASS_PALETTE } from '../../lib/palette'
import type { PrSeries } from '../../lib/pr-series'
import styles from './style.module.css'

/**
 * Precision against recall for every class at one IoU threshold, on uPlot's canvas (already the
 * viewer's chart library, and loaded only with the pages that chart). Classes keep the colours
 * they have on images.
 */
export function PrCurves({ series, width = 460, height = 260 }: { series: PrSeries; width?: number; height?: number }) {
  const host = useRef<HTMLDivElement>(null)

  useEffect(() => {
    if (!host.current) return
    const plot = new uPlot(
      {
        width,
        height,
        scales: { x: { time: false, range: [0, 1] }, y: { range: [0, 1] } },
        axes: [{ label: 'recall' }, { label: 'precision' }],
        series: [{ label: 'recall' }, ...series.classes.map((c) => ({ label: c, stroke: classColor(c, CLASS_PALETTE), width: 2, points: { show: false } }))],
        legend: { show: series.classes.length <= 20 },
      },
      [series.recall, ...series.precision] as uPlot.AlignedData,
      host.current,
    )
    return () => plot.destroy()
  }, [series, width, height])

  const drawn = series.precision.filter((p) => p.some((v) => v !== null)).length
  return (
    <figure class={styles.chart} data-testid="pr-curve" data-iou={series.iou} data-classes={drawn}>
      <figcaption>
        IoU {series.iou.toFixed(2)}{' '}
        <span class="muted">
          · {drawn} of {series.classes.length} classes{drawn < series.classes.length ? ' (the others found nothing, or have no ground truth)' : ''}
        </span>
      </figcaption>
      <div ref={host} />
    </figure>
  )
}
