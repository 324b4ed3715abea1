import { analysisStub } from '../../durable-objects/analysis-object'
import { jobStub } from '../../durable-objects/job-object'
import type { Config } from '../config'
import type { Database } from '../db/client'
import { sha256OfStream } from '../digest'
import { assertArtifactWritable, markArtifactUploaded } from '../domain/artifacts'
import { JOB_PREFIX_ROOT, markJobArtifactUploaded } from '../domain/jobs/artifacts'
import { AppError } from '../errors'
import { MAX_ARTIFACT_BYTES } from '../schemas/artifacts'
import { setDownloadHeaders } from './download-headers'
import { verifyPresigned } from './presign'

export interface GatewayContext {
  env: Env
  config: Config
  db: Database
  waitUntil(promise: Promise<unknown>): void
}

/**
 * A presigned PUT into R2 through the Worker: the bytes stream into the bucket and through SHA-256
 * at once, and an artifact upload is marked uploaded and announced to the viewers of its analysis or job.
 */
export async function receiveUpload(g: GatewayContext, request: Request): Promise<Response> {
  const key = await verifyPresigned(g.config, request)
  const length = Number(request.headers.get('Content-Length') ?? NaN)
  if (!Number.isFinite(length)) throw new AppError(411, 'bad_request', 'Content-Length is required')
  if (length > MAX_ARTIFACT_BYTES) throw new AppError(413, 'payload_too_large', `Uploads may be at most ${MAX_ARTIFACT_BYTES} bytes`)
  if (key.startsWith('ml_outputs/')) await assertArtifactWritable(g.db, key)
  const body = request.body ?? new ReadableStream({ start: (ctl) => ctl.close() })
  const [toBucket, toDigest] = body.tee()
  const [object, sha256] = await Promise.all([
    g.env.BUCKET.put(key, toBucket.pipeThrough(new FixedLengthStream(length)), {
      httpMetadata: { contentType: request.headers.get('Content-Type') ?? 'application/octet-stream' },
    }),
    sha256OfStream(toDigest),
  ])
  if (key.startsWith('ml_outputs/')) {
    const artifact = await markArtifactUploaded(g.db, key, object.size, sha256)
    if (artifact) g.waitUntil(analysisStub(g.env, artifact.analysis_id).artifactUploaded(artifact).catch(() => {}))
  } else if (key.startsWith(JOB_PREFIX_ROOT)) {
    const artifact = await markJobArtifactUploaded(g.db, key, object.size, sha256)
    if (artifact) g.waitUntil(jobStub(g.env, artifact.job_id).artifactUploaded(artifact).catch(() => {}))
  }
  // S3 answers an upload with an ETag and an empty body; clients written against S3 expect that.
  return new Response(null, { status: 200, headers: { ETag: `"${object.httpEtag.replace(/"/g, '')}"` } })
}

/** A presigned GET out of R2 through the Worker, served so that no object can run as a page here. */
export async function serveObject(g: GatewayContext, request: Request): Promise<Response> {
  const key = await verifyPresigned(g.config, request)
  const object = await g.env.BUCKET.get(key)
  if (!object) throw new AppError(404, 'not_found', 'Object not found')
  const headers = new Headers()
  object.writeHttpMetadata(headers)
  headers.set('ETag', object.httpEtag)
  headers.set('Content-Length', String(object.size))
  headers.set('Cache-Control', 'private, max-age=300')
  setDownloadHeaders(headers, key)
  return new Response(object.body, { status: 200, headers })
}
