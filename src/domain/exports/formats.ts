import type { AnalysisExportFormat, CocoVariant } from '../../schemas/exports'
import { cocoDataset, cocoResults } from './coco'
import { analysisCsv } from './csv'
import { singleImageDataset } from './dataset'
import { analysisJson } from './json'
import type { AnalysisSource } from './reader'
import { zipStream, type Chunk } from './stream'
import { yoloEntries } from './yolo'

export interface ExportFile {
  /** Goes after the dot in `analysis_{model}_{timestamp}_{id8}.{ext}`. */
  ext: string
  contentType: string
  body: AsyncIterable<Chunk>
}

const JSON_TYPE = 'application/json; charset=utf-8'

/** One analysis in the asked-for format; nothing is read until the body is. */
export function analysisExport(src: AnalysisSource, format: AnalysisExportFormat, variant: CocoVariant = 'dataset'): ExportFile {
  switch (format) {
    case 'json':
      return { ext: 'json', contentType: JSON_TYPE, body: analysisJson(src) }
    case 'csv':
      return { ext: 'csv', contentType: 'text/csv; charset=utf-8; header=present', body: analysisCsv(src) }
    case 'coco':
      return variant === 'results'
        ? { ext: 'coco-results.json', contentType: JSON_TYPE, body: deferred(src, cocoResults) }
        : { ext: 'coco.json', contentType: JSON_TYPE, body: deferred(src, cocoDataset) }
    case 'yolo':
      return { ext: 'yolo.zip', contentType: 'application/zip', body: zipStream(deferred(src, yoloEntries)) }
  }
}

async function* deferred<T>(src: AnalysisSource, write: (ds: Awaited<ReturnType<typeof singleImageDataset>>) => AsyncIterable<T>) {
  yield* write(await singleImageDataset(src))
}
