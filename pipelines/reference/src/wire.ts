import { decode, encode } from 'fast-png'
import { z } from 'zod'
import { Detections, type ModelOutput } from './detections'

/**
 * The JSON form of a model's output, shared by the model server's `/infer` answer and the
 * subprocess command's last line. The probability map travels as a grayscale PNG: it is an image,
 * and PNG shrinks its large flat regions to a few kilobytes.
 */
const WireSegmentation = z.object({ width: z.number().int().positive(), height: z.number().int().positive(), png_base64: z.string().min(1) })
export const WireOutput = Detections.extend({ segmentation: WireSegmentation.nullable() })
export type WireOutput = z.infer<typeof WireOutput>

export function toWire(output: ModelOutput): WireOutput {
  const { segmentation, ...rest } = output
  if (!segmentation) return { ...rest, segmentation: null }
  const png = encode({ width: segmentation.width, height: segmentation.height, data: segmentation.data, channels: 1, depth: 8 })
  return { ...rest, segmentation: { width: segmentation.width, height: segmentation.height, png_base64: Buffer.from(png).toString('base64') } }
}

/** Parses and checks untrusted JSON from a model server or command; throws a readable error. */
export function fromWire(json: unknown): ModelOutput {
  const parsed = WireOutput.safeParse(json)
  if (!parsed.success) throw new Error(`the model's output does not match the expected shape: ${z.prettifyError(parsed.error)}`)
  const { segmentation, ...rest } = parsed.data
  if (!segmentation) return { ...rest, segmentation: null }
  const png = decode(Buffer.from(segmentation.png_base64, 'base64'))
  if (png.width !== segmentation.width || png.height !== segmentation.height || png.channels !== 1 || png.depth !== 8) {
    throw new Error(`the segmentation PNG is ${png.width}×${png.height}, ${png.channels} channel(s) of ${png.depth} bits; expected ${segmentation.width}×${segmentation.height} 8-bit grayscale`)
  }
  return { ...rest, segmentation: { width: png.width, height: png.height, data: png.data as Uint8Array } }
}
