import { useRef } from 'preact/hooks'
import type { ComparedImage } from '../../lib/types'
import { useImageUrl } from '../../lib/use-image-url'
import styles from './style.module.css'

interface Props {
  images: readonly ComparedImage[]
  selectedId: string | null
  onSelect: (imageId: string) => void
  /** Where this page starts in the whole list, and how long that is. */
  skip: number
  total: number
  limit: number
  onPage: (skip: number) => void
}

/** The images in the server's order, most disagreement first, a page at a time. */
export function CompareImageList({ images, selectedId, onSelect, skip, total, limit, onPage }: Props) {
  return (
    <div class={styles.list}>
      <ol class={styles.items} start={skip + 1} data-testid="compare-images">
        {images.map((image) => (
          <li key={image.image_id}>
            <Row image={image} selected={image.image_id === selectedId} onSelect={onSelect} />
          </li>
        ))}
      </ol>
      {total > limit && (
        <div class={styles.pager}>
          <button type="button" onClick={() => onPage(Math.max(0, skip - limit))} disabled={skip === 0} data-testid="compare-page-previous">
            ← Previous
          </button>
          <span class="muted">
            {(skip + 1).toLocaleString()}–{Math.min(total, skip + limit).toLocaleString()} of {total.toLocaleString()}
          </span>
          <button type="button" onClick={() => onPage(skip + limit)} disabled={skip + limit >= total} data-testid="compare-page-next">
            Next →
          </button>
        </div>
      )}
    </div>
  )
}

function Row({ image, selected, onSelect }: { image: ComparedImage; selected: boolean; onSelect: (id: string) => void }) {
  const ref = useRef<HTMLButtonElement>(null)
  const { url } = useImageUrl(image.image_id, ref)
  return (
    <button
      ref={ref}
      type="button"
      class={styles.row}
      aria-pressed={selected}
      onClick={() => onSelect(image.image_id)}
      data-testid="compare-image"
      data-image-id={image.image_id}
      data-disagreement={image.disagreement}
    >
      <span class={styles.thumb}>{url && <img src={url} alt="" loading="lazy" decoding="async" />}</span>
      <span class={styles.caption}>
        <span class={styles.name} title={image.filename}>
          {image.filename}
        </span>
        <span class="muted">
          {image.disagreement.toLocaleString()} disagreement{image.disagreement === 1 ? '' : 's'} · {image.matched.toLocaleString()} matched
        </span>
        <span class={styles.parts}>
          {image.class_changed > 0 && <span>{image.class_changed} class changed</span>}
          {image.only_a > 0 && <span>{image.only_a} only A</span>}
          {image.only_b > 0 && <span>{image.only_b} only B</span>}
        </span>
      </span>
    </button>
  )
}
