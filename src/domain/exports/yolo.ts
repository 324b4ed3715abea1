import type { Annotation } from '../../schemas/analyses'
import { imageEntry, type Dataset, type DatasetImage } from './dataset'
import { inImagePixels } from './frame'
import { boxOf } from './geometry'
import { annotationPages, classOf, distinctClasses } from './reader'
import type { Chunk, ZipEntry } from './stream'

const clamp01 = (n: number) => Math.min(1, Math.max(0, n))
const fixed = (n: number) => n.toFixed(6)

/**
 * `class cx cy w h`, normalized by the image's size and clamped to 0..1, after the box is taken to
 * the image's pixels. Without an image size the box's own image_width/image_height normalize it;
 * without either there is nothing to normalize by: null.
 */
export function yoloLine(a: Annotation, classIndex: number, image: Pick<DatasetImage, 'width' | 'height'>): string | null {
  const { data } = inImagePixels(a, image).annotation
  const b = boxOf(data)?.box
  const width = image.width ?? (data.image_width as number | undefined)
  const height = image.height ?? (data.image_height as number | undefined)
  if (!b || !width || !height) return null
  const [x0, x1] = [clamp01(b.x_min / width), clamp01(b.x_max / width)]
  const [y0, y1] = [clamp01(b.y_min / height), clamp01(b.y_max / height)]
  return `${classIndex} ${fixed((x0 + x1) / 2)} ${fixed((y0 + y1) / 2)} ${fixed(x1 - x0)} ${fixed(y1 - y0)}`
}

async function* labels(ds: Dataset, image: DatasetImage, classIndex: Map<string, number>): AsyncGenerator<Chunk> {
  for await (const page of annotationPages(ds.d1, image.analysis.id, { review: ds.review, types: ['bounding_box'] })) {
    const lines = page.map((a) => yoloLine(a, classIndex.get(classOf(a))!, image)).filter((l) => l !== null)
    if (lines.length) yield `${lines.join('\n')}\n`
  }
}

/** JSON strings are YAML double-quoted scalars, so any class name survives. */
const dataYaml = (classes: string[]) =>
  `# Exported from Loupe. Labels are in labels/, one file per image in images/.\npath: .\ntrain: images\nval: images\nnc: ${classes.length}\nnames: ${JSON.stringify(classes)}\n`

/**
 * A YOLO detection dataset: `classes.txt` and `data.yaml` (sorted class names; the line number is
 * the class index), then for each image `labels/{stem}.txt` and the image under `images/`.
 * Only bounding boxes become labels.
 */
export async function* yoloEntries(ds: Dataset): AsyncGenerator<ZipEntry> {
  const classes = await distinctClasses(
    ds.d1,
    ds.images.map((i) => i.analysis.id),
    { review: ds.review, types: ['bounding_box'] },
  )
  const classIndex = new Map(classes.map((c, i) => [c, i]))
  yield { name: 'classes.txt', compress: true, body: [classes.map((c) => c.replace(/[\r\n]+/g, ' ')).join('\n') + (classes.length ? '\n' : '')] }
  yield { name: 'data.yaml', compress: true, body: [dataYaml(classes)] }
  for (const image of ds.images) {
    yield { name: `labels/${image.stem}.txt`, compress: true, body: labels(ds, image, classIndex) }
    const bytes = await imageEntry(ds.bucket, image)
    if (bytes) yield bytes
  }
}
