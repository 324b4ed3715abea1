import type { Context } from 'hono'
import { createMiddleware } from 'hono/factory'
import { nonceStub } from '../../durable-objects/nonce-object'
import type { AppEnv, PipelinePrincipal } from '../app-env'
import { sha256Hex } from '../digest'
import { renewLease } from '../dispatch/leases'
import { auditInsert } from '../domain/audit'
import { callbackCandidates } from '../domain/pipelines/secrets'
import { AppError, notFound } from '../errors'
import { assertJsonContentType, MAX_JSON_BYTES, parseJsonOnce, readBody } from '../http/json-body'
import { clientIp, failedAuth } from '../limits/rate-limits'
import { LEASE_HEADER } from '../schemas/claims'
import { Uuid } from '../schemas/common'
import { assertSignatureHeaders, NONCE_HEADER, nonceOf, SIGNATURE_HEADER, TIMESTAMP_HEADER, verifySigner, type SigningCandidate } from './hmac'
import { runOwnership } from './run-access'
import { runCredential } from './secrets'

/** With ML_PIPELINE_REQUIRE_HMAC=false an unsigned body is trusted, so it gets the small limit. */
const MAX_UNSIGNED_BYTES = 4 * MAX_JSON_BYTES

/**
 * A signed pipeline callback on one run, checked cheapest first: the content type, then the
 * presence and shape of the signature headers (an unsigned 40 MB body is refused before it is
 * read), then the bounded body, then the HMAC over exactly those bytes against the secrets that
 * may sign for this run (docs/security.md#which-secret-signs), then whether the caller may touch
 * the run, then the nonce, spent for the secret that signed. Only then is the JSON parsed, once.
 */
export const verifiedCallback = (maxBytes: number, kind = 'analysis', { claim = false } = {}) =>
  createMiddleware<AppEnv>(async (c, next) => {
    assertJsonContentType(c)
    const config = c.get('config')
    const headers = c.req.raw.headers
    const pipeline = c.get('pipeline')
    const runId = c.req.param('id') ?? ''
    const signed = headers.has(SIGNATURE_HEADER) || headers.has(TIMESTAMP_HEADER)
    try {
      // A claim is a pipeline key's or a signer's: with a key, as on `POST /api/pipelines/claim`, the key is enough.
      if (!signed && (!config.ML_PIPELINE_REQUIRE_HMAC || (claim && pipeline))) {
        if (!claim) console.warn(JSON.stringify({ level: 'warn', requestId: c.get('requestId'), message: 'unsigned pipeline callback accepted', path: c.req.path }))
        // A claim is how a caller comes to hold the run: it cannot hold it yet.
        if (!claim && pipeline) await assertOwnRun(c, kind, runId, pipeline)
        if (!claim) await renewCarriedLease(c, kind, runId, pipeline)
        parseJsonOnce(c, await readBody(c, Math.min(maxBytes, MAX_UNSIGNED_BYTES)))
        c.set('callback', { requestId: c.get('requestId'), nonce: nonceOf(headers) })
        return await next()
      }
      assertSignatureHeaders(headers)
      if (config.ML_REQUIRE_NONCE && !headers.get(NONCE_HEADER)?.trim()) {
        throw new AppError(401, 'nonce_required', `${NONCE_HEADER} is required on every signed callback (ML_REQUIRE_NONCE)`)
      }
      const raw = await readBody(c, maxBytes)
      const candidates = await signingCandidates(c, kind, runId, pipeline)
      const { signer, nonce } = await verifySigner(headers, raw, candidates, config.ML_HMAC_SKEW_SECONDS)
      if (!claim) {
        if (pipeline) await assertOwnRun(c, kind, runId, pipeline)
        else if (signer.scope === 'run') await assertRunHolderActive(c, kind, runId)
        await renewCarriedLease(c, kind, runId, pipeline)
      }
      parseJsonOnce(c, raw)
      // A run credential names its run, so its nonces are the run's: its object spends them with the write.
      if (nonce && signer.scope !== 'run') await spendNonce(c, signer, nonce)
      c.set('callback', { requestId: c.get('requestId'), nonce: signer.scope === 'run' ? nonce : undefined })
    } catch (err) {
      const answer = err instanceof AppError ? await failedAuth(c, err) : err
      await auditFailure(c, answer, kind)
      throw answer
    }
    await next()
  })

