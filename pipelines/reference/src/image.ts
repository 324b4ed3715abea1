import { decode as decodePng } from 'fast-png'
import jpeg from 'jpeg-js'

/** An image as the models read it: 8-bit RGB, row-major, no alpha. */
export interface RgbImage {
  width: number
  height: number
  rgb: Uint8Array
  format: 'png' | 'jpeg'
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47]
const JPEG_SIGNATURE = [0xff, 0xd8, 0xff]

/** Photos larger than this are refused before decoding, so one huge upload cannot exhaust memory. */
const MAX_PIXELS = 40_000_000

const startsWith = (bytes: Uint8Array, signature: number[]) => signature.every((b, i) => bytes[i] === b)

/**
 * Decodes a PNG or JPEG by its magic bytes rather than its declared type, which is only the
 * uploader's claim. Other formats Loupe accepts (WebP, GIF) are refused with a clear message.
 */
export function decodeImage(bytes: Uint8Array): RgbImage {
  if (startsWith(bytes, PNG_SIGNATURE)) {
    const png = decodePng(bytes)
    checkSize(png.width, png.height)
    if (png.palette || (png.depth !== 8 && png.depth !== 16)) throw new Error('palette and low-bit-depth PNGs are not supported; save the image as 8-bit RGB')
    return { width: png.width, height: png.height, rgb: toRgb(png.data, png.channels, png.depth, png.width * png.height), format: 'png' }
  }
  if (startsWith(bytes, JPEG_SIGNATURE)) {
    const image = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: MAX_PIXELS / 1e6 })
    checkSize(image.width, image.height)
    return { width: image.width, height: image.height, rgb: toRgb(image.data, 4, 8, image.width * image.height), format: 'jpeg' }
  }
  throw new Error('the image is neither PNG nor JPEG; the reference pipeline reads only those two')
}

function checkSize(width: number, height: number) {
  if (width * height > MAX_PIXELS) throw new Error(`the image is ${width}×${height}; the reference pipeline reads at most ${MAX_PIXELS / 1e6} megapixels`)
}

/** Drops alpha, spreads gray to three channels and keeps the high byte of 16-bit samples. */
function toRgb(data: ArrayLike<number>, channels: number, depth: number, pixels: number): Uint8Array {
  const rgb = new Uint8Array(pixels * 3)
  const shift = depth === 16 ? 8 : 0
  const gray = channels < 3
  for (let p = 0; p < pixels; p++) {
    const i = p * channels
    const o = p * 3
    rgb[o] = data[i]! >> shift
    rgb[o + 1] = data[gray ? i : i + 1]! >> shift
    rgb[o + 2] = data[gray ? i : i + 2]! >> shift
  }
  return rgb
}
