import { AppError } from '../errors'
import type { AnnotationInput } from '../schemas/annotation-types'

export interface ImageSize {
  width: number | null
  height: number | null
}

type Box = { x_min?: number; y_min?: number; x_max?: number; y_max?: number; left?: number; top?: number; right?: number; bottom?: number }
type Frame = { image_width?: number; image_height?: number }

/** A box's extent on each axis, whichever of the two forms it was posted in. */
const extent = (b: Box) => ({ x: [b.x_min ?? b.left!, b.x_max ?? b.right!], y: [b.y_min ?? b.top!, b.y_max ?? b.bottom!] })

/** No pixel of [lo, hi] falls on an axis of `limit` pixels. */
const misses = ([lo, hi]: number[], limit: number | null | undefined) => limit != null && (hi! <= 0 || lo! >= limit)

/**
 * A box on an axis with no declared frame is in the image's own pixels, so it is checked against
 * the stored image's size. Only a box that misses the image altogether is refused: detectors pad
 * and clip, and a box that runs over an edge still marks something in the image (the viewer and
 * the exports clip it). An axis with a declared frame was already held to it by the schema.
 */
export function assertBoxesMeetImage(image: ImageSize, items: AnnotationInput[]): void {
  if (image.width == null && image.height == null) return
  const outside = items.flatMap((a, index) => {
    if (a.annotation_type !== 'bounding_box') return []
    const data = a.data as Box & Frame
    const { x, y } = extent(data)
    const missesX = data.image_width === undefined && misses(x, image.width)
    const missesY = data.image_height === undefined && misses(y, image.height)
    return missesX || missesY ? [index] : []
  })
  if (!outside.length) return
  throw new AppError(400, 'validation_error', `the box lies wholly outside the ${image.width}×${image.height} image; declare image_width and image_height if it is in another frame`, {
    path: ['annotations', outside[0]!, 'data'],
    items: outside.map((index) => ({ index, path: ['annotations', index, 'data'] })),
  })
}
