import { classColor } from '../../lib/palette'
import type { Annotation } from '../../lib/types'
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

export function ClassificationBars({ annotations, onSelect }: { annotations: readonly Annotation[]; onSelect: (id: string) => void }) {
  return (
    <div class={styles.list} data-testid="classification-bars">
      {annotations.map((a) => (
        <button type="button" key={a.id} class={styles.group} onClick={() => onSelect(a.id)} aria-label={`Classification ${a.class_name ?? ''}: details`}>
          {topK(a).map((t) => (
            <span key={t.name} class={styles.row}>
              <span class={styles.name} title={t.name}>
                {t.name}
              </span>
              <span class={styles.track}>
                <span class={styles.fill} style={{ width: `${Math.max(0, Math.min(1, t.confidence)) * 100}%`, background: classColor(t.name) }} />
              </span>
              <span class={styles.value}>{(t.confidence * 100).toFixed(1)}%</span>
            </span>
          ))}
        </button>
      ))}
    </div>
  )
}
