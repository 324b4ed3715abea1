import { classColor } from '../../lib/palette'
import type { Annotation } from '../../lib/types'
import type { ClassColors } from '../../lib/use-overlay-model'
import styles from './style.module.css'

interface Entry {
  name: string
  confidence: number
}

/** Both shapes the API accepts: `{topk: [{class, confidence}]}` and `{score}` with the class on the annotation. */
export function topK(a: Annotation, k = 5): Entry[] {
  const topk = a.data.topk
  if (Array.isArray(topk)) {
    return topk
      .filter((t): t is { class: string; confidence: number } => !!t && typeof t.class === 'string' && typeof t.confidence === 'number')
      .map((t) => ({ name: t.class, confidence: t.confidence }))
      .sort((x, y) => y.confidence - x.confidence)
      .slice(0, k)
  }
  const score = typeof a.data.score === 'number' ? a.data.score : a.confidence
  return score === null ? [] : [{ name: a.class_name ?? 'score', confidence: score }]
}

const pct = (c: number) => `${(c * 100).toFixed(1)}%`

interface Props {
  annotations: readonly Annotation[]
  colors: ClassColors
  selectedId: string | null
  onSelect: (id: string) => void
}

/**
 * Each classification's top classes as meters. A meter is named by the class written next to it,
 * and the button says what it does in the words it shows, so what a screen reader announces is what
 * a sighted reader sees.
 */
export function ClassificationBars({ annotations, colors, selectedId, onSelect }: Props) {
  return (
    <div class={styles.list} data-testid="classification-bars">
      {annotations.map((a) => {
        const rows = topK(a)
        return (
          <div key={a.id} class={styles.group} data-selected={a.id === selectedId ? '' : undefined} data-review-state={a.review_state}>
            {rows.map((t, i) => {
              const id = `cls-${a.id}-${i}`
              return (
                <div key={t.name} class={styles.row}>
                  <span class={styles.name} id={id} title={t.name}>
                    {t.name}
                  </span>
                  <span class={styles.track} role="meter" aria-labelledby={id} aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(t.confidence * 1000) / 10} aria-valuetext={pct(t.confidence)}>
                    <span class={styles.fill} style={{ width: `${Math.max(0, Math.min(1, t.confidence)) * 100}%`, background: colors.get(t.name) ?? classColor(t.name) }} />
                  </span>
                  <span class={styles.value} aria-hidden="true">
                    {pct(t.confidence)}
                  </span>
                </div>
              )
            })}
            <button type="button" class={styles.review} onClick={() => onSelect(a.id)} aria-pressed={a.id === selectedId} data-testid="classification-review">
              Review {a.review_state === 'unreviewed' ? '' : `(${a.review_state})`}
            </button>
          </div>
        )
      })}
    </div>
  )
}
