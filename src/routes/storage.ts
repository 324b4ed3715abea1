import { Hono } from 'hono'
import type { AppEnv } from '../app-env'
import { markArtifactUploaded } from '../domain/artifacts'
import { sha256OfStream } from '../digest'
import { AppError } from '../errors'
import { MAX_ARTIFACT_BYTES } from '../schemas/artifacts'
import { verifyPresigned } from '../storage/presign'
import { analysisStub } from './analyses'

/**
 * The embedded stand-in for R2's S3 endpoint: presigned PUT and GET URLs the Worker signed itself.
 * With S3 credentials configured, URLs point at R2 and this route is never used.
 */
export const storageRoutes = new Hono<AppEnv>()
  .put('/s3/*', async (c) => {
    const key = await verifyPresigned(c.get('config'), c.req.raw)
    const length = Number(c.req.header('Content-Length') ?? NaN)
    if (!Number.isFinite(length)) throw new AppError(411 as never, 'bad_request', 'Content-Length is required')
    if (length > MAX_ARTIFACT_BYTES) throw new AppError(413, 'payload_too_large', `Uploads may be at most ${MAX_ARTIFACT_BYTES} bytes`)
    const body = c.req.raw.body ?? new ReadableStream({ start: (ctl) => ctl.close() })
    const [toBucket, toDigest] = body.tee()
    const [object, sha256] = await Promise.all([
      c.env.BUCKET.put(key, toBucket.pipeThrough(new FixedLengthStream(length)), {
        httpMetadata: { contentType: c.req.header('Content-Type') ?? 'application/octet-stream' },
      }),
      sha256OfStream(toDigest),
    ])
    if (key.startsWith('ml_outputs/')) {
      const artifact = await markArtifactUploaded(c.get('db'), key, object.size, sha256)
      if (artifact) c.executionCtx.waitUntil(analysisStub(c.env, artifact.analysis_id).artifactUploaded(artifact.analysis_id, artifact).catch(() => {}))
    }
    // S3 answers an upload with an ETag and an empty body; clients written against S3 expect that.
    return c.body(null, 200, { ETag: `"${object.httpEtag.replace(/"/g, '')}"` })
  })
  .get('/s3/*', async (c) => {
    const key = await verifyPresigned(c.get('config'), c.req.raw)
    const object = await c.env.BUCKET.get(key)
    if (!object) throw new AppError(404, 'not_found', 'Object not found')
    const headers = new Headers()
    object.writeHttpMetadata(headers)
    headers.set('ETag', object.httpEtag)
    headers.set('Content-Length', String(object.size))
    headers.set('Cache-Control', 'private, max-age=300')
    return new Response(object.body, { status: 200, headers })
  })
