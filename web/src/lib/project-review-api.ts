/**
 * Review at the scale of a project: the review queue, bulk accept and its undo, and two model
 * versions compared over every image (src/schemas/project-review.ts). Same-origin like every call,
 * errors as `ApiError` from the shared envelope.
 */
import { json, withQuery } from './api'
import type {
  Analysis,
  BulkReviewRequest,
  BulkReviewResponse,
  ModelVersionList,
  ProjectComparison,
  ReviewBatchList,
  ReviewQueue,
  ReviewQueueOrder,
  UndoResponse,
} from './types'

export interface QueueQuery {
  model: string
  order: ReviewQueueOrder
  against?: string | null
  threshold: number
  margin: number
  iou?: number
}

export interface CompareQuery {
  a: string
  b: string
  iou: number
  image_id?: string | null
}

/** Enough analyses to learn which model versions a project has run, newest first. */
const ANALYSES_FOR_MODELS = 500

const enc = encodeURIComponent
const project = (id: string) => `/api/projects/${enc(id)}`

export const reviewApi = {
  queue: (projectId: string, q: QueueQuery, page: { skip: number; limit: number }, signal?: AbortSignal) =>
    json<ReviewQueue>('GET', withQuery(`${project(projectId)}/review-queue`, { ...q, against: q.order === 'disagreement' ? q.against : undefined, ...page }), { signal }),
  bulkAccept: (projectId: string, body: BulkReviewRequest) => json<BulkReviewResponse>('POST', `${project(projectId)}/reviews/bulk`, { body }),
  batches: (projectId: string, signal?: AbortSignal) => json<ReviewBatchList>('GET', `${project(projectId)}/reviews/bulk`, { signal }),
  undo: (projectId: string, undoToken: string) => json<UndoResponse>('POST', `${project(projectId)}/reviews/undo`, { body: { undo_token: undoToken } }),
  compare: (projectId: string, q: CompareQuery, page: { skip: number; limit: number }, signal?: AbortSignal) =>
    json<ProjectComparison>('GET', withQuery(`${project(projectId)}/compare`, { ...q, ...page }), { signal }),

  versions: (projectId: string, signal?: AbortSignal) => json<ModelVersionList>('GET', withQuery(`${project(projectId)}/model-versions`, { limit: 500 }), { signal }),
  recentAnalyses: (projectId: string, signal?: AbortSignal) =>
    json<{ analyses: Analysis[] }>('GET', withQuery(`${project(projectId)}/analyses`, { status: 'completed', limit: ANALYSES_FOR_MODELS }), { signal }),
  analysis: (id: string, signal?: AbortSignal) => json<Analysis>('GET', `/api/analyses/${enc(id)}`, { signal }),
}
