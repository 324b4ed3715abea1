import { useEffect, useRef } from 'preact/hooks'
import uPlot from 'uplot'

/**
 * A uPlot drawn into `host`. It is built again only when `rebuild` changes (its series or its
 * size), and otherwise handed new data in place, so a chart that polls or grows redraws without
 * flicker. `options` returns null while the host cannot be drawn into yet (no width measured).
 */
export function useUplot(host: { current: HTMLElement | null }, options: () => uPlot.Options | null, data: uPlot.AlignedData, rebuild: readonly unknown[]) {
  const plot = useRef<uPlot | null>(null)
  const latest = useRef(data)
  latest.current = data

  useEffect(() => {
    const opts = host.current && options()
    if (!host.current || !opts) return
    plot.current = new uPlot(opts, latest.current, host.current)
    return () => {
      plot.current?.destroy()
      plot.current = null
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, rebuild)

  useEffect(() => {
    plot.current?.setData(data)
  }, [data])
}
