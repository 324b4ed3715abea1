import { logBatches } from './log-lines'
import type { LogLine } from './types'

export interface LogBufferOptions {
  batchSize: number
  intervalMs: number
  now(): number
  /** Posts one batch (at most `batchSize` lines). */
  send(lines: LogLine[]): Promise<unknown>
  /** True when sending is pointless (the analysis was canceled): lines are dropped. */
  closed(): boolean
  /** A background flush failed; the lines are gone. */
  onError(err: unknown): void
}

/**
 * Buffers log lines and sends them in batches: when `batchSize` are waiting or `intervalMs` has
 * passed (in the background, since `log()` is synchronous), or when flushed. Background flushes
 * run one after another; `idle()` lets every other call wait for them, so lines go out before
 * what follows them and no rejection goes unobserved.
 */
export class LogBuffer {
  private lines: LogLine[] = []
  private lastFlush: number
  private background: Promise<void> = Promise.resolve()
  private queued = false

  constructor(private readonly options: LogBufferOptions) {
    this.lastFlush = options.now()
  }

  push(line: LogLine): void {
    this.lines.push(line)
    if (this.lines.length >= this.options.batchSize || this.due()) this.flushInBackground()
  }

  due(): boolean {
    return this.lines.length > 0 && this.options.now() - this.lastFlush >= this.options.intervalMs
  }

  idle(): Promise<void> {
    return this.background
  }

  /** Sends every buffered line now, after any background flush; resolves to how many were sent. */
  async flush(): Promise<number> {
    await this.background
    return this.sendAll()
  }

  private async sendAll(): Promise<number> {
    const lines = this.lines
    this.lines = []
    this.lastFlush = this.options.now()
    if (!lines.length || this.options.closed()) return 0
    for (const batch of logBatches(lines, this.options.batchSize)) await this.options.send(batch)
    return lines.length
  }

  private flushInBackground(): void {
    if (this.queued) return
    this.queued = true
    this.background = this.background.then(async () => {
      this.queued = false
      try {
        await this.sendAll()
      } catch (err) {
        this.options.onError(err)
      }
    })
  }
}
