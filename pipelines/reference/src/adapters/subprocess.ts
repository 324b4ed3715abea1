import { spawn } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { extname, join } from 'node:path'
import { createInterface } from 'node:readline'
import type { ModelOutput } from '../detections'
import { fromWire } from '../wire'
import type { InferenceContext, InferenceInput, ModelAdapter } from './adapter'
import { PermanentError, withRetry } from './retry'

export interface SubprocessAdapterOptions {
  /** A shell command; ` --input <file>` is appended. */
  command: string
  timeoutMs: number
  attempts?: number
}

const PROGRESS_LINE = /^progress:\s*(\d+(?:\.\d+)?)\s*$/
/** How much of the command's stderr to quote when it fails. */
const STDERR_TAIL_CHARS = 2000

/**
 * The subprocess adapter, for models in any language: runs `command --input <file>`, reads
 * `progress: N` lines (0..100) from stdout as they come, and takes the last stdout line as the
 * JSON result (see `wire.ts`). A non-zero exit or a timeout is retried with backoff; malformed
 * output is not, since the same command would print it again.
 */
export class SubprocessAdapter implements ModelAdapter {
  readonly kind = 'subprocess' as const

  constructor(private readonly options: SubprocessAdapterOptions) {}

  get provenance(): Record<string, unknown> {
    return { model_command: this.options.command }
  }

  async infer(input: InferenceInput, context: InferenceContext): Promise<ModelOutput> {
    // A failure to report (a cancel, say) ends the run; it is not the model's to retry.
    let reportFailed = false
    const progress = async (fraction: number) => {
      try {
        await context.progress(fraction)
      } catch (err) {
        reportFailed = true
        throw err
      }
    }
    const dir = await mkdtemp(join(tmpdir(), 'loupe-reference-'))
    try {
      const file = join(dir, `input${extname(input.filename) || (input.image.format === 'png' ? '.png' : '.jpg')}`)
      await writeFile(file, input.bytes)
      return await withRetry(() => this.run(file, progress, context.log), {
        attempts: this.options.attempts ?? 2,
        baseDelayMs: 1000,
        retryable: (err) => !reportFailed && !(err instanceof PermanentError),
        onRetry: (attempt, err) => context.log('warning', `model command attempt ${attempt} failed: ${(err as Error).message}`),
      })
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  }

  private run(file: string, progress: (fraction: number) => Promise<void>, log: InferenceContext['log']): Promise<ModelOutput> {
    // Its own process group, so a timeout or a cancel ends the model and not only the shell.
    const child = spawn(`${this.options.command} --input ${shellQuote(file)}`, { shell: true, detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
    const stop = () => {
      try {
        process.kill(-child.pid!, 'SIGKILL')
      } catch {
        // already gone
      }
    }
    let stderr = ''
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-STDERR_TAIL_CHARS)
    })
    let last = ''
    const reading = (async () => {
      for await (const line of createInterface({ input: child.stdout })) {
        const match = PROGRESS_LINE.exec(line)
        if (match) await progress(Math.min(100, Number(match[1])) / 100)
        else if (line.trim()) last = line
      }
    })().catch((err: unknown) => {
      stop()
      throw err
    })
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      stop()
    }, this.options.timeoutMs)
    const exited = new Promise<number | null>((resolve, reject) => {
      child.once('error', reject)
      child.once('close', (code) => resolve(code))
    })
    return Promise.all([exited, reading])
      .finally(() => clearTimeout(timer))
      .then(([code]) => {
        if (timedOut) throw new Error(`the model command took longer than ${this.options.timeoutMs / 1000} s${stderr.trim() ? `: ${stderr.trim()}` : ''}`)
        if (code !== 0) throw new Error(`the model command exited with ${code ?? 'a signal'}: ${stderr.trim() || '(no stderr)'}`)
        if (stderr.trim()) log('info', `model command stderr: ${stderr.trim()}`)
        return parseOutput(last)
      })
  }

  async close(): Promise<void> {}
}

function parseOutput(line: string): ModelOutput {
  let json: unknown
  try {
    json = JSON.parse(line)
  } catch {
    throw new PermanentError(`the model command's last line is not JSON: ${line.slice(0, 200) || '(no output)'}`)
  }
  try {
    return fromWire(json)
  } catch (err) {
    throw new PermanentError((err as Error).message)
  }
}

export const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`
