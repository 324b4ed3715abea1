/**
 * Writes one R2 object of unknown final size in order, a part at a time, so a large result never
 * sits whole in the Worker's memory. R2 wants every part but the last to be the same size and at
 * least 5 MiB; a result smaller than one part is a plain put.
 */
export const PART_BYTES = 5 * 1024 * 1024

const encoder = new TextEncoder()

export class R2Appender {
  /** Bytes written so far: the offset the next write starts at. */
  offset = 0
  private buffer = new Uint8Array(PART_BYTES)
  private filled = 0
  private upload: R2MultipartUpload | null = null
  private parts: R2UploadedPart[] = []

  constructor(
    private readonly bucket: R2Bucket,
    readonly key: string,
    private readonly contentType: string,
  ) {}

  async write(text: string): Promise<void> {
    let bytes = encoder.encode(text)
    this.offset += bytes.byteLength
    while (bytes.byteLength) {
      const room = PART_BYTES - this.filled
      const take = Math.min(room, bytes.byteLength)
      this.buffer.set(bytes.subarray(0, take), this.filled)
      this.filled += take
      bytes = bytes.subarray(take)
      if (this.filled === PART_BYTES) await this.flushPart()
    }
  }

  private async flushPart(): Promise<void> {
    this.upload ??= await this.bucket.createMultipartUpload(this.key, { httpMetadata: { contentType: this.contentType } })
    this.parts.push(await this.upload.uploadPart(this.parts.length + 1, this.buffer.slice(0, this.filled)))
    this.filled = 0
  }

  async close(): Promise<void> {
    if (!this.upload) {
      await this.bucket.put(this.key, this.buffer.subarray(0, this.filled), { httpMetadata: { contentType: this.contentType } })
      return
    }
    if (this.filled) await this.flushPart()
    await this.upload.complete(this.parts)
  }

  async abort(): Promise<void> {
    await this.upload?.abort().catch(() => {})
  }
}
