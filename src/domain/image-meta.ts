import { imageSize } from 'image-size'
import { AppError } from '../errors'
import { IMAGE_CONTENT_TYPES } from '../schemas/images'

const TYPE_TO_MIME: Record<string, (typeof IMAGE_CONTENT_TYPES)[number]> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  webp: 'image/webp',
  gif: 'image/gif',
}

/** Width, height and real type from the file header; the declared content type is not trusted. */
export function readImageMeta(bytes: Uint8Array): { width: number; height: number; contentType: string } {
  let info: ReturnType<typeof imageSize>
  try {
    info = imageSize(bytes)
  } catch {
    throw new AppError(400, 'validation_error', 'File is not a PNG, JPEG, WebP or GIF image')
  }
  const contentType = info.type ? TYPE_TO_MIME[info.type] : undefined
  if (!contentType || !info.width || !info.height) {
    throw new AppError(400, 'validation_error', `Unsupported image type ${info.type ?? 'unknown'}; use PNG, JPEG, WebP or GIF`)
  }
  // EXIF orientations 5-8 rotate by 90°, so the displayed width is the stored height.
  const rotated = (info.orientation ?? 1) >= 5
  return { width: rotated ? info.height : info.width, height: rotated ? info.width : info.height, contentType }
}