/**
 * The secrets that may sign for this run, the likeliest first: with a pipeline key, the run's
 * credential and the pipeline's own secrets; without one, ML_CALLBACK_HMAC_SECRET and then the
 * run's credential. ML_REQUIRE_PIPELINE_KEYS=true leaves the shared secret out.
 */
async function signingCandidates(c: Context<AppEnv>, kind: string, runId: string, pipeline: PipelinePrincipal | null): Promise<SigningCandidate[]> {
  const config = c.get('config')
  const run: SigningCandidate[] = Uuid.safeParse(runId).success
    ? await Promise.all(config.PIPELINE_SECRETS_KEY.map(async (root) => ({ id: `run:${kind}:${runId}`, scope: 'run' as const, secret: await runCredential(root, kind, runId) })))
    : []
  const global: SigningCandidate[] = config.ML_REQUIRE_PIPELINE_KEYS
    ? []
    : await Promise.all(config.ML_CALLBACK_HMAC_SECRET.map(async (secret) => ({ id: `global:${(await sha256Hex(secret)).slice(0, 16)}`, scope: 'global' as const, secret })))
  if (!pipeline) return [...global, ...run]
  return [...run, ...(await callbackCandidates(c.get('db'), config, pipeline.id)), ...global]
}

/** A pipeline key works on its own runs, in projects that still grant it; any other run does not exist for it. */
async function assertOwnRun(c: Context<AppEnv>, kind: string, runId: string, pipeline: PipelinePrincipal) {
  const run = Uuid.safeParse(runId).success ? await runOwnership(c.get('db'), kind, runId) : null
  if (!run || run.pipelineId !== pipeline.id || !run.granted) throw notFound(capitalize(kind))
}

/** A run credential stops working when its pipeline is disabled, deleted, or no longer granted. */
async function assertRunHolderActive(c: Context<AppEnv>, kind: string, runId: string) {
  const run = await runOwnership(c.get('db'), kind, runId)
  if (!run) throw notFound(capitalize(kind))
  if (run.pipelineId && run.pipelineOff) throw new AppError(403, 'pipeline_disabled', 'The pipeline holding this run is disabled')
  if (run.pipelineId && !run.granted) throw new AppError(403, 'forbidden', 'The project no longer grants the pipeline holding this run')
}

/** A callback that carries a claim's lease token renews the lease, or is refused when the lease is no longer its. */
async function renewCarriedLease(c: Context<AppEnv>, kind: string, runId: string, pipeline: PipelinePrincipal | null) {
  const token = c.req.header(LEASE_HEADER)
  if (!token || (kind !== 'analysis' && kind !== 'job')) return
  await renewLease(c.get('db'), c.get('config'), kind, runId, token, pipeline?.id ?? null)
}

async function spendNonce(c: Context<AppEnv>, signer: SigningCandidate, nonce: string) {
  // Twice the skew: a timestamp may be up to `skew` old or `skew` ahead.
  const ttlMs = 2 * c.get('config').ML_HMAC_SKEW_SECONDS * 1000
  if (!(await (await nonceStub(c.env, signer.id, nonce)).use(nonce, ttlMs))) {
    throw new AppError(401, 'nonce_reused', 'X-ML-Nonce was already used with this secret within the signature window')
  }
}

/**
 * Failed signatures are worth an audit row each: a burst of them is an attack or a broken secret.
 * The row names the run's project and pipeline, so their owners see it (`GET /api/projects/{id}/audit`).
 */
export async function auditFailure(c: Context<AppEnv>, err: unknown, kind = 'analysis') {
  if (!(err instanceof AppError) || err.status !== 401) return
  const db = c.get('db')
  const runId = c.req.param('id')
  const run = runId && Uuid.safeParse(runId).success ? await runOwnership(db, kind, runId).catch(() => null) : null
  await auditInsert(db, {
    actorType: 'pipeline',
    actorId: c.get('pipeline')?.id ?? null,
    action: 'callback.rejected',
    targetType: kind,
    targetId: runId,
    projectId: run?.projectId ?? null,
    pipelineId: c.get('pipeline')?.id ?? run?.pipelineId ?? null,
    requestId: c.get('requestId'),
    details: { code: err.code, reason: err.message, path: c.req.path, ip: clientIp(c) },
  })
}

const capitalize = (s: string) => s[0]!.toUpperCase() + s.slice(1)
