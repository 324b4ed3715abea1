import type { RefObject } from 'preact'
import { useLayoutEffect } from 'preact/hooks'
import type { Annotation } from '../../lib/types'
import styles from './style.module.css'

export interface TooltipRefs {
  box: RefObject<HTMLDivElement | null>
  value: RefObject<HTMLSpanElement | null>
  /** The latest reading under the pointer (a heatmap's value), written on every move. */
  text: { current: string }
}

/**
 * What the pointer is over. It follows the pointer through a transform written on each move, not
 * through renders; the component renders only when the hovered item changes.
 */
export function OverlayTooltip({ annotation, refs }: { annotation: Annotation | undefined; refs: TooltipRefs }) {
  // The value line exists only once rendered: the move that found the item came before it.
  useLayoutEffect(() => {
    if (refs.value.current) refs.value.current.textContent = refs.text.current
  })
  return (
    <div ref={refs.box} class={styles.tooltip} hidden={!annotation} role="tooltip" data-testid="overlay-tooltip">
      {annotation && (
        <>
          <strong>{annotation.class_name ?? annotation.annotation_type}</strong>
          {annotation.confidence !== null && <span> {(annotation.confidence * 100).toFixed(1)}%</span>}
          <div class="muted">
            {annotation.annotation_type.replace('_', ' ')} · {annotation.review_state} <span ref={refs.value} data-testid="tooltip-value" />
          </div>
        </>
      )}
    </div>
  )
}
