import { JSONParser } from '@streamparser/json'
import type { z } from 'zod'
import { toHex } from '../../digest'
import { AppError } from '../../errors'
import { tooLarge } from '../../http/json-body'
import { CocoAnnotationInput, CocoCategoryInput, CocoImageInput } from '../../schemas/ground-truth'

/**
 * Reads a COCO file as it arrives, one image, category or annotation at a time: a file of
 * 200,000 objects parsed whole would take several times the Worker's 128 MB. Each part is
 * validated on its own, so an error names it (`annotations.17.bbox`), and the SHA-256 of the exact
 * bytes is taken on the way.
 */

export interface CocoHandlers {
  image(image: z.infer<typeof CocoImageInput>): void
  category(category: z.infer<typeof CocoCategoryInput>): void
  annotation(annotation: CocoAnnotationInput): void
  /** After each chunk of the body: the place to write what the handlers gathered. */
  drain(): Promise<void>
}

const SECTIONS = {
  images: CocoImageInput,
  categories: CocoCategoryInput,
  annotations: CocoAnnotationInput,
} as const
type Section = keyof typeof SECTIONS

function invalidPart(section: Section, index: number, error: z.ZodError): AppError {
  const issue = error.issues[0]!
  const path = [section, index, ...issue.path].join('.')
  return new AppError(400, 'validation_error', `${path}: ${issue.message}`, { path: [section, index, ...issue.path], issues: error.issues.slice(0, 10) })
}

export async function readCocoStream(body: ReadableStream<Uint8Array>, maxBytes: number, handlers: CocoHandlers): Promise<{ bytes: number; sha256: string }> {
  const parser = new JSONParser({ paths: ['$.images.*', '$.categories.*', '$.annotations.*'], keepStack: false })
  let failure: unknown = null
  parser.onError = (err) => {
    failure ??= err
  }
  parser.onValue = ({ value, key, stack }) => {
    if (failure) return
    const section = stack[1]?.key as Section
    const schema = SECTIONS[section]
    const parsed = schema.safeParse(value)
    if (!parsed.success) {
      failure = invalidPart(section, key as number, parsed.error)
      return
    }
    try {
      if (section === 'images') handlers.image(parsed.data as z.infer<typeof CocoImageInput>)
      else if (section === 'categories') handlers.category(parsed.data as z.infer<typeof CocoCategoryInput>)
      else handlers.annotation(parsed.data as CocoAnnotationInput)
    } catch (err) {
      failure = err
    }
  }
  const digest = new crypto.DigestStream('SHA-256')
  const hash = digest.getWriter()
  const reader = body.getReader()
  let bytes = 0
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      bytes += value.byteLength
      if (bytes > maxBytes) throw tooLarge(maxBytes)
      await hash.write(value)
      // The parser ends itself after the top-level value; anything but whitespace after it is an error.
      if (parser.isEnded) {
        if (new TextDecoder().decode(value).trim()) throw notJson('unexpected data after the end of the JSON document')
        continue
      }
      parser.write(value)
      if (failure) throw failure
      await handlers.drain()
    }
    if (!parser.isEnded) parser.end()
    if (failure) throw failure
  } catch (err) {
    await reader.cancel().catch(() => {})
    throw err instanceof AppError ? err : notJson((err as Error).message)
  }
  await hash.close()
  return { bytes, sha256: toHex(await digest.digest) }
}

const notJson = (message: string) => new AppError(400, 'invalid_json', `Request body is not valid JSON: ${message}`)
