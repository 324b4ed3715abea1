import type { LoupeClient } from './client'
import type { Trace } from './trace'
import { LoupeError } from './errors'
import { RunHandle } from './run-handle'
import {
  MAX_BATCH_RESULT_ITEMS,
  MAX_METRIC_POINTS_PER_REQUEST,
  type BatchImagesPage,
  type BatchResultItem,
  type BatchResultsResponse,
  type Job,
  type JobInputs,
  type MetricPointInput,
  type MetricsAccepted,
  type ModelVersion,
  type ModelVersionRegister,
} from './types'

/**
 * Reports on one project-level job (training, evaluation, batch inference, …; docs/jobs.md): the
 * status, progress, stages, logs and artifacts every run has, plus metrics, its inputs, a batch's
 * images and results, and the model version it produced. Get it from `client.job(id)`, or let
 * `client.withJob(id, fn)` finalize it for you.
 */
export class JobRun extends RunHandle<Job> {
  constructor(client: LoupeClient, id: string, trace?: Trace) {
    super(client, id, { path: '/api/jobs', noun: 'job' }, trace)
  }

  /** The latest job object the server returned. */
  get job(): Job | undefined {
    return this.latest
  }

  /**
   * `POST /api/jobs/{id}/metrics`, in requests of at most 1,000 points. A point posted again for
   * the same name and step replaces the first, so a retried request stores nothing twice.
   */
  async metrics(points: Iterable<MetricPointInput>): Promise<MetricsAccepted> {
    await this.settle()
    const all = Array.from(points)
    let accepted = 0
    const names = new Set<string>()
    for (let i = 0; i < all.length; i += MAX_METRIC_POINTS_PER_REQUEST) {
      const answer = await this.call<MetricsAccepted>('POST', 'metrics', { points: all.slice(i, i + MAX_METRIC_POINTS_PER_REQUEST) })
      accepted += answer.accepted
      for (const name of answer.names) names.add(name)
    }
    return { accepted, names: [...names] }
  }

  /** One metric point: `run.metric('train/loss', epoch, 0.41, { epoch })`. */
  metric(name: string, step: number, value: number, extra: Pick<MetricPointInput, 'epoch' | 'at'> = {}): Promise<MetricsAccepted> {
    return this.metrics([{ name, step, value, ...extra }])
  }

  /** `POST /api/jobs/{id}/inputs`: the job, its frozen dataset and the version it applies, with download URLs fresh now. */
  inputs(): Promise<JobInputs> {
    return this.call<JobInputs>('POST', 'inputs', {})
  }

  /**
   * The job's dataset snapshot as bytes (a zip, COCO or YOLO as the job asked), checked against the
   * SHA-256 the snapshot was frozen with. Rejects when the job has no dataset.
   */
  async downloadDataset(): Promise<{ bytes: Uint8Array; sha256: string; format: string }> {
    const { dataset } = await this.inputs()
    if (!dataset?.download_url || !dataset.sha256) {
      throw new LoupeError({ status: null, code: 'no_dataset', message: `job ${this.id} has no frozen dataset to download` })
    }
    const res = await fetch(dataset.download_url)
    if (!res.ok) throw new LoupeError({ status: res.status, code: `http_${res.status}`, message: `dataset download answered ${res.status}` })
    const bytes = new Uint8Array(await res.arrayBuffer())
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))
    const sha256 = Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('')
    if (sha256 !== dataset.sha256) {
      throw new LoupeError({ status: null, code: 'dataset_mismatch', message: `dataset of job ${this.id} hashed ${sha256}, expected ${dataset.sha256}` })
    }
    return { bytes, sha256, format: dataset.format }
  }

  /** `POST /api/jobs/{id}/model-versions`: registers the version this job produced, with its metrics and artifacts. */
  registerModelVersion(version: ModelVersionRegister): Promise<ModelVersion> {
    return this.call<ModelVersion>('POST', 'model-versions', version)
  }

  /** `batch_inference`: every page of the batch's images (with image URLs fresh as each page is read). */
  async *batchImages(pageSize = 100): AsyncGenerator<BatchImagesPage['images'][number]> {
    let cursor: string | undefined
    do {
      const page = await this.call<BatchImagesPage>('POST', 'batch/images', { limit: pageSize, ...(cursor && { cursor }) })
      yield* page.images
      cursor = page.next_cursor ?? undefined
    } while (cursor)
  }

  /** `batch_inference`: posts per-image results in requests of at most 100; resolves to the batch's counts after the last. */
  async batchResults(items: Iterable<BatchResultItem>): Promise<BatchResultsResponse> {
    await this.settle()
    const all = Array.from(items)
    if (!all.length) throw new RangeError('batchResults needs at least one item')
    let last: BatchResultsResponse | undefined
    const results: BatchResultsResponse['results'] = []
    for (let i = 0; i < all.length; i += MAX_BATCH_RESULT_ITEMS) {
      last = await this.call<BatchResultsResponse>('POST', 'batch/results', { items: all.slice(i, i + MAX_BATCH_RESULT_ITEMS) })
      results.push(...last.results)
    }
    return { results, batch: last!.batch }
  }
}
