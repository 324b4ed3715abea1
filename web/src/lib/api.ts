import type {
  Analysis,
  AnalysisExportFormat,
  AnalysisList,
  Annotation,
  AnnotationList,
  CocoVariant,
  DeliveryList,
  DownloadResponse,
  ErrorEnvelope,
  Image,
  ImageList,
  LogsPage,
  Me,
  Project,
  ProjectExportQuery,
  ProjectList,
  Redelivered,
  ReviewUpdate,
} from './types'

/** Any failed API call: the server's `{error:{code,message,details}}` envelope, or a network failure. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: unknown = null,
  ) {
    super(message)
    this.name = 'ApiError'
  }

  get isUnauthorized() {
    return this.status === 401
  }
}

/** The kinds of run whose deliveries, logs and live streams sit under `/api/<runs>/{id}`. */
export type RunCollection = 'analyses' | 'jobs'
/** What has a delivery log under `/api/<source>/{id}/deliveries`: a run, or a pipeline's endpoint. */
export type DeliverySource = RunCollection | 'pipelines'

type Query = Record<string, string | number | boolean | null | undefined>

interface RequestOptions {
  query?: Query
  body?: unknown
  /** Sent as it is, with its own type: a file the server reads as a stream. */
  file?: Blob
  signal?: AbortSignal
}

export function withQuery(path: string, query?: Query): string {
  if (!query) return path
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null) params.set(key, String(value))
  }
  const qs = params.toString()
  return qs ? `${path}?${qs}` : path
}

/** Reads the error envelope when there is one; proxies and crashes can answer with anything. */
export async function toApiError(res: Response): Promise<ApiError> {
  let envelope: Partial<ErrorEnvelope> | null = null
  try {
    envelope = (await res.json()) as Partial<ErrorEnvelope>
  } catch {
    // Not JSON: keep the status line.
  }
  const error = envelope?.error
  if (error && typeof error.code === 'string') return new ApiError(res.status, error.code, error.message ?? res.statusText, error.details ?? null)
  return new ApiError(res.status, res.status === 404 ? 'not_found' : 'http_error', `${res.status} ${res.statusText || 'request failed'}`)
}

async function send(method: string, path: string, options: RequestOptions = {}): Promise<Response> {
  const init: RequestInit = { method, credentials: 'same-origin', headers: { Accept: 'application/json' }, signal: options.signal }
  if (options.body !== undefined) {
    init.body = JSON.stringify(options.body)
    init.headers = { ...init.headers, 'Content-Type': 'application/json' }
  } else if (options.file) {
    init.body = options.file
    init.headers = { ...init.headers, 'Content-Type': options.file.type || 'application/json' }
  }
  let res: Response
  try {
    res = await fetch(withQuery(path, options.query), init)
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err
    throw new ApiError(0, 'network_error', 'Could not reach the server. Check your connection and try again.')
  }
  if (!res.ok) {
    const error = await toApiError(res)
    if (error.isUnauthorized) notifyUnauthorized()
    throw error
  }
  return res
}

/** A same-origin JSON call with the session cookie; errors as `ApiError` from the shared envelope. */
export async function json<T>(method: string, path: string, options?: RequestOptions): Promise<T> {
  const res = await send(method, path, options)
  return (res.status === 204 ? undefined : await res.json()) as T
}

let onUnauthorized: (() => void) | null = null
function notifyUnauthorized() {
  onUnauthorized?.()
}

/** The session can expire under a page; the app shell listens for that and shows the sign-in screen. */
export function setUnauthorizedHandler(handler: (() => void) | null) {
  onUnauthorized = handler
}

const enc = encodeURIComponent

export const api = {
  me: (signal?: AbortSignal) => json<Me>('GET', '/api/me', { signal }),
  signIn: (token: string) => json<Me>('POST', '/api/auth/session', { body: { token } }),
  signOut: () => json<void>('DELETE', '/api/auth/session'),

  projects: (signal?: AbortSignal) => json<ProjectList>('GET', '/api/projects', { signal }),
  project: (id: string, signal?: AbortSignal) => json<Project>('GET', `/api/projects/${enc(id)}`, { signal }),
  images: (projectId: string, page: { skip: number; limit: number }, signal?: AbortSignal) =>
    json<ImageList>('GET', `/api/projects/${enc(projectId)}/images`, { query: page, signal }),
  image: (id: string, signal?: AbortSignal) => json<Image>('GET', `/api/images/${enc(id)}`, { signal }),

  analyses: (imageId: string, signal?: AbortSignal) =>
    json<AnalysisList>('GET', `/api/images/${enc(imageId)}/analyses`, { query: { limit: 1000 }, signal }),
  annotations: (analysisId: string, page: { cursor?: string | null; limit: number }, signal?: AbortSignal) =>
    json<AnnotationList>('GET', `/api/analyses/${enc(analysisId)}/annotations`, {
      query: { limit: page.limit, cursor: page.cursor ?? undefined },
      signal,
    }),
  review: (annotationId: string, update: ReviewUpdate) =>
    json<Annotation>('PATCH', `/api/annotations/${enc(annotationId)}/review`, { body: update }),
  cancel: (analysisId: string) => json<Analysis>('POST', `/api/analyses/${enc(analysisId)}/cancel`),
  logs: (analysisId: string, page: { offset: number; limit: number }, signal?: AbortSignal) =>
    json<LogsPage>('GET', `/api/analyses/${enc(analysisId)}/logs`, { query: page, signal }),

  deliveries: (source: DeliverySource, id: string, signal?: AbortSignal) => json<DeliveryList>('GET', `/api/${source}/${enc(id)}/deliveries`, { signal }),
  redeliver: (deliveryId: string) => json<Redelivered>('POST', `/api/deliveries/${enc(deliveryId)}/redeliver`),

  artifactUrl: (storagePath: string, signal?: AbortSignal) =>
    json<DownloadResponse>('GET', '/api/ml/artifacts/download', { query: { storage_path: storagePath }, signal }),
}

/** The whole run log as plain text, one line per entry, straight from the server. */
export const logsTextUrl = (analysisId: string) => `/api/analyses/${enc(analysisId)}/logs?format=text`

/**
 * Export downloads are plain same-origin links: the session cookie authorizes them, and the
 * browser streams the file to disk under the server's Content-Disposition name.
 */
export function exportUrls(analysisId: string) {
  const base = `/api/analyses/${enc(analysisId)}`
  const as = (format: AnalysisExportFormat, variant?: CocoVariant) => withQuery(`${base}/export`, { format, variant })
  return { json: as('json'), csv: as('csv'), coco: as('coco'), cocoResults: as('coco', 'results'), yolo: as('yolo'), bundle: `${base}/bundle` }
}

/** One dataset for retraining: each image's latest completed analysis (of `model`, if given), zipped. */
export const datasetExportUrl = (projectId: string, query: ProjectExportQuery) =>
  withQuery(`/api/projects/${enc(projectId)}/export`, { format: query.format, model: query.model, review: query.review })

/** The live stream is same-origin, so the session cookie rides along with the upgrade. */
export function liveUrl(analysisId: string, since: number | null, base: Pick<Location, 'protocol' | 'host'> = location, runs: RunCollection = 'analyses'): string {
  const protocol = base.protocol === 'https:' ? 'wss:' : 'ws:'
  return `${protocol}//${base.host}${withQuery(`/api/${runs}/${enc(analysisId)}/live`, { since: since ?? undefined })}`
}
