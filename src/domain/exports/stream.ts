import { Zip, ZipDeflate, ZipPassThrough } from 'fflate'

export type Chunk = string | Uint8Array

const encoder = new TextEncoder()
const bytes = (chunk: Chunk) => (typeof chunk === 'string' ? encoder.encode(chunk) : chunk)

/**
 * One chunk is produced per read, so a slow client slows the D1 paging behind it instead of
 * letting pages pile up in the Worker's memory.
 */
export function readableFrom(source: AsyncIterable<Chunk>): ReadableStream<Uint8Array> {
  const it = source[Symbol.asyncIterator]()
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      for (;;) {
        const { value, done } = await it.next()
        if (done) return controller.close()
        if (value.length) return controller.enqueue(bytes(value))
      }
    },
    async cancel() {
      await it.return?.()
    },
  })
}

export interface ZipEntry {
  /** The path inside the archive, with forward slashes. */
  name: string
  body: AsyncIterable<Chunk> | Iterable<Chunk>
  /** Deflate text; store what is compressed already (PNG, JPEG). */
  compress: boolean
}

/**
 * A zip written entry by entry with fflate's streaming `Zip`: each entry's body is read chunk by
 * chunk and the compressed bytes are handed on as soon as fflate emits them. Entries are taken
 * one at a time, so a generator of entries may depend on what earlier entries computed.
 */
export async function* zipStream(entries: AsyncIterable<ZipEntry> | Iterable<ZipEntry>): AsyncGenerator<Uint8Array> {
  const out: Uint8Array[] = []
  let failure: Error | null = null
  const zip = new Zip((err, data) => {
    if (err) failure = err
    else out.push(data)
  })
  const flush = function* () {
    if (failure) throw failure
    while (out.length) yield out.shift()!
  }
  for await (const entry of entries) {
    const file = entry.compress ? new ZipDeflate(entry.name, { level: 6 }) : new ZipPassThrough(entry.name)
    zip.add(file)
    for await (const chunk of entry.body) {
      if (!chunk.length) continue
      file.push(bytes(chunk))
      yield* flush()
    }
    file.push(new Uint8Array(0), true)
    yield* flush()
  }
  zip.end()
  yield* flush()
}
