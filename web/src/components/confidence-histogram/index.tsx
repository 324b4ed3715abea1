import styles from './style.module.css'

/** Bars of the confidence distribution; what the threshold hides is dimmed. */
export function ConfidenceHistogram({ bins, threshold }: { bins: Uint32Array; threshold: number }) {
  const max = Math.max(1, ...bins)
  const n = bins.length
  const total = bins.reduce((a, b) => a + b, 0)
  return (
    <svg
      class={styles.histogram}
      viewBox={`0 0 ${n} 30`}
      preserveAspectRatio="none"
      role="img"
      aria-label={`Confidence histogram of ${total} annotations`}
      data-testid="confidence-histogram"
    >
      {Array.from(bins, (count, i) => {
        const h = count === 0 ? 0 : Math.max(1, (count / max) * 30)
        const hidden = (i + 1) / n <= threshold
        return (
          <rect key={i} x={i + 0.08} y={30 - h} width={0.84} height={h} class={hidden ? styles.hidden : styles.bar} data-count={count}>
            <title>
              {(i / n).toFixed(2)}–{((i + 1) / n).toFixed(2)}: {count}
            </title>
          </rect>
        )
      })}
      <line x1={threshold * n} x2={threshold * n} y1={0} y2={30} class={styles.threshold} />
    </svg>
  )
}
