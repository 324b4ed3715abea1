import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import type { AppEnv, CallbackMeta } from '../app-env'
import type { Config } from '../config'
import type { Database } from '../db/client'
import { requestOrigin } from '../http/context'
import { MAX_JSON_BYTES } from '../http/json-body'
import { validationError } from '../http/validation'
import { rpcMeta } from '../observability/rpc-meta'
import { auditFailure, verifiedCallback } from '../pipeline/callback-auth'
import { PresignRequest, PresignResponse } from '../schemas/artifacts'
import { errorResponses } from '../schemas/common'
import { jsonContent, jsonRequest, pipelineSecurity } from './openapi'
import { IdParam } from './params'

export interface CallbackRoute<B extends z.ZodType, R extends z.ZodType> {
  method: 'post' | 'patch'
  /** The kind of run the path names (`analysis` unless given): its credential and its ownership. */
  kind?: string
  /** A claim of the run: signed like a callback, by a caller who does not hold the run yet. */
  claim?: boolean
  /** The path as the OpenAPI document shows it, `{id}` and all. */
  path: string
  /**
   * Hono's path when it differs: Hono reads `:` inside a segment as a parameter marker, so a literal
   * `annotations:bulk` is matched by a regex parameter instead.
   */
  honoPath?: string
  summary: string
  description?: string
  maxBytes: number
  body: B
  response: R
  responseDescription: string
  handle: (c: Context<AppEnv>, call: { id: string; body: z.infer<B>; meta: CallbackMeta }) => Promise<z.infer<R>>
}

/**
 * Registers one signed pipeline callback: documented from its schemas, verified by
 * `verifiedCallback`, its body parsed once and validated here, and a 401 from the run's object
 * (a spent nonce) audited like a bad signature.
 */
export function callbackRoute<B extends z.ZodType, R extends z.ZodType>(router: OpenAPIHono<AppEnv>, def: CallbackRoute<B, R>) {
  router.openAPIRegistry.registerPath(
    createRoute({
      method: def.method,
      path: def.path,
      tags: [def.claim ? 'Dispatch' : 'Pipeline callbacks'],
      summary: def.summary,
      description: def.description,
      security: pipelineSecurity,
      request: { params: IdParam, body: jsonRequest(def.body) },
      responses: { 200: jsonContent(def.response, def.responseDescription), ...errorResponses(400, 401, 403, 404, 409, 413, 415, 429) },
    }),
  )
  const honoPath = def.honoPath ?? def.path.replaceAll(/\{(\w+)\}/g, ':$1')
  const kind = def.kind ?? 'analysis'
  router.on(def.method.toUpperCase(), honoPath, verifiedCallback(def.maxBytes, kind, { claim: def.claim ?? false }), async (c) => {
    const id = parse(IdParam, { id: c.req.param('id') }, 'param').id
    const body = parse(def.body, await c.req.json(), 'json')
    try {
      return c.json(await def.handle(c, { id, body, meta: { ...c.get('callback'), ...rpcMeta(c), origin: requestOrigin(c) } }), 200)
    } catch (err) {
      await auditFailure(c, err, kind)
      throw err
    }
  })
}

type Presign = (db: Database, config: Config, origin: string, runId: string, body: z.infer<typeof PresignRequest>) => Promise<z.infer<typeof PresignResponse>>

/** The presign callback analyses and jobs share: the run's object first says it may still upload, then `presign` signs. */
export function presignCallback(
  router: OpenAPIHono<AppEnv>,
  { gate, presign, ...route }: Pick<CallbackRoute<typeof PresignRequest, typeof PresignResponse>, 'kind' | 'path' | 'summary' | 'responseDescription'> & {
    gate: (c: Context<AppEnv>, id: string, meta: CallbackMeta) => Promise<unknown>
    presign: Presign
  },
) {
  callbackRoute(router, {
    ...route,
    method: 'post',
    maxBytes: MAX_JSON_BYTES,
    body: PresignRequest,
    response: PresignResponse,
    handle: async (c, { id, body, meta }) => {
      await gate(c, id, meta)
      return presign(c.get('db'), c.get('config'), requestOrigin(c), id, body)
    },
  })
}

function parse<S extends z.ZodType>(schema: S, value: unknown, target: string): z.infer<S> {
  const result = schema.safeParse(value)
  if (!result.success) throw validationError(result.error, target)
  return result.data
}
