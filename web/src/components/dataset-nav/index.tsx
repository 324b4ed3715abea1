import { useLocation } from 'preact-iso'
import { useEffect, useMemo } from 'preact/hooks'
import { readTrail, trailStep } from '../../lib/dataset-trail'
import styles from './style.module.css'

/**
 * Previous and next in the dataset grid's last order, keeping its model; [ and ] step too. Shown
 * only for an image that grid listed.
 */
export function DatasetNav({ imageId }: { imageId: string }) {
  const { route } = useLocation()
  const step = useMemo(() => trailStep(readTrail(), imageId), [imageId])
  useEffect(() => {
    if (!step) return
    const onKey = (e: KeyboardEvent) => {
      if (e.target instanceof HTMLInputElement || e.target instanceof HTMLTextAreaElement || e.target instanceof HTMLSelectElement) return
      if (e.key === '[' && step.previousHref) route(step.previousHref)
      if (e.key === ']' && step.nextHref) route(step.nextHref)
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [step, route])
  if (!step) return null
  return (
    <nav class={styles.nav} aria-label="Dataset" data-testid="dataset-nav">
      <a href={step.back} data-testid="dataset-back">
        Dataset
      </a>
      {step.previousHref ? (
        <a href={step.previousHref} rel="prev" title="Previous image ([)" data-testid="dataset-previous">
          ← Prev
        </a>
      ) : (
        <span class="muted">← Prev</span>
      )}
      <span class="muted" data-testid="dataset-position">
        {step.index + 1} / {step.total}
      </span>
      {step.nextHref ? (
        <a href={step.nextHref} rel="next" title="Next image (])" data-testid="dataset-next">
          Next →
        </a>
      ) : (
        <span class="muted">Next →</span>
      )}
    </nav>
  )
}
