import type { ModelOutput } from '../detections'
import { fromWire } from '../wire'
import type { InferenceContext, InferenceInput, ModelAdapter } from './adapter'
import { PermanentError, withRetry } from './retry'

export interface HttpAdapterOptions {
  /** The model server's base URL; `/infer` is appended. */
  url: string
  timeoutMs: number
  attempts?: number
}

/**
 * The HTTP adapter, for models behind a server: `POST {url}/infer` with the image as the multipart field
 * `input_file`; the server answers `{"success": true, "output": …}` (see `wire.ts`) or
 * `{"success": false, "error": "…"}`. Network errors, timeouts and 5xx are retried with backoff.
 */
export class HttpAdapter implements ModelAdapter {
  readonly kind = 'http' as const
  private readonly endpoint: string

  constructor(private readonly options: HttpAdapterOptions) {
    this.endpoint = new URL('infer', options.url.endsWith('/') ? options.url : `${options.url}/`).href
  }

  get provenance(): Record<string, unknown> {
    return { model_server: this.endpoint }
  }

  async infer(input: InferenceInput, { progress, log }: InferenceContext): Promise<ModelOutput> {
    await progress(0, `sending the image to ${this.endpoint}`)
    const output = await withRetry(() => this.post(input), {
      attempts: this.options.attempts ?? 3,
      baseDelayMs: 1000,
      onRetry: (attempt, err, delayMs) => log('warning', `model server attempt ${attempt} failed (${(err as Error).message}); retrying in ${(delayMs / 1000).toFixed(1)} s`),
    })
    await progress(1)
    return output
  }

  private async post(input: InferenceInput): Promise<ModelOutput> {
    const form = new FormData()
    form.append('input_file', new Blob([input.bytes], { type: input.contentType }), input.filename)
    const res = await fetch(this.endpoint, { method: 'POST', body: form, signal: AbortSignal.timeout(this.options.timeoutMs) }).catch((err: Error) => {
      // fetch says only "fetch failed"; the reason (ECONNREFUSED, a timeout) is in its cause.
      const cause = err.cause as { code?: string; message?: string } | undefined
      throw new Error(`model server ${this.endpoint} did not answer: ${cause?.code ?? cause?.message ?? err.message}`)
    })
    const text = await res.text()
    let body: { success?: boolean; output?: unknown; error?: string }
    try {
      body = JSON.parse(text)
    } catch {
      const error = `model server answered ${res.status} with non-JSON: ${text.slice(0, 200)}`
      throw res.status >= 500 ? new Error(error) : new PermanentError(error)
    }
    if (!res.ok || !body.success) {
      const error = `model server answered ${res.status}: ${body.error ?? text.slice(0, 200)}`
      throw res.status >= 500 || res.status === 429 ? new Error(error) : new PermanentError(error)
    }
    try {
      return fromWire(body.output)
    } catch (err) {
      throw new PermanentError((err as Error).message)
    }
  }

  async close(): Promise<void> {}
}
