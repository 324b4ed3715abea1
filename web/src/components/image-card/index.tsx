import { useRef } from 'preact/hooks'
import { summarizeAnalyses } from '../../lib/analysis-summary'
import type { Image } from '../../lib/types'
import { useImageUrl } from '../../lib/use-image-url'
import { StatusBadge } from '../status-badge'
import styles from './style.module.css'

export function ImageCard({ image }: { image: Image }) {
  const ref = useRef<HTMLAnchorElement>(null)
  const { url, failed } = useImageUrl(image.id, ref)
  const badge = summarizeAnalyses(image.analyses)
  return (
    <a ref={ref} class={styles.card} href={`/images/${image.id}`} data-testid="image-item" data-filename={image.filename}>
      <span class={styles.thumb}>
        {url ? (
          <img src={url} alt="" loading="lazy" decoding="async" />
        ) : (
          <span class="muted">{failed ? 'No preview' : image.status === 'pending' ? 'Uploading…' : ''}</span>
        )}
      </span>
      <span class={styles.caption}>
        <span class={styles.name} title={image.filename}>
          {image.filename}
        </span>
        <span title={badge.title} data-testid="image-analyses">
          <StatusBadge status={badge.tone} label={badge.text} />
        </span>
      </span>
    </a>
  )
}
