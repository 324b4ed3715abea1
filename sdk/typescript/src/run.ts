import { postInChunks, type AnnotateSummary } from './bulk'
import type { LoupeClient } from './client'
import type { Trace } from './trace'
import { gridSize, heatmapPng, maskPng, type Grid, type HeatmapOptions, type MaskOptions } from './png'
import { RunHandle, type OnProgress } from './run-handle'
import { BULK_MODES, type Analysis, type AnnotationInput, type BulkAnnotationsResponse, type BulkMode, type HeatmapAnnotationInput, type MaskAnnotationInput } from './types'

export { errorText, type OnProgress, type UploadData } from './run-handle'

/** Where a raster goes and what its annotation says, besides the pixels. */
export interface RasterUploadOptions {
  /** The artifact's file name; default `heatmap.png` or `mask.png`. */
  filename?: string
  class_name?: string
  confidence?: number
}

/**
 * Reports on one analysis. Get it from `client.analysis(id)`, or let `client.withAnalysis(id, fn)`
 * finalize it for you.
 */
export class AnalysisRun extends RunHandle<Analysis> {
  constructor(client: LoupeClient, id: string, trace?: Trace) {
    super(client, id, { path: '/api/analyses', noun: 'analysis' }, trace)
  }

  /** The latest analysis object the server returned. */
  get analysis(): Analysis | undefined {
    return this.latest
  }

  /**
   * Encodes `scores` (rows of numbers, 0..1 unless `range` says otherwise) as a viridis heatmap PNG,
   * uploads it, and resolves to its `heatmap` annotation, ready for `annotate`.
   */
  async uploadHeatmap(scores: Grid<number>, options: HeatmapOptions & RasterUploadOptions = {}): Promise<HeatmapAnnotationInput> {
    const { width, height } = gridSize(scores)
    const storage_path = await this.upload('heatmap', options.filename ?? 'heatmap.png', heatmapPng(scores, options), 'image/png')
    return { annotation_type: 'heatmap', ...described(options), data: { width, height, color_map: 'viridis' }, storage_path }
  }

  /** Encodes a mask (rows of booleans or 0/1) as a PNG, uploads it, and resolves to its `mask` annotation. */
  async uploadMask(mask: Grid<number | boolean>, options: MaskOptions & RasterUploadOptions = {}): Promise<MaskAnnotationInput> {
    const { width, height } = gridSize(mask)
    const storage_path = await this.upload('mask', options.filename ?? 'mask.png', maskPng(mask, options), 'image/png')
    return { annotation_type: 'mask', ...described(options), data: { width, height }, storage_path }
  }

  // ---- annotations -------------------------------------------------------------------------

  /**
   * `POST /api/analyses/{id}/annotations:bulk` in chunks of at most `client.maxBulk` (5000).
   * Re-posting identical annotations stores nothing new, so chunks are retried safely. If the
   * server reports a lower limit (or a chunk is too large), the chunk shrinks and is sent again.
   * With `replace`, only the first chunk replaces and later ones append (a chunked replace is not
   * atomic).
   */
  async annotate(annotations: Iterable<AnnotationInput>, mode: BulkMode = 'append', options: { onProgress?: OnProgress } = {}): Promise<AnnotateSummary> {
    if (!(BULK_MODES as readonly string[]).includes(mode)) throw new RangeError(`mode must be one of ${BULK_MODES.join(', ')}`)
    await this.settle()
    return postInChunks(Array.from(annotations), mode, {
      size: () => this.client.maxBulk,
      shrink: (size) => {
        this.client.logger.debug(`loupe: bulk limit is ${size}; re-chunking`)
        this.client.maxBulk = size
      },
      post: (chunk, chunkMode) => this.call<BulkAnnotationsResponse>('POST', 'annotations:bulk', { annotations: chunk, mode: chunkMode }),
      onProgress: options.onProgress,
    })
  }
}

const described = ({ class_name, confidence }: RasterUploadOptions) => ({
  ...(class_name !== undefined && { class_name }),
  ...(confidence !== undefined && { confidence }),
})

