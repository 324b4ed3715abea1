import { exportUrls } from '../../lib/api'
import styles from './style.module.css'

const FILES: { key: keyof ReturnType<typeof exportUrls>; label: string; title: string }[] = [
  { key: 'json', label: 'JSON', title: 'The analysis, every annotation with its review state, artifacts and provenance' },
  { key: 'csv', label: 'CSV', title: 'One row per annotation, geometry flattened' },
  { key: 'coco', label: 'COCO', title: 'COCO dataset: info, images, categories (with keypoint skeletons), annotations' },
  { key: 'cocoResults', label: 'COCO results', title: 'COCO detection results: the array that pycocotools loadRes reads' },
  { key: 'yolo', label: 'YOLO', title: 'A zip of normalized labels, classes.txt and data.yaml' },
  { key: 'bundle', label: 'Bundle', title: 'A provenance zip: manifest with SHA-256 of every artifact, the annotations, the artifacts' },
]

/**
 * Plain links, not fetches: the browser streams the server's export straight to disk (100,000
 * annotations never sit in page memory) and names it from Content-Disposition.
 */
export function ExportButtons({ analysisId }: { analysisId: string }) {
  const urls = exportUrls(analysisId)
  return (
    <div class={styles.buttons}>
      {FILES.map(({ key, label, title }) => (
        <a key={key} class="button" href={urls[key]} download title={title} data-testid={`export-${key}`}>
          {label}
        </a>
      ))}
    </div>
  )
}
