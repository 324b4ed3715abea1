import { Zip, ZipPassThrough } from 'fflate'

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
 * A zip entry deflated by the runtime's own zlib (`CompressionStream('deflate-raw')`) rather than
 * fflate's JavaScript deflate, which took most of a large dataset export's time. fflate still
 * writes the archive: ZipPassThrough keeps the CRC and size of what goes in, and this entry hands
 * on the compressed bytes as the stream emits them, marked as method 8 (deflate).
 */
class NativeZipDeflate extends ZipPassThrough {
  private readonly writer: WritableStreamDefaultWriter<BufferSource>
  /** Settles once the last compressed byte has gone to the archive. */
  readonly done: Promise<void>

  constructor(name: string) {
    super(name)
    this.compression = 8
    const stream = new CompressionStream('deflate-raw')
    this.writer = stream.writable.getWriter()
    this.done = (async () => {
      const reader = stream.readable.getReader()
      for (;;) {
        const { value, done } = await reader.read()
        if (done) break
        if (value.length) this.ondata(null, value as Uint8Array<ArrayBuffer>, false)
      }
      this.ondata(null, new Uint8Array(0), true)
    })()
    // Failures surface through `done` and `ready()`; these keep the runtime from reporting them twice.
    this.done.catch(() => {})
  }

  override process(chunk: Uint8Array, final: boolean): void {
    // fflate types its chunks as views of any buffer; these come from TextEncoder and R2, never shared memory.
    if (chunk.length) this.writer.write(chunk as Uint8Array<ArrayBuffer>).catch(() => {})
    if (final) this.writer.close().catch(() => {})
  }

  /** Resolves when the compressor can take more: the reader above keeps it draining. */
  ready(): Promise<void> {
    return this.writer.ready
  }
}

/**
 * A zip written entry by entry with fflate's streaming `Zip`: each entry's body is read chunk by
 * chunk and the compressed bytes are handed on as soon as they are ready. Entries are taken one
 * at a time, so a generator of entries may depend on what earlier entries computed.
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
    const file = entry.compress ? new NativeZipDeflate(entry.name) : new ZipPassThrough(entry.name)
    zip.add(file)
    for await (const chunk of entry.body) {
      if (!chunk.length) continue
      file.push(bytes(chunk))
      if (file instanceof NativeZipDeflate) await file.ready()
      yield* flush()
    }
    file.push(new Uint8Array(0), true)
    if (file instanceof NativeZipDeflate) await file.done
    yield* flush()
  }
  zip.end()
  yield* flush()
}
