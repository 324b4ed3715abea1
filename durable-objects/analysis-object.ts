import type { CallbackMeta } from '../src/app-env'
import { assertArtifactsUploaded, assertKeysFree, prepareAnnotations, replayFrozen, writeAnnotations, type BulkMode, type PreparedAnnotation } from '../src/domain/annotations-bulk'
import { confirmPendingArtifacts, sealDirectUploads } from '../src/domain/artifacts'
import { assertBoxesMeetImage, type ImageSize } from '../src/domain/annotation-bounds'
import { loadAnalysis, loadImageSize, writeAnalysisThrough } from '../src/domain/runs/analysis-record'
import type { Analysis, Annotation } from '../src/schemas/analyses'
import { ARTIFACT_PATH_TYPES, type AnnotationInput } from '../src/schemas/annotation-types'
import type { AnalysisEvent, EventBodies } from '../src/schemas/events'
import { isTerminal } from '../src/schemas/runs'
import type { LiveChannel } from './live-channel'
import { RunObject } from './run-object'
import type { RunKind } from './run-kind'
import { asRpcResult } from './rpc'

const ANNOTATION_EVENT_CHUNK = 500

export const analysisKind: RunKind<'analysis', Analysis> = {
  name: 'analysis',
  prefix: (id) => `ml_outputs/${id}/`,
  load: loadAnalysis,
  writeThrough: writeAnalysisThrough,
}

/** The stub of an analysis's object; its name is the analysis id, which the object reads back as `ctx.id.name`. */
export const analysisStub = (env: Env, analysisId: string) => env.ANALYSIS.getByName(analysisId)

/** One object per analysis: the run shell plus the analysis's own annotations, artifacts and reviews. */
export class AnalysisObject extends RunObject<'analysis', Analysis> {
  protected readonly kind = analysisKind

  /** The same channel, seen with the events only analyses send. */
  private get analysisLive() {
    return this.live as unknown as LiveChannel<EventBodies<AnalysisEvent>>
  }

  async bulkAnnotations(body: { annotations: AnnotationInput[]; mode: BulkMode }, meta: CallbackMeta) {
    return asRpcResult(async () => {
      await this.openGate(meta)
      const items = prepareAnnotations(body.annotations)
      // Decided before any further await: a finalize that lands after this point waits for us.
      if (isTerminal(this.state!.status)) return strip(await replayFrozen(this.data, this.id, items, body.mode, this.state!.status))
      return strip(await this.track(this.write(items, body.annotations, body.mode, meta)))
    }, meta)
  }

  /** Someone reviewed annotations of this analysis: everyone watching sees the decision. */
  async reviewed(annotations: Annotation[]) {
    return asRpcResult(async () => {
      await this.ready()
      this.analysisLive.broadcast('review', { annotations })
    })
  }

  /**
   * Direct-to-R2 uploads nobody referred to are confirmed now, so viewers hear of every artifact,
   * and sealed, so an upload URL still valid after the end cannot change what the analysis holds.
   */
  protected override async beforeFinal() {
    for (const artifact of await confirmPendingArtifacts(this.data.db, this.env.BUCKET, this.id, 'all')) this.live.broadcast('artifact', { artifact })
    await sealDirectUploads(this.data.db, this.env.BUCKET, this.id)
  }

  /** A batch's analysis ended: its job's progress counts it. */
  protected override async afterFinal() {
    const jobId = this.state!.job_id
    if (jobId) this.ctx.waitUntil(this.env.JOB.getByName(jobId).batchAnalysisFinished().catch((err) => console.warn(JSON.stringify({ level: 'warn', message: 'batch progress not updated', job: jobId, error: String(err) }))))
  }

  /** Read once per object: an image's pixels never change. A failed read is tried again next time. */
  private imageSize?: Promise<ImageSize>
  private sizeOfImage(): Promise<ImageSize> {
    this.imageSize ??= loadImageSize(this.data.db, this.state!.image_id).catch((err) => {
      this.imageSize = undefined
      throw err
    })
    return this.imageSize
  }

  private async write(items: PreparedAnnotation[], inputs: AnnotationInput[], mode: BulkMode, meta: CallbackMeta) {
    const bitmaps = inputs.filter((a) => ARTIFACT_PATH_TYPES.has(a.annotation_type) && a.storage_path).map((a) => a.storage_path!)
    for (const artifact of await confirmPendingArtifacts(this.data.db, this.env.BUCKET, this.id, bitmaps)) {
      this.live.broadcast('artifact', { artifact })
    }
    assertBoxesMeetImage(await this.sizeOfImage(), inputs)
    await assertArtifactsUploaded(this.data.db, this.id, inputs)
    if (mode === 'append') await assertKeysFree(this.data, this.id, items)
    const version = this.state!.version + 1
    this.store.update({ version })
    const result = await writeAnnotations(this.data, { analysisId: this.id, projectId: this.state!.project_id, items, mode, version, requestId: meta.requestId })
    this.store.update({ annotation_count: result.count, updated_at: result.at })
    if (mode === 'replace') this.analysisLive.broadcast('annotations', { annotations: [], replace: true, annotation_count: result.count })
    for (let i = 0; i < result.fresh.length; i += ANNOTATION_EVENT_CHUNK) {
      this.analysisLive.broadcast('annotations', { annotations: result.fresh.slice(i, i + ANNOTATION_EVENT_CHUNK), replace: false, annotation_count: result.count })
    }
    return result
  }
}

/** The response leaves out what only viewers are sent. */
const strip = ({ fresh: _fresh, count: _count, at: _at, ...response }: Awaited<ReturnType<typeof writeAnnotations>>) => response
