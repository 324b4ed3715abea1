import { formatConfidence } from '../../lib/format'
import { classColor } from '../../lib/palette'
import type { Annotation } from '../../lib/types'
import type { ClassColors } from '../../lib/use-overlay-model'
import { topK } from '../classification-bars'
import styles from './style.module.css'

interface Props {
  classifications: readonly Annotation[]
  colors: ClassColors
  selectedId: string | null
  onSelect: (id: string) => void
}

/**
 * Image-level results drawn on the image, top left, as FiftyOne does: a classification has no
 * geometry, but it is still what the model said about this picture.
 */
export function ImageLabels({ classifications, colors, selectedId, onSelect }: Props) {
  if (classifications.length === 0) return null
  return (
    <ul class={styles.labels} data-testid="image-labels" onPointerDown={(e) => e.stopPropagation()}>
      {classifications.slice(0, 8).map((a) => {
        const top = topK(a, 1)[0]
        const name = top?.name ?? a.class_name ?? 'classification'
        return (
          <li key={a.id}>
            <button
              type="button"
              class={styles.label}
              aria-pressed={a.id === selectedId}
              data-review-state={a.review_state}
              onClick={() => onSelect(a.id)}
              data-testid="image-label"
            >
              <span class={styles.swatch} style={{ background: colors.get(name) ?? classColor(name) }} aria-hidden="true" />
              {name} {formatConfidence(top?.confidence ?? a.confidence)}
              {a.review_state === 'accepted' && ' ✓'}
              {a.review_state === 'rejected' && ' ✗'}
            </button>
          </li>
        )
      })}
    </ul>
  )
}
