/** A project's ground-truth imports as the viewer calls them (docs/evaluation.md#ground-truth). */
import type { z } from 'zod'
import type { GroundTruthImport as GroundTruthImportSchema, GroundTruthImportList as GroundTruthImportListSchema } from '../../../src/schemas/ground-truth'
import { json, withQuery } from './api'

export type GroundTruthImport = z.infer<typeof GroundTruthImportSchema>
export type GroundTruthImportList = z.infer<typeof GroundTruthImportListSchema>

const base = (projectId: string) => `/api/projects/${encodeURIComponent(projectId)}/ground-truth`

export const groundTruthApi = {
  list: (projectId: string, signal?: AbortSignal) => json<GroundTruthImportList>('GET', base(projectId), { signal }),
  /** The COCO file goes up as it is: the server reads it as a stream, up to 100 MiB. */
  upload: (projectId: string, file: File) =>
    json<GroundTruthImport>('POST', withQuery(base(projectId), { name: file.name }), { file: file.type ? file : new Blob([file], { type: 'application/json' }) }),
  remove: (projectId: string, importId: string) => json<void>('DELETE', `${base(projectId)}/${encodeURIComponent(importId)}`),
}
