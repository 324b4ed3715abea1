/**
 * Writes a stream of unknown length into one R2 object: small objects in one `put`, larger ones as
 * a multipart upload. R2 wants every part but the last to have the same size, so parts are cut at
 * exact `PART_BYTES` boundaries however the chunks arrive.
 */
export const PART_BYTES = 8 * 1024 * 1024

export class R2Writer {
  private buffer = new Uint8Array(PART_BYTES)
  private filled = 0
  private upload: R2MultipartUpload | undefined
  private readonly parts: R2UploadedPart[] = []
  bytes = 0

  constructor(
    private readonly bucket: R2Bucket,
    private readonly key: string,
    private readonly options: R2PutOptions & R2MultipartOptions,
  ) {}

  async write(chunk: Uint8Array): Promise<void> {
    this.bytes += chunk.byteLength
    for (let offset = 0; offset < chunk.byteLength; ) {
      const n = Math.min(PART_BYTES - this.filled, chunk.byteLength - offset)
      this.buffer.set(chunk.subarray(offset, offset + n), this.filled)
      this.filled += n
      offset += n
      if (this.filled === PART_BYTES) await this.sendPart()
    }
  }

  /** Finishes the object; `sha256` (hex) lets R2 check a single-put body on arrival. */
  async close(sha256?: string): Promise<void> {
    if (!this.upload) {
      await this.bucket.put(this.key, this.buffer.subarray(0, this.filled), { ...this.options, ...(sha256 ? { sha256 } : {}) })
      return
    }
    if (this.filled) await this.sendPart()
    await this.upload.complete(this.parts)
  }

  async abort(): Promise<void> {
    await this.upload?.abort().catch(() => {})
  }

  private async sendPart() {
    this.upload ??= await this.bucket.createMultipartUpload(this.key, this.options)
    // uploadPart may keep a reference to the bytes it is given; hand it its own copy.
    this.parts.push(await this.upload.uploadPart(this.parts.length + 1, this.buffer.slice(0, this.filled)))
    this.filled = 0
  }
}
