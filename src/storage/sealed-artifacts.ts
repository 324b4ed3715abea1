import { sha256OfStream } from '../digest'

/**
 * A finished analysis's artifacts are what its exports and provenance bundle attest, so they must
 * not change. The `/s3/` gateway refuses writes after the end, but a direct-to-R2 upload URL is
 * checked by R2 alone and keeps working until it expires. So as a run ends, each artifact the
 * Worker did not receive itself is copied to a sealed key, and reads of the finished analysis come
 * from that copy. No upload URL can name a sealed key: an artifact's filename is one path segment,
 * so every presigned key is `ml_outputs/{id}/{filename}`, never below `ml_outputs/{id}/sealed/`.
 * Sealed copies sit under the analysis's prefix, so the retention purge removes them with the rest.
 */
export function sealedKey(storagePath: string): string {
  const [root, analysisId, ...rest] = storagePath.split('/')
  return `${root}/${analysisId}/sealed/${rest.join('/')}`
}

export interface Sealed {
  storagePath: string
  bytes: number
  sha256: string
}

/**
 * Copies each stored artifact to its sealed key, hashing it on the way, and returns what was
 * sealed (an artifact that was never uploaded has nothing to seal).
 */
export async function sealArtifacts(bucket: R2Bucket, storagePaths: readonly string[]): Promise<Sealed[]> {
  const sealed: Sealed[] = []
  for (const storagePath of storagePaths) {
    const object = await bucket.get(storagePath)
    if (!object) continue
    const [toBucket, toDigest] = object.body.tee()
    const [, sha256] = await Promise.all([
      bucket.put(sealedKey(storagePath), toBucket.pipeThrough(new FixedLengthStream(object.size)), { httpMetadata: object.httpMetadata }),
      sha256OfStream(toDigest),
    ])
    sealed.push({ storagePath, bytes: object.size, sha256 })
  }
  return sealed
}

/** The key that holds an artifact's bytes: its sealed copy once there is one, else its own path. */
export async function artifactObjectKey(bucket: R2Bucket, storagePath: string): Promise<string> {
  const key = sealedKey(storagePath)
  return (await bucket.head(key)) ? key : storagePath
}

/** An artifact's bytes, from its sealed copy once there is one. */
export async function getArtifactObject(bucket: R2Bucket, storagePath: string): Promise<R2ObjectBody | null> {
  return (await bucket.get(sealedKey(storagePath))) ?? bucket.get(storagePath)
}
