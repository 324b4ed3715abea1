import { Scalar } from '@scalar/hono-api-reference'
import { requestId } from 'hono/request-id'
import { identify } from './auth/middleware'
import { AppError, renderError } from './errors'
import { tallyRefusal } from './limits/refusal-tally'
import { ML_PATHS, mlEnabled, withContext } from './http/context'
import { createRouter } from './http/router'
import { traced } from './observability/request-log'
import { activityRoutes } from './routes/activity'
import { analysisRoutes } from './routes/analyses'
import { annotationRoutes } from './routes/annotations'
import { artifactRoutes } from './routes/artifacts'
import { claimRoutes } from './routes/claims'
import { deliveryRoutes } from './routes/deliveries'
import { evaluationRoutes } from './routes/evaluations'
import { exportRoutes } from './routes/exports'
import { auth } from './routes/auth'
import { groundTruthRoutes } from './routes/ground-truth'
import { deletionRoutes } from './routes/deletion'
import { searchRoutes } from './routes/search'
import { groupRoutes } from './routes/groups'
import { metricsRoutes } from './routes/metrics'
import { health } from './routes/health'
import { imageRoutes } from './routes/images'
import { grantRoutes } from './routes/grants'
import { jobCallbackRoutes } from './routes/job-callbacks'
import { jobObserveRoutes } from './routes/job-observe'
import { jobRoutes } from './routes/jobs'
import { modelAliasRoutes } from './routes/model-aliases'
import { modelVersionRoutes } from './routes/model-versions'
import { projectJobRoutes } from './routes/project-jobs'
import { datasetRoutes } from './routes/datasets'
import { pipelineRoutes } from './routes/pipeline'
import { pipelineCredentialRoutes } from './routes/pipeline-credentials'
import { pipelineRegistryRoutes } from './routes/pipelines'
import { projectRoutes } from './routes/projects'
import { projectReviewRoutes } from './routes/project-review'
import { storageRoutes } from './routes/storage'

export function createApp() {
  const app = createRouter()

  app.use('*', requestId({ headerName: 'X-Request-Id' }))
  app.use('*', traced)
  app.use('*', withContext)
  app.route('/', storageRoutes)
  app.route('/', metricsRoutes)
  app.use('/api/*', identify)
  for (const path of ML_PATHS) app.use(path, mlEnabled)

  app.route('/', health)
  app.route('/', auth)
  app.route('/', projectRoutes)
  app.route('/', imageRoutes)
  app.route('/', analysisRoutes)
  app.route('/', annotationRoutes)
  app.route('/', artifactRoutes)
  app.route('/', pipelineRoutes)
  app.route('/', exportRoutes)
  // Before the registry, whose `/api/pipelines/{pipeline_id}` would otherwise see `claim` as an id.
  app.route('/', claimRoutes)
  app.route('/', pipelineRegistryRoutes)
  app.route('/', pipelineCredentialRoutes)
  app.route('/', grantRoutes)
  app.route('/', deliveryRoutes)
  app.route('/', jobRoutes)
  app.route('/', jobObserveRoutes)
  app.route('/', jobCallbackRoutes)
  app.route('/', modelVersionRoutes)
  app.route('/', modelAliasRoutes)
  app.route('/', datasetRoutes)
  app.route('/', projectJobRoutes)
  app.route('/', groundTruthRoutes)
  app.route('/', projectReviewRoutes)
  app.route('/', activityRoutes)
  app.route('/', evaluationRoutes)
  app.route('/', deletionRoutes)
  app.route('/', searchRoutes)
  app.route('/', groupRoutes)

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    description: 'A user API token (`lp_…`), from `npm run admin -- create-user` or `create-token`.',
  })
  app.openAPIRegistry.registerComponent('securitySchemes', 'cookieAuth', { type: 'apiKey', in: 'cookie', name: 'loupe_session' })
  app.openAPIRegistry.registerComponent('securitySchemes', 'pipelineKey', {
    type: 'apiKey',
    in: 'header',
    name: 'X-API-Key',
    description: 'A registered pipeline’s key (`mlpip_…`), also accepted as `Authorization: Bearer mlpip_…`: the pipeline_worker role (docs/security.md).',
  })
  app.openAPIRegistry.registerComponent('securitySchemes', 'mlHmac', {
    type: 'apiKey',
    in: 'header',
    name: 'X-ML-Signature',
    description:
      'HMAC-SHA256 over `X-ML-Timestamp + "." + raw body` with the run’s callback credential (`mlcred_…`), the pipeline’s secret (`mlsec_…`, with its key) ' +
      'or ML_CALLBACK_HMAC_SECRET, sent as `X-ML-Signature: sha256=<hex>` ' +
      'together with `X-ML-Timestamp` (Unix seconds, ±ML_HMAC_SKEW_SECONDS) and optionally a single-use `X-ML-Nonce`.',
  })
  app.doc31('/api/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'Loupe API',
      version: '1.0.0',
      description: 'Orchestrate, store and show the results of external ML pipelines. Pipelines call back with HMAC-signed requests.',
    },
  })
  app.get('/api/docs', Scalar({ url: '/api/openapi.json', pageTitle: 'Loupe API' }))

  app.notFound((c) => renderError(new AppError(404, 'not_found', `No route for ${c.req.method} ${c.req.path}`), c))
  app.onError((err, c) => {
    if (err instanceof AppError && err.code === 'rate_limited') tallyRefusal(c, String((err.details as { scope?: unknown } | undefined)?.scope ?? 'unknown'))
    return renderError(err, c)
  })
  return app
}
