import type { ModelOutput } from '../detections'
import type { RgbImage } from '../image'

/** One image to run the models on: decoded for in-process models, as uploaded for the others. */
export interface InferenceInput {
  image: RgbImage
  bytes: Uint8Array<ArrayBuffer>
  filename: string
  contentType: string
}

/** How an adapter reports while it works; the pipeline forwards both to the analysis. */
export interface InferenceContext {
  /** 0..1 of the inference, with an optional note for the viewer. */
  progress(fraction: number, message?: string): Promise<unknown> | void
  log(level: 'info' | 'warning', message: string): void
}

/**
 * A model adapter: the pipeline's stages stay the same whether the models run in this
 * process, behind an HTTP server, in a command, or not at all.
 */
export interface ModelAdapter {
  readonly kind: AdapterKind
  /** What ran, for the analysis' provenance: libraries, model files, the server or command. */
  readonly provenance: Record<string, unknown>
  infer(input: InferenceInput, context: InferenceContext): Promise<ModelOutput>
  /** Releases servers, processes and model memory. */
  close(): Promise<void>
}

export const ADAPTER_KINDS = ['human', 'http', 'subprocess', 'mock'] as const
export type AdapterKind = (typeof ADAPTER_KINDS)[number]
