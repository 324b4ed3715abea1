import { Hono, type Context } from 'hono'
import type { AppEnv } from '../app-env'
import { receiveUpload, serveObject, type GatewayContext } from '../storage/gateway'

const gateway = (c: Context<AppEnv>): GatewayContext => ({
  env: c.env,
  config: c.get('config'),
  db: c.get('db'),
  waitUntil: (p) => c.executionCtx.waitUntil(p),
})

/**
 * The embedded stand-in for R2's S3 endpoint: presigned PUT and GET URLs the Worker signed itself.
 * With S3 credentials configured, URLs point at R2 and this route is never used.
 */
export const storageRoutes = new Hono<AppEnv>()
  .put('/s3/*', (c) => receiveUpload(gateway(c), c.req.raw))
  .get('/s3/*', (c) => serveObject(gateway(c), c.req.raw))
